// interface-boxing (workloads/interface_boxing.c): values converted to an
// interface that escapes (stored in a long-lived field) or does not
// (passed to a function that only reads it).

package main

const (
	kPointer = iota
	kSmall
	kInt
	kString
	kEmpty
	kSlice
	kStruct
	kAll
)

var mixes = []string{"pointer", "small", "int", "string", "empty", "slice", "struct", "all"}

var (
	boxedString = "heaplab-interface-boxing"
	boxedSlice  [64]byte
)

type boxingBody[T any] struct {
	sink   any // the long-lived interface
	anchor uint64
}

func (small[T]) interfaceBoxing() body { return &boxingBody[T]{} }

// readBoxed only reads the interface: it does not escape.
//
//go:noinline
func readBoxed(i any) uint64 {
	switch x := i.(type) {
	case *uint64:
		return *x
	case uint64:
		return x
	case string:
		return uint64(len(x))
	case []byte:
		return uint64(len(x))
	}
	return 1
}

// convert is one call: value i of kind k, into an escaping interface or a
// local one.
//
//go:noinline
func (b *boxingBody[T]) convert(k int, i uint64, escapes bool) uint64 {
	switch k {
	case kPointer:
		p := &b.anchor
		if escapes {
			b.sink = p
			return 0
		}
		return readBoxed(p)
	case kSmall, kInt:
		v := uint64(256) + i
		if k == kSmall {
			v = i & 0xff
		}
		if escapes {
			b.sink = v // site: boxInt
			return 0
		}
		return readBoxed(v) // site: localScalar
	case kString, kEmpty:
		s := boxedString
		if k == kEmpty {
			s = ""
		}
		if escapes {
			b.sink = s // site: boxString
			return 0
		}
		return readBoxed(s) // site: localString
	case kSlice:
		s := boxedSlice[:]
		if escapes {
			b.sink = s // site: boxSlice
			return 0
		}
		return readBoxed(s) // site: localSlice
	}
	var v T
	w := words(&v)
	for j := range w {
		w[j] = uint64(256) + i + uint64(j)
	}
	if escapes {
		b.sink = v // site: boxStruct
		return 0
	}
	return readBoxed(v) // site: localStruct
}

func (b *boxingBody[T]) setup(t *thread) {}

func (b *boxingBody[T]) run(t *thread, iterations uint64) {
	mix := int(t.p["mix"])
	pct := t.p["escape_pct"]
	acc, k := uint64(0), 0
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		escapes := spread(&acc, pct)
		kind := mix
		if mix == kAll {
			kind = k
		}
		if k++; k == kAll {
			k = 0
		}
		sink += b.convert(kind, i, escapes)
	}
	t.sink += sink
}

func (b *boxingBody[T]) teardown(t *thread) { b.sink = nil }

func init() {
	register(&workload{
		name: "interface-boxing",
		params: []paramSpec{
			{key: "calls", def: 2000000, quick: 200000},
			{key: "mix", def: kAll, quick: kAll, choices: mixes},
			{key: "struct_bytes", def: 40, quick: 40, sizeAccepted: valueSizesUpTo(1024)[1:]},
			{key: "escape_pct", def: 50, quick: 50},
		},
		iterations: func(p params, threads int) uint64 { return p["calls"] / uint64(threads) },
		prepare:    func(t *thread) body { return smallSizedFor(t.p["struct_bytes"]).interfaceBoxing() },
	})
}
