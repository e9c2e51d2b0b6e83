/* Per-thread caches (Go's mcache: one per P; here one per thread).
 *
 * A cache holds one span per span class and allocates from it without locks
 * (span_next_fast in internal.h, Go's nextFreeFast). When the span has no
 * free slot left after its free index, the cache first sweeps it in place:
 * frees recorded since the last sweep (its own, already in the allocation
 * bits, and other threads', in the remote bits) make slots reusable, and a
 * span with at least an eighth of its slots free is kept. Only a span that
 * is nearly full goes back to its central list, for a partial or new one
 * (Go's mcache.refill). This keeps the common malloc/free cycle off the
 * central locks, as Go's per-P caches keep it off mcentral.
 *
 * Free cache. Go never frees an object; its sweeper finds a span's dead
 * objects all at once. An explicit free comes one object at a time, often
 * for an object of a span the thread does not own, and recording it in the
 * span costs atomic operations and, for the first free of a full span, the
 * central lock. So free() of a small object first goes to the freeing
 * thread's cache, pointers per span class that the next allocations of
 * that class hand out again, newest first. This is jemalloc's tcache and
 * tcmalloc's thread cache, added to Go's design; the span fast path and the
 * sweep-on-refill above are unchanged behind it. Objects in it stay marked
 * allocated in their spans. A double free of an object still in a free
 * cache is caught only when the cache is flushed.
 *
 * Its capacity adapts, as tcmalloc's per-class lists do: a class starts at
 * 64 objects, and each time a free finds it full while it is below its
 * bound, the capacity doubles instead of flushing. The bound is 8192
 * objects (tcmalloc's longest per-class list) and at most 256 KiB of
 * objects a class (at least 4 objects), so a program that frees batches of
 * a few thousand objects stops flushing after a few rounds, and one that
 * frees one object at a time never grows it. Objects of 1 KiB and up are
 * held to 64 KiB a class (SPAN_FC_BIG_CLASS_BYTES: 64 objects of 1 KiB,
 * 16 of 4 KiB, at least 4), which is their first capacity, so they never
 * grow: a span of them holds few objects (8 of 1 KiB, 5 of 6528 bytes in
 * 4 pages), so each cached one keeps a larger share of its span's pages
 * from going back, and a malloc/free pair costs little beside touching
 * the object. Held to 256 KiB, they were most of what the main thread of
 * mimalloc-bench's mstress kept in its cache (up to 1 MiB), and the spans
 * they kept fragmented the page heap: mstress's peak RSS went from +8.9%
 * over the free cache of 64 objects a class (8399822) to +5.8% (150 runs
 * a build, interleaved; jemalloc's tcache keeps 20 objects of a large
 * class for the same reason). What all classes of a cache
 * grow past their first capacity is bounded too, by SPAN_FC_GROWN_BYTES
 * (256 KiB), as tcmalloc bounds a thread cache's total: objects held in
 * one class's cache are memory the other classes cannot use, and without
 * it a thread that frees batches of many sizes could hold up to 256 KiB
 * of every class, tens of MiB (mimalloc-bench's mstress grew 0.9 MiB a
 * thread; cfrac's and larson's peak RSS were 2-3% above what they are
 * with it). A class that meets the budget grows by what is left of
 * it, then flushes as at its bound; the budget comes back when the idle
 * collector shrinks a class. At
 * the bound, a full class frees its older half into the spans, grouped by
 * span: the objects of one span in a row go in with one atomic per bitmap
 * word and one count update (span_free_objects). The idle collector
 * (mcache_gc_tick) empties the caches of classes the thread no longer uses
 * and sets their capacity back to 64. A thread that only frees (a
 * consumer) gets a cache at its first free, so that its cross-thread frees
 * are batched the same way, and hands its full caches to the producer
 * through the class's transfer cache (free_to_transfer below).
 *
 * A thread's cache is created at its first allocation and released (free
 * caches flushed, every span given back, statistics folded into the totals)
 * by a thread-specific data destructor when the thread exits. After fork()
 * the child abandons the caches of the threads that did not come along
 * (see mcache_after_fork_child). */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

span_t span_empty; /* nelems 0, alloc_cache 0: every fast path misses */

mcache_t span_no_cache = {.alloc = {[0 ... SPAN_ALL_SPCS - 1] = &span_empty}};
__thread mcache_t *span_tls_cache __attribute__((tls_model("initial-exec"))) = &span_no_cache;
static pthread_key_t cache_key;
static pthread_mutex_t caches_lock = PTHREAD_MUTEX_INITIALIZER;
static mcache_t *live_caches, *free_caches;
static struct {
  uint64_t nmalloc[SPAN_NUM_CLASSES], nfree[SPAN_NUM_CLASSES];
  uint64_t large_alloc_bytes, large_free_bytes, tiny_allocs;
} totals; /* of released caches, under caches_lock */

static void cache_destructor(void *arg);

__thread int span_tls_exited __attribute__((tls_model("initial-exec")));

/* Most objects a free cache keeps for class cls: SPAN_FC_MAX_OBJECTS, fewer
 * for large objects, so that no class holds more than SPAN_FC_CLASS_BYTES,
 * or SPAN_FC_BIG_CLASS_BYTES for objects of 1 KiB and up (at least 4). */
static uint16_t fc_max(unsigned cls) {
  uint32_t size = span_class_bytes[cls];
  uint32_t n = (size >= SPAN_FC_BIG_OBJECT_BYTES ? SPAN_FC_BIG_CLASS_BYTES : SPAN_FC_CLASS_BYTES) / size;
  return (uint16_t)(n > SPAN_FC_MAX_OBJECTS ? SPAN_FC_MAX_OBJECTS : n < 4 ? 4 : n);
}

/* The capacity a class starts with (and returns to when idle). */
static uint16_t fc_initial(const freecache_t *f) {
  return f->max < SPAN_FC_OBJECTS ? f->max : SPAN_FC_OBJECTS;
}

/* A cache's slots. Every class first uses its packed slots (at most
 * SPAN_FC_OBJECTS, all classes' side by side: eight classes a page), and
 * moves to its grown slots (its bound, on pages of its own, after the
 * packed ones) only when its capacity first passes them. A thread touches
 * grown pages only for the classes it frees in batches, so a cache that
 * never grows costs the pages of 64 slots a class, as before the capacity
 * adapted; with each class's 8192-slot array reserved up front and used
 * from the start, the first free of every class touched a page of its own
 * (1.1 MiB more metadata a thread on mimalloc-bench's glibc-thread, 4 KiB
 * of it resident for each class the thread freed). */
#define FC_OS_PAGE_BYTES 4096u
/* A cache's size in bytes, and where its grown slots start (in slots from
 * the cache's start): the header, every class's first slots, rounded up to
 * a page, then the grown slots of the classes whose bound is larger. */
static size_t fc_layout(size_t *grown_at) {
  size_t packed = (sizeof(mcache_t) + sizeof(void *) - 1) / sizeof(void *), grown = 0;
  for (unsigned spc = 2; spc < SPAN_CLASSES; spc++) {
    uint16_t max = fc_max(spc >> 1);
    packed += max < SPAN_FC_OBJECTS ? max : SPAN_FC_OBJECTS;
    grown += max > SPAN_FC_OBJECTS ? max : 0;
  }
  const size_t page_slots = FC_OS_PAGE_BYTES / sizeof(void *);
  *grown_at = (packed + page_slots - 1) / page_slots * page_slots;
  return sizeof(void *) * (*grown_at + grown);
}

/* The class's objects move to its grown slots (it has some). */
static void fc_use_grown(mcache_t *c, uint16_t spc) {
  freecache_t *f = &c->fc[spc];
  if (f->obj == c->fc_grown[spc]) return;
  memcpy(c->fc_grown[spc], f->obj, sizeof(void *) * fc_count(f));
  f->obj = c->fc_grown[spc];
}

/* The class's capacity becomes cap (> its current one, <= its bound). */
static void fc_set_cap(mcache_t *c, uint16_t spc, uint32_t cap) {
  freecache_t *f = &c->fc[spc];
  if (cap > fc_initial(f)) fc_use_grown(c, spc);
  c->grown_bytes += (uint64_t)(cap - f->cap) * span_class_bytes[spc >> 1];
  f->cap = (uint16_t)cap;
}

/* The capacity a full class may grow to now: double, within its bound and
 * within the cache's budget for grown capacity (its own capacity when it
 * may not grow). */
static uint32_t fc_next_cap(const mcache_t *c, uint16_t spc) {
  const freecache_t *f = &c->fc[spc];
  uint64_t size = span_class_bytes[spc >> 1], left = 0;
  if (c->grown_bytes < SPAN_FC_GROWN_BYTES) left = (SPAN_FC_GROWN_BYTES - c->grown_bytes) / size;
  uint64_t cap = f->cap * 2u < f->max ? f->cap * 2u : f->max;
  return (uint32_t)(cap - f->cap > left ? f->cap + left : cap);
}

/* The class's capacity goes back to its first one (its cache is empty);
 * the pages of its grown slots, whole pages of no other class, go back to
 * the system. */
static void fc_shrink(mcache_t *c, uint16_t spc) {
  freecache_t *f = &c->fc[spc];
  c->grown_bytes -= (uint64_t)(f->cap - fc_initial(f)) * span_class_bytes[spc >> 1];
  f->cap = fc_initial(f);
  if (f->obj != c->fc_packed[spc]) {
    f->obj = c->fc_packed[spc];
    const uintptr_t mask = FC_OS_PAGE_BYTES - 1;
    uintptr_t lo = ((uintptr_t)c->fc_grown[spc] + mask) & ~mask;
    uintptr_t hi = (uintptr_t)(c->fc_grown[spc] + f->max) & ~mask;
    if (hi > lo) madvise((void *)lo, hi - lo, MADV_DONTNEED);
  }
}

void mcache_key_create(void) {
  pthread_key_create(&cache_key, cache_destructor);
}

void mcache_count_uncached(unsigned cls, uint64_t large_free_bytes) {
  pthread_mutex_lock(&caches_lock);
  totals.nfree[cls]++;
  totals.large_free_bytes += large_free_bytes;
  pthread_mutex_unlock(&caches_lock);
}

mcache_t *mcache_create(void) {
  span_ensure_init();
  pthread_mutex_lock(&caches_lock);
  mcache_t *c = free_caches;
  if (c) free_caches = c->next_live;
  pthread_mutex_unlock(&caches_lock);
  size_t grown_at, bytes = fc_layout(&grown_at);
  if (!c) {
    c = meta_alloc(bytes);
    if (!c) return NULL;
  }
  memset(c, 0, sizeof *c);
  for (unsigned i = 0; i < SPAN_ALL_SPCS; i++)
    c->alloc[i] = &span_empty;
  void **packed = (void **)c + (sizeof *c + sizeof(void *) - 1) / sizeof(void *);
  void **grown = (void **)c + grown_at;
  /* not large (0, 1) or tiny: their capacity stays 0, which free()'s fast
   * path counts on to send them to its slow path */
  for (unsigned spc = 2; spc < SPAN_CLASSES; spc++) {
    freecache_t *f = &c->fc[spc];
    f->max = fc_max(spc >> 1);
    f->cap = fc_initial(f);
    f->obj = c->fc_packed[spc] = packed;
    packed += f->cap;
    if (f->max > f->cap) {
      c->fc_grown[spc] = grown;
      grown += f->max;
    }
  }
  pthread_mutex_lock(&caches_lock);
  c->next_live = live_caches;
  if (live_caches) live_caches->prev_live = c;
  live_caches = c;
  pthread_mutex_unlock(&caches_lock);
  span_tls_cache = c;
  pthread_setspecific(cache_key, c); /* low key number: no allocation */
  return c;
}

/* First free slot at or after `from`, or nelems. */
static uint32_t find_free(const span_t *s, uint32_t from) {
  for (uint32_t w = from >> 6; w < s->nwords; w++) {
    uint64_t free = ~s->alloc_bits[w];
    if (w == from >> 6) free &= ~(uint64_t)0 << (from & 63);
    if (free) return w * 64 + (uint32_t)__builtin_ctzll(free);
  }
  return s->nelems;
}

/* Go's nextFreeIndex + the fast path: moves the cursor to the next free
 * slot and takes it, or returns NULL when the span has none after it. */
static void *next_slot(span_t *s) {
  uint32_t idx = find_free(s, s->freeindex);
  if (idx >= s->nelems) {
    s->freeindex = s->nelems;
    s->alloc_cache = 0;
    return NULL;
  }
  s->freeindex = idx;
  s->alloc_cache = ~s->alloc_bits[idx >> 6] >> (idx & 63);
  return span_next_fast(s);
}

/* The next word of the span's bitmap first (every 64 slots: no slow-path
 * event); then the idle collector's visit, and a sweep or a refill. */
void *mcache_alloc_slow(mcache_t *c, uint16_t spc) {
  span_t *s = c->alloc[spc];
  if (s != &span_empty) {
    void *p = next_slot(s);
    if (p) return p;
  }
  mcache_gc_tick(c);
  s = c->alloc[spc];
  if (s != &span_empty) {
    uint32_t live = span_sweep(s); /* we own it: no lock needed */
    uint32_t keep = s->nelems / 8 ? s->nelems / 8 : 1;
    if (s->nelems - live >= keep) {
      s->freeindex = 0;
      s->alloc_cache = ~s->alloc_bits[0];
      return next_slot(s);
    }
    if (span_gc_mode) gc_deduct_sweep_credit(s->npages);
    c->alloc[spc] = &span_empty;
    s = central_swap_span(s, c);
  } else {
    if (span_gc_mode) gc_deduct_sweep_credit(span_class_pages[spc_class(spc)]);
    s = central_cache_span(spc, c);
  }
  if (!s) return NULL;
  c->alloc[spc] = s;
  if (span_gc_mode) gc_note_refill(s);
  return next_slot(s);
}

/* A class's free cache and span are dry: takes the newest objects of the
 * class's transfer cache into the (empty) free cache and returns the
 * newest of them, or NULL. Each object there was counted as freed by the
 * thread that freed it first; the ones that go into the cache are pushed,
 * and so are taken off nfree again (nfree counts modulo 2^64, so the sums
 * stay exact). */
void *mcache_alloc_transfer(mcache_t *c, uint16_t spc) {
  freecache_t *f = &c->fc[spc];
  uint64_t in = fc_load(&f->pushed), have = in - fc_load(&f->out);
  uint32_t room = (f->obj == c->fc_grown[spc] ? f->max : fc_initial(f)) - (uint32_t)have;
  if (transfer_peek(spc) > room && c->fc_grown[spc]) { /* a batch: take it whole */
    fc_use_grown(c, spc);
    room = f->max - (uint32_t)have;
  }
  uint32_t n = transfer_take(spc, f->obj + have, room);
  if (n == 0) return NULL;
  void *got = f->obj[have + n - 1];
  if (--n) {
    if (have + n > f->cap) fc_set_cap(c, spc, (uint32_t)(have + n));
    atomic_store_explicit(&f->pushed, in + n, memory_order_relaxed);
    stat_add(&f->nfree, (uint64_t)0 - n);
  }
  return got;
}

/* Collector, world stopped: every cache gives back its spans and its tiny
 * block (Go's mcache.releaseAll); central_uncache_span takes the unused
 * slots of each span off the heap's live bytes again. Free caches are
 * empty: nothing is freed explicitly in a collected heap. */
void mcache_gc_release_all(void) {
  pthread_mutex_lock(&caches_lock);
  for (mcache_t *c = live_caches; c; c = c->next_live) {
    c->tiny = 0;
    c->tiny_offset = 0;
    c->tiny_span = NULL;
    for (unsigned i = 0; i < SPAN_ALL_SPCS; i++) {
      span_t *s = c->alloc[i];
      if (s == &span_empty) continue;
      c->alloc[i] = &span_empty;
      central_uncache_span(s);
    }
  }
  pthread_mutex_unlock(&caches_lock);
}

/* Frees all but the newest `keep` objects of a free cache into their
 * spans, each run of objects of one span in one call. */
void mcache_flush(mcache_t *c, uint16_t spc, uint32_t keep) {
  freecache_t *f = &c->fc[spc];
  uint32_t n = (uint32_t)fc_count(f), drop = n > keep ? n - keep : 0;
  if (drop == 0) return;
  for (uint32_t i = 0; i < drop;) {
    span_t *s = pagemap_get(f->obj[i]);
    uintptr_t span_bytes = (uintptr_t)s->npages * SPAN_PAGE_BYTES;
    uint32_t j = i + 1;
    while (j < drop && (uintptr_t)f->obj[j] - s->base < span_bytes)
      j++;
    span_free_objects(s, f->obj + i, j - i, c);
    i = j;
  }
  memmove(f->obj, f->obj + drop, sizeof(void *) * (n - drop));
  stat_add(&f->flushed, drop);
  stat_add(&f->out, drop);
}

/* A full free cache of a class this thread has not allocated from since
 * its last flush (a consumer's) goes to the class's transfer cache
 * (transfer.c), oldest objects first, as many as it has room for, for a
 * thread that allocates the class. Only when the newest object's span is
 * cached by another thread (which allocates the class now and will take
 * the objects soon), or by none while this thread has no span of the class
 * either (a consumer whose producer has moved to a newer span and hands
 * out objects it took back). A thread that merely moved on from a class (a
 * sweep over sizes, one thread) still has its span of the class, and its
 * objects go into their spans as before: in a transfer cache that no one
 * takes from they would pin up to SPAN_TRANSFER_CLASS_BYTES of every class
 * it left (1.5 MiB more peak RSS on sizeclass-sweep). What the transfer
 * cache had no room for (no thread takes them as fast) stays while the
 * capacity may still grow; at the bound it goes into the spans. Returns 1
 * when the cache has room again, 0 when it must grow or flush (as a class
 * that is not only freed). */
static int free_to_transfer(mcache_t *c, uint16_t spc, uint32_t pops) {
  freecache_t *f = &c->fc[spc];
  uint32_t n = (uint32_t)fc_count(f);
  if (pops != f->pops_at_flush) return 0;
  const mcache_t *owner =
      atomic_load_explicit(&pagemap_get(f->obj[n - 1])->owner, memory_order_relaxed);
  if (owner == c || (owner == NULL && c->alloc[spc] != &span_empty)) return 0;
  uint32_t k = transfer_put(spc, f->obj, n);
  if (k) {
    memmove(f->obj, f->obj + k, sizeof(void *) * (n - k));
    stat_add(&f->flushed, k);
    stat_add(&f->out, k);
  }
  if (k == n) return 1;
  if (fc_next_cap(c, spc) > f->cap) return 0;
  mcache_flush(c, spc, 0);
  return 1;
}

/* A full class goes to its transfer cache (above), or its capacity grows,
 * or at the bound it keeps its newer half for the allocations to come,
 * unless none came since the last flush (a thread that only frees this
 * class): then all of it goes into the spans, in longer runs per span and
 * with nothing to move down. */
void mcache_free_overflow(mcache_t *c, uint16_t spc, void *p) {
  freecache_t *f = &c->fc[spc];
  if (fc_count(f) >= f->cap) {
    uint32_t next, pops = (uint32_t)(fc_load(&f->out) - fc_load(&f->flushed));
    if (free_to_transfer(c, spc, pops)) {
      f->pops_at_flush = pops;
      mcache_gc_tick(c);
    } else if ((next = fc_next_cap(c, spc)) > f->cap) {
      fc_set_cap(c, spc, next);
    } else {
      mcache_flush(c, spc, pops == f->pops_at_flush ? 0 : f->cap / 2u);
      f->pops_at_flush = pops;
      mcache_gc_tick(c);
    }
  }
  uint64_t in = fc_load(&f->pushed);
  f->obj[in - fc_load(&f->out)] = p;
  atomic_store_explicit(&f->pushed, in + 1, memory_order_relaxed);
}

/* Idle collector. A free cache or a cached span of a class the thread has
 * stopped using holds memory no one else can have: a program that moves
 * from one size to the next (a parser, a sweep over sizes) would end up
 * holding a cache and a span for every class it ever used. jemalloc's
 * tcache GC and tcmalloc's thread-cache scavenge bound this with low-water
 * marks kept on the fast path; here the per-class counters that the fast
 * paths keep anyway tell whether a class was used since the last visit.
 * The visits ride on slow-path events (span refills, free-cache flushes),
 * SPAN_GC_VISITS classes an event, so a thread that stays on the fast
 * paths pays nothing, and one that churns through classes returns each
 * within a few hundred refills of leaving it. */
void mcache_gc_tick(mcache_t *c) {
  for (unsigned i = 0; i < SPAN_GC_VISITS; i++) {
    uint16_t spc = c->gc_next;
    c->gc_next = spc + 1 < SPAN_CLASSES ? spc + 1 : 2; /* not large (0, 1) */
    if (spc < 2) continue;
    freecache_t *f = &c->fc[spc];
    uint64_t seen = fc_load(&f->pushed) + fc_load(&f->out) + fc_load(&f->nmalloc) +
                    fc_load(&f->nfree);
    if (seen != f->gc_seen) {
      f->gc_seen = seen;
      continue;
    }
    mcache_flush(c, spc, 0);
    fc_shrink(c, spc);
    span_t *s = c->alloc[spc];
    if (s != &span_empty) {
      c->alloc[spc] = &span_empty;
      central_uncache_span(s);
    }
  }
}

void mcache_release(mcache_t *c) {
  for (uint16_t spc = 2; spc < SPAN_CLASSES; spc++) {
    mcache_flush(c, spc, 0);
    fc_shrink(c, spc); /* a cache on the free list keeps no grown pages */
  }
  if (c->tiny && !span_gc_mode) tiny_free(c->tiny_span, (void *)c->tiny); /* the cache's hold */
  c->tiny = 0;
  for (unsigned i = 0; i < SPAN_ALL_SPCS; i++) {
    span_t *s = c->alloc[i];
    c->alloc[i] = &span_empty;
    if (s != &span_empty) central_uncache_span(s);
  }
  heap_flush_page_cache(&c->pcache);
  heap_drop_spares(c);
  pthread_mutex_lock(&caches_lock);
  for (unsigned spc = 0; spc < SPAN_ALL_SPCS; spc++) {
    totals.nmalloc[spc_class(spc)] += fc_mallocs(&c->fc[spc]);
    totals.nfree[spc_class(spc)] += fc_frees(&c->fc[spc]);
  }
  totals.large_alloc_bytes += atomic_load_explicit(&c->large_alloc_bytes, memory_order_relaxed);
  totals.large_free_bytes += atomic_load_explicit(&c->large_free_bytes, memory_order_relaxed);
  totals.tiny_allocs += atomic_load_explicit(&c->tiny_allocs, memory_order_relaxed);
  if (c->prev_live)
    c->prev_live->next_live = c->next_live;
  else
    live_caches = c->next_live;
  if (c->next_live) c->next_live->prev_live = c->prev_live;
  c->next_live = free_caches;
  free_caches = c;
  pthread_mutex_unlock(&caches_lock);
}

/* Thread exit. A later allocation by this thread (another destructor)
 * makes a new cache, and glibc calls this again for it. */
static void cache_destructor(void *arg) {
  mcache_t *c = arg;
  span_tls_cache = &span_no_cache;
  span_tls_exited = 1;
  mcache_release(c);
}

void mcache_sum_stats(span_stats_t *out) {
  pthread_mutex_lock(&caches_lock);
  uint64_t large_alloc = totals.large_alloc_bytes, large_free = totals.large_free_bytes;
  uint64_t tiny = totals.tiny_allocs;
  for (unsigned k = 0; k < SPAN_NUM_CLASSES; k++) {
    out->by_class[k].mallocs = totals.nmalloc[k];
    out->by_class[k].frees = totals.nfree[k];
  }
  for (mcache_t *c = live_caches; c; c = c->next_live) {
    for (unsigned spc = 0; spc < SPAN_ALL_SPCS; spc++) {
      unsigned k = spc_class(spc);
      out->by_class[k].mallocs += fc_mallocs(&c->fc[spc]);
      out->by_class[k].frees += fc_frees(&c->fc[spc]);
    }
    large_alloc += atomic_load_explicit(&c->large_alloc_bytes, memory_order_relaxed);
    large_free += atomic_load_explicit(&c->large_free_bytes, memory_order_relaxed);
    tiny += atomic_load_explicit(&c->tiny_allocs, memory_order_relaxed);
  }
  pthread_mutex_unlock(&caches_lock);
  if (span_gc_mode) { /* frees are the sweeper's */
    uint64_t frees[SPAN_NUM_CLASSES] = {0};
    gc_freed_counts(frees, &large_free);
    for (unsigned k = 0; k < SPAN_NUM_CLASSES; k++)
      out->by_class[k].frees += frees[k];
  }
  out->tiny_allocs = tiny;
  out->heap_alloc = large_alloc - large_free;
  for (unsigned k = 1; k < SPAN_NUM_CLASSES; k++) {
    const uint64_t live = out->by_class[k].mallocs - out->by_class[k].frees;
    out->by_class[k].bytes = span_class_bytes[k];
    out->heap_alloc += live * span_class_bytes[k];
    out->mallocs += out->by_class[k].mallocs;
    out->frees += out->by_class[k].frees;
  }
  /* Go's MemStats: a packed tiny object counts as allocated and freed at
   * once (only its block is tracked), so mallocs - frees is live slots */
  out->mallocs += out->by_class[0].mallocs + tiny;
  out->frees += out->by_class[0].frees + tiny;
}

void mcache_lock_all(void) {
  pthread_mutex_lock(&caches_lock);
}
void mcache_unlock_all(void) {
  pthread_mutex_unlock(&caches_lock);
}

/* In the child after fork, only the forking thread exists. The other
 * threads' caches are abandoned as they are: a thread may have been halfway
 * through its lock-free fast path (a free cache being flushed, a span being
 * swept) when fork() copied it, so giving them back could free an object
 * twice. Their spans stay owned by a cache nobody uses, and their free
 * caches' objects are lost: a bounded leak in the child (what glibc does
 * with other threads' tcaches), which usually calls exec() soon. They stay
 * on the live list, so the statistics still count what they did. */
void mcache_after_fork_child(void) {}
