// struct-layout (workloads/struct_layout.c): the same fields padded or
// ordered by decreasing size; a temporary on the stack, a copy kept live.

package main

import "unsafe"

type recordPadded struct {
	a bool
	b int64
	c bool
	d int32
	e bool
}

type recordPacked struct {
	b       int64
	d       int32
	a, c, e bool
}

// checksum reads every byte of a record (padding included); p does not
// escape.
//
//go:noinline
func checksum(p unsafe.Pointer, n uintptr) uint64 {
	sum := uint64(0)
	for _, b := range unsafe.Slice((*byte)(p), n) {
		sum = sum*31 + uint64(b)
	}
	return sum
}

//go:noinline
func newPadded(i uint64, sum *uint64) *recordPadded {
	tmp := recordPadded{a: i&1 == 1, b: int64(i), c: i&2 == 2, d: int32(i), e: true} // site: tmpRecord (var tmp)
	*sum += checksum(unsafe.Pointer(&tmp), unsafe.Sizeof(tmp))
	r := new(recordPadded) // site: newRecord
	*r = tmp
	return r
}

//go:noinline
func newPacked(i uint64, sum *uint64) *recordPacked {
	tmp := recordPacked{a: i&1 == 1, b: int64(i), c: i&2 == 2, d: int32(i), e: true} // site: tmpRecord (var tmp)
	*sum += checksum(unsafe.Pointer(&tmp), unsafe.Sizeof(tmp))
	r := new(recordPacked) // site: newRecord
	*r = tmp
	return r
}

type layoutBody struct {
	padded []*recordPadded
	packed []*recordPacked
}

func (b *layoutBody) setup(t *thread) {}

func (b *layoutBody) run(t *thread, iterations uint64) {
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		if b.padded != nil {
			b.padded[i] = newPadded(i, &sink)
		} else {
			b.packed[i] = newPacked(i, &sink)
		}
	}
	t.sink += sink
}

func (b *layoutBody) teardown(t *thread) {
	if t.index == 0 {
		size := unsafe.Sizeof(recordPadded{})
		if b.padded == nil {
			size = unsafe.Sizeof(recordPacked{})
		}
		t.report("struct_bytes", float64(size))
	}
	b.padded, b.packed = nil, nil
}

func init() {
	register(&workload{
		name: "struct-layout",
		params: []paramSpec{
			{key: "objects", def: 1000000, quick: 100000},
			{key: "layout", def: 0, quick: 0, choices: []string{"padded", "packed"}},
		},
		iterations: func(p params, threads int) uint64 { return p["objects"] / uint64(threads) },
		prepare: func(t *thread) body {
			if t.p["layout"] == 0 {
				return &layoutBody{padded: make([]*recordPadded, t.iterations)}
			}
			return &layoutBody{packed: make([]*recordPacked, t.iterations)}
		},
	})
}
