/* The page heap: spans made from free pages and given back (Go's mheap:
 * allocSpan, initSpan, freeSpanLocked), and the heap's page statistics.
 *
 * One lock (span_heap_lock) covers the page allocator. Small spans (under
 * 16 pages) come first from the calling thread's page cache, as in Go's
 * allocSpan: a group of 64 pages the thread took from the page allocator in
 * one locked step, whose free pages it hands out without the lock. A thread
 * that frees a span lying inside its own current cache puts the pages back
 * in the cache, also without the lock (Go frees every span under the lock;
 * with explicit free, spans come and go as often as they are made). Any
 * other span goes back under the lock. While a group is cached the page
 * allocator sees all of it as in use; pages freed inside it by other
 * threads go back to the page allocator and are free there, and the cache
 * gives back exactly the pages it holds free, so the two never overlap.
 * Large objects take the lock on every allocation and free, as in Go,
 * where page faults dominate them anyway. Span structures and bitmaps come
 * from the metadata allocator, which has its own lock. */
#include "internal.h"

#include <string.h>

pthread_mutex_t span_heap_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

static _Atomic uint64_t inuse_pages;
static _Atomic uint64_t cached_released_pages; /* in page caches, released to the OS */

/* meta_bits_new(n) gives 2n words: 32 -> 512 bytes, one per tiny block. */
#define TINY_REF_WORDS 32

/* Sets up a small span for span class spc (Go's initSpan + mcentral.grow);
 * bits: a bitmap of a spare span to reuse (size nwords), or NULL. */
static int init_small(span_t *s, uint16_t spc, uint64_t *bits, uint32_t bits_words) {
  unsigned cls = spc == SPAN_TINY_SPC ? SPAN_TINY_CLASS : spc >> 1;
  s->kind = SPAN_SMALL;
  s->elem_bytes = span_class_bytes[cls];
  s->divmagic = span_class_divmagic[cls];
  s->nelems = span_class_objects[cls];
  s->nwords = (s->nelems + 63) / 64;
  uint32_t cap = meta_bits_capacity(s->nwords);
  if (bits && meta_bits_capacity(bits_words) == cap) {
    memset(bits, 0, sizeof(uint64_t) * 2 * cap);
  } else {
    if (bits) meta_bits_free(bits, bits_words);
    bits = meta_bits_new(s->nwords);
    if (!bits) return -1;
  }
  s->alloc_bits = bits;
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

/* Spare span structures. Making a span takes a structure and a bitmap from
 * the metadata allocator and freeing it gives them back, each under the
 * metadata lock, and a thread that moves through size classes makes and
 * frees spans all the time. So a thread keeps up to SPAN_SPARES structures
 * of small spans it freed, bitmaps attached, and makes its next spans from
 * them (Go keeps a per-P cache of span structures, mspancache, for the same
 * reason). A spare keeps its generation (see span_t.gen). */
static span_t *spare_take(mcache_t *c, uint64_t **bits, uint32_t *bits_words) {
  span_t *s = c ? c->spare : NULL;
  if (!s) return NULL;
  c->spare = s->next;
  c->nspare--;
  *bits = s->alloc_bits;
  *bits_words = s->nwords;
  uint32_t gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
  uint16_t *ptr_words = s->ptr_words; /* the collector's table goes with it */
  uint32_t ptr_cap = s->ptr_cap;
  memset(s, 0, sizeof *s);
  atomic_store_explicit(&s->gen, gen, memory_order_relaxed);
  s->ptr_words = ptr_words;
  s->ptr_cap = ptr_cap;
  return s;
}

static void span_struct_free(span_t *s) {
  if (s->kind & SPAN_SMALL) meta_bits_free(s->alloc_bits, s->nwords);
  if (s->tiny_refs) meta_bits_free((uint64_t *)s->tiny_refs, TINY_REF_WORDS);
  gc_span_struct_free(s);
  meta_span_free(s);
}

void heap_drop_spares(mcache_t *c) {
  while (c->spare) {
    span_t *s = c->spare;
    c->spare = s->next;
    span_struct_free(s);
  }
  c->nspare = 0;
}

/* Span structure for pages [base, base + npages) already taken; NULL when
 * metadata is out (the pages are then the caller's to give back). */
static span_t *make_span(mcache_t *c, uintptr_t base, uint32_t npages, uint16_t spc,
                         uint32_t scav) {
  uint64_t *bits = NULL;
  uint32_t bits_words = 0;
  span_t *s = spc > 1 ? spare_take(c, &bits, &bits_words) : NULL;
  if (!s) s = meta_span_new();
  if (!s) return NULL;
  s->base = base;
  s->npages = npages;
  s->spc = spc;
  s->needzero = scav < npages;
  if (spc > 1) {
    if (init_small(s, spc, bits, bits_words) != 0) {
      meta_span_free(s); /* bitmaps of a half-made span are not reclaimed */
      return NULL;
    }
  } else {
    s->kind = SPAN_LARGE;
    s->nelems = 1;
    s->elem_bytes = npages * SPAN_PAGE_BYTES;
    atomic_store_explicit(&s->alloc_count, 1, memory_order_relaxed);
  }
  if (span_gc_mode && gc_span_init(s) != 0) {
    span_struct_free(s);
    return NULL;
  }
  pagemap_set(base, npages, s, spc > 1 ? spc : PAGE_LARGE);
  atomic_fetch_add_explicit(&inuse_pages, npages, memory_order_relaxed);
  return s;
}

/* ---- page caches ------------------------------------------------------------ */

static uint64_t run_mask(unsigned at, uint32_t npages) {
  return (npages >= 64 ? ~(uint64_t)0 : (((uint64_t)1 << npages) - 1)) << at;
}

/* npages from the cache, or 0; *scav: how many were released pages. */
static uintptr_t pcache_take(pagecache_t *pc, uint32_t npages, uint32_t *scav) {
  if (!pc->free) return 0;
  unsigned at = find_bit_range64(pc->free, npages);
  if (at >= 64) return 0;
  uint64_t m = run_mask(at, npages);
  uint64_t released = pc->scav & m;
  *scav = released ? (uint32_t)__builtin_popcountll(released) : 0;
  if (released) atomic_fetch_sub_explicit(&cached_released_pages, *scav, memory_order_relaxed);
  pc->free &= ~m;
  pc->scav &= ~m;
  return pc->base + (uintptr_t)at * SPAN_PAGE_BYTES;
}

static int pcache_holds(const pagecache_t *pc, const span_t *s) {
  return pc->base && s->base >= pc->base &&
         s->base + (uintptr_t)s->npages * SPAN_PAGE_BYTES <=
             pc->base + (uintptr_t)SPAN_PCACHE_PAGES * SPAN_PAGE_BYTES;
}

static void flush_locked(pagecache_t *pc) {
  if (pc->scav)
    atomic_fetch_sub_explicit(&cached_released_pages, (uint64_t)__builtin_popcountll(pc->scav),
                              memory_order_relaxed);
  pages_flush_cache(pc);
}

void heap_flush_page_cache(pagecache_t *pc) {
  if (!pc->base) return;
  pthread_mutex_lock(&span_heap_lock);
  flush_locked(pc);
  pthread_mutex_unlock(&span_heap_lock);
}

/* Refills the cache of the calling thread (flushing what is left in it)
 * and takes npages from it; 0 when the heap has no group that fits. */
static uintptr_t pcache_refill(pagecache_t *pc, uint32_t npages, uint32_t *scav) {
  pthread_mutex_lock(&span_heap_lock);
  flush_locked(pc);
  int ok = pages_alloc_to_cache(pc, npages) == 0;
  if (!ok && pages_grow(SPAN_PCACHE_PAGES) == 0) ok = pages_alloc_to_cache(pc, npages) == 0;
  if (ok && pc->scav)
    atomic_fetch_add_explicit(&cached_released_pages, (uint64_t)__builtin_popcountll(pc->scav),
                              memory_order_relaxed);
  pthread_mutex_unlock(&span_heap_lock);
  return ok ? pcache_take(pc, npages, scav) : 0;
}

/* ---- spans ------------------------------------------------------------------- */

span_t *heap_alloc_span(uint32_t npages, uint16_t spc, uint32_t align_pages) {
  mcache_t *c = mcache_peek();
  uint32_t scav = 0;
  if (c && align_pages <= 1 && npages < SPAN_PCACHE_PAGES / 4) {
    uintptr_t base = pcache_take(&c->pcache, npages, &scav);
    if (!base) base = pcache_refill(&c->pcache, npages, &scav);
    if (base) {
      span_t *s = make_span(c, base, npages, spc, scav);
      if (s) return s;
      pthread_mutex_lock(&span_heap_lock);
      pages_free(base, npages);
      pthread_mutex_unlock(&span_heap_lock);
      return NULL;
    }
  }
  pthread_mutex_lock(&span_heap_lock);
  uintptr_t base = pages_alloc(npages, align_pages, &scav);
  if (!base && pages_grow(npages + (align_pages > 1 ? align_pages : 0)) == 0)
    base = pages_alloc(npages, align_pages, &scav);
  pthread_mutex_unlock(&span_heap_lock);
  if (!base) return NULL;
  span_t *s = make_span(c, base, npages, spc, scav);
  if (!s) {
    pthread_mutex_lock(&span_heap_lock);
    pages_free(base, npages);
    pthread_mutex_unlock(&span_heap_lock);
  }
  return s;
}

static void read_locked(heap_stats_t *out) {
  memset(out, 0, sizeof *out);
  out->inuse_pages = atomic_load_explicit(&inuse_pages, memory_order_relaxed);
  out->cached_released_pages = atomic_load_explicit(&cached_released_pages, memory_order_relaxed);
  pages_counts(&out->free_pages, &out->released_pages, &out->committed_pages);
}

void heap_free_span(span_t *s) {
  pagemap_set(s->base, s->npages, NULL, PAGE_FREE);
  uintptr_t base = s->base;
  uint32_t npages = s->npages;
  mcache_t *c = mcache_peek();
  int cached = c && pcache_holds(&c->pcache, s);
  if (c && s->kind == SPAN_SMALL && c->nspare < SPAN_SPARES) {
    s->next = c->spare;
    c->spare = s;
    c->nspare++;
  } else {
    span_struct_free(s);
  }
  atomic_fetch_sub_explicit(&inuse_pages, npages, memory_order_relaxed);
  if (cached) { /* back into this thread's cache: dirty, not released */
    c->pcache.free |= run_mask((unsigned)((base - c->pcache.base) / SPAN_PAGE_BYTES), npages);
    return;
  }
  pthread_mutex_lock(&span_heap_lock);
  pages_free(base, npages);
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
