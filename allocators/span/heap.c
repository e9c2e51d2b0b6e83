/* The page heap: spans made from free pages and given back (Go's mheap:
 * allocSpan, initSpan, freeSpanLocked), and the heap's page statistics.
 *
 * One lock (span_heap_lock) covers the page allocator, the page map writes
 * and the metadata allocator. Small spans take it once per span (every few
 * to 1024 objects); large objects take it on every allocation and free, as
 * in Go, where they dominate by page faults anyway. */
#include "internal.h"

#include <string.h>

pthread_mutex_t span_heap_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

static uint64_t inuse_pages;

/* meta_bits_new(n) gives 2n words: 32 -> 512 bytes, one per tiny block. */
#define TINY_REF_WORDS 32

/* Sets up a small span for span class spc (Go's initSpan + mcentral.grow). */
static int init_small(span_t *s, uint16_t spc) {
  unsigned cls = spc == SPAN_TINY_SPC ? SPAN_TINY_CLASS : spc >> 1;
  s->kind = SPAN_SMALL;
  s->elem_bytes = span_class_bytes[cls];
  s->divmagic = span_class_divmagic[cls];
  s->nelems = span_class_objects[cls];
  s->nwords = (s->nelems + 63) / 64;
  s->alloc_bits = meta_bits_new(s->nwords);
  if (!s->alloc_bits) return -1;
  s->remote_free = (_Atomic uint64_t *)(s->alloc_bits + s->nwords);
  if (s->nelems % 64) /* slots past the end are never free */
    s->alloc_bits[s->nwords - 1] = ~(uint64_t)0 << (s->nelems % 64);
  s->alloc_cache = ~s->alloc_bits[0];
  if (spc == SPAN_TINY_SPC) { /* one byte per block, from the bitmap pool */
    s->kind |= SPAN_TINY;
    s->tiny_refs = (_Atomic uint8_t *)meta_bits_new(TINY_REF_WORDS);
    if (!s->tiny_refs) return -1;
  }
  return 0;
}

span_t *heap_alloc_span(uint32_t npages, uint16_t spc, uint32_t align_pages) {
  pthread_mutex_lock(&span_heap_lock);
  uint32_t scav = 0;
  uintptr_t base = pages_alloc(npages, align_pages, &scav);
  if (!base && pages_grow(npages + (align_pages > 1 ? align_pages : 0)) == 0)
    base = pages_alloc(npages, align_pages, &scav);
  span_t *s = base ? meta_span_new() : NULL;
  if (!s) goto fail;
  s->base = base;
  s->npages = npages;
  s->spc = spc;
  s->needzero = scav < npages;
  if (spc > 1) {
    if (init_small(s, spc) != 0) goto fail;
  } else {
    s->kind = SPAN_LARGE;
    s->nelems = 1;
    s->elem_bytes = npages * SPAN_PAGE_BYTES;
    atomic_store_explicit(&s->alloc_count, 1, memory_order_relaxed);
  }
  pagemap_set(base, npages, s, spc > 1 ? spc : PAGE_LARGE);
  inuse_pages += npages;
  pthread_mutex_unlock(&span_heap_lock);
  return s;
fail:
  if (base) pages_free(base, npages);
  if (s) meta_span_free(s); /* bitmaps of a half-made span are not reclaimed */
  pthread_mutex_unlock(&span_heap_lock);
  return NULL;
}

static void read_locked(heap_stats_t *out) {
  memset(out, 0, sizeof *out);
  out->inuse_pages = inuse_pages;
  pages_counts(&out->free_pages, &out->released_pages, &out->committed_pages);
}

void heap_free_span(span_t *s) {
  pthread_mutex_lock(&span_heap_lock);
  pagemap_set(s->base, s->npages, NULL, PAGE_FREE);
  pages_free(s->base, s->npages);
  inuse_pages -= s->npages;
  if (s->kind & SPAN_SMALL) meta_bits_free(s->alloc_bits, s->nwords);
  if (s->tiny_refs) meta_bits_free((uint64_t *)s->tiny_refs, TINY_REF_WORDS);
  meta_span_free(s);
  heap_stats_t h;
  read_locked(&h);
  pthread_mutex_unlock(&span_heap_lock);
  if (scavenger_excess_pages(&h)) scavenger_note_free(&h);
}

void heap_read_stats(heap_stats_t *out) {
  pthread_mutex_lock(&span_heap_lock);
  read_locked(out);
  pthread_mutex_unlock(&span_heap_lock);
}
