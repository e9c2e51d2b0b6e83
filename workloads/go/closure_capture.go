// closure-capture (workloads/closure_capture.c): a closure that captures a
// local by reference and is returned, against one called in place.

package main

import "unsafe"

// The closures are made in plain (non-generic) functions: a func literal
// inside generic code also captures the generic dictionary (24 bytes), one
// in ordinary Go code holds the code pointer and the captured reference, 16
// bytes. They reach v through a pointer made outside them, which is what
// Go's by-reference capture stores (&v).

//go:noinline
func makeCounter[T any](x uint64) func() uint64 {
	var v T // site: capturedVar (var v)
	first := (*uint64)(unsafe.Pointer(&v))
	*first = x
	return counterOf(first)
}

//go:noinline
func counterOf(first *uint64) func() uint64 {
	return func() uint64 { // site: escapingClosure
		*first++
		return *first
	}
}

//go:noinline
func callInPlace[T any](x uint64) uint64 {
	var v T // site: localVar (var v)
	first := (*uint64)(unsafe.Pointer(&v))
	*first = x
	return callTwice(first)
}

//go:noinline
func callTwice(first *uint64) uint64 {
	f := func() uint64 { // site: localClosure
		*first++
		return *first
	}
	return f() + f()
}

type closureBody[T any] struct{}

func (sized[T]) closureCapture() body { return closureBody[T]{} }

func (closureBody[T]) setup(t *thread) {}

func (closureBody[T]) run(t *thread, iterations uint64) {
	pct := t.p["escape_pct"]
	acc := uint64(0)
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		if spread(&acc, pct) {
			f := makeCounter[T](i)
			sink += f()
			sink += f()
		} else {
			sink += callInPlace[T](i)
		}
	}
	t.sink += sink
}

func (closureBody[T]) teardown(t *thread) {}

func init() {
	register(&workload{
		name: "closure-capture",
		params: []paramSpec{
			{key: "calls", def: 2000000, quick: 200000},
			{key: "captured", def: 64, quick: 64, sizeAccepted: valueSizes},
			{key: "escape_pct", def: 50, quick: 50},
		},
		iterations: func(p params, threads int) uint64 { return p["calls"] / uint64(threads) },
		prepare:    func(t *thread) body { return sizedFor(t.p["captured"]).closureCapture() },
	})
}
