/* The span allocator's central lists against late remote frees, replayed
 * in one thread so that the interleaving is exact.
 *
 * A remote free publishes its bit and then, when the span was full and is
 * uncached, takes the central lock to move the span to the partial list
 * (central_remote_freed). Between the two, the other thread may take the
 * span, sweep the bit in, fill the span and give it back full. The late
 * call then finds a full span with nothing left to sweep; a refill that
 * took it from the partial list found no free slot and malloc returned
 * NULL (remote-free with 2 threads, a few runs in a hundred). Each case
 * below puts a span that has no free slot where a refill looks, as those
 * calls did, and checks that every allocation after it succeeds and none
 * lands in that span. */
#include "internal.h"
#include "span.h"
#include "th.h"

#define OBJ_BYTES 64

/* The kind of list s is on (central.c adds a pair bit above the kinds). */
static unsigned list_kind(const span_t *s) {
  return s->list & 3u;
}

/* Allocates until an object comes from a span other than cur (a refill)
 * and returns that object, checking that none is NULL or inside avoid. */
static void *alloc_past(const span_t *cur, const span_t *avoid, uint32_t bound) {
  for (uint32_t i = 0; i < bound; i++) {
    void *p = span_malloc(OBJ_BYTES);
    CHECK(p != NULL);
    if (!p) return NULL;
    const span_t *s = pagemap_get(p);
    CHECK(s != avoid);
    if (s != cur) return p;
  }
  TH_FAIL("no refill within %u allocations", (unsigned)bound);
  return NULL;
}

int main(void) {
  const uint16_t spc = (uint16_t)span_malloc_spc(OBJ_BYTES);
  const uint32_t nelems = span_class_objects[spc >> 1];
  void *first = span_malloc(OBJ_BYTES); /* the class's first span: nothing else in it */
  CHECK(first != NULL);
  if (!first) return th_done("test_span_central");
  span_t *full = pagemap_get(first);
  void *next = alloc_past(full, NULL, 2 * nelems);
  if (!next) return th_done("test_span_central");
  /* the first span went back to its central list full, no free pending */
  CHECK_INT(list_kind(full), LIST_FULL);
  CHECK(atomic_load(&full->owner) == NULL);
  CHECK_INT(atomic_load(&full->remote_count), 0);
  CHECK_INT(atomic_load(&full->alloc_count), nelems);

  /* 1. A late call for a free whose bit a sweep has already taken in. */
  central_remote_freed(full, spc, atomic_load(&full->gen));
  CHECK_INT(list_kind(full), LIST_FULL); /* nothing pending: it stays */
  next = alloc_past(pagemap_get(next), full, 2 * nelems);
  if (next) next = alloc_past(pagemap_get(next), full, 2 * nelems);

  /* 2. A late call while another free is counted but not yet published
   * (free_remote raises remote_count before it sets the bit): the span may
   * go to the partial list, and a refill that sweeps it still finds no
   * slot. */
  CHECK_INT(list_kind(full), LIST_FULL);
  atomic_fetch_add(&full->remote_count, 1);
  central_remote_freed(full, spc, atomic_load(&full->gen));
  if (next) next = alloc_past(pagemap_get(next), full, 2 * nelems);
  if (next) alloc_past(pagemap_get(next), full, 2 * nelems);
  atomic_fetch_sub(&full->remote_count, 1); /* the free that never comes */
  CHECK_INT(atomic_load(&full->alloc_count), nelems);
  return th_done("test_span_central");
}
