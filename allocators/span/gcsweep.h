/* Sweeping (gcsweep.c): the unswept heap after a mark, swept lazily and
 * in proportion to allocation. */
#ifndef SPAN_GCSWEEP_H
#define SPAN_GCSWEEP_H

#include "internal.h"

/* A new large span, swept (allocated after the last mark). */
void gc_large_add(span_t *s);
/* World stopped, after the mark: every span holding objects is unswept. */
void gc_unsweep_all(void);
/* Sweeps one span anywhere; its pages, or 0 when nothing is left. */
uint32_t gc_sweep_one(void);
void gc_finish_sweep(void);
/* mode=concurrent: the background sweeper sweeps what is unswept (started
 * on first use); gc_finish_sweep_all finishes the sweep with it held
 * between spans. */
void gc_bgsweep_wake(void);
void gc_finish_sweep_all(void);
int gc_sweep_done(void);
/* Declares the sweep's hint words to drd (gcrace.h); at span_gc_enable. */
void gc_sweep_race_init(void);
/* Sets the proportional sweep for the heap to grow from heap_live to
 * trigger (Go's gcPaceSweeper). */
void gc_sweep_pace(uint64_t heap_live_bytes, uint64_t trigger_bytes, uint64_t pages_in_use);
/* Pays the sweep credit of a `pages`-page span allocation. */
void gc_sweep_credit(uint32_t pages, uint64_t heap_live_bytes);
/* Adds the objects sweeping freed (per size class; class 0: large) and
 * the large bytes freed. */
void gc_freed_counts(uint64_t *frees_by_class, uint64_t *large_free_bytes);

#endif
