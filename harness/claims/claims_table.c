/* The claims and their experiments: one entry per claim of the article, in
 * id order. The commands are ordinary heaplab command lines, split as a
 * shell would split them (core/argsplit.h), whose results go to
 * DIR/ID-N.json; --quick variants use small parameters and fewer
 * repetitions so that every claim runs in about two minutes in all. */
#include "claims.h"
#include "experiments.h"

#include <string.h>
#include <strings.h>

const hl_claim_t hl_claims[] = {
    {"C1", "OOMs come from unmanaged lifetimes and allocation placement, not from the GC itself",
     "the conjunction of C2 (placement), C4 (GC settings against a limit) and C17 (lifetimes)",
     {{NULL, NULL}}, 0, "C2,C4,C17", hl_decide_c1},
    {"C2", "returning a pointer to a local puts it on the heap; returning the value costs no heap",
     "escape-return with every call pointer-returning vs value-returning, on glibc and span",
     {{"run -w escape-return -b glibc,span -p ptr_pct=0,100 --reps 5",
       "run -w escape-return -b glibc,span -p ptr_pct=0,100 --quick --reps 3"}},
     1, NULL, hl_decide_c2},
    {"C3", "a pool (sync.Pool) for frequent short-lived 1 KiB buffers cuts heap allocation",
     "pool-reuse with the pool on and off, on two malloc backends and span-gc, with and without "
     "other garbage and fan-out bursts",
     {{"run -w pool-reuse -b glibc,span,span-gc -p pool=0,1 -p garbage=0,16K -p fanout=0,64 "
       "--reps 3",
       "run -w pool-reuse -b glibc,span,span-gc -p pool=0,1 -p garbage=0,16K -p fanout=0,64 "
       "--quick --reps 2"}},
     1, NULL, hl_decide_c3},
    {"C4", "GOGC 20-50 in memory-limited containers, 10 for batch jobs with peaks, 150 for big "
           "long-running services; 100 easily causes an avalanche",
     "steady-service under a 72 MiB limit at GOGC 20/50/100; spike at GOGC 10/100; a service's "
     "collections at GOGC 100/150 (span-gc)",
     {{"oom -w steady-service -b span-gc -p live=32M -p churn=256M --gogc 20,50,100 --limit 72M "
       "--runs 5",
       "oom -w steady-service -b span-gc -p live=32M -p churn=64M --gogc 20,50,100 --limit 72M "
       "--runs 3"},
      {"run -w spike -b span-gc --gogc 10,100 --reps 5",
       "run -w spike -b span-gc --gogc 10,100 --quick --reps 3"},
      {"run -w steady-service -b span-gc -p live=256M -p churn=1G --gogc 100,150 --reps 3",
       "run -w steady-service -b span-gc -p live=32M -p churn=128M --gogc 100,150 --reps 2"}},
     3, NULL, hl_decide_c4},
    {"C5", "locate escapes, cut allocations with pools and the stack, calibrate GOGC: this loop "
           "cures 90% of OOMs",
     "the conjunction of C2, C3, C4 and C18", {{NULL, NULL}}, 0, "C2,C3,C4,C18", hl_decide_c5},
    {"C6", "a heap decision becomes a call to the runtime allocator, a stack decision an offset "
           "from the stack pointer",
     "the article's bad() and good() compiled by the Go compiler (-m, -S)", {{NULL, NULL}}, 0, NULL,
     hl_decide_c6},
    {"C7", "escapes: a local's address returned, closure capture, slices of unknown length or "
           "grown; an interface holding a struct value does not escape, a pointer does",
     "each row of the article's table as a Go function, decided by the Go compiler",
     {{NULL, NULL}}, 0, NULL, hl_decide_c7},
    {"C8", "a short-lived struct on the stack removes malloc/free cost; ordering fields by size "
           "removes padding",
     "struct-layout padded vs packed; escape-return's value constructor on the stack vs malloc",
     {{"run -w struct-layout,escape-return -b glibc -p layout=padded,packed -p ptr_pct=0 "
       "--escape on,off --reps 5",
       "run -w struct-layout,escape-return -b glibc -p layout=padded,packed -p ptr_pct=0 "
       "--escape on,off --quick --reps 3"}},
     1, NULL, hl_decide_c8},
    {"C9", "a CI gate can block changes whose objects escape on most call paths (threshold 0.85)",
     "none", {{NULL, NULL}}, 0, NULL, hl_decide_c9},
    {"C10", "mcache ~1 ns (lock-free), mcentral ~100 ns (CAS + mutex), mheap ~1 us (lock)",
     "span: malloc + free from the thread cache, an object freed by another thread, a 40 KiB "
     "object from the page heap",
     {{"run -w escape-return,producer-consumer,large-objects -b span -p ptr_pct=0,100 "
       "-p min=40K -p max=40K -p touch_pct=0 --reps 5",
       "run -w escape-return,producer-consumer,large-objects -b span -p ptr_pct=0,100 "
       "-p min=40K -p max=40K -p touch_pct=0 --quick --reps 3"}},
     1, NULL, hl_decide_c10},
    {"C11", "size classes bound internal fragmentation: round-up waste at most 12.5%",
     "sizeclass-sweep on span over every request size 1 B..32 KiB, and 129 B..32 KiB",
     {{"run -w sizeclass-sweep -b span -p min=1,129 -p max=32K -p step=1 -p passes=1 --reps 1",
       "run -w sizeclass-sweep -b span -p min=1,129 -p max=32K -p step=8 -p passes=1 --reps 1"}},
     1, NULL, hl_decide_c11},
    {"C12", "objects of 32 KiB and more skip mcache and mcentral and go to the page heap",
     "sizeclass-sweep on span at exactly 32 KiB and at 32 KiB + 8 B: which size class served it",
     {{"run -w sizeclass-sweep -b span -p min=32768 -p max=32768 -p passes=1 --reps 1", NULL},
      {"run -w sizeclass-sweep -b span -p min=32776 -p max=32776 -p passes=1 --reps 1", NULL}},
     2, NULL, hl_decide_c12},
    {"C13", "a 32 KiB object raises TLB misses by 12%, a 1 MiB object by 67% (4 KiB pages)",
     "large-objects of 32 KiB and of 1 MiB with the dTLB-load-misses counter",
     {{"run -w large-objects -b glibc -p min=32K -p max=32K --counters default --reps 3",
       "run -w large-objects -b glibc -p min=32K -p max=32K --counters default --quick --reps 2"},
      {"run -w large-objects -b glibc -p min=1M -p max=1M --counters default --reps 3",
       "run -w large-objects -b glibc -p min=1M -p max=1M --counters default --quick --reps 2"}},
     2, NULL, hl_decide_c13},
    {"C14", "debug.SetGCPercent changes GOGC at run time; each change applies to the next cycle",
     "a Go program reads the heap goal and cycle count around SetGCPercent(50)", {{NULL, NULL}},
     0, NULL, hl_decide_c14},
    {"C15", "Go 1.22's final stop-the-world is sub-microsecond (mark termination 128 ns)",
     "steady-service on span-gc, stop-the-world and concurrent: its stop-the-world windows",
     {{"run -w steady-service -b span-gc:mode=stw,span-gc:mode=concurrent --reps 3",
       "run -w steady-service -b span-gc:mode=stw,span-gc:mode=concurrent --quick --reps 2"}},
     1, NULL, hl_decide_c15},
    {"C16", "a write-barrier fast path that skips marked objects cuts barrier calls by ~37%",
     "span-gc's concurrent mode (Go's hybrid barrier) on steady-service, 1 and 4 pointers an "
     "object",
     {{"run -w steady-service -b span-gc:mode=concurrent -p live=64M -p churn=1G -p ptrs=1,4 "
       "--reps 3",
       "run -w steady-service -b span-gc:mode=concurrent -p live=32M -p churn=256M -p ptrs=1,4 "
       "--reps 2"}},
     1, NULL, hl_decide_c16},
    {"C17", "1000 x 4 MiB buffers kept alive reproduce an OOM; watch RSS past 90% of the limit",
     "leak of 4 MiB buffers under a limit on glibc and span-gc, RSS sampled",
     {{"oom -w leak -b glibc,span-gc --limit 256M --runs 3 --sample-ms 5",
       "oom -w leak -b glibc,span-gc --limit 64M --runs 2 --sample-ms 2"}},
     1, NULL, hl_decide_c17},
    {"C18", "a soft memory limit with GOGC 75 makes the runtime collect before the kernel kills",
     "steady-service under a 72 MiB limit: GOGC 75/100 x soft limit 60 MiB/off (span-gc)",
     {{"oom -w steady-service -b span-gc -p live=32M -p churn=256M --gogc 75,100 "
       "--memlimit off,60M --limit 72M --runs 5",
       "oom -w steady-service -b span-gc -p live=32M -p churn=64M --gogc 75,100 "
       "--memlimit off,60M --limit 72M --runs 3"}},
     1, NULL, hl_decide_c18},
    {"C19", "production figures: 86% faster recovery, 99.99% SLA and others",
     "none", {{NULL, NULL}}, 0, NULL, hl_decide_c19},
};

const size_t hl_nclaims = sizeof hl_claims / sizeof hl_claims[0];

const hl_claim_t *hl_claim_find(const char *id) {
  for (size_t i = 0; i < hl_nclaims; i++)
    if (strcasecmp(hl_claims[i].id, id) == 0)
      return &hl_claims[i];
  return NULL;
}
