// producer-consumer (workloads/producer_consumer.c): objects made by one
// goroutine and dropped by another, through a buffered channel.

package main

const (
	roleBoth = iota
	roleProducer
	roleConsumer
)

type pcBody struct {
	ch   chan []byte
	role int
}

//go:noinline
func newItem(n int, i uint64) []byte {
	o := make([]byte, n) // site: newItem
	o[0], o[n-1] = byte(i), byte(i>>8)
	return o
}

func (b *pcBody) setup(t *thread) {}

func (b *pcBody) run(t *thread, iterations uint64) {
	n := int(t.p["obj"])
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		switch b.role {
		case roleBoth:
			b.ch <- newItem(n, i)
			if len(b.ch) == cap(b.ch) || i+1 == iterations {
				for len(b.ch) > 0 {
					o := <-b.ch
					sink += uint64(o[0]) + uint64(o[n-1])
				}
			}
		case roleProducer:
			b.ch <- newItem(n, i)
		default:
			o := <-b.ch
			sink += uint64(o[0]) + uint64(o[n-1])
		}
	}
	t.sink += sink
}

func (b *pcBody) teardown(t *thread) {}

func init() {
	register(&workload{
		name: "producer-consumer",
		params: []paramSpec{
			{key: "objects", def: 1000000, quick: 100000},
			{key: "obj", def: 64, quick: 64},
			{key: "depth", def: 256, quick: 256},
		},
		check: func(p params, threads int) error {
			if threads != 1 && threads%2 != 0 {
				return errorf("-threads %d: want 1 or an even number", threads)
			}
			return nil
		},
		iterations: func(p params, threads int) uint64 {
			if threads > 1 {
				return p["objects"] / uint64(threads/2)
			}
			return p["objects"]
		},
		prepare: func(t *thread) body {
			if t.threads == 1 {
				return &pcBody{ch: make(chan []byte, t.p["depth"]), role: roleBoth}
			}
			pairs := t.threads / 2
			sh := t.shared
			if sh.chans == nil {
				sh.chans = map[int]chan []byte{}
			}
			if t.index < pairs {
				sh.chans[t.index] = make(chan []byte, t.p["depth"])
				return &pcBody{ch: sh.chans[t.index], role: roleProducer}
			}
			return &pcBody{ch: sh.chans[t.index-pairs], role: roleConsumer}
		},
	})
}
