/* The per-cycle GC timeline of one worker, and Go's gctrace line.
 *
 * A collector reports each finished cycle through hl_backend_config_t's
 * on_gc_cycle while the world is stopped (backend.h), so the recorder must
 * not allocate, lock or call stdio: it copies the record into a buffer the
 * worker allocated before the run, and with --gctrace formats Go's
 * GODEBUG=gctrace=1 line into a stack buffer and write(2)s it. The first
 * `capacity` cycles are kept, the latest one always, and the ones between are
 * only counted (dropped), so a run of a million collections stays small.
 *
 * Not thread-safe against itself: collectors report one cycle at a time
 * (they collect under their own lock). The figures are read after every
 * worker thread has finished.
 */
#ifndef HL_GC_TIMELINE_H
#define HL_GC_TIMELINE_H

#include "backend.h"

#include <jansson.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define HL_GC_CYCLES_KEPT 4096

/* The integer fields of hl_gc_cycle_t that go into the results as they are,
 * in results order (the arrays clock_ns and cpu_ns, gc_cpu_fraction, procs
 * and the two flags are written beside them). */
#define HL_GC_CYCLE_HEAP_FIELDS(X)                                                                 \
  X(heap_trigger_bytes)                                                                            \
  X(heap_start_bytes)                                                                              \
  X(heap_end_bytes)                                                                                \
  X(heap_marked_bytes)                                                                             \
  X(heap_goal_bytes)                                                                               \
  X(stack_scan_bytes)                                                                              \
  X(globals_scan_bytes)

typedef struct hl_gc_timeline {
  hl_gc_cycle_t *kept; /* the first `capacity` cycles */
  size_t capacity, nkept;
  hl_gc_cycle_t last;       /* the latest cycle */
  uint64_t ncycles;         /* cycles reported while recording */
  uint64_t pause_total_ns;  /* summed over all of them, dropped ones too */
  uint64_t pause_max_ns;    /* the longest of them */
  uint64_t heap_peak_bytes; /* largest heap_end_bytes */
  atomic_int recording;     /* 0: cycles are ignored (after hl_gc_timeline_stop) */
  int trace_fd;             /* --gctrace: where lines go; -1 none */
  /* Streaming (heaplab oom): each cycle also goes to stream_fd at once as a
   * "gc" record, so the parent has it even if the worker is killed; -1 none. */
  int stream_fd;
  /* gc-thrash: the GC's CPU over the last thrash_window_ns (0: off), from a
   * ring of the recent cycles' ends and CPU times. */
  uint64_t thrash_window_ns;
  uint64_t *ring_end_ns, *ring_cpu_ns;
  size_t ring_head, ring_len;
  /* The memory-limit spiral (hl_gc_timeline_watch_spiral): the limit, and
   * the streak of pinned, back-to-back cycles ending at the latest one. */
  uint64_t spiral_limit_bytes; /* 0: the CPU-share rule instead */
  struct {
    int have_prev;
    uint64_t prev_end_ns, prev_marked_bytes; /* the cycle before */
    uint64_t since_ns;                       /* the streak's first cycle's start */
    uint64_t cycles, clock_ns, taken_ns, idle_ns;
  } spiral;
} hl_gc_timeline_t;

#define HL_GC_THRASH_RING 65536

/* Allocates room for `capacity` cycles and starts recording. trace_fd < 0:
 * no gctrace lines. Returns 0 or HL_ENOMEM. */
int hl_gc_timeline_init(hl_gc_timeline_t *t, size_t capacity, int trace_fd);
/* Streams every cycle to fd as a "gc" record, and with window_ns > 0 ends
 * the process (a "gc-thrash" record, exit HL_WORKER_EXIT_THRASH) once the
 * collector used over half the CPU over the last window_ns, or its CPU
 * limiter turned on (Go's limiter fills only while the GC takes more than
 * half the CPU, for a bucket's worth of one CPU-second per CPU). Before
 * the run starts; 0 or HL_ENOMEM. */
int hl_gc_timeline_stream(hl_gc_timeline_t *t, int fd, uint64_t window_ns);
/* A Go program under GOMEMLIMIT (limit_bytes): gc-thrash is its death
 * spiral instead of the CPU share, once for the whole window every cycle's
 * heap goal was the live heap the cycle before had marked, and each cycle
 * began no longer after the previous one ended than it lasted itself
 * (gc_timeline.c says why). After hl_gc_timeline_stream with a window. */
void hl_gc_timeline_watch_spiral(hl_gc_timeline_t *t, uint64_t limit_bytes);
void hl_gc_timeline_free(hl_gc_timeline_t *t);
/* The hl_gc_cycle_fn: ctx is the timeline. */
void hl_gc_timeline_record(void *ctx, const hl_gc_cycle_t *cycle);
/* Cycles after this are not recorded (the end of the measured stretch). */
void hl_gc_timeline_stop(hl_gc_timeline_t *t);
/* Cycles counted but in neither the kept ones nor the last. */
uint64_t hl_gc_timeline_dropped(const hl_gc_timeline_t *t);
/* The results' gc_cycles array: the kept cycles, then the last one if it is
 * not among them. NULL when out of memory. */
json_t *hl_gc_timeline_json(const hl_gc_timeline_t *t);
/* The stop-the-world windows' distribution over the cycles: {"sweep_termination":
 * {"p50", "p99", "max"}, "mark_termination": {...}} in ns; NULL when there was
 * no cycle or the collector does not report its windows. */
json_t *hl_gc_timeline_pauses_json(const hl_gc_timeline_t *t);

/* Go's gctrace line for one cycle, newline included, as
 * Go's runtime.gcMarkTermination prints it with GODEBUG=gctrace=1:
 *   gc 7 @0.171s 1%: 0.055+7.9+0.018 ms clock, 0.16+4.8/4.8/7.4+0.056 ms cpu,
 *   27->28->25 MB, 28 MB goal, 0 MB stacks, 0 MB globals, 32 P
 * (one line), " (forced)" before the newline for a forced cycle. Writes at
 * most len bytes, NUL-terminated, and returns the line's length (without
 * the NUL). Uses no stdio and no heap, so a collector's callback may call it. */
size_t hl_gctrace_format(const hl_gc_cycle_t *c, char *buf, size_t len);

#endif
