// large-objects (workloads/large_objects.c): 32 KiB..4 MiB objects
// (doubling, cycled), a byte written in each of the first touch_pct
// percent of their 4 KiB pages, a FIFO window of live objects.

package main

const pageBytes = 4096

type largeBody struct {
	sizes  []int
	window fifo[[]byte]
}

//go:noinline
func makeLarge(n int) []byte {
	return make([]byte, n) // site: makeLarge
}

func (b *largeBody) setup(t *thread) {}

func (b *largeBody) run(t *thread, iterations uint64) {
	touch := int(t.p["touch_pct"])
	k := 0
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		size := b.sizes[k]
		p := makeLarge(size)
		touched := (size + pageBytes - 1) / pageBytes * touch / 100
		for pg := 0; pg < touched; pg++ {
			p[pg*pageBytes] = byte(pg)
		}
		p[0] = byte(i)
		sink += uint64(p[0])
		b.window.push(p)
		if k++; k == len(b.sizes) {
			k = 0
		}
	}
	t.sink += sink
}

func (b *largeBody) teardown(t *thread) { b.window = fifo[[]byte]{} }

func init() {
	register(&workload{
		name: "large-objects",
		params: []paramSpec{
			{key: "ops", def: 20000, quick: 2000},
			{key: "min", def: 32 << 10, quick: 32 << 10},
			{key: "max", def: 4 << 20, quick: 4 << 20},
			{key: "window", def: 4, quick: 4},
			{key: "touch_pct", def: 100, quick: 100},
		},
		check: func(p params, threads int) error {
			if p["min"] > p["max"] {
				return errorf("min is larger than max")
			}
			return nil
		},
		iterations: func(p params, threads int) uint64 { return p["ops"] / uint64(threads) },
		prepare: func(t *thread) body {
			b := &largeBody{window: newFifo[[]byte](t.p["window"])}
			for s := t.p["min"]; s <= t.p["max"] && len(b.sizes) < 48; s *= 2 {
				b.sizes = append(b.sizes, int(s))
			}
			return b
		},
	})
}
