// steady-service (workloads/steady_service.c): a live set replaced at
// random (heaplab's generator) while churn bytes are allocated. An object
// has `ptrs` pointer words then payload, a layout known only at run time,
// so its type is made with reflect and reflect.New allocates it (always on
// the heap).

package main

import (
	"reflect"
	"unsafe"
)

type steadyBody struct {
	typ  reflect.Type
	head uintptr // bytes of the pointer words
	live []unsafe.Pointer
}

func entryType(obj, ptrs uint64) reflect.Type {
	var fields []reflect.StructField
	if ptrs > 0 {
		fields = append(fields, reflect.StructField{Name: "P",
			Type: reflect.ArrayOf(int(ptrs), reflect.TypeOf(unsafe.Pointer(nil)))})
	}
	if pad := obj - 8*ptrs; pad > 0 {
		fields = append(fields, reflect.StructField{Name: "D",
			Type: reflect.ArrayOf(int(pad), reflect.TypeOf(byte(0)))})
	}
	return reflect.StructOf(fields)
}

func (b *steadyBody) makeEntry(tag uint64, obj uintptr, newEntry bool) unsafe.Pointer {
	var p unsafe.Pointer
	if newEntry {
		p = reflect.New(b.typ).UnsafePointer() // site: newEntry (runtime: reflect.New)
	} else {
		p = reflect.New(b.typ).UnsafePointer() // site: buildLiveSet (runtime: reflect.New)
	}
	payload := unsafe.Slice((*byte)(unsafe.Add(p, b.head)), obj-b.head)
	for i := range payload {
		payload[i] = byte(tag)
	}
	return p
}

func (b *steadyBody) setup(t *thread) {
	obj := uintptr(t.p["obj"])
	for i := range b.live {
		b.live[i] = b.makeEntry(uint64(i), obj, false)
	}
}

func (b *steadyBody) run(t *thread, iterations uint64) {
	obj := uintptr(t.p["obj"])
	n := uint64(len(b.live))
	rng := t.seed
	sink := uint64(0)
	for i := uint64(0); i < iterations; i++ {
		o := b.makeEntry(i, obj, true)
		b.live[rngBelow(&rng, n)] = o
		sink += uint64(*(*byte)(unsafe.Add(o, obj-1)))
	}
	t.sink += sink
}

func (b *steadyBody) teardown(t *thread) { b.live = nil }

func init() {
	register(&workload{
		name: "steady-service",
		params: []paramSpec{
			{key: "live", def: 16 << 20, quick: 4 << 20},
			{key: "obj", def: 1024, quick: 1024},
			{key: "churn", def: 256 << 20, quick: 32 << 20},
			{key: "ptrs", def: 1, quick: 1},
		},
		check: func(p params, threads int) error {
			if p["ptrs"]*8 > p["obj"] {
				return errorf("ptrs=%d slots do not fit in obj=%d bytes", p["ptrs"], p["obj"])
			}
			return nil
		},
		iterations: func(p params, threads int) uint64 {
			return p["churn"] / p["obj"] / uint64(threads)
		},
		prepare: func(t *thread) body {
			n := t.p["live"] / t.p["obj"] / uint64(t.threads)
			typ := entryType(t.p["obj"], t.p["ptrs"])
			// reflect.New needs *typ: make it now, and look it up once more so
			// that reflect's cache (a sync.Map) has promoted it to its read
			// map; else the first two reflect.New calls allocate for reflect.
			reflect.PtrTo(typ)
			reflect.PtrTo(typ)
			return &steadyBody{typ: typ, head: uintptr(8 * t.p["ptrs"]), live: make([]unsafe.Pointer, n)}
		},
	})
}
