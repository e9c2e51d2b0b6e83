/* A C interface to Google Benchmark (which has none: its API is C++).
 *
 * heaplab times each cell with Google Benchmark so results keep its JSON
 * shape and its tools (compare.py) read them. Crossing from C into C++ costs
 * about a nanosecond per call, which would swamp a 5 ns allocation, so the
 * timed loop never calls into C++: hl_gb_batch_begin() starts the timer and
 * hands the C side the thread's whole iteration count at once (one
 * KeepRunningBatch), and hl_gb_batch_end() stops it. Each benchmark runs a
 * fixed number of iterations (not Google Benchmark's adaptive count), so
 * allocation counts are exact and repeatable.
 *
 * CPU time is the whole process's (MeasureProcessCPUTime), so work done by
 * an allocator's or collector's own threads (jemalloc's background purging,
 * libgc's parallel markers) is charged to the cell.
 */
#ifndef HL_GBENCH_H
#define HL_GBENCH_H

#include <stddef.h>
#include <stdint.h>

#ifdef __cplusplus
extern "C" {
#endif

typedef struct hl_gb_state hl_gb_state_t; /* a benchmark::State */
typedef void (*hl_gb_fn)(hl_gb_state_t *st, void *arg);

/* Registers fn as benchmark `name`, run by `threads` threads, each for
 * exactly `iterations` iterations. Returns 0 or HL_E*. */
int hl_gb_register(const char *name, hl_gb_fn fn, void *arg, uint64_t iterations, unsigned threads);

/* Inside fn. begin: waits for every thread, starts the timer and returns the
 * iterations this thread must run, or 0 when the run was skipped with an
 * error (the timer is then already stopped). end: stops the timer (waits
 * for every thread again); call it exactly once, and only when begin
 * returned non-zero. Nothing crosses into C++ between the two. */
uint64_t hl_gb_batch_begin(hl_gb_state_t *st);
void hl_gb_batch_end(hl_gb_state_t *st);

unsigned hl_gb_thread_index(const hl_gb_state_t *st);
unsigned hl_gb_threads(const hl_gb_state_t *st);
/* Marks the run failed (Google Benchmark's error_occurred); call before
 * hl_gb_batch_begin or instead of the loop. */
void hl_gb_skip_with_error(hl_gb_state_t *st, const char *message);

/* What Google Benchmark measured of the one registered benchmark, as its
 * JSON reporter would print it: per iteration, in nanoseconds. */
typedef struct hl_gb_run {
  uint64_t iterations;
  double real_time_ns, cpu_time_ns;
  int error_occurred;
  char error_message[256];
} hl_gb_run_t;

/* Runs the registered benchmark. 0, or HL_E* with the reason in why. */
int hl_gb_run(hl_gb_run_t *out, char *why, size_t why_len);

/* Google Benchmark's own context block (its JSON reporter's "context": the
 * library's build type, CPUs, caches, load) as malloc'd JSON text, or NULL.
 * The parent records it once; workers do not send it. */
char *hl_gb_context_json(void);

#ifdef __cplusplus
}
#endif

#endif
