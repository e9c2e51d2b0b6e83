// heaplab's workload generator (workloads/workload.h), bit for bit: the
// splitmix64 step and Lemire's multiply-shift reduction, so a twin makes the
// same random choices as its C workload from the same seed.

package main

import "math/bits"

// rngNext is hl_rng_next: one splitmix64 step.
func rngNext(state *uint64) uint64 {
	*state += 0x9e3779b97f4a7c15
	z := *state
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

// rngBelow is hl_rng_below: uniform in [0, n), the high word of next * n.
func rngBelow(state *uint64, n uint64) uint64 {
	hi, _ := bits.Mul64(rngNext(state), n)
	return hi
}

// threadSeed is the seed heaplab's worker gives thread tid (worker.c):
// splitmix64 of seed + tid.
func threadSeed(seed uint64, tid int) uint64 {
	s := seed + uint64(tid)
	return rngNext(&s)
}
