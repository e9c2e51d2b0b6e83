// pool-reuse (workloads/pool_reuse.c): buffers from a sync.Pool (the real
// one: per P, emptied into its victim cache at every collection) or made
// fresh for every request.

package main

import (
	"sync"
	"unsafe"
)

type poolBody struct {
	n            int
	ring         fifo[*byte] // buffers in use
	fanout       []*byte
	pool         sync.Pool
	gets, misses uint64
	response     []byte // where a request's other data goes
}

// newBuffer makes a buffer; the pool holds its first byte's address (a
// pointer is its own interface word: Put allocates nothing for it).
//
//go:noinline
func newBuffer(n int) *byte {
	b := make([]byte, n) // site: newBuffer
	return &b[0]
}

//go:noinline
func (b *poolBody) newGarbage(n int, i uint64) uint64 {
	g := make([]byte, n) // site: newGarbage
	g[0], g[n-1] = byte(i), byte(i>>8)
	b.response = g
	return uint64(g[n-1])
}

func (b *poolBody) get(usePool bool) []byte {
	b.gets++
	var p *byte
	if usePool {
		p = b.pool.Get().(*byte)
	} else {
		b.misses++
		p = newBuffer(b.n)
	}
	return unsafe.Slice(p, b.n)
}

func (b *poolBody) put(usePool bool, p *byte) {
	if usePool {
		b.pool.Put(p)
	}
}

// fill writes every byte of buf (the C workload's memset): one byte, then
// copies of what is written, doubling (a byte loop costs a microsecond per
// KiB here and would be most of the twin's time).
func (b *poolBody) fill(buf []byte, v uint64, k int) uint64 {
	buf[0] = byte(v)
	for n := 1; n < len(buf); n *= 2 {
		copy(buf[n:], buf[:n])
	}
	return uint64(buf[k%len(buf)])
}

func (b *poolBody) setup(t *thread) {}

func (b *poolBody) run(t *thread, iterations uint64) {
	usePool := t.p["pool"] == 1
	garbage := int(t.p["garbage"])
	every := t.p["fanout_every"]
	if len(b.fanout) == 0 {
		every = 0
	}
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		buf := b.get(usePool)
		sink += b.fill(buf, i, int(i%uint64(b.n)))
		if garbage > 0 {
			sink += b.newGarbage(garbage, i)
		}
		if every != 0 && (i+1)%every == 0 {
			for k := range b.fanout {
				x := b.get(usePool)
				sink += b.fill(x, i+uint64(k), k)
				b.fanout[k] = &x[0]
			}
			for k, x := range b.fanout {
				b.put(usePool, x)
				b.fanout[k] = nil
			}
		}
		if old := b.ring.push(&buf[0]); old != nil {
			b.put(usePool, old)
		}
	}
	t.sink += sink
}

func (b *poolBody) teardown(t *thread) {
	t.report("pool_gets", float64(b.gets))
	t.report("pool_hits", float64(b.gets-b.misses))
	t.report("pool_misses", float64(b.misses))
	b.ring, b.fanout, b.response = fifo[*byte]{}, nil, nil
}

func init() {
	register(&workload{
		name: "pool-reuse",
		params: []paramSpec{
			{key: "ops", def: 1000000, quick: 100000},
			{key: "buf", def: 1024, quick: 1024},
			{key: "pool", def: 1, quick: 1},
			{key: "hold", def: 4, quick: 4},
			{key: "garbage", def: 0, quick: 0},
			{key: "fanout", def: 0, quick: 0},
			{key: "fanout_every", def: 1000, quick: 1000},
		},
		iterations: func(p params, threads int) uint64 { return p["ops"] / uint64(threads) },
		prepare: func(t *thread) body {
			b := &poolBody{n: int(t.p["buf"]), ring: newFifo[*byte](t.p["hold"]),
				fanout: make([]*byte, t.p["fanout"])}
			b.pool.Get() // the pool's per-P array, made at its first use (New unset: no buffer)
			b.pool.New = func() any {
				b.misses++
				return newBuffer(b.n)
			}
			return b
		},
	})
}
