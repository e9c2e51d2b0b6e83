// escape-return (workloads/escape_return.c): a constructor that returns a
// pointer to a local, against one that returns the value.

package main

//go:noinline
func newPtr[T any](seed uint64) *T {
	var t T // site: newPtr (var t)
	w := words(&t)
	for i := range w {
		w[i] = seed + uint64(i)
	}
	return &t
}

//go:noinline
func newVal[T any](seed uint64) T {
	var v T // site: newVal (var v)
	w := words(&v)
	for i := range w {
		w[i] = seed + uint64(i)
	}
	return v
}

func consume(w []uint64) uint64 {
	sum := uint64(0)
	for _, x := range w {
		sum += x
	}
	return sum
}

type escapeBody[T any] struct{}

func (sized[T]) escapeReturn() body { return escapeBody[T]{} }

func (escapeBody[T]) setup(t *thread) {}

func (escapeBody[T]) run(t *thread, iterations uint64) {
	pct := t.p["ptr_pct"]
	acc := uint64(0)
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		if spread(&acc, pct) {
			p := newPtr[T](i)
			sink += consume(words(p))
		} else {
			v := newVal[T](i)
			sink += consume(words(&v))
		}
	}
	t.sink += sink
}

func (escapeBody[T]) teardown(t *thread) {}

func init() {
	register(&workload{
		name: "escape-return",
		params: []paramSpec{
			{key: "calls", def: 2000000, quick: 200000},
			{key: "obj", def: 32, quick: 32, sizeAccepted: valueSizes},
			{key: "ptr_pct", def: 50, quick: 50},
		},
		iterations: func(p params, threads int) uint64 { return p["calls"] / uint64(threads) },
		prepare:    func(t *thread) body { return sizedFor(t.p["obj"]).escapeReturn() },
	})
}
