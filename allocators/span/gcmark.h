/* Marking (gcmark.c): root ranges and one stop-the-world mark. */
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

#endif
