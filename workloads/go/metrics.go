// The runtime's own figures around a phase: runtime/metrics, read after
// runtime.ReadMemStats has flushed every P's cache (Go 1.19 counts a small
// object when its span leaves the cache, so an unflushed read misses the
// objects of cached spans). Reading allocates nothing once the sample
// slice exists.

package main

import (
	"runtime"
	"runtime/metrics"
	"sync/atomic"
	"syscall"
	"time"
)

const (
	mAllocsObjects = iota
	mAllocsBytes
	mTinyObjects
	mFreesObjects
	mFreesBytes
	mGCCycles
	mHeapObjectsBytes
	mHeapGoalBytes
	mGCCPU // present from Go 1.20 on
	mAllocsBySize
	mCount
)

// maxClasses bounds the size-class histogram (Go has 68 classes, class 0
// standing for large objects).
const maxClasses = 80

var metricNames = [mCount]string{
	"/gc/heap/allocs:objects",
	"/gc/heap/allocs:bytes",
	"/gc/heap/tiny/allocs:objects",
	"/gc/heap/frees:objects",
	"/gc/heap/frees:bytes",
	"/gc/cycles/total:gc-cycles",
	"/memory/classes/heap/objects:bytes",
	"/gc/heap/goal:bytes",
	"/cpu/classes/gc/total:cpu-seconds",
	"/gc/heap/allocs-by-size:bytes",
}

// reading is one read of every figure.
type reading struct {
	value        [mCount]float64
	present      [mCount]bool
	classBytes   [maxClasses]uint64 // object size of each histogram bucket; 0: large
	classCount   [maxClasses]uint64 // objects allocated in it, ever
	nclasses     int
	pauseTotalNs uint64
	numGC        uint32
	gcCPUFrac    float64
	cpuNs        int64 // the process's user + system time
	when         time.Time
}

type meter struct {
	samples []metrics.Sample
	ms      runtime.MemStats
}

func newMeter() *meter {
	known := map[string]bool{}
	for _, d := range metrics.All() {
		known[d.Name] = true
	}
	m := &meter{}
	for _, n := range metricNames {
		if !known[n] {
			n = "" // left unread: Read reports KindBad
		}
		m.samples = append(m.samples, metrics.Sample{Name: n})
	}
	return m
}

func processCPUNs() int64 {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return ru.Utime.Nano() + ru.Stime.Nano()
}

func (m *meter) read() reading {
	var r reading
	runtime.ReadMemStats(&m.ms)
	metrics.Read(m.samples)
	for i, s := range m.samples {
		switch s.Value.Kind() {
		case metrics.KindUint64:
			r.value[i], r.present[i] = float64(s.Value.Uint64()), true
		case metrics.KindFloat64:
			r.value[i], r.present[i] = s.Value.Float64(), true
		case metrics.KindFloat64Histogram:
			r.readClasses(s.Value.Float64Histogram())
		}
	}
	r.pauseTotalNs = m.ms.PauseTotalNs
	r.numGC = m.ms.NumGC
	r.gcCPUFrac = m.ms.GCCPUFraction
	r.cpuNs = processCPUNs()
	r.when = time.Now()
	return r
}

// readClasses copies /gc/heap/allocs-by-size:bytes: bucket i is the size
// class [Buckets[i], Buckets[i+1]), so its objects are Buckets[i+1]-1 bytes;
// the last bucket, up to +Inf, holds the large objects.
func (r *reading) readClasses(h *metrics.Float64Histogram) {
	r.nclasses = len(h.Counts)
	if r.nclasses > maxClasses {
		r.nclasses = maxClasses
	}
	for i := 0; i < r.nclasses; i++ {
		r.classCount[i] = h.Counts[i]
		if i+1 < len(h.Buckets) && i+1 < len(h.Counts) {
			r.classBytes[i] = uint64(h.Buckets[i+1]) - 1
		}
	}
}

// classCount is one row of allocs_by_class, the shape of heaplab's
// heap_classes (object_bytes 0: large objects).
type classCount struct {
	ObjectBytes uint64 `json:"object_bytes"`
	Mallocs     uint64 `json:"mallocs"`
}

// phaseFigures is what happened between two readings; the JSON keys are
// documented in workloads/go/README.md.
type phaseFigures struct {
	AllocsObjects     uint64       `json:"allocs_objects"`
	AllocsBytes       uint64       `json:"allocs_bytes"`
	TinyAllocsObjects uint64       `json:"tiny_allocs_objects"`
	Objects           uint64       `json:"objects"`
	FreesObjects      uint64       `json:"frees_objects"`
	FreesBytes        uint64       `json:"frees_bytes"`
	GCCycles          uint64       `json:"gc_cycles"`
	GCPauseNs         uint64       `json:"gc_pause_total_ns"`
	GCCPUNs           *int64       `json:"gc_cpu_ns,omitempty"`
	WallNs            int64        `json:"wall_ns"`
	CPUNs             int64        `json:"cpu_ns"`
	HeapObjectsBytes  uint64       `json:"heap_objects_bytes"`
	HeapGoalBytes     uint64       `json:"heap_goal_bytes"`
	GCCPUFraction     *float64     `json:"gc_cpu_fraction,omitempty"`
	AllocsByClass     []classCount `json:"allocs_by_class"`
}

func delta(a, b reading) phaseFigures {
	d := func(i int) uint64 { return uint64(b.value[i] - a.value[i]) }
	f := phaseFigures{
		AllocsObjects:     d(mAllocsObjects),
		AllocsBytes:       d(mAllocsBytes),
		TinyAllocsObjects: d(mTinyObjects),
		FreesObjects:      d(mFreesObjects),
		FreesBytes:        d(mFreesBytes),
		GCCycles:          d(mGCCycles),
		GCPauseNs:         b.pauseTotalNs - a.pauseTotalNs,
		WallNs:            b.when.Sub(a.when).Nanoseconds(),
		CPUNs:             b.cpuNs - a.cpuNs,
		HeapObjectsBytes:  uint64(b.value[mHeapObjectsBytes]),
		HeapGoalBytes:     uint64(b.value[mHeapGoalBytes]),
	}
	f.Objects = f.AllocsObjects + f.TinyAllocsObjects
	f.AllocsByClass = []classCount{}
	for i := 0; i < b.nclasses; i++ {
		if n := b.classCount[i] - a.classCount[i]; n > 0 {
			f.AllocsByClass = append(f.AllocsByClass, classCount{b.classBytes[i], n})
		}
	}
	if b.present[mGCCPU] {
		ns := int64((b.value[mGCCPU] - a.value[mGCCPU]) * 1e9)
		f.GCCPUNs = &ns
	} else {
		frac := b.gcCPUFrac
		f.GCCPUFraction = &frac
	}
	return f
}

// heapSampler records the largest /memory/classes/heap/objects:bytes seen
// every interval, from its own goroutine, until stopped.
type heapSampler struct {
	peak uint64
	stop chan struct{}
	done chan struct{}
}

func startHeapSampler(interval time.Duration) *heapSampler {
	h := &heapSampler{stop: make(chan struct{}), done: make(chan struct{})}
	s := []metrics.Sample{{Name: metricNames[mHeapObjectsBytes]}}
	tick := time.NewTicker(interval)
	go func() {
		defer close(h.done)
		defer tick.Stop()
		for {
			metrics.Read(s)
			if v := s[0].Value.Uint64(); v > atomic.LoadUint64(&h.peak) {
				atomic.StoreUint64(&h.peak, v)
			}
			select {
			case <-h.stop:
				return
			case <-tick.C:
			}
		}
	}()
	return h
}

func (h *heapSampler) finish() uint64 {
	close(h.stop)
	<-h.done
	return atomic.LoadUint64(&h.peak)
}
