/* `--measure instructions` (and `cache`): each worker under valgrind's
 * callgrind, counting the instructions of the timed region only.
 *
 * The parent starts `valgrind --tool=callgrind --instr-atstart=no ...
 * heaplab __worker SPEC` (hl_callgrind_argv); the worker turns callgrind's
 * instrumentation on right before the timed loop and off right after it
 * (hl_callgrind_begin/end: client requests, no-ops outside valgrind), so
 * setup, teardown, the harness and valgrind's start-up are not counted. When
 * the worker has exited, the parent reads callgrind's output file
 * (hl_callgrind_read) and adds the counts to the row: a guest instruction
 * count is the same in every repetition of a single-threaded cell, whatever
 * the machine's load, so the gate compares it within a small tolerance
 * instead of testing timings.
 *
 * What the count is: instructions, not time. valgrind runs one thread at a
 * time, so a multi-threaded cell's count includes every thread's work in
 * the region (and a collector's background threads), serialised; a
 * preloaded allocator is measured as it is (callgrind does not replace
 * malloc). `--measure cache` adds callgrind's cache simulation
 * (`--cache-sim=yes`: the whole worker about 1.4x the CPU time of plain
 * callgrind on escape-return, measured here) and the row gets simulated L1
 * and last-level misses per iteration, which depend on where the heap
 * landed: the gate compares them as it does instructions, within the
 * tolerance plus the base's own spread. */
#ifndef HL_CALLGRIND_H
#define HL_CALLGRIND_H

#include <stddef.h>
#include <stdint.h>

typedef enum { HL_MEASURE_TIME = 0, HL_MEASURE_INSTRUCTIONS, HL_MEASURE_CACHE } hl_measure_t;

const char *hl_measure_name(hl_measure_t m); /* "time", "instructions", "cache" */
int hl_measure_parse(const char *s, hl_measure_t *out);

/* The counts of one worker's timed region. */
typedef struct hl_callgrind_counts {
  uint64_t instructions;        /* Ir */
  int have_cache;               /* the cache simulation ran */
  uint64_t l1_misses, ll_misses; /* I1mr+D1mr+D1mw, ILmr+DLmr+DLmw */
} hl_callgrind_counts_t;

/* valgrind on PATH (its full path into exe), or why not. 0 or HL_ENOENT. */
int hl_callgrind_find(char *exe, size_t len, char *why, size_t why_len);

/* The argv prefix that runs a program under callgrind writing its counts to
 * out_file: up to 8 entries, the strings in buf; returns how many. */
size_t hl_callgrind_argv(const char *valgrind, const char *out_file, int cache_sim,
                         char **argv, char *buf, size_t buf_len);

/* Parses callgrind's output file. 0, or HL_EIO / HL_EPARSE with why. */
int hl_callgrind_read(const char *path, hl_callgrind_counts_t *c, char *why, size_t why_len);

/* In the worker, around the timed loop of each thread: the first thread in
 * turns instrumentation on, the last one out turns it off. Outside
 * valgrind they do nothing. hl_callgrind_active() says whether the process
 * runs under valgrind. */
void hl_callgrind_begin(void);
void hl_callgrind_end(void);
int hl_callgrind_active(void);

#endif
