/* A FIFO window of live objects, the shape most workloads keep their recent
 * allocations in: a root array (so collectors see the objects) plus each
 * object's size (so drops count the right bytes). Pushing an object returns
 * the one it displaces; the caller drops or reuses it. */
#ifndef HL_WINDOW_H
#define HL_WINDOW_H

#include "mutator.h"

typedef struct hl_window {
  hl_roots_t *roots;
  size_t *bytes;
  size_t next;
} hl_window_t;

int hl_window_new(hl_mutator_t *m, size_t n, hl_window_t *w);
/* Drops every object still in the window and frees it. */
void hl_window_free(hl_mutator_t *m, hl_window_t *w);

/* Stores obj in the oldest slot; returns what was there (NULL at first) and
 * its size in *old_bytes. */
static inline void *hl_window_push(hl_mutator_t *m, hl_window_t *w, void *obj, size_t bytes,
                                   size_t *old_bytes) {
  size_t slot = w->next;
  void *old = hl_root_get(w->roots, slot);
  *old_bytes = w->bytes[slot];
  hl_root_set(m, w->roots, slot, obj);
  w->bytes[slot] = bytes;
  if (++w->next == w->roots->n) w->next = 0;
  return old;
}

/* Push, then drop what fell out. */
static inline void hl_window_cycle(hl_mutator_t *m, hl_window_t *w, void *obj, size_t bytes) {
  size_t old_bytes;
  void *old = hl_window_push(m, w, obj, bytes, &old_bytes);
  if (old) hl_drop(m, old, old_bytes);
}

#endif
