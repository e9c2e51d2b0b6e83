// sizeclass-sweep (workloads/sizeclass_sweep.c): every request size from
// min to max in turn, a FIFO window of live objects.

package main

type sweepBody struct {
	window fifo[[]byte]
}

//go:noinline
func makeBytes(n int) []byte {
	return make([]byte, n) // site: makeBytes
}

func (b *sweepBody) setup(t *thread) {}

func (b *sweepBody) run(t *thread, iterations uint64) {
	min, step := t.p["min"], t.p["step"]
	n := (t.p["max"]-min)/step + 1
	k := uint64(0)
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		size := int(min + k*step)
		p := makeBytes(size)
		p[0], p[size-1] = byte(i), byte(k)
		sink += uint64(p[0])
		b.window.push(p)
		if k++; k == n {
			k = 0
		}
	}
	t.sink += sink
}

func (b *sweepBody) teardown(t *thread) { b.window = fifo[[]byte]{} }

func init() {
	register(&workload{
		name: "sizeclass-sweep",
		params: []paramSpec{
			{key: "min", def: 1, quick: 1},
			{key: "max", def: 32 << 10, quick: 32 << 10},
			{key: "step", def: 1, quick: 8},
			{key: "passes", def: 16, quick: 4},
			{key: "window", def: 64, quick: 64},
		},
		check: func(p params, threads int) error {
			if p["min"] > p["max"] {
				return errorf("min (%d) is larger than max (%d)", p["min"], p["max"])
			}
			return nil
		},
		iterations: func(p params, threads int) uint64 {
			return ((p["max"]-p["min"])/p["step"] + 1) * p["passes"] / uint64(threads)
		},
		prepare: func(t *thread) body { return &sweepBody{window: newFifo[[]byte](t.p["window"])} },
	})
}
