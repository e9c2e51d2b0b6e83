// Value types of every size a twin needs at compile time (gomodel.h
// HL_GO_VALUE_SIZES lists the same sizes): a captured variable, a struct
// boxed in an interface, a slice element or a constructed value must have
// a static type for escape analysis to decide where it lives, so the
// generic code of those workloads is instantiated once per size here, and
// a run picks the instantiation for its parameter. The values are arrays of
// words (pointer-free, as the C workloads' objects of these sites are).

package main

import "unsafe"

// sized[T] makes each workload's thread body for values of type T; one
// method per workload that needs a value type.
type sized[T any] struct{}

type sizedMaker interface {
	closureCapture() body
	escapeReturn() body
}

// smallSizedMaker is for the workloads whose values stop at 1024 bytes
// (interface-boxing's stack temporaries, slice-growth's 64-element
// constant array): instantiated for those sizes only, so every shape's
// escape decision at a site line is the one its C workload models.
// (A type of its own, small[T]: Go instantiates every method of a generic
// type it instantiates, and sized[T] goes up to 64 KiB.)
type small[T any] struct{}

type smallSizedMaker interface {
	interfaceBoxing() body
	sliceGrowth() body
}

var smallValueTypes = []smallSizedMaker{
	small[[1]uint64]{}, small[[2]uint64]{}, small[[3]uint64]{}, small[[4]uint64]{},
	small[[5]uint64]{}, small[[6]uint64]{}, small[[7]uint64]{}, small[[8]uint64]{},
	small[[10]uint64]{}, small[[12]uint64]{}, small[[16]uint64]{}, small[[24]uint64]{},
	small[[32]uint64]{}, small[[48]uint64]{}, small[[64]uint64]{}, small[[128]uint64]{},
}

var valueTypes = []sizedMaker{
	sized[[1]uint64]{}, sized[[2]uint64]{}, sized[[3]uint64]{}, sized[[4]uint64]{},
	sized[[5]uint64]{}, sized[[6]uint64]{}, sized[[7]uint64]{}, sized[[8]uint64]{},
	sized[[10]uint64]{}, sized[[12]uint64]{}, sized[[16]uint64]{}, sized[[24]uint64]{},
	sized[[32]uint64]{}, sized[[48]uint64]{}, sized[[64]uint64]{}, sized[[128]uint64]{},
	sized[[256]uint64]{}, sized[[512]uint64]{}, sized[[1024]uint64]{}, sized[[2048]uint64]{},
	sized[[4096]uint64]{}, sized[[8192]uint64]{},
}

// valueSizes lists the bytes of valueTypes (and of smallValueTypes, the
// first 16), in order.
var valueSizes = []uint64{8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 128, 192, 256, 384, 512, 1024,
	2048, 4096, 8192, 16384, 32768, 65536}

// valueSizesUpTo is valueSizes without the sizes above max.
func valueSizesUpTo(max uint64) []uint64 {
	var out []uint64
	for _, s := range valueSizes {
		if s <= max {
			out = append(out, s)
		}
	}
	return out
}

// smallSizedFor is sizedFor for the values of at most 1024 bytes.
func smallSizedFor(bytes uint64) smallSizedMaker {
	for i, s := range valueSizes[:len(smallValueTypes)] {
		if s == bytes {
			return smallValueTypes[i]
		}
	}
	panic("no small value type of this size")
}

// sizedFor gives the maker of the value type of `bytes` bytes (the
// parameter was checked against valueSizes).
func sizedFor(bytes uint64) sizedMaker {
	for i, s := range valueSizes {
		if s == bytes {
			return valueTypes[i]
		}
	}
	panic("no value type of this size")
}

// words views any value as its words, without the value escaping.
func words[T any](p *T) []uint64 {
	return unsafe.Slice((*uint64)(unsafe.Pointer(p)), unsafe.Sizeof(*p)/8)
}
