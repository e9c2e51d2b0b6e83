/* Go's GC pacer (runtime/mgcpacer.go, gcControllerState), ported to C.
 *
 * The pacer decides when a collection starts (the trigger) and how far the
 * heap may grow before it must end (the goal), and, while marking, how much
 * scan work each allocated byte owes (the assist ratio). It is pure
 * arithmetic on counters its caller keeps up to date: no heap, no clock, no
 * globals, no locks. The span collector (issue 4) and `heaplab pacer-sim`
 * (Go's TestGcPacer harness) drive the same code.
 *
 * The formulas are Go's, with Go's integer widths and Go's order of
 * int/float conversions, so that a simulation gives the same bytes as Go's
 * own test harness, to the last bit. Two models:
 *
 *   go122  (default) the pacer of Go 1.22 to tip: cons/mark is the largest
 *          of the last five measurements; the memory-limit goal keeps
 *          max(3% of the goal, 1 MiB) of headroom; a cycle's "triggered"
 *          point is the live heap when it actually started.
 *   go119  the pacer of Go 1.19 (Debian 12's Go): cons/mark is smoothed by
 *          a PI controller (kp 0.9, ti 4, tt 1000, output in [-1000, 1000]);
 *          a flat 1 MiB of memory-limit headroom; "triggered" is the
 *          precomputed trigger, not the live heap (golang/go#53738).
 *
 * What it does not do: measure anything, schedule mark workers, or limit GC
 * CPU (gclimit.h does that). Field names follow Go's with units added; the
 * comment on each names Go's field. */
#ifndef HL_PACER_H
#define HL_PACER_H

#include <stdbool.h>
#include <stdint.h>

typedef enum hl_pacer_model {
  HL_PACER_GO122 = 0,
  HL_PACER_GO119 = 1,
} hl_pacer_model_t;

/* gcGoalUtilization = gcBackgroundUtilization: the share of GOMAXPROCS that
 * background marking gets. */
#define HL_PACER_GOAL_UTILIZATION 0.25
/* defaultHeapMinimum: the smallest goal at GOGC=100. */
#define HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES ((uint64_t)4 << 20)
/* sweepMinHeapDistance (mgc.go): runway the sweeper gets between cycles. */
#define HL_PACER_SWEEP_MIN_HEAP_DISTANCE_BYTES ((uint64_t)1 << 20)
/* "triggered" outside a cycle (Go: ^uint64(0)). */
#define HL_PACER_NOT_TRIGGERED UINT64_MAX
/* No memory limit (GOMEMLIMIT=off). */
#define HL_PACER_NO_LIMIT INT64_MAX

typedef struct hl_pacer {
  hl_pacer_model_t model;

  /* Knobs. */
  int32_t gc_percent;          /* gcPercent: GOGC, -1 = off */
  int64_t memory_limit_bytes;  /* memoryLimit: GOMEMLIMIT, HL_PACER_NO_LIMIT = none */
  uint64_t heap_minimum_bytes; /* heapMinimum: 4 MiB * GOGC / 100 */

  /* Computed by commit(). */
  uint64_t gc_percent_heap_goal_bytes;   /* gcPercentHeapGoal, UINT64_MAX with GOGC=off */
  uint64_t sweep_dist_min_trigger_bytes; /* sweepDistMinTrigger, 0 once sweeping is done */
  uint64_t runway_bytes;                 /* runway */

  /* cons/mark: bytes allocated per byte scanned, per CPU. */
  double cons_mark;         /* consMark */
  double last_cons_mark[4]; /* lastConsMark (go122) */
  double pi_err_integral;   /* consMarkController.errIntegral (go119) */

  /* The heap, as the caller reports it. */
  uint64_t heap_live_bytes;       /* heapLive: marked last cycle + allocated since */
  uint64_t heap_scan_bytes;       /* heapScan: scannable part of heapLive */
  uint64_t heap_marked_bytes;     /* heapMarked: marked by the last cycle */
  uint64_t last_heap_scan_bytes;  /* lastHeapScan: heap bytes scanned last cycle */
  uint64_t last_stack_scan_bytes; /* lastStackScan: stack bytes scanned last cycle */
  uint64_t max_stack_scan_bytes;  /* maxStackScan: allocated stack bytes */
  uint64_t globals_scan_bytes;    /* globalsScan: scannable globals */

  /* Memory accounting for the memory limit (all zero when not modelled). */
  uint64_t heap_free_bytes;    /* heapFree: free, not released */
  uint64_t total_alloc_bytes;  /* totalAlloc */
  uint64_t total_free_bytes;   /* totalFree */
  uint64_t mapped_ready_bytes; /* mappedReady: what the limit applies to */

  /* The current cycle (valid between start_cycle and end_cycle). */
  uint64_t triggered_bytes;           /* triggered, HL_PACER_NOT_TRIGGERED outside a cycle */
  uint64_t last_heap_goal_bytes;      /* lastHeapGoal: the goal when the last cycle ended */
  int64_t heap_scan_work_bytes;       /* heapScanWork */
  int64_t stack_scan_work_bytes;      /* stackScanWork */
  int64_t globals_scan_work_bytes;    /* globalsScanWork */
  int64_t assist_ns;                  /* assistTime: CPU time in mark assists */
  int64_t idle_mark_ns;               /* idleMarkTime */
  int64_t mark_start_ns;              /* markStartTime */
  int64_t dedicated_mark_workers;     /* dedicatedMarkWorkersNeeded at cycle start */
  int32_t max_idle_mark_workers;      /* the top half of idleMarkWorkers */
  double fractional_utilization_goal; /* fractionalUtilizationGoal */
  double assist_work_per_byte;        /* assistWorkPerByte */
  double assist_bytes_per_work;       /* assistBytesPerWork */
} hl_pacer_t;

/* Go's init(): heap minimum, knobs, commit(sweep done). gc_percent < 0 is
 * GOGC=off; memory_limit_bytes < 0 leaves the limit at "none". */
void hl_pacer_init(hl_pacer_t *p, hl_pacer_model_t model, int32_t gc_percent,
                   int64_t memory_limit_bytes);

/* setGCPercent / setMemoryLimit: return the old value; the caller then
 * commits (and revises while marking), as Go's gcControllerCommit does. A
 * negative limit only reads. */
int32_t hl_pacer_set_gc_percent(hl_pacer_t *p, int32_t gc_percent);
int64_t hl_pacer_set_memory_limit(hl_pacer_t *p, int64_t memory_limit_bytes);

/* commit(isSweepDone): the GOGC goal, the sweep-distance floor and the
 * runway. Call after the knobs or heap_marked change. */
void hl_pacer_commit(hl_pacer_t *p, bool sweep_done);

/* The goal, as MemStats.NextGC reports it (heapGoal). */
uint64_t hl_pacer_heap_goal(const hl_pacer_t *p);
/* heapGoalInternal: the goal and the lowest trigger it allows. */
uint64_t hl_pacer_heap_goal_internal(const hl_pacer_t *p, uint64_t *min_trigger_bytes);
/* memoryLimitHeapGoal: the goal the memory limit alone implies. */
uint64_t hl_pacer_memory_limit_heap_goal(const hl_pacer_t *p);
/* goal minus the model's memory-limit headroom, never below the headroom
 * itself (Go's test helper applyMemoryLimitHeapGoalHeadroom). */
uint64_t hl_pacer_apply_limit_headroom(hl_pacer_model_t model, uint64_t goal_bytes);

/* trigger(): the heapLive at which the next cycle starts; the goal it was
 * computed for goes to *goal_bytes (may be NULL). */
uint64_t hl_pacer_trigger(const hl_pacer_t *p, uint64_t *goal_bytes);

/* startCycle: zeroes the work counters, records the trigger point, sizes
 * the background workers for procs CPUs and revises. periodic is Go's
 * gcTriggerTime (fewer idle workers). */
void hl_pacer_start_cycle(hl_pacer_t *p, int64_t mark_start_ns, int procs, bool periodic);

/* revise: the assist ratio from the scan work left and the heap left. Call
 * whenever heap_live, heap_scan or the scan work change during marking. */
void hl_pacer_revise(hl_pacer_t *p);

/* update(dHeapLive, dHeapScan): allocation seen by the caller. While
 * marking, heapScan stays fixed and the pacer revises. */
void hl_pacer_update(hl_pacer_t *p, int64_t d_heap_live_bytes, int64_t d_heap_scan_bytes,
                     bool marking);

/* endCycle: the cons/mark estimate from this cycle (assist_ns must hold the
 * cycle's assist time). */
void hl_pacer_end_cycle(hl_pacer_t *p, int64_t now_ns, int procs);

/* resetLive(bytesMarked): the next cycle starts from what marking found.
 * The caller commits afterwards (sweep not done). */
void hl_pacer_reset_live(hl_pacer_t *p, uint64_t bytes_marked);

/* Go's int64(x) and uint64(x) of a float64 as amd64 computes them, defined
 * where C's casts are not: int64 of NaN or out of range is INT64_MIN;
 * uint64 goes through int64 below 2^63 (a negative x wraps) and sets the
 * top bit above. The pacer and its simulation convert with these. */
static inline int64_t hl_go_int64(double x) {
  if (x >= -0x1p63 && x < 0x1p63) return (int64_t)x;
  return INT64_MIN;
}

static inline uint64_t hl_go_uint64(double x) {
  if (x < 0x1p63) return (uint64_t)hl_go_int64(x);
  return (uint64_t)hl_go_int64(x - 0x1p63) | ((uint64_t)1 << 63);
}

const char *hl_pacer_model_name(hl_pacer_model_t model);
/* 0 and *model set, or -1 for a name that is not go122 or go119. */
int hl_pacer_model_parse(const char *name, hl_pacer_model_t *model);

#endif
