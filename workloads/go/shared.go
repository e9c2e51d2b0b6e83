// State every goroutine of one run can reach (heaplab keeps such state
// process-wide, as producer-consumer's rings). prepare runs on one
// goroutine, thread by thread, so it needs no lock.

package main

import "fmt"

type shared struct {
	chans map[int]chan []byte // producer-consumer: pair -> channel
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }
