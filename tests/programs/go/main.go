// goprog: Go programs of known shape for heaplab's -x tests (standard
// library only).
//
//	goprog steady [LIVE_MIB [CHURN_MIB]]  the steady-service shape: LIVE
//	    MiB of 1 KiB objects (default 64) replaced at random while CHURN
//	    MiB (default 1024) are allocated; prints "num_gc N" at the end,
//	    after a forced collection
//	goprog env  prints GOGC, GOMEMLIMIT and GODEBUG as it got them
//	goprog leak  keeps 8 KiB of pointer-full nodes per step forever beside
//	    64 KiB of garbage: under GOMEMLIMIT the collector runs without
//	    pause once the kept heap passes the limit (a GOMEMLIMIT service
//	    with a leak)
package main

import (
	"fmt"
	"os"
	"runtime"
	"strconv"
)

type object struct {
	next    *object
	payload [1024 - 8]byte
}

func steady(liveMiB, churnMiB int64) {
	n := liveMiB << 10 // 1 KiB objects
	live := make([]*object, n)
	for i := range live {
		live[i] = new(object)
	}
	rng := uint64(1)
	for done := int64(0); done < churnMiB<<20; done += 1024 {
		rng = rng*6364136223846793005 + 1442695040888963407
		o := new(object)
		o.payload[0] = byte(done)
		live[(rng>>33)%uint64(n)] = o
	}
	runtime.KeepAlive(live)
}

// A node full of pointers: marking the kept heap costs the collector
// what a real service's object graph costs it.
type node struct {
	ptrs [16]*node
}

var sink []*node

func leak() {
	var head *node
	for {
		for i := 0; i < 64; i++ { // 8 KiB kept per step
			n := &node{}
			n.ptrs[0] = head
			n.ptrs[1] = n
			head = n
		}
		sink = make([]*node, 8<<10) // 64 KiB of garbage
	}
}

func arg(i int, def int64) int64 {
	if len(os.Args) <= i {
		return def
	}
	v, err := strconv.ParseInt(os.Args[i], 10, 64)
	if err != nil {
		fmt.Fprintln(os.Stderr, "goprog: bad number", os.Args[i])
		os.Exit(2)
	}
	return v
}

func main() {
	mode := "steady"
	if len(os.Args) > 1 {
		mode = os.Args[1]
	}
	switch mode {
	case "steady":
		steady(arg(2, 64), arg(3, 1024))
	case "leak":
		leak()
	case "env":
		for _, k := range []string{"GOGC", "GOMEMLIMIT", "GODEBUG"} {
			fmt.Printf("%s=%s\n", k, os.Getenv(k))
		}
		return
	default:
		fmt.Fprintln(os.Stderr, "usage: goprog steady [LIVE_MIB [CHURN_MIB]] | leak | env")
		os.Exit(2)
	}
	// A cycle still marking when NumGC is read would end before the exit
	// and print a gctrace line the count had missed (ReadMemStats does not
	// wait for a concurrent mark): so the last cycle is a forced one, which
	// runtime.GC waits for (after finishing any cycle under way).
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	fmt.Printf("num_gc %d\n", ms.NumGC)
}
