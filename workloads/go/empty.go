// empty: no work at all. Its figures are what the twins' own machinery
// (goroutines waiting between phases, the readings, the heap sampler)
// costs the runtime, the floor under every other twin's counts.

package main

type emptyBody struct{}

func (emptyBody) setup(t *thread)                  {}
func (emptyBody) run(t *thread, iterations uint64) {}
func (emptyBody) teardown(t *thread)               {}

func init() {
	register(&workload{
		name:       "empty",
		params:     []paramSpec{{key: "ops", def: 1000000, quick: 100000}},
		iterations: func(p params, threads int) uint64 { return p["ops"] / uint64(threads) },
		prepare:    func(t *thread) body { return emptyBody{} },
	})
}
