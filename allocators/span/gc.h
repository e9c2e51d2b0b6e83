/* span-gc: the span heap, collected (gc.c).
 *
 * The same heap as span.h, with no free(): a precise mark-sweep collector
 * finds the dead objects, and Go's pacer (pacer.h) decides when it runs,
 * from GOGC and the soft memory limit, as in the Go runtime. Objects
 * declare their pointer slots when allocated (the first nptrs words); the
 * roots are the ranges registered with span_gc_add_roots and the stacks of
 * the attached threads. In mode stw marking stops the world: every
 * attached thread parks at its next allocation, or is blocked
 * (span_gc_thread_block). In mode concurrent (gcconc.c) only sweep
 * termination and mark termination stop it; marking runs beside the
 * mutators, whose pointer stores go through span_gc_write_barrier.
 *
 * One collected heap per process, switched on before its first object. */
#ifndef SPAN_GC_H
#define SPAN_GC_H

#include "backend.h"

#include <stddef.h>
#include <stdint.h>

typedef struct span_gc_config {
  int gc_percent;             /* GOGC; HL_GC_OFF: never by heap growth */
  int64_t memory_limit_bytes; /* GOMEMLIMIT; HL_NO_MEMORY_LIMIT: none */
  int pacer_model;            /* hl_pacer_model_t: 0 go122, 1 go119 */
  int concurrent;             /* 1: Go's concurrent collector; 0: stop-the-world */
  hl_gc_cycle_fn on_cycle;    /* after each cycle, world stopped (may be NULL) */
  void *on_cycle_ctx;
} span_gc_config_t;

/* Switches the collector on. 0, or -1 when the heap already has objects
 * or the collector is on already. */
int span_gc_enable(const span_gc_config_t *cfg);

/* An object of `bytes` bytes whose first nptrs words are pointer slots
 * (not zeroed: the caller clears them before the next allocation). NULL
 * when memory is out. The calling thread must be attached. */
void *span_gc_alloc(size_t bytes, unsigned nptrs);
/* runtime.GC(): a full collection now, whatever the pacer says. */
void span_gc_collect(void);

/* Every pointer store into a heap object or a root slot goes through here
 * (the backend's write_barrier): a plain store unless marking. */
void span_gc_write_barrier(void **slot, void *value);

int span_gc_add_roots(void *start, size_t bytes);
void span_gc_remove_roots(void *start, size_t bytes);

/* Mutator threads (see gcstw.c). 0 or -1. */
int span_gc_thread_attach(void);
void span_gc_thread_detach(void);
void span_gc_thread_block(void);
void span_gc_thread_unblock(void);

/* debug.SetGCPercent / debug.SetMemoryLimit: return the old value; a
 * negative limit only reads. */
int span_gc_set_gc_percent(int gc_percent);
int64_t span_gc_set_memory_limit(int64_t bytes);

typedef struct span_gc_stats {
  uint64_t num_gc, num_forced_gc;
  uint64_t pause_total_ns; /* stop-the-world time, all cycles */
  uint64_t gc_cpu_ns;      /* GC CPU time, pauses counted on every CPU (Go's rule) */
  double gc_cpu_fraction;  /* gc_cpu_ns / (time since enable x procs) */
  uint64_t heap_live_bytes, heap_marked_bytes, heap_goal_bytes, heap_trigger_bytes;
  uint64_t stack_scan_bytes, globals_scan_bytes; /* roots the last cycle read */
  uint64_t limiter_skipped; /* triggers not acted on while the CPU limiter was limiting */
  uint64_t barrier_calls, barrier_buffered, barrier_skipped; /* all cycles (concurrent) */
  uint64_t assist_parks; /* assists that waited for credit or the mark's end (concurrent) */
  unsigned procs;
  int concurrent;
} span_gc_stats_t;

void span_gc_read_stats(span_gc_stats_t *out);

/* Test hooks, concurrent mode only: start a cycle's mark with the
 * background workers held (0, or -1 in mode stw); mark on the calling
 * thread what the workers would (roots and grey objects, no stacks); let
 * the workers go and have them end the mark as soon as they have no work,
 * and wait for it; switch a half of the hybrid barrier off (sabotage
 * checks); whether p's object is allocated once sweeping is done. */
int span_gc_test_start_mark(void);
void span_gc_test_drain(void);
void span_gc_test_finish_mark(void);
void span_gc_test_barrier_halves(int deletion, int insertion);
/* Concurrent mode: the background workers do nothing (on), so that only
 * the allocating threads' assists mark and end marks. */
void span_gc_test_workers_off(int off);
int span_gc_test_object_live(const void *p);

#endif
