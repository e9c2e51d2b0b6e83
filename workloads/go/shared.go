// State every goroutine of one run can reach (heaplab keeps such state
// process-wide, as producer-consumer's rings). prepare runs on one
// goroutine, thread by thread, so it needs no lock.

package main

import "fmt"

type shared struct {
	chans map[int]chan []byte // producer-consumer: pair -> channel
}

func errorf(format string, a ...any) error { return fmt.Errorf(format, a...) }

// spread is hl_spread (workload.h): true for exactly pct of every 100
// consecutive calls, spread evenly.
func spread(acc *uint64, pct uint64) bool {
	*acc += pct
	if *acc < 100 {
		return false
	}
	*acc -= 100
	return true
}

// fifo is heaplab's hl_window_t: a FIFO of live objects; push stores x in
// the oldest slot and returns what was there (the zero value at first).
type fifo[T any] struct {
	slots []T
	next  int
}

func newFifo[T any](n uint64) fifo[T] { return fifo[T]{slots: make([]T, n)} }

func (f *fifo[T]) push(x T) T {
	old := f.slots[f.next]
	f.slots[f.next] = x
	if f.next++; f.next == len(f.slots) {
		f.next = 0
	}
	return old
}
