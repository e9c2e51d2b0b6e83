/* The tiny allocator (Go's mallocgcTiny): pointer-free objects under 16
 * bytes are packed into 16-byte blocks.
 *
 * Go can pack freely because its collector frees a block when nothing
 * points into it any more. With explicit free, each block carries a count
 * of the objects in it plus one while it is the cache's current block; the
 * block's slot is freed when the count drops to zero. Tiny blocks have their
 * own span class (SPAN_TINY_SPC), so only their spans pay for the counts.
 *
 * Alignment follows Go: 8 for sizes that are multiples of 8, 4 for
 * multiples of 4, 2 for even sizes, else none. That is enough for any C
 * object of that size, but less than the 16 glibc's malloc gives, so the
 * malloc face (malloc.c), which cannot know what it is allocating, never
 * uses this: only span_alloc_typed does, for objects declared pointer-free. */
#include "internal.h"

static uint32_t block_of(const span_t *s, uintptr_t p) {
  return (uint32_t)((p - s->base) / SPAN_TINY_BYTES);
}

void *tiny_alloc(mcache_t *c, size_t bytes) {
  uint32_t off = c->tiny_offset;
  if ((bytes & 7) == 0)
    off = (off + 7) & ~7u;
  else if ((bytes & 3) == 0)
    off = (off + 3) & ~3u;
  else if ((bytes & 1) == 0)
    off = (off + 1) & ~1u;
  if (c->tiny && off + bytes <= SPAN_TINY_BYTES) {
    atomic_fetch_add_explicit(&c->tiny_span->tiny_refs[block_of(c->tiny_span, c->tiny)], 1,
                              memory_order_relaxed);
    c->tiny_offset = off + (uint32_t)bytes;
    stat_add(&c->tiny_allocs, 1);
    return (void *)(c->tiny + off);
  }
  span_t *s = c->alloc[SPAN_TINY_SPC];
  void *p = span_next_fast(s);
  if (!p) p = mcache_alloc_slow(c, SPAN_TINY_SPC);
  if (!p) return NULL;
  s = c->alloc[SPAN_TINY_SPC];
  stat_add(&c->fc[SPAN_TINY_SPC].nmalloc, 1); /* a new block: counted as its class, as in Go */
  /* Keep the block with more room left (Go's rule); the kept one holds an
   * extra reference for the cache. */
  if (!c->tiny || bytes < c->tiny_offset) {
    atomic_store_explicit(&s->tiny_refs[block_of(s, (uintptr_t)p)], 2, memory_order_relaxed);
    if (c->tiny) tiny_free(c->tiny_span, (void *)c->tiny);
    c->tiny = (uintptr_t)p;
    c->tiny_span = s;
    c->tiny_offset = (uint32_t)bytes;
  } else {
    atomic_store_explicit(&s->tiny_refs[block_of(s, (uintptr_t)p)], 1, memory_order_relaxed);
  }
  return p;
}

/* One reference to the block holding p goes away; the last frees the slot. */
void tiny_free(span_t *s, void *p) {
  uint32_t b = block_of(s, (uintptr_t)p);
  uint8_t before = atomic_fetch_sub_explicit(&s->tiny_refs[b], 1, memory_order_acq_rel);
  if (before == 0) span_fatal("free(): double free of a tiny object", p);
  if (before > 1) return;
  mcache_t *c = mcache_peek();
  void *block = (void *)(s->base + (uintptr_t)b * SPAN_TINY_BYTES);
  span_free_objects(s, &block, 1, c);
  if (c)
    stat_add(&c->fc[SPAN_TINY_SPC].nfree, 1);
  else
    mcache_count_uncached(SPAN_TINY_CLASS, 0);
}
