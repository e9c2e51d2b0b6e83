/* Go's checks of the pacer-sim scenarios (sim.h): assertInRange and
 * assertInEpsilon on each cycle, with absolute bounds as in TestGcPacer. */
#include "sim.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* ---- the checks (assertInRange, assertInEpsilon: absolute bounds) ---- */

void sim_failf(checker_t *ck, int cycle, const char *fmt, ...) {
  if (ck->failures < MAX_MESSAGES) {
    char *m = ck->message[ck->failures];
    int len = snprintf(m, sizeof ck->message[0], "cycle %d: ", cycle);
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(m + len, sizeof ck->message[0] - (size_t)len, fmt, ap);
    va_end(ap);
  }
  ck->failures++;
}

static void in_range(checker_t *ck, int n, const char *what, double v, double lo, double hi) {
  ck->checks++;
  if (v < lo || v > hi) sim_failf(ck, n, "%s not in range (%f, %f): %f", what, lo, hi, v);
}

static void in_epsilon(checker_t *ck, int n, const char *what, double v, double want, double eps) {
  in_range(ck, n, what, v, want - eps, want + eps);
}

static void goal_is(checker_t *ck, int n, const char *what, uint64_t goal, uint64_t want) {
  ck->checks++;
  if (goal != want) sim_failf(ck, n, "%s: %" PRIu64 " != %" PRIu64, what, goal, want);
}

double sim_goal_ratio(const sim_cycle_t *c) {
  return (double)c->peak_bytes / (double)c->goal_bytes;
}

static double trigger_ratio(const sim_cycle_t *c) {
  return (double)(c->trigger_bytes - c->heap_live_bytes) /
         (double)(c->goal_bytes - c->heap_live_bytes);
}

/* What the memory-limit goal is without non-heap memory. */
static uint64_t heap_limit(const checker_t *ck, const scenario_t *sc) {
  return hl_pacer_apply_limit_headroom(ck->model, (uint64_t)sc->memory_limit_bytes);
}

/* Settled at 25% with the goal met (Steady and its variants, n >= 25). */
static void settled(checker_t *ck, const sim_cycle_t *c, int n, double util_step) {
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, HL_PACER_GOAL_UTILIZATION, 0.005);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, util_step);
  in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, 1.05);
}

void sim_check_steady(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n >= 25) settled(ck, c, n, 0.005);
}

/* StepAlloc, HeavyStepAlloc, StepScannableFrac: settled before the step at
 * cycle 50 and again 25 cycles after it. */
void sim_check_step(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if ((n >= 25 && n < 50) || n >= 75) {
    in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005);
    in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, 1.05);
  }
}

/* The heap grows 15x at cycle 26: overshoot is allowed there, never more
 * than GOGC of the next cycle; utilization stays near 25%. */
void sim_check_high_gogc(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n <= 12) return;
  in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.90, n == 26 ? 15 : 1.05);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, HL_PACER_GOAL_UTILIZATION,
             HL_PACER_GOAL_UTILIZATION + 0.03);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.03);
}

void sim_check_osc(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n <= 12) return;
  in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, 1.05);
  in_range(ck, n, "GC utilization", c[n - 1].gc_utilization, 0.25, 0.3);
}

/* Go tightened these bounds with the max-of-five cons/mark (go1.19's test
 * had the OscAlloc ones). */
void sim_check_jitter(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n <= 12) return;
  int old = ck->model == HL_PACER_GO119;
  in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, old ? 1.05 : 1.025);
  in_range(ck, n, "GC utilization", c[n - 1].gc_utilization, 0.25, old ? 0.3 : 0.275);
}

/* Assists are expected here (utilization about 45%); it must not swing. */
void sim_check_heavy_jitter(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n <= 13) return;
  in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, 1.05);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.05);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[11].gc_utilization, 0.05);
}

static void slow_alloc_util(checker_t *ck, const sim_cycle_t *c, int n) {
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, HL_PACER_GOAL_UTILIZATION, 0.005);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.05);
  in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[11].gc_utilization, 0.05);
}

/* Small and medium heaps with slow allocation: the trigger sits near the
 * 61/64 bound, so it starts at about 0.95 of the way to the goal. */
void sim_check_slow(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  if (n > sc->check_after) {
    in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.925, 1.025);
    in_range(ck, n, "trigger ratio", trigger_ratio(&c[n - 1]), 0.925, 0.975);
  }
  if (n > 25) slow_alloc_util(ck, c, n);
}

/* A large heap with slow allocation: the runway is the goal - 4 MiB rule. */
void sim_check_large_slow(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  if (n > 13) {
    in_range(ck, n, "goal ratio", sim_goal_ratio(&c[n - 1]), 0.95, 1.05);
    in_range(ck, n, "runway", (double)(c[n - 1].goal_bytes - c[n - 1].trigger_bytes),
             (double)(HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES - 64 * KIB),
             (double)(HL_PACER_DEFAULT_HEAP_MINIMUM_BYTES + 64 * KIB));
  }
  if (n > 25) slow_alloc_util(ck, c, n);
}

void sim_check_steady_limit(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  ck->checks++;
  if (c[n - 1].peak_bytes >= heap_limit(ck, sc))
    sim_failf(ck, n, "peak heap size reaches heap limit: %" PRIu64, c[n - 1].peak_bytes);
  if (n >= 25) settled(ck, c, n, 0.005);
}

void sim_check_steady_limit_off(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  goal_is(ck, n, "heap goal is not the heap limit", c[n - 1].goal_bytes, heap_limit(ck, sc));
  if (n >= 25) settled(ck, c, n, 0.005);
}

/* The live heap outgrows the limit: the goal falls to the live heap and
 * the GC takes all the CPU (the pacer does not model the CPU limiter). */
static void exceeded(checker_t *ck, const sim_cycle_t *c, int n) {
  if (n > 12)
    goal_is(ck, n, "heap goal is not equal to live heap", c[n - 1].goal_bytes,
            c[n - 1].heap_live_bytes);
  if (n >= 25) {
    in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, 1.0, 0.005);
    in_epsilon(ck, n, "GC utilization", c[n - 1].gc_utilization, c[n - 2].gc_utilization, 0.005);
  }
}

void sim_check_exceed(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  (void)sc;
  exceeded(ck, c, n);
}

void sim_check_exceed_off(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  if (n < 10)
    goal_is(ck, n, "heap goal is not the heap limit", c[n - 1].goal_bytes, heap_limit(ck, sc));
  exceeded(ck, c, n);
}

void sim_check_maintain(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n) {
  if (n > 12)
    goal_is(ck, n, "heap goal is not the heap limit", c[n - 1].goal_bytes, heap_limit(ck, sc));
  if (n >= 25) settled(ck, c, n, 0.005);
}
