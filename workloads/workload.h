/* Workload descriptors, parameters and the registry.
 *
 * A workload is one allocation pattern (a claim heaplab measures, made
 * runnable; its id is the workload's `claim`). It declares its parameters (with units in their
 * names where they have one), its allocation sites, and three functions: setup (untimed: build the
 * live set), run (the timed loop, a fixed number of iterations so allocation counts are exact and
 * reproducible) and teardown (untimed).
 *
 * Parameters are process totals: with --threads N each thread does 1/N of
 * the work (iterations, live bytes), so a parameter means the same thing at
 * any thread count. Every thread runs the same code on its own data; a
 * thread's random stream is seeded from --seed and its thread index.
 */
#ifndef HL_WORKLOAD_H
#define HL_WORKLOAD_H

#include "mutator.h"

#include <stddef.h>
#include <stdint.h>

typedef enum {
  HL_PARAM_BYTES,   /* a size: "64M", "1024", "4KiB" */
  HL_PARAM_COUNT,   /* a plain integer */
  HL_PARAM_PERCENT, /* 0..100 */
  HL_PARAM_BOOL,    /* 0 or 1 */
  HL_PARAM_CHOICE,  /* one word of choices[]; the value is its index */
} hl_param_kind_t;

typedef struct hl_param_spec {
  const char *key;
  hl_param_kind_t kind;
  uint64_t def;   /* default */
  uint64_t quick; /* default under --quick */
  uint64_t min, max;
  const char *help;
  const char *const *choices; /* HL_PARAM_CHOICE: NULL-terminated */
} hl_param_spec_t;

/* The unit of a headline figure: how a table prints it (MiB, %, a count). */
typedef enum {
  HL_UNIT_BYTES,   /* 272.0 MiB */
  HL_UNIT_PERCENT, /* 12.5% */
  HL_UNIT_COUNT,   /* 4096 */
} hl_unit_t;

/* A figure that is the workload's own answer (retention: the resident set
 * after the free; sizeclass-sweep: internal fragmentation): a key of its
 * results rows (one it reports with hl_wl_report / hl_wl_rss_snapshot, or a
 * row field such as counter.perf::PAGE-FAULTS), the column it gets in
 * run's, show's and report's tables, its unit. A run records the headlines
 * of its workloads in the results' context, so readers need no registry. */
typedef struct hl_headline {
  const char *key;
  const char *column; /* short: "RSS after free" */
  hl_unit_t unit;
} hl_headline_t;

#define HL_MAX_HEADLINES 4
#define HL_MAX_PARAMS 8
#define HL_MAX_EXTRAS 4
#define HL_MAX_CLASS_ROWS 128

/* One size class as a workload measured it (sizeclass-sweep). */
typedef struct hl_class_row {
  uint64_t object_bytes, min_request, max_request; /* requests min..max land here */
  uint64_t objects, span_bytes;                    /* 0 when the backend cannot tell */
  double max_waste_pct; /* worst waste: round-up of the smallest request plus span tail */
} hl_class_row_t;

/* Per-thread context handed to a workload's functions. */
typedef struct hl_wl_thread {
  hl_mutator_t *m;
  const uint64_t *param; /* values, in the order of the workload's param table */
  unsigned thread_index, threads;
  uint64_t seed;       /* this thread's seed */
  uint64_t iterations; /* this thread's share */
  void *state;         /* the workload's own */
  uint64_t sink;       /* results folded here so loops are not optimised away */
  /* Named figures a workload measures itself, outside the timed loop
   * (sizeclass-sweep's internal fragmentation). Finite values only. */
  struct {
    const char *name;
    double value;
  } extra[HL_MAX_EXTRAS];
  unsigned nextra;
  hl_class_row_t classes[HL_MAX_CLASS_ROWS]; /* per size class, when measured */
  unsigned nclasses;
  char error[192]; /* why setup failed, for the results (hl_wl_fail) */
} hl_wl_thread_t;

typedef struct hl_workload {
  const char *name;    /* "steady-service" */
  const char *claim;   /* "C4" */
  const char *summary; /* one line */
  /* "bench"; "oom" for the out-of-memory patterns (leak, spike, ...: sized
   * to be run under a limit, so `-w all` leaves them out); "selftest" for
   * harness checks. */
  const char *kind;
  const hl_param_spec_t *params;
  size_t nparams;
  /* the figures its answer is in, as columns of the tables; optional */
  const hl_headline_t *headlines;
  size_t nheadlines;
  const hl_site_t *sites;
  size_t nsites;
  /* Checks a parameter combination; writes the reason on failure. Optional. */
  int (*check)(const uint64_t *param, unsigned threads, char *why, size_t len);
  /* Optional: why a cell with these values would allocate until something
   * stops it (a leak to its 1 TiB default, fault-inject kind=oom), or NULL
   * when it ends by itself. Bit k of given is set when parameter k was set
   * on the command line. heaplab runs such a cell only under a memory limit
   * below the machine's available memory (runner.c). */
  const char *(*unbounded)(const uint64_t *param, uint32_t given);
  /* Iterations each of `threads` threads runs. */
  uint64_t (*iterations)(const uint64_t *param, unsigned threads);
  /* Untimed, optional: builds state and the live set. 0 or HL_E*. */
  int (*setup)(hl_wl_thread_t *t);
  /* The timed loop: exactly `iterations` iterations, no I/O, no locks. */
  void (*run)(hl_wl_thread_t *t, uint64_t iterations);
  /* Untimed, optional: releases everything setup and run kept. */
  void (*teardown)(hl_wl_thread_t *t);
} hl_workload_t;

const hl_workload_t *const *hl_workload_all(size_t *n_out);
const hl_workload_t *hl_workload_find(const char *name);
void hl_workload_names(char *buf, size_t len);
/* "bytes", "percent", "count": the unit's word in results files. */
const char *hl_unit_name(hl_unit_t unit);

/* Index of key in w's param table, or -1. */
int hl_workload_param_index(const hl_workload_t *w, const char *key);
/* Parses text for parameter spec; HL_EPARSE / HL_ERANGE with why filled. */
int hl_param_parse(const hl_param_spec_t *spec, const char *text, uint64_t *out, char *why,
                   size_t len);
/* Formats a value the way benchmark names show it ("64M", "50"). */
void hl_param_format(const hl_param_spec_t *spec, uint64_t v, char *buf, size_t len);
/* Fills defaults (quick or normal). */
/* Testing builds only (meson -Dinject_slowdown_pct=N): the percentage by
 * which escape-return is made slower on purpose; 0 in a normal build. */
int hl_inject_slowdown_pct(void);
/* Testing builds only (meson -Dinject_retain_kib=N, -Dinject_retain_pct=P):
 * the extra memory escape-return retains on purpose; 0 in a normal build. */
int hl_inject_retain_kib(void);
int hl_inject_retain_pct(void);

void hl_workload_defaults(const hl_workload_t *w, int quick, uint64_t *param);

/* Setup failure with a reason for the results; returns HL_EINVAL. */
int hl_wl_fail(hl_wl_thread_t *t, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

/* Records a workload-measured figure (see hl_wl_thread_t.extra). */
void hl_wl_report(hl_wl_thread_t *t, const char *name, double value);

/* Outside the timed loop only: every thread of the worker waits here for
 * the others (blocked for a stop-the-world collector meanwhile). */
void hl_wl_barrier(hl_wl_thread_t *t);
/* Sleeps ms milliseconds, blocked (a service between requests). */
void hl_wl_idle_ms(hl_wl_thread_t *t, uint64_t ms);
/* Once every thread got here, thread 0 records VmRSS as figure `name`. */
void hl_wl_rss_snapshot(hl_wl_thread_t *t, const char *name);

/* splitmix64: the seeding step, and a fast generator for workloads. */
static inline uint64_t hl_rng_next(uint64_t *state) {
  uint64_t z = (*state += 0x9e3779b97f4a7c15ull);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

/* Uniform in [0, n) without modulo bias worth caring about (Lemire). */
static inline uint64_t hl_rng_below(uint64_t *state, uint64_t n) {
  return (uint64_t)(((unsigned __int128)hl_rng_next(state) * n) >> 64);
}

/* True for exactly pct of every 100 consecutive calls, spread evenly (a
 * running sum that gives 100 back each time it reaches it): how a workload
 * picks which calls take the escaping form. The Go twins spread alike. */
static inline int hl_spread(unsigned *acc, unsigned pct) {
  *acc += pct;
  if (*acc < 100) return 0;
  *acc -= 100;
  return 1;
}

#endif
