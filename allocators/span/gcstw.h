/* Stopping the world for the collector (gcstw.c): mutator threads,
 * safepoints, blocked threads, and the machine stacks to scan. */
#ifndef SPAN_GCSTW_H
#define SPAN_GCSTW_H

#include <stdatomic.h>
#include <stdint.h>

/* Nonzero when a stop is requested or a collection is due: every
 * allocation reads it (relaxed) and calls gc_poll_slow() when set. */
extern _Atomic int span_gc_poll;

/* Registers the calling thread (its stack bounds) as a mutator; 0 or -1.
 * Waits while the world is stopped. */
int gc_thread_attach(void);
void gc_thread_detach(void);
int gc_thread_attached(void);
unsigned gc_thread_count(void);
/* Go's entersyscall / exitsyscall (see gcstw.c for the contract). */
void gc_thread_block(void);
void gc_thread_unblock(void);
/* Parks the caller while the world is stopped. */
void gc_safepoint(void);
/* Asks for a collection at the next poll of any thread. */
void gc_request_collect(void);
int gc_collect_requested(void);

/* Stops every other mutator thread (each parks at its next poll or is
 * blocked). Returns 0 with the world stopped, or -1 when another thread
 * was collecting: the caller then parked until that cycle ended. The
 * caller records its stack first with GC_RECORD_STACK(). */
int gc_stop_world(void);
void gc_start_world(void);
/* The world stopped: calls fn for the in-use part of every mutator
 * thread's stack, [lo, hi). */
void gc_for_each_stack(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg);

void gc_set_stack_scan_start(uintptr_t sp);

/* ---- for concurrent marking (gcconc.c) ---- */
struct gc_local;
/* The calling thread's marking state; NULL when it is not attached. */
extern __thread struct gc_local *gc_tls_local;
/* gc_thread_block() for a caller that recorded its stack itself (its
 * frame stays until it unblocks). */
void gc_thread_block_recorded(void);
/* gc_stop_world() for a collector thread that is not a mutator. */
void gc_stop_world_collector(void);
/* World stopped: fn for every attached thread, with its recorded stack
 * (lo = hi = 0 when none). */
void gc_for_each_local(void (*fn)(struct gc_local *l, uintptr_t lo, uintptr_t hi, void *arg),
                       void *arg);
/* World running: fn for each blocked thread whose stack is grey (it is
 * then no longer grey); how many. */
int gc_scan_blocked_stacks(void (*fn)(struct gc_local *l, uintptr_t lo, uintptr_t hi, void *arg),
                           void *arg);
/* Threads whose stack this cycle has not scanned yet. */
int gc_grey_stacks(void);
/* Marking: threads poll until they scanned their stacks (on), or not. */
void gc_set_scan_due(int on);
/* World stopped (by the caller, holding no lock): every stack grey. */
void gc_grey_all_stacks(void);
/* gc_request_collect() was called since the last cycle. */
int gc_collect_due(void);
/* The calling thread's stack from its last record. */
void gc_self_stack(uintptr_t *lo, uintptr_t *hi);
/* Spills the callee-saved registers into the current frame and records
 * the current frame as where the caller's stack in use begins; the frame
 * must stay until the world starts again. */
#define GC_RECORD_STACK()                                                                          \
  __builtin_unwind_init();                                                                         \
  volatile uintptr_t gc_stack_marker_ = 0;                                                         \
  gc_set_stack_scan_start((uintptr_t)&gc_stack_marker_)

#endif
