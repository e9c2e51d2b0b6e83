package main

import "testing"

// The same answers tests/unit/test_gomodel.c holds heaplab's C generator
// to, so the twins and the C workloads draw the same numbers.
func TestGenerator(t *testing.T) {
	seed := threadSeed(1, 0)
	if seed != 10451216379200822465 {
		t.Fatalf("threadSeed(1, 0) = %d", seed)
	}
	s := seed
	for i, want := range []uint64{6791897765849424158, 17405687883870564846, 834844254806117752} {
		if got := rngNext(&s); got != want {
			t.Fatalf("next #%d = %d, want %d", i, got, want)
		}
	}
	s = seed
	for i, want := range []uint64{368, 943, 45, 777, 219} {
		if got := rngBelow(&s, 1000); got != want {
			t.Fatalf("below(1000) #%d = %d, want %d", i, got, want)
		}
	}
}
