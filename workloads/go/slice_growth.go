// slice-growth (workloads/slice_growth.c): a slice built by append from
// nil, or made first with its final capacity, or with a constant one.

package main

const (
	preNone = iota
	preFinal
	preConst
)

type sliceBody[T any] struct{}

func (small[T]) sliceGrowth() body { return sliceBody[T]{} }

// sumFirst reads the first word of every element; s does not escape.
//
//go:noinline
func sumFirst[T any](s []T) uint64 {
	sum := uint64(0)
	for i := range s {
		sum += words(&s[i])[0]
	}
	return sum
}

//go:noinline
func buildAppend[T any](n int, seed uint64) uint64 {
	var s []T
	for i := 0; i < n; i++ {
		var e T
		words(&e)[0] = seed + uint64(i)
		s = append(s, e) // site: appendGrow (runtime: growslice)
	}
	return sumFirst(s)
}

//go:noinline
func buildMade[T any](n int, seed uint64) uint64 {
	s := make([]T, 0, n) // site: makeFinal
	for i := 0; i < n; i++ {
		var e T
		words(&e)[0] = seed + uint64(i)
		s = append(s, e)
	}
	return sumFirst(s)
}

//go:noinline
func buildConst[T any](n int, seed uint64) uint64 {
	s := make([]T, 0, 64) // site: makeConst
	for i := 0; i < n; i++ {
		var e T
		words(&e)[0] = seed + uint64(i)
		s = append(s, e) // site: appendGrow (runtime: growslice)
	}
	return sumFirst(s)
}

func (sliceBody[T]) setup(t *thread) {}

func (sliceBody[T]) run(t *thread, iterations uint64) {
	n := int(t.p["len"])
	build := buildAppend[T]
	switch t.p["prealloc"] {
	case preFinal:
		build = buildMade[T]
	case preConst:
		build = buildConst[T]
	}
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		sink += build(n, i)
	}
	t.sink += sink
}

func (sliceBody[T]) teardown(t *thread) {}

func init() {
	register(&workload{
		name: "slice-growth",
		params: []paramSpec{
			{key: "ops", def: 20000, quick: 2000},
			{key: "len", def: 1000, quick: 1000},
			{key: "elem", def: 8, quick: 8, sizeAccepted: valueSizesUpTo(1024)},
			{key: "prealloc", def: preNone, quick: preNone, choices: []string{"0", "1", "const"}},
		},
		iterations: func(p params, threads int) uint64 { return p["ops"] / uint64(threads) },
		prepare:    func(t *thread) body { return smallSizedFor(t.p["elem"]).sliceGrowth() },
	})
}
