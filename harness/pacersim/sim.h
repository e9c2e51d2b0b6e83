/* Internal to heaplab pacer-sim: the simulation's types, shared by the
 * harness and scenarios (pacer_sim.c) and Go's checks of each scenario
 * (sim_checks.c). */
#ifndef HL_SIM_H
#define HL_SIM_H

#include "pacer.h"
#include "sim_stream.h"

#include <stdint.h>

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define MAX_CYCLES 100
#define MAX_MESSAGES 8 /* failure messages kept per scenario */

/* The harness's constants (TestGcPacer). */
#define INITIAL_HEAP_BYTES (256 * 1024) /* marked by the first cycle */
#define REVISE_PERIOD_NS 500000         /* the pacer revises every 500 us */
#define RATE_CONV 512.0                 /* KiB per CPU-ms to bytes per CPU per 500 us: 1024 * 0.5 */
#define MIN_RATE 0.0001                 /* rates and growth are never below this */

/* One cycle's inputs, one value from each stream (gcCycle). */
typedef struct sim_inputs {
  sim_stream_t *alloc;  /* KiB per CPU-ms allocated by the mutator */
  sim_stream_t *scan;   /* KiB per CPU-ms scanned by the GC */
  sim_stream_t *growth; /* live heap of this cycle / the last one */
  sim_stream_t *frac;   /* scannable share of the heap */
  sim_stream_t *stack;  /* stack bytes (multiples of 2048) */
} sim_inputs_t;

/* One cycle's outcome (gcCycleResult). */
typedef struct sim_cycle {
  int cycle;
  uint64_t heap_live_bytes; /* heapMarked when the cycle started */
  uint64_t trigger_bytes;   /* where it started */
  uint64_t peak_bytes;      /* heapLive when marking ended */
  uint64_t goal_bytes;      /* the goal then */
  int64_t heap_scannable_bytes;
  double gc_utilization; /* GC's share of the CPUs while marking */
} sim_cycle_t;

typedef struct checker {
  hl_pacer_model_t model;
  int checks, failures;
  char message[MAX_MESSAGES][200];
} checker_t;

typedef struct scenario scenario_t;
struct scenario {
  const char *name;
  int32_t gc_percent;
  int64_t memory_limit_bytes;
  uint64_t globals_bytes;
  int length; /* cycles */
  /* Streams: constant alloc and scan rates, growth g0 + ramp(gh, gl),
   * constant scannable fraction; extra() replaces what differs. */
  double alloc, scan, g0, gh;
  int gl;
  double frac;
  void (*extra)(sim_pool_t *p, sim_inputs_t *in);
  void (*check)(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
  int check_after; /* the slow-alloc checks start after this many cycles */
};

/* Records a failed check of cycle `cycle` (Go's t.Errorf). */
void sim_failf(checker_t *ck, int cycle, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The cycle's goal over its live heap (GOGC's ratio as the pacer set it). */
double sim_goal_ratio(const sim_cycle_t *c);

/* Go's checks of each scenario (TestGcPacer's checker functions): cycle c
 * of n (0-based) of sc, failures recorded in ck. */
void sim_check_exceed(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_exceed_off(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_heavy_jitter(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_high_gogc(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_jitter(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_large_slow(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_maintain(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_osc(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_slow(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_steady(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_steady_limit(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_steady_limit_off(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);
void sim_check_step(checker_t *ck, const scenario_t *sc, const sim_cycle_t *c, int n);

#endif
