/* Go's GC CPU limiter (runtime/mgclimit.go, gcCPULimiterState), in C.
 *
 * The death-spiral guard: a leaky bucket of CPU time that GC time fills and
 * mutator time drains, one for one, so it fills only while the GC takes
 * more than half of the CPU (the effective limit is 50%). Its capacity is
 * one CPU-second per P (GOMAXPROCS), so a burst may use up to 2 x procs
 * CPU-seconds before limiting starts. While the bucket is full the limiter
 * is "limiting": the collector then skips mark assists (and allocation-time
 * scavenging), letting the heap overshoot its goal rather than starve the
 * program. GC time that arrives at a full bucket is counted as overflow.
 *
 * Time is injected (nanoseconds of any monotonic clock), so the bucket can
 * be replayed exactly; the caller serialises calls (Go's try-lock is not
 * needed in one thread, except that update() is ignored between the two
 * halves of a GC transition, as Go's failing try-lock ignores it).
 *
 * Go also charges in-flight per-P events (assists, idle time) still running
 * at update time; a caller here adds them when they end. */
#ifndef HL_GCLIMIT_H
#define HL_GCLIMIT_H

#include <stdbool.h>
#include <stdint.h>

/* capacityPerProc: one CPU-second per P. */
#define HL_GCLIMIT_CAPACITY_PER_PROC_NS INT64_C(1000000000)
/* gcCPULimiterUpdatePeriod: update at least this often while marking. */
#define HL_GCLIMIT_UPDATE_PERIOD_NS INT64_C(10000000)

typedef struct hl_gclimit {
  bool enabled;                /* enabled: the bucket is full, limit GC CPU */
  uint64_t fill_ns;            /* bucket.fill: GC CPU-ns in excess of mutator CPU-ns */
  uint64_t capacity_ns;        /* bucket.capacity: procs x 1 s */
  uint64_t overflow_ns;        /* overflow: GC CPU-ns that arrived at a full bucket */
  bool gc_enabled;             /* gcEnabled: marking, so 25% of the CPU is GC time */
  bool transitioning;          /* transitioning: inside a stop-the-world transition */
  int64_t assist_pool_ns;      /* assistTimePool: mark and scavenge assists since update */
  int64_t idle_pool_ns;        /* idleTimePool: idle Ps and idle mark workers since update */
  int64_t last_update_ns;      /* lastUpdate */
  int32_t nprocs;              /* nprocs: GOMAXPROCS */
  uint32_t num_gc;             /* the caller's count of finished cycles (memstats.numgc) */
  uint32_t last_enabled_cycle; /* lastEnabledCycle: num_gc + 1 when limiting last began */
} hl_gclimit_t;

/* A fresh limiter (Go's zero value plus resetCapacity(now, nprocs)). */
void hl_gclimit_init(hl_gclimit_t *l, int64_t now_ns, int32_t nprocs);

bool hl_gclimit_limiting(const hl_gclimit_t *l);
bool hl_gclimit_need_update(const hl_gclimit_t *l, int64_t now_ns);

/* Time spent in assists / idle, to be charged at the next update. */
void hl_gclimit_add_assist_time(hl_gclimit_t *l, int64_t ns);
void hl_gclimit_add_idle_time(hl_gclimit_t *l, int64_t ns);

/* Charges the time since the last update: 25% of it is GC time while
 * marking, plus the assist pool; idle time counts for neither side. */
void hl_gclimit_update(hl_gclimit_t *l, int64_t now_ns);

/* A stop-the-world GC transition (mark start: enable_gc true; mark
 * termination: false). start flushes the time before it; finish charges the
 * whole pause, on all procs, as GC time. 0, or -1 (and nothing changed) for
 * a transition to the state the GC is already in or a finish without a
 * start (Go throws). */
int hl_gclimit_start_gc_transition(hl_gclimit_t *l, bool enable_gc, int64_t now_ns);
int hl_gclimit_finish_gc_transition(hl_gclimit_t *l, int64_t now_ns);

/* GOMAXPROCS changed: flush, then resize the bucket; a fill above the new
 * capacity is clamped and turns limiting on, one below turns it off.
 * Overflow is untouched. Ignored during a transition (Go throws). */
void hl_gclimit_reset_capacity(hl_gclimit_t *l, int64_t now_ns, int32_t nprocs);

#endif
