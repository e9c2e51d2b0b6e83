// heaplab-twins: the Go twins of heaplab's workloads. Each twin makes the
// operations its C workload makes (same parameters, same pseudo-random
// sequence, the same allocation sites, each marked `// site: NAME` at the
// line where Go decides its place), under the real Go runtime, and prints
// one JSON line of the runtime's own figures (runtime/metrics) for the
// setup and the timed part (README.md in this folder documents the keys).
//
//	heaplab-twins -w WORKLOAD [-p KEY=VALUE]... [-threads N] [-seed N] [-quick]
//	heaplab-twins -list | -list-params WORKLOAD
//
// A run mirrors heaplab's worker: N goroutines (heaplab's threads), each
// with 1/N of the work and the seed of its thread index; per goroutine an
// unmeasured prepare (the state and root arrays heaplab does not count as
// heap allocations), then setup, the timed loop and teardown, each phase
// started on every goroutine at once. The figures of a phase are the
// difference of two readings taken while every goroutine waits between
// phases. The runtime's own allocations in that machinery are measured by
// the workload `empty` (no work at all).
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"runtime"
	"sort"
	"strings"
	"sync"
	"time"
)

// body is one goroutine's share of a workload.
type body interface {
	setup(t *thread)
	run(t *thread, iterations uint64)
	teardown(t *thread)
}

type workload struct {
	name       string
	params     []paramSpec
	check      func(p params, threads int) error // optional
	iterations func(p params, threads int) uint64
	prepare    func(t *thread) body // unmeasured: state, roots
}

// thread is heaplab's hl_wl_thread_t.
type thread struct {
	p          params
	index      int
	threads    int
	seed       uint64
	iterations uint64
	shared     *shared // state all goroutines of the run see (producer-consumer)
	sink       uint64
	extra      map[string]float64 // figures a workload reports (as heaplab's extras)
	extraMu    *sync.Mutex
}

// report adds value to the figure name (summed over goroutines).
func (t *thread) report(name string, value float64) {
	t.extraMu.Lock()
	t.extra[name] += value
	t.extraMu.Unlock()
}

var registry = map[string]*workload{}

func register(w *workload) { registry[w.name] = w }

type output struct {
	Twin       string             `json:"twin"`
	GoVersion  string             `json:"go_version"`
	GOMAXPROCS int                `json:"gomaxprocs"`
	GOGC       string             `json:"gogc"`
	Threads    int                `json:"threads"`
	Seed       uint64             `json:"seed"`
	Params     map[string]any     `json:"params"`
	Iterations uint64             `json:"iterations"`
	Setup      phaseFigures       `json:"setup"`
	Timed      phaseFigures       `json:"timed"`
	HeapPeak   uint64             `json:"heap_peak_bytes"`
	RSSPeak    uint64             `json:"rss_peak_bytes"`
	Extra      map[string]float64 `json:"extra"`
	Sink       uint64             `json:"sink"`
}

func main() {
	os.Exit(run(os.Args[1:]))
}

type multiFlag []string

func (m *multiFlag) String() string     { return strings.Join(*m, ",") }
func (m *multiFlag) Set(v string) error { *m = append(*m, v); return nil }

func fail(format string, a ...any) int {
	fmt.Fprintf(os.Stderr, "heaplab-twins: "+format+"\n", a...)
	return 2
}

func run(args []string) int {
	fs := flag.NewFlagSet("heaplab-twins", flag.ContinueOnError)
	name := fs.String("w", "", "workload")
	var given multiFlag
	fs.Var(&given, "p", "KEY=VALUE (repeatable)")
	threads := fs.Int("threads", 1, "goroutines (heaplab's --threads)")
	seed := fs.Uint64("seed", 1, "seed (heaplab's --seed)")
	quick := fs.Bool("quick", false, "the --quick defaults")
	sampleMs := fs.Int("sample-ms", 1, "heap sampling interval for heap_peak_bytes (0: off)")
	list := fs.Bool("list", false, "list the workloads")
	listParams := fs.String("list-params", "", "list a workload's parameters")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *list {
		names := make([]string, 0, len(registry))
		for n := range registry {
			names = append(names, n)
		}
		sort.Strings(names)
		fmt.Println(strings.Join(names, "\n"))
		return 0
	}
	if *listParams != "" {
		w := registry[*listParams]
		if w == nil {
			return fail("unknown workload '%s'", *listParams)
		}
		for _, s := range w.params {
			fmt.Printf("%s %s %s\n", s.key, s.format(s.def), s.format(s.quick))
		}
		return 0
	}
	w := registry[*name]
	if w == nil {
		return fail("unknown workload '%s' (-list shows them)", *name)
	}
	if *threads < 1 || *threads > 1024 {
		return fail("-threads %d: want 1..1024", *threads)
	}
	p, err := resolve(w.params, given, *quick)
	if err != nil {
		return fail("%s: %v", w.name, err)
	}
	if w.check != nil {
		if err := w.check(p, *threads); err != nil {
			return fail("%s: %v", w.name, err)
		}
	}
	out := measure(w, p, *threads, *seed, time.Duration(*sampleMs)*time.Millisecond)
	out.Params = map[string]any{}
	for _, s := range w.params {
		if s.choices != nil {
			out.Params[s.key] = s.choices[p[s.key]]
		} else {
			out.Params[s.key] = p[s.key]
		}
	}
	text, err := json.Marshal(out)
	if err != nil {
		return fail("%v", err)
	}
	fmt.Println(string(text))
	return 0
}

// measure runs each phase on every goroutine at once and takes a reading
// before the first and after each, while all of them wait.
func measure(w *workload, p params, threads int, seed uint64, sample time.Duration) output {
	iters := w.iterations(p, threads)
	sh := &shared{}
	extra := map[string]float64{}
	var mu sync.Mutex
	ts := make([]*thread, threads)
	bodies := make([]body, threads)
	for i := range ts {
		ts[i] = &thread{p: p, index: i, threads: threads, seed: threadSeed(seed, i),
			iterations: iters, shared: sh, extra: extra, extraMu: &mu}
		bodies[i] = w.prepare(ts[i])
	}
	// Phase 0 does nothing: it takes the first turn of every goroutine and
	// wait (which may allocate the runtime's wait queue entries) out of the
	// measured phases.
	const nphases = 4
	var start [nphases]chan struct{}
	var done [nphases]sync.WaitGroup
	for k := range start {
		start[k] = make(chan struct{})
		done[k].Add(threads)
	}
	for i := range ts {
		go func(t *thread, b body) {
			<-start[0]
			done[0].Done()
			<-start[1]
			b.setup(t)
			done[1].Done()
			<-start[2]
			b.run(t, t.iterations)
			done[2].Done()
			<-start[3]
			b.teardown(t)
			done[3].Done()
		}(ts[i], bodies[i])
	}
	warmWaitQueues(512)
	m := newMeter()
	var sampler *heapSampler
	if sample > 0 {
		sampler = startHeapSampler(sample)
	}
	close(start[0])
	done[0].Wait()
	m.read() // the first read sets up runtime/metrics (allocating)
	var r [nphases]reading
	r[0] = m.read()
	var rssPeak uint64
	for k := 1; k < nphases; k++ {
		close(start[k])
		done[k].Wait()
		r[k] = m.read()
		if k == 2 {
			rssPeak = vmHWM() // at the end of the timed loop, as heaplab's
		}
	}
	out := output{Twin: w.name, GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0),
		GOGC: os.Getenv("GOGC"), Threads: threads, Seed: seed, Iterations: iters,
		Setup: delta(r[0], r[1]), Timed: delta(r[1], r[2]), Extra: extra}
	if out.GOGC == "" {
		out.GOGC = "100"
	}
	if sampler != nil {
		out.HeapPeak = sampler.finish()
	}
	out.RSSPeak = rssPeak
	for _, t := range ts {
		out.Sink += t.sink
	}
	return out
}

// warmWaitQueues parks n goroutines on a channel at once and lets them go:
// a goroutine that blocks (on a channel, a WaitGroup) takes a wait-queue
// entry (a 96-byte sudog) from its P's cache, which refills from a central
// list, which the runtime fills only from caches that overflow; a P with
// neither allocates one. Parking many at once leaves entries in the central
// list, so a goroutine that blocks in a measured phase (producer-consumer's)
// finds one there instead of allocating on a P it has not run on before.
func warmWaitQueues(n int) {
	ch := make(chan struct{})
	var parked, done sync.WaitGroup
	parked.Add(n)
	done.Add(n)
	for i := 0; i < n; i++ {
		go func() {
			parked.Done()
			<-ch
			done.Done()
		}()
	}
	parked.Wait()
	time.Sleep(2 * time.Millisecond) // the last ones reach their receive
	close(ch)
	done.Wait()
}

// vmHWM is the process's peak resident set (heaplab's rss_peak_bytes).
func vmHWM() uint64 {
	data, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0
	}
	for _, line := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			var kb uint64
			fmt.Sscanf(strings.TrimSpace(line[len("VmHWM:"):]), "%d", &kb)
			return kb << 10
		}
	}
	return 0
}
