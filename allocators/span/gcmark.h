/* Marking (gcmark.c): root ranges, one stop-the-world mark, and the
 * pieces concurrent marking is made of (gcconc.c puts them together). */
#ifndef SPAN_GCMARK_H
#define SPAN_GCMARK_H

#include <stddef.h>
#include <stdint.h>

typedef struct gc_mark_result {
  uint64_t marked_bytes;       /* object bytes reached (class sizes, whole large spans) */
  uint64_t marked_objects;     /* objects (tiny blocks count once) */
  uint64_t heap_scan_bytes;    /* pointer slots read in heap objects */
  uint64_t stack_scan_bytes;   /* machine stack bytes read */
  uint64_t globals_scan_bytes; /* root range bytes read */
} gc_mark_result_t;

/* [start, start + bytes) holds pointers to scan at every mark; 0 or -1. */
int gc_roots_add(void *start, size_t bytes);
void gc_roots_remove(void *start, size_t bytes);

/* With the world stopped and every span swept: marks everything reachable
 * from the roots and the mutator stacks. 0, or -1 when the mark stack
 * could not grow (marking incomplete). */
int gc_mark(gc_mark_result_t *res);

/* ---- concurrent marking --------------------------------------------------------
 * A marker's grey objects and what it found (Go's gcWork): the background
 * workers keep one each, every mutator thread one for its stack scan,
 * barrier flushes and assists. Every function here may run beside the
 * mutators and beside other markers. */
typedef struct mark_item {
  void *const *slot; /* the object's first word */
  uint32_t n;        /* its pointer slots */
} mark_item_t;

typedef struct gc_work {
  mark_item_t *stack;
  size_t len, cap;
  int overflow; /* the stack could not grow: marking is incomplete */
  gc_mark_result_t res;
} gc_work_t;

struct span;
/* Marks the object v points into (if any) and queues it; 1 when this call
 * marked it. */
int gc_shade(gc_work_t *w, uintptr_t v);
/* The write barrier's test before it buffers v: 0 when v points into no
 * span of this heap, 1 into an unmarked slot, 2 into a marked one. */
int gc_mark_state(uintptr_t v);
/* Allocate-black: marks slot idx of small span s; the bytes newly marked. */
uint64_t gc_mark_new(struct span *s, uint32_t idx);
/* A stack, or a frozen part of one, read conservatively. */
void gc_scan_range(gc_work_t *w, uintptr_t lo, uintptr_t hi);
/* Every root range, conservatively. */
void gc_scan_roots(gc_work_t *w);
/* Root jobs (blocks of the root ranges, Go's markroot jobs): counted at
 * the start of a mark (world stopped); a marker claims and scans the next
 * one: 1 with the bytes it read, 0 when none was left. */
void gc_root_jobs_reset(void);
int gc_scan_root_job(gc_work_t *w, uint64_t *bytes);
int gc_root_jobs_left(void);
/* A range was added or removed since the jobs were counted. */
int gc_roots_changed(void);
/* Scans grey objects, the marker's own and then the shared queue's, until
 * both are empty or budget_bytes of pointer slots were read (0: no
 * budget); the bytes read. */
uint64_t gc_drain(gc_work_t *w, uint64_t budget_bytes);
/* Gives w's grey objects to the shared queue. */
void gc_work_flush(gc_work_t *w);
/* The shared queue has grey objects (a hint: no lock). */
int gc_work_pending(void);
/* A mark stack could not grow: w's or the shared queue's. */
int gc_work_overflowed(const gc_work_t *w);
void gc_work_release(gc_work_t *w);

#endif
