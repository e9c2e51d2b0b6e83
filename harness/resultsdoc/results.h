/* Results files: Google Benchmark's JSON shape plus heaplab's fields.
 *
 * A results file is {"context": {...}, "benchmarks": [...]} exactly as Google
 * Benchmark writes it, so its compare.py reads two heaplab files. Each cell
 * repetition is one "iteration" row (name WORKLOAD/BACKEND[/key=value...]
 * [/threads:N]); cells with two or more successful repetitions also get
 * mean/median/stddev/cv "aggregate" rows. heaplab's measurements are extra
 * numeric keys of each row (the field list below), which Google Benchmark's
 * tools ignore. results/README.md documents every key.
 *
 * Numbers are never NaN or infinite: a figure that could not be measured is
 * left out and the context says why.
 */
#ifndef HL_RESULTS_H
#define HL_RESULTS_H

#include "backend.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* Per-cell figures measured by the worker. X(field, help). The heap
 * statistics of the backend follow (HL_HEAP_STATS). */
#define HL_CELL_FIELDS(X)                                                                          \
  X(rss_peak_bytes, "peak resident memory of the worker (VmHWM) at the end of the timed loop")     \
  X(rss_start_bytes, "resident memory before setup: heaplab's own baseline")                       \
  X(allocs, "objects allocated from the backend, setup and timed loop")                            \
  X(alloc_bytes, "bytes requested from the backend, setup and timed loop")                         \
  X(frees, "objects given back to the backend with free()")                                        \
  X(free_bytes, "bytes given back with free()")                                                    \
  X(stack_allocs, "objects placed in a frame's stack region (escape analysis)")                    \
  X(stack_alloc_bytes, "bytes placed in stack regions")                                            \
  X(heap_peak_bytes,                                                                               \
    "collectors: largest heap at the end of a cycle's marking, or the heap at the "                \
    "end when there was no cycle")                                                                 \
  X(gc_cycles_dropped, "collectors: cycles counted in num_gc but left out of gc_cycles")          \
  X(gc_pause_max_ns, "collectors: the longest stop-the-world pause of one collection")

enum {
#define HL_X(f, h) HL_CF_##f,
  HL_CELL_FIELDS(HL_X)
#undef HL_X
      HL_CF_HEAP_BASE,
  HL_CF_COUNT = HL_CF_HEAP_BASE + HL_HS_COUNT
};

typedef struct hl_cell_metrics {
  uint64_t value[HL_CF_COUNT];
  uint64_t present; /* bit i: value[i] measured */
} hl_cell_metrics_t;

static inline void hl_metrics_set(hl_cell_metrics_t *m, int field, uint64_t v) {
  m->value[field] = v;
  m->present |= UINT64_C(1) << field;
}

/* Key and help text of field i (cell fields, then heap statistics). */
const char *hl_metric_name(int field);
const char *hl_metric_help(int field);
/* Field index for a key, or -1. */
int hl_metric_index(const char *name);

/* Adds the present metrics to entry as integer keys. */
int hl_metrics_to_json(const hl_cell_metrics_t *m, json_t *entry);

/* Loads and validates a results file. On failure returns HL_E* and writes a
 * message naming the problem (file, key, entry) into why. Every number of a
 * row must be finite, the times and counts (real_time, cpu_time,
 * iterations, heaplab's metrics, ...) >= 0, and time_unit one of ns, us, ms,
 * s: the loaded document has its times converted to ns (time_unit "ns"), so
 * readers take real_time and cpu_time as nanoseconds. */
int hl_results_load(const char *path, json_t **root_out, char *why, size_t why_len);

/* Writes root with 2-space indentation to path, safely (output.h); why
 * names the file and the problem on failure. */
int hl_results_save(const json_t *root, const char *path, char *why, size_t why_len);

/* Appends Google Benchmark's aggregate rows (mean, median, stddev, cv) for
 * the iteration rows `reps` (all with run_type "iteration" and outcome ok;
 * at least two) to `out`. Every numeric key present in all rows is
 * aggregated, as Google Benchmark does with user counters. */
int hl_results_aggregate(json_t *const *reps, size_t n, json_t *out);

/* Numeric value of key in entry (integer or real); 0 when present. */
int hl_json_number(const json_t *entry, const char *key, double *out);

#endif
