/* span-gc's concurrent collector (gcconc.c): background mark workers, the
 * hybrid write barrier, stack scans at safepoints, mark termination. */
#ifndef SPAN_GCCONC_H
#define SPAN_GCCONC_H

#include "gcmark.h"
#include "gcstw.h"

#include <stdatomic.h>
#include <stdint.h>

/* Go's wbBuf holds 512 pointers (mwbbuf.go's wbBufEntries is 512 pointer
 * pairs' worth of one per slot shaded). */
#define GC_WBUF_ENTRIES 512u

/* A mutator thread's marking state (one per attached thread, gcstw.c).
 * Written by its thread; read by the collector only with the world
 * stopped, or at the thread's exit under the world lock. */
typedef struct gc_local {
  _Atomic int stack_grey; /* this cycle has not scanned the thread's stack yet */
  uint32_t wbuf_len;
  uintptr_t wbuf[GC_WBUF_ENTRIES]; /* pointers the barrier shaded, not yet marked */
  gc_work_t work;                  /* what its stack scan, flushes and assists found */
  /* this cycle's counts */
  uint64_t barrier_calls; /* barrier slow-path calls (stores while marking) */
  uint64_t wb_entries;    /* pointers put into wbuf */
  uint64_t wb_skipped;    /* pointers not buffered: their object was marked already */
  uint64_t black_bytes;   /* bytes allocated black */
  uint64_t assist_ns, assist_bytes;
  uint64_t assist_parks; /* times its assists waited for work or credit */
  /* Go's gcAssistBytes: allocation paid for in advance (positive) or not
   * yet paid for with scan work (negative); zero at each mark's start */
  int64_t assist_credit_bytes;
} gc_local_t;

/* Counters of one cycle, summed over threads and workers. */
typedef struct gc_conc_cycle {
  gc_mark_result_t mark;
  uint64_t barrier_calls, wb_entries, wb_skipped, black_bytes;
  uint64_t assist_ns, assist_scan_bytes, background_ns;
  uint64_t assist_parks;
  uint64_t markterm_scan_bytes; /* pointer slots read with the world stopped */
} gc_conc_cycle_t;

/* Nonzero while marking: the barrier shades, allocation is black. */
extern _Atomic int gc_marking;

/* Starts the workers (created on first need). 0 or -1. */
int gc_conc_init(unsigned procs);
/* World stopped, at the end of sweep termination: marking begins with
 * workers for this many dedicated workers and this fractional goal. */
void gc_conc_begin_mark(int64_t dedicated, double fractional_goal, unsigned procs);
/* A mutator's poll while marking: scans its stack if it is grey. */
void gc_conc_poll(void);
/* A thread leaves (world lock held, world running): its buffers go to the
 * shared queue and its counts to the cycle's. */
void gc_conc_thread_exit(gc_local_t *l);
/* The write barrier's slow path (marking). */
void gc_conc_barrier(void **slot, void *value);
/* CPU time of the calling thread (CLOCK_THREAD_CPUTIME_ID). */
int64_t gc_thread_cpu_ns(void);
/* Heap scan work done so far this cycle (bytes of pointer slots). */
uint64_t gc_conc_scan_work(void);
/* The pacer's assist ratio while marking (revise, gc.c), and whether
 * assists are off (the CPU limiter is limiting). */
void gc_conc_set_assist_ratio(double work_per_byte, double bytes_per_work, int off);
/* gcAssistAlloc: the calling thread's allocation credit went negative;
 * pays with scan work (stolen from the workers' credit, or done here),
 * ends the mark when no work is left anywhere, or parks until the workers
 * make credit or the mark ends. Called with no lock held. */
void gc_conc_assist_alloc(void);
/* Every allocation while marking is charged to its thread's credit
 * before it is made (Go's deductAssistCredit). */
static inline void gc_conc_charge_alloc(uint64_t bytes) {
  gc_local_t *l = gc_tls_local;
  if (!l) return;
  l->assist_credit_bytes -= (int64_t)bytes;
  if (l->assist_credit_bytes < 0) gc_conc_assist_alloc();
}
/* Defined in gc.c: an assist took ns of CPU time (the CPU limiter's). */
void gc_note_assist_ns(int64_t ns);
/* Blocks the calling mutator until the cycle that is marking now (if
 * any) has ended. */
void gc_conc_wait_cycle_end(void);
/* Test hooks: hold the workers (they do no marking, and never end a mark,
 * while held); drain on the caller's thread; let the workers go and end
 * the mark as soon as they have no work (without waiting for threads to
 * scan their own stacks), and wait for that; disable a half of the
 * barrier (sabotage checks). */
void gc_conc_hold_workers(int hold);
/* Test hook: the workers do nothing at all; the assists mark and end the
 * marks alone. */
void gc_conc_workers_off(int off);
void gc_conc_drain_here(void);
void gc_conc_finish_mark(void);
void gc_conc_barrier_halves(int deletion, int insertion);

/* Called by gcconc.c (defined in gc.c), the world stopped, after marking:
 * the rest of mark termination, the pacer's end of cycle and the record. */
void gc_conc_end_cycle(const gc_conc_cycle_t *c, int64_t stop_ns, int64_t stopped_ns,
                       int64_t stop_cpu_ns);

#endif
