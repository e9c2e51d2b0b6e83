/* Go's GC pacer (pacer.h), from runtime/mgcpacer.go.
 *
 * Exactness. Go computes with uint64 and int64 that wrap, and converts
 * between float64 and integers at fixed points; the C below keeps every
 * width, every conversion and the order of every float operation, so the
 * same inputs give the same bits. Float-to-integer conversions go through
 * hl_go_int64/hl_go_uint64 (Go's amd64 results where C leaves them
 * undefined), and signed sums that could wrap are done in unsigned
 * arithmetic. The build turns off FMA contraction (-ffp-contract=off): a
 * fused multiply-add rounds once where Go rounds twice. */
#include "pacer.h"

#include <math.h>
#include <stddef.h>
#include <string.h>

/* memoryLimitMinHeapGoalHeadroom (and go1.19's flat memoryLimitHeapGoalHeadroom). */
#define LIMIT_MIN_HEADROOM_BYTES ((uint64_t)1 << 20)
/* memoryLimitHeapGoalHeadroomPercent (go122). */
#define LIMIT_HEADROOM_PERCENT 3
/* The trigger lies between 45/64 and 61/64 of the way from heapMarked to
 * the goal (triggerRatioDen, minTriggerRatioNum, maxTriggerRatioNum). */
#define TRIGGER_RATIO_DEN 64
#define MIN_TRIGGER_RATIO_NUM 45
#define MAX_TRIGGER_RATIO_NUM 61
/* Once a cycle has started, the goal stays at least this far above the
 * trigger point (heapGoalInternal's minRunway). */
#define MIN_RUNWAY_BYTES ((uint64_t)64 << 10)
/* revise: how far past the goal marking may run once the heap overshoots. */
#define MAX_OVERSHOOT 1.1
/* startCycle: rounding dedicated workers may miss 25% by this much before
 * a fractional worker makes up the difference. */
#define MAX_UTIL_ERROR 0.3
/* go1.19's consMarkController. */
#define PI_KP 0.9
#define PI_TI 4.0
#define PI_TT 1000.0
#define PI_MIN -1000.0
#define PI_MAX 1000.0

/* Go's int64(u) of a uint64: two's complement (GCC and Clang define it). */
static int64_t i64_of_u64(uint64_t u) {
  return (int64_t)u;
}

void hl_pacer_init(hl_pacer_t *p, hl_pacer_model_t model, int32_t gc_percent,
                   int64_t memory_limit_bytes) {
  memset(p, 0, sizeof *p);
  p->model = model;
  p->memory_limit_bytes = HL_PACER_NO_LIMIT;
  p->heap_minimum_bytes = HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES;
  p->triggered_bytes = HL_PACER_NOT_TRIGGERED;
  hl_pacer_set_gc_percent(p, gc_percent);
  hl_pacer_set_memory_limit(p, memory_limit_bytes);
  hl_pacer_commit(p, true); /* no sweep phase before the first cycle */
}

/* With GOGC=off Go computes the minimum from uint64(-1), which wraps to a
 * huge value; the GOGC goal is "none" then anyway. */
int32_t hl_pacer_set_gc_percent(hl_pacer_t *p, int32_t gc_percent) {
  int32_t old = p->gc_percent;
  if (gc_percent < 0) gc_percent = -1;
  p->heap_minimum_bytes = HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES * (uint64_t)gc_percent / 100;
  p->gc_percent = gc_percent;
  return old;
}

int64_t hl_pacer_set_memory_limit(hl_pacer_t *p, int64_t memory_limit_bytes) {
  int64_t old = p->memory_limit_bytes;
  if (memory_limit_bytes >= 0) p->memory_limit_bytes = memory_limit_bytes;
  return old;
}

/* commit. Since Go 1.18 the roots count toward the GOGC budget:
 * goal = marked + (marked + stacks scanned + globals) * GOGC / 100, in
 * uint64 (the product is taken before the division). The runway is the
 * allocation the mutator will do while marking finishes the expected scan
 * work at 25% of the CPUs: cons/mark * (1 - 0.25) / 0.25 * scan work. */
void hl_pacer_commit(hl_pacer_t *p, bool sweep_done) {
  if (sweep_done)
    p->sweep_dist_min_trigger_bytes = 0;
  else
    p->sweep_dist_min_trigger_bytes = p->heap_live_bytes + HL_PACER_SWEEP_MIN_HEAP_DISTANCE_BYTES;

  uint64_t goal = UINT64_MAX;
  if (p->gc_percent >= 0)
    goal = p->heap_marked_bytes +
           (p->heap_marked_bytes + p->last_stack_scan_bytes + p->globals_scan_bytes) *
               (uint64_t)p->gc_percent / 100;
  if (goal < p->heap_minimum_bytes) goal = p->heap_minimum_bytes;
  p->gc_percent_heap_goal_bytes = goal;

  uint64_t expected = p->last_heap_scan_bytes + p->last_stack_scan_bytes + p->globals_scan_bytes;
  p->runway_bytes =
      hl_go_uint64((p->cons_mark * (1 - HL_PACER_GOAL_UTILIZATION) / HL_PACER_GOAL_UTILIZATION) *
                   (double)expected);
}

uint64_t hl_pacer_apply_limit_headroom(hl_pacer_model_t model, uint64_t goal_bytes) {
  uint64_t headroom = LIMIT_MIN_HEADROOM_BYTES;
  if (model == HL_PACER_GO122) {
    headroom = goal_bytes / 100 * LIMIT_HEADROOM_PERCENT;
    if (headroom < LIMIT_MIN_HEADROOM_BYTES) headroom = LIMIT_MIN_HEADROOM_BYTES;
  }
  if (goal_bytes < headroom || goal_bytes - headroom < headroom) return headroom;
  return goal_bytes - headroom;
}

/* memoryLimitHeapGoal. The limit covers all mapped, unreleased memory; the
 * heap goal is what is left of it after everything that is not, and cannot
 * become, heap objects (nonHeap = mappedReady - heapFree - heapAlloc: free
 * unreleased pages count as future heap), less any overage already past
 * the limit, less the headroom. Never below the live heap; when non-heap
 * memory alone fills the limit, the goal is the live heap (GC runs
 * back to back and the CPU limiter holds it at 50%).
 *
 * Departure: Go rereads its racy counters until heapFree + heapAlloc <=
 * mappedReady; this module's caller passes one snapshot, and an
 * inconsistent one counts as no non-heap memory. */
uint64_t hl_pacer_memory_limit_heap_goal(const hl_pacer_t *p) {
  uint64_t limit = (uint64_t)p->memory_limit_bytes;
  uint64_t heap_alloc = p->total_alloc_bytes - p->total_free_bytes;
  uint64_t non_heap = 0;
  if (p->heap_free_bytes + heap_alloc <= p->mapped_ready_bytes)
    non_heap = p->mapped_ready_bytes - p->heap_free_bytes - heap_alloc;
  uint64_t overage = 0;
  if (p->mapped_ready_bytes > limit) overage = p->mapped_ready_bytes - limit;
  if (non_heap + overage >= limit) return p->heap_marked_bytes;

  uint64_t goal = hl_pacer_apply_limit_headroom(p->model, limit - (non_heap + overage));
  if (goal < p->heap_marked_bytes) goal = p->heap_marked_bytes;
  return goal;
}

/* heapGoalInternal. The smaller of the GOGC goal and the memory-limit goal.
 * Only under the GOGC goal may two adjustments raise it: the sweeper's
 * minimum distance, and, once a cycle has started, 64 KiB above the point
 * where it did (assists are proportional to that distance). In the
 * memory-limit regime neither applies: they could push the heap past the
 * limit. */
uint64_t hl_pacer_heap_goal_internal(const hl_pacer_t *p, uint64_t *min_trigger_bytes) {
  uint64_t goal = p->gc_percent_heap_goal_bytes, min_trigger = 0;
  uint64_t limit_goal = hl_pacer_memory_limit_heap_goal(p);
  if (limit_goal < goal) {
    goal = limit_goal;
  } else {
    uint64_t sweep = p->sweep_dist_min_trigger_bytes;
    if (sweep > goal) goal = sweep;
    min_trigger = sweep;
    if (p->triggered_bytes != HL_PACER_NOT_TRIGGERED &&
        goal < p->triggered_bytes + MIN_RUNWAY_BYTES)
      goal = p->triggered_bytes + MIN_RUNWAY_BYTES;
  }
  if (min_trigger_bytes) *min_trigger_bytes = min_trigger;
  return goal;
}

uint64_t hl_pacer_heap_goal(const hl_pacer_t *p) {
  return hl_pacer_heap_goal_internal(p, NULL);
}

/* trigger. goal - runway, clamped:
 *   low:  max(sweep floor, heapMarked, heapMarked + (goal-heapMarked)/64*45),
 *         so a fast allocator cannot drive GC to run all the time;
 *   high: heapMarked + (goal-heapMarked)/64*61, or goal - 4 MiB when that is
 *         higher (big heaps keep a fixed 4 MiB of runway: defaultHeapMinimum,
 *         not the GOGC-scaled minimum), and never below the low bound.
 * The divisions truncate before the multiplications, as in Go. */
uint64_t hl_pacer_trigger(const hl_pacer_t *p, uint64_t *goal_bytes) {
  uint64_t min_trigger;
  uint64_t goal = hl_pacer_heap_goal_internal(p, &min_trigger);
  uint64_t marked = p->heap_marked_bytes;
  if (goal_bytes) *goal_bytes = goal;
  if (marked >= goal) return goal; /* defensive in Go: trigger at once */

  if (min_trigger < marked) min_trigger = marked;
  uint64_t lower = (goal - marked) / TRIGGER_RATIO_DEN * MIN_TRIGGER_RATIO_NUM + marked;
  if (min_trigger < lower) min_trigger = lower;

  uint64_t max_trigger = (goal - marked) / TRIGGER_RATIO_DEN * MAX_TRIGGER_RATIO_NUM + marked;
  if (goal > HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES &&
      goal - HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES > max_trigger)
    max_trigger = goal - HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES;
  if (max_trigger < min_trigger) max_trigger = min_trigger;

  uint64_t trigger = p->runway_bytes > goal ? min_trigger : goal - p->runway_bytes;
  if (trigger < min_trigger) trigger = min_trigger;
  if (trigger > max_trigger) trigger = max_trigger;
  return trigger;
}

/* startCycle. Background marking gets 25% of procs as whole dedicated
 * workers, rounded; when rounding misses by more than 30% (procs <= 3 or
 * 6) one worker fewer and a fractional worker per P makes up the rest.
 * Periodic (time-triggered) cycles get no idle workers, or one when there
 * is no dedicated worker to guarantee progress. */
void hl_pacer_start_cycle(hl_pacer_t *p, int64_t mark_start_ns, int procs, bool periodic) {
  if (procs < 1) procs = 1;
  p->heap_scan_work_bytes = p->stack_scan_work_bytes = p->globals_scan_work_bytes = 0;
  p->assist_ns = p->idle_mark_ns = 0;
  p->mark_start_ns = mark_start_ns;
  p->triggered_bytes = p->model == HL_PACER_GO119 ? hl_pacer_trigger(p, NULL) : p->heap_live_bytes;

  double total = (double)procs * HL_PACER_GOAL_UTILIZATION;
  int64_t dedicated = hl_go_int64(total + 0.5);
  double util_error = (double)dedicated / total - 1;
  if (util_error < -MAX_UTIL_ERROR || util_error > MAX_UTIL_ERROR) {
    if ((double)dedicated > total) dedicated--;
    p->fractional_utilization_goal = (total - (double)dedicated) / (double)procs;
  } else {
    p->fractional_utilization_goal = 0;
  }
  p->dedicated_mark_workers = dedicated;
  if (periodic)
    p->max_idle_mark_workers = dedicated > 0 ? 0 : 1;
  else
    p->max_idle_mark_workers = (int32_t)procs - (int32_t)dedicated;
  hl_pacer_revise(p);
}

/* revise. Pace marking to finish the expected scan work (last cycle's heap
 * and stacks, this cycle's globals) by the goal. When marking has already
 * done more than expected the heap is growing: the goal is stretched in
 * proportion to the worst-case work (all scannable heap and all allocated
 * stack live), but never past (1 + GOGC/100) x the goal (the "hard goal";
 * GOGC=off counts as 100000 here). Past even that goal, aim 10% further
 * against the worst-case work. At least 1000 bytes of work and one byte of
 * heap remain, so the ratio stays finite and positive. */
void hl_pacer_revise(hl_pacer_t *p) {
  int32_t gc_percent = p->gc_percent < 0 ? 100000 : p->gc_percent;
  uint64_t live = p->heap_live_bytes;
  int64_t work = p->heap_scan_work_bytes + p->stack_scan_work_bytes + p->globals_scan_work_bytes;
  int64_t goal = i64_of_u64(hl_pacer_heap_goal(p));
  int64_t expected =
      i64_of_u64(p->last_heap_scan_bytes + p->last_stack_scan_bytes + p->globals_scan_bytes);
  int64_t max_work =
      i64_of_u64(p->heap_scan_bytes + p->max_stack_scan_bytes + p->globals_scan_bytes);
  int64_t triggered = i64_of_u64(p->triggered_bytes);

  if (work > expected) {
    int64_t ext = hl_go_int64((double)i64_of_u64((uint64_t)goal - (uint64_t)triggered) /
                              (double)expected * (double)max_work);
    ext = i64_of_u64((uint64_t)ext + (uint64_t)triggered);
    expected = max_work;
    int64_t hard = hl_go_int64((1.0 + (double)gc_percent / 100.0) * (double)goal);
    if (ext > hard) ext = hard;
    goal = ext;
  }
  if (i64_of_u64(live) > goal) {
    goal = hl_go_int64((double)goal * MAX_OVERSHOOT);
    expected = max_work;
  }

  int64_t work_left = i64_of_u64((uint64_t)expected - (uint64_t)work);
  if (work_left < 1000) work_left = 1000;
  int64_t heap_left = i64_of_u64((uint64_t)goal - live);
  if (heap_left <= 0) heap_left = 1;
  p->assist_work_per_byte = (double)work_left / (double)heap_left;
  p->assist_bytes_per_work = (double)heap_left / (double)work_left;
}

void hl_pacer_update(hl_pacer_t *p, int64_t d_heap_live_bytes, int64_t d_heap_scan_bytes,
                     bool marking) {
  p->heap_live_bytes += (uint64_t)d_heap_live_bytes;
  if (!marking)
    p->heap_scan_bytes += (uint64_t)d_heap_scan_bytes; /* fixed while marking */
  else
    hl_pacer_revise(p);
}

/* go1.19's piController.next: a PI controller with anti-windup (tt) used as
 * a smoothing filter. Returns false, with the integral reset, when the
 * output or the integral overflowed. */
static bool pi_next(hl_pacer_t *p, double input, double setpoint, double period, double *out) {
  double raw = PI_KP * (setpoint - input) + p->pi_err_integral;
  double output = raw;
  if (isinf(output) || isnan(output)) {
    p->pi_err_integral = 0;
    *out = PI_MIN;
    return false;
  }
  if (output < PI_MIN)
    output = PI_MIN;
  else if (output > PI_MAX)
    output = PI_MAX;
  p->pi_err_integral +=
      (PI_KP * period / PI_TI) * (setpoint - input) + (period / PI_TT) * (output - raw);
  if (isinf(p->pi_err_integral) || isnan(p->pi_err_integral)) {
    p->pi_err_integral = 0;
    *out = PI_MIN;
    return false;
  }
  *out = output;
  return true;
}

/* endCycle. cons/mark = (bytes allocated since the trigger / mutator CPU)
 * over (bytes scanned / GC CPU). Background marking is assumed to have
 * used exactly 25%; assists add theirs; idle marking counts as GC CPU but
 * not as CPU taken from the mutator. Per-CPU rates, so the cycle's duration
 * and procs cancel out:
 *   (heapLive - triggered) * (u + uIdle) / (scanWork * (1 - u)).
 * go122 takes the largest of this and the last four measurements (a noisy
 * estimate errs toward starting early rather than assisting); go119
 * smooths it with the PI controller and resets to 0 if that overflows. */
void hl_pacer_end_cycle(hl_pacer_t *p, int64_t now_ns, int procs) {
  if (procs < 1) procs = 1;
  p->last_heap_goal_bytes = hl_pacer_heap_goal(p);
  int64_t duration = now_ns - p->mark_start_ns;
  double util = HL_PACER_GOAL_UTILIZATION;
  if (duration > 0) util += (double)p->assist_ns / (double)(duration * (int64_t)procs);
  if (p->heap_live_bytes <= p->triggered_bytes) return; /* too short to measure */
  double idle_util = 0.0;
  if (duration > 0) idle_util = (double)p->idle_mark_ns / (double)(duration * (int64_t)procs);
  int64_t work = p->heap_scan_work_bytes + p->stack_scan_work_bytes + p->globals_scan_work_bytes;
  double current = ((double)(p->heap_live_bytes - p->triggered_bytes) * (util + idle_util)) /
                   ((double)work * (1 - util));

  if (p->model == HL_PACER_GO119) {
    double out;
    p->cons_mark = pi_next(p, p->cons_mark, current, 1.0, &out) ? out : 0;
    return;
  }
  p->cons_mark = current;
  for (size_t i = 0; i < 4; i++)
    if (p->last_cons_mark[i] > p->cons_mark) p->cons_mark = p->last_cons_mark[i];
  memmove(&p->last_cons_mark[0], &p->last_cons_mark[1], 3 * sizeof p->last_cons_mark[0]);
  p->last_cons_mark[3] = current;
}

void hl_pacer_reset_live(hl_pacer_t *p, uint64_t bytes_marked) {
  p->heap_marked_bytes = bytes_marked;
  p->heap_live_bytes = bytes_marked;
  p->heap_scan_bytes = (uint64_t)p->heap_scan_work_bytes;
  p->last_heap_scan_bytes = (uint64_t)p->heap_scan_work_bytes;
  p->last_stack_scan_bytes = (uint64_t)p->stack_scan_work_bytes;
  p->triggered_bytes = HL_PACER_NOT_TRIGGERED;
}

const char *hl_pacer_model_name(hl_pacer_model_t model) {
  return model == HL_PACER_GO119 ? "go119" : "go122";
}

int hl_pacer_model_parse(const char *name, hl_pacer_model_t *model) {
  if (!strcmp(name, "go122"))
    *model = HL_PACER_GO122;
  else if (!strcmp(name, "go119"))
    *model = HL_PACER_GO119;
  else
    return -1;
  return 0;
}
