/* Objects: the malloc-family entry points of the span allocator (span.h),
 * initialisation and fork handling.
 *
 * Requests up to 32 KiB are rounded to a size class and served by the
 * thread's cache (Go's mallocgcSmallNoscan path); larger ones get their own
 * page run (mallocgcLarge). free() finds the span from the page map: a
 * large object gives its pages back, a small one clears its allocation bit
 * when this thread's cache owns the span, or sets its remote-free bit for
 * the owner (or the next sweep) to collect.
 *
 * Alignment: every size class is aligned to the largest power of two
 * dividing its size (spans start on 8 KiB pages), so memalign(A, n) picks
 * the smallest class >= n whose size is a multiple of A, and large objects
 * are page aligned (more on request). malloc itself gives 16 above 8 bytes
 * (see span_malloc_spc). Calloc clears only memory that may
 * have been used before: fresh pages from the OS read as zero. */
#include "internal.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#ifndef HL_SPAN_VERSION
#define HL_SPAN_VERSION "dev"
#endif

#define MAX_REQUEST ((size_t)1 << 46) /* above this, ENOMEM without trying */

void span_fatal(const char *what, const void *p) {
  char buf[256];
  int n = snprintf(buf, sizeof buf, "heaplab-span: %s (%p)\n", what, p);
  if (n > 0) {
    ssize_t w = write(STDERR_FILENO, buf, (size_t)n);
    (void)w;
  }
  abort();
}

const char *span_version(void) {
  return "heaplab-span " HL_SPAN_VERSION;
}

/* ---- initialisation and fork ------------------------------------------------- */

static void fork_prepare(void) {
  mcache_lock_all();
  central_lock_all();
  transfer_lock_all();
  pthread_mutex_lock(&span_heap_lock);
  meta_lock_all();
}

static void fork_parent(void) {
  meta_unlock_all();
  pthread_mutex_unlock(&span_heap_lock);
  transfer_unlock_all();
  central_unlock_all();
  mcache_unlock_all();
}

static void fork_child(void) {
  fork_parent(); /* this thread took them all before fork */
  mcache_after_fork_child();
  scavenger_after_fork_child();
}

static _Atomic int init_state; /* 0 none, 1 running, 2 done */
static __thread int init_here __attribute__((tls_model("initial-exec")));

/* Once per process. pthread_atfork may allocate, so it runs after the state
 * says done; an allocation it makes finds the heap ready. */
void span_ensure_init(void) {
  if (likely(atomic_load_explicit(&init_state, memory_order_acquire) == 2) || init_here) return;
  int expected = 0;
  if (!atomic_compare_exchange_strong(&init_state, &expected, 1)) {
    while (atomic_load_explicit(&init_state, memory_order_acquire) != 2)
      sched_yield();
    return;
  }
  init_here = 1;
#if defined(__x86_64__)
  __builtin_cpu_init(); /* before constructors: malloc can be the first code to run */
  span_have_popcnt = __builtin_cpu_supports("popcnt");
#endif
  mcache_key_create();
  span_set_scavenger(getenv("HEAPLAB_SPAN_SCAVENGER"));
  atomic_store_explicit(&init_state, 2, memory_order_release);
  pthread_atfork(fork_prepare, fork_parent, fork_child);
  init_here = 0;
}

/* ---- allocation ------------------------------------------------------------- */

static void *oom(void) {
  errno = ENOMEM;
  return NULL;
}

/* One span class's lock-free sources, in order: the free cache (newest
 * first; its entries are never NULL), then the cached span's allocation
 * cache. NULL when both are dry. Counts the allocation. */
static inline void *class_fast(mcache_t *c, unsigned spc) {
  freecache_t *f = &c->fc[spc];
  uint64_t out = fc_load(&f->out), n = fc_load(&f->pushed) - out;
  if (likely(n != 0)) {
    atomic_store_explicit(&f->out, out + 1, memory_order_relaxed);
    void *p = f->obj[n - 1];
    if (p == NULL) __builtin_unreachable(); /* frees of NULL never reach the cache */
    return p;
  }
  void *p = span_next_fast(c->alloc[spc]);
  if (likely(p != NULL)) stat_add(&f->nmalloc, 1);
  return p;
}

static void *alloc_class(mcache_t *c, unsigned cls, int noscan) {
  uint16_t spc = (uint16_t)(cls << 1 | (unsigned)noscan);
  void *p = class_fast(c, spc);
  if (unlikely(!p)) {
    p = mcache_alloc_transfer(c, spc);
    if (!p) p = mcache_alloc_slow(c, spc);
    if (likely(p != NULL)) stat_add(&c->fc[spc].nmalloc, 1);
  }
  return p;
}

__attribute__((noinline)) void *span_alloc_small(size_t bytes, int noscan) {
  mcache_t *c = mcache_get();
  if (unlikely(!c)) return NULL;
  return alloc_class(c, span_size_class(bytes ? bytes : 1), noscan);
}

void *span_alloc_large(size_t bytes, size_t align) {
  if (bytes > MAX_REQUEST) return NULL;
  mcache_t *c = mcache_get();
  if (unlikely(!c)) return NULL;
  uint32_t npages = (uint32_t)((bytes + SPAN_PAGE_BYTES - 1) >> SPAN_PAGE_SHIFT);
  uint32_t align_pages = align > SPAN_PAGE_BYTES ? (uint32_t)(align >> SPAN_PAGE_SHIFT) : 1;
  if (span_gc_mode) gc_deduct_sweep_credit(npages ? npages : 1);
  span_t *s = heap_alloc_span(npages ? npages : 1, 1, align_pages);
  if (!s) return NULL;
  if (span_gc_mode) gc_note_large(s);
  stat_add(&c->fc[1].nmalloc, 1);
  stat_add(&c->large_alloc_bytes, (uint64_t)s->npages * SPAN_PAGE_BYTES);
  return (void *)s->base;
}

/* malloc's own slow path: no cache yet, an empty class, 0 bytes or large.
 * Small requests keep malloc's class (span_malloc_spc: 17..24 bytes in the
 * 32-byte class, for 16-byte alignment). */
static __attribute__((noinline)) void *malloc_slow(size_t bytes) {
  void *p;
  if (likely(bytes - 1 < SPAN_MAX_SMALL_BYTES)) {
    mcache_t *c = mcache_get();
    p = c ? alloc_class(c, span_malloc_spc(bytes) >> 1, 1) : NULL;
  } else {
    p = bytes == 0 ? span_alloc_small(1, 1) : span_alloc_large(bytes, SPAN_PAGE_BYTES);
  }
  return likely(p != NULL) ? p : oom();
}

/* One table lookup gives the span class; the free cache, then the span. */
void *span_malloc(size_t bytes) {
  if (likely(bytes - 1 < SPAN_MAX_SMALL_BYTES)) {
    void *p = class_fast(span_tls_cache, span_malloc_spc(bytes));
    if (likely(p != NULL)) return p;
  }
  return malloc_slow(bytes);
}

/* The typed face's slow path: tiny objects, 0 bytes, large objects, no
 * cache yet or an empty class. */
static __attribute__((noinline)) void *typed_slow(size_t bytes, unsigned nptrs) {
  void *p;
  if (nptrs == 0 && bytes < SPAN_TINY_BYTES && bytes > 0) {
    mcache_t *c = mcache_get();
    p = c ? tiny_alloc(c, bytes) : NULL;
  } else if (likely(bytes - 1 < SPAN_MAX_SMALL_BYTES)) {
    p = span_alloc_small(bytes, nptrs == 0);
  } else {
    p = bytes ? span_alloc_large(bytes, SPAN_PAGE_BYTES) : span_alloc_small(1, nptrs == 0);
  }
  return likely(p != NULL) ? p : oom();
}

/* Inline, with no frame: a small object that is not tiny, from this
 * thread's free cache or span. */
void *span_alloc_typed(size_t bytes, unsigned nptrs) {
  if (likely(bytes - SPAN_TINY_BYTES <= SPAN_MAX_SMALL_BYTES - SPAN_TINY_BYTES ||
             (nptrs != 0 && bytes - 1 < SPAN_TINY_BYTES - 1))) {
    void *p = class_fast(span_tls_cache, span_size_class(bytes) << 1 | (nptrs == 0));
    if (likely(p != NULL)) return p;
  }
  return typed_slow(bytes, nptrs);
}

/* ---- free -------------------------------------------------------------------- */

/* Slot of p in s, checked to be the start of an object. */
static inline uint32_t object_slot(const span_t *s, const void *p) {
  uint32_t idx = span_index_of(s, p);
  if (unlikely(s->base + (uintptr_t)idx * s->elem_bytes != (uintptr_t)p))
    span_fatal("free(): invalid pointer (not the start of an object)", p);
  return idx;
}

/* Frees objects of a span this cache owns: plain writes. */
static void free_owned(span_t *s, void *const *obj, uint32_t n) {
  for (uint32_t i = 0; i < n; i++) {
    uint32_t idx = object_slot(s, obj[i]);
    uint64_t *w = &s->alloc_bits[idx >> 6], bit = (uint64_t)1 << (idx & 63);
    if (unlikely(!(*w & bit))) span_fatal("free(): double free", obj[i]);
    *w &= ~bit;
  }
  atomic_store_explicit(&s->alloc_count,
                        atomic_load_explicit(&s->alloc_count, memory_order_relaxed) - n,
                        memory_order_relaxed);
}

static void publish_remote(span_t *s, uint32_t word, uint64_t mask) {
  uint64_t old = atomic_fetch_or(&s->remote_free[word], mask); /* seq_cst */
  if (unlikely(old & mask)) span_fatal("free(): double free (remote)", s);
}

/* Remote frees, batched. Everything read from s is read before the last
 * bit is published: until then the objects not yet published keep s
 * allocated; after it, s may be swept empty and released by another
 * thread. The remote count is raised first (one atomic for the run), then
 * each bitmap word gets one fetch_or for all its objects (a flush groups a
 * span's objects, often in slot order). Only an uncached span may need its
 * central list fixed: after its first remote free since it was swept (full
 * -> partial) or when it may be empty. A cached span's owner folds the
 * bits in itself: its thread sweeps before refilling, and gives the span
 * back only after storing owner = NULL and then sweeping. Seeing owner set
 * after the last fetch_or (both sequentially consistent, as are that store
 * and the sweep's exchange) means the owner's sweep will see these bits. */
static void free_remote(span_t *s, void *const *obj, uint32_t n) {
  uint16_t spc = s->spc;
  uint32_t gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
  uint32_t count = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
  int32_t before = atomic_fetch_add_explicit(&s->remote_count, (int32_t)n, memory_order_relaxed);
  uint32_t word = UINT32_MAX;
  uint64_t mask = 0;
  for (uint32_t i = 0; i < n; i++) {
    uint32_t idx = object_slot(s, obj[i]);
    if (idx >> 6 != word) {
      if (mask) publish_remote(s, word, mask);
      word = idx >> 6;
      mask = 0;
    }
    uint64_t bit = (uint64_t)1 << (idx & 63);
    if (unlikely(mask & bit)) span_fatal("free(): double free", obj[i]);
    mask |= bit;
  }
  publish_remote(s, word, mask);
  if ((before == 0 || (uint32_t)before + n >= count) && atomic_load(&s->owner) == NULL)
    central_remote_freed(s, spc, gen);
}

void span_free_objects(span_t *s, void *const *obj, uint32_t n, mcache_t *c) {
  if (c && atomic_load_explicit(&s->owner, memory_order_relaxed) == c)
    free_owned(s, obj, n);
  else
    free_remote(s, obj, n);
}

static void free_large(span_t *s, void *p) {
  if (unlikely((uintptr_t)p != s->base)) span_fatal("free(): invalid pointer", p);
  mcache_t *c = mcache_peek();
  uint64_t bytes = (uint64_t)s->npages * SPAN_PAGE_BYTES;
  if (c) {
    stat_add(&c->fc[1].nfree, 1);
    stat_add(&c->large_free_bytes, bytes);
  } else {
    mcache_count_uncached(0, bytes);
  }
  heap_free_span(s);
}

/* This thread's cache for a free: one is made for a thread that frees
 * without ever allocating (a consumer), so that its frees are batched too;
 * none once the thread's cache destructor ran. */
static mcache_t *free_cache(void) {
  mcache_t *c = mcache_peek();
  return likely(c != NULL) || span_tls_exited ? c : mcache_create();
}

static __attribute__((noinline)) void free_slow(void *p, span_t *s) {
  if (!p) return;
  if (unlikely(!s)) span_fatal("free(): invalid pointer", p);
  if (s->kind == SPAN_LARGE) {
    free_large(s, p);
    return;
  }
  mcache_t *c = free_cache();
  if (s->kind & SPAN_TINY) {
    tiny_free(s, p);
    return;
  }
  uint16_t spc = s->spc; /* read before the free: s may be released by it */
  if (likely(c != NULL)) { /* a full free cache, or a new one */
    object_slot(s, p);
    mcache_free_overflow(c, spc, p);
    return;
  }
  span_free_objects(s, &p, 1, NULL);
  mcache_count_uncached(spc_class(spc), 0);
}

/* Fast path inline: a small object goes to this thread's free cache
 * (mcache.c), to be handed out again by the next allocation of its class;
 * a full cache grows or first frees its older half into the spans. The
 * class comes from the page map, so the span itself is not touched here;
 * whether p is the start of an object is checked when the cache flushes
 * it. */
void span_free(void *p) {
  /* Every page class byte (PAGE_FREE, PAGE_LARGE, a small or the tiny span
   * class; PAGE_FREE for NULL) indexes fc[]. The entries that are no free
   * cache (large, tiny, free pages) have capacity 0, as has every entry of
   * span_no_cache (a thread without a cache): one compare sends all of
   * those to the slow path. */
  freecache_t *f = span_tls_cache->fc + page_spc(p);
  uint64_t in = fc_load(&f->pushed), n = in - fc_load(&f->out);
  if (likely(n < f->cap)) {
    f->obj[n] = p;
    atomic_store_explicit(&f->pushed, in + 1, memory_order_relaxed);
    return;
  }
  free_slow(p, pagemap_get(p)); /* a tail call: the fast path saves no registers */
}

/* ---- the rest of the malloc family -------------------------------------------- */

size_t span_usable_size(void *p) {
  if (!p) return 0;
  span_t *s = pagemap_get(p);
  if (!s) span_fatal("malloc_usable_size(): invalid pointer", p);
  if (s->kind == SPAN_LARGE) return (size_t)s->npages * SPAN_PAGE_BYTES - ((uintptr_t)p - s->base);
  if (s->kind & SPAN_TINY) /* what is left of the block: an upper bound */
    return SPAN_TINY_BYTES - (((uintptr_t)p - s->base) % SPAN_TINY_BYTES);
  return s->elem_bytes;
}

void *span_calloc(size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) return oom();
  void *p = span_malloc(bytes);
  if (!p) return NULL;
  if (bytes > SPAN_MAX_SMALL_BYTES) {
    span_t *s = pagemap_get(p);
    if (!s->needzero) return p; /* every page came fresh from the OS */
  }
  memset(p, 0, bytes);
  return p;
}

void *span_realloc(void *p, size_t bytes) {
  if (!p) return span_malloc(bytes);
  if (bytes == 0) { /* glibc: frees and returns NULL */
    span_free(p);
    return NULL;
  }
  span_t *s = pagemap_get(p);
  if (!s) span_fatal("realloc(): invalid pointer", p);
  size_t have = span_usable_size(p);
  if (s->kind == SPAN_SMALL && bytes <= SPAN_MAX_SMALL_BYTES &&
      span_class_bytes[span_malloc_spc(bytes) >> 1] == s->elem_bytes)
    return p; /* same size class */
  if (s->kind == SPAN_LARGE && bytes > SPAN_MAX_SMALL_BYTES && bytes <= have &&
      (bytes + SPAN_PAGE_BYTES - 1) / SPAN_PAGE_BYTES == s->npages)
    return p; /* same number of pages */
  void *q = span_malloc(bytes);
  if (!q) return NULL;
  memcpy(q, p, have < bytes ? have : bytes);
  span_free(p);
  return q;
}

/* Smallest class >= bytes whose objects are all `align`-aligned. */
static unsigned aligned_class(size_t bytes, size_t align) {
  for (unsigned cls = span_size_class(bytes ? bytes : 1); cls < SPAN_NUM_CLASSES; cls++)
    if (span_class_bytes[cls] % align == 0) return cls;
  return 0;
}

void *span_memalign(size_t align, size_t bytes) {
  if (align <= 8) return span_malloc(bytes);
  if (align == 16) return span_malloc(bytes < 16 ? 16 : bytes); /* class 1 is only 8-aligned */
  if (align & (align - 1)) { /* glibc rounds a non-power of two up */
    size_t a = 16;
    while (a < align && a)
      a <<= 1;
    if (!a) return oom();
    align = a;
  }
  if (bytes <= SPAN_MAX_SMALL_BYTES && align <= SPAN_PAGE_BYTES) {
    unsigned cls = aligned_class(bytes, align);
    mcache_t *c = mcache_get();
    void *p = cls && c ? alloc_class(c, cls, 1) : NULL;
    if (p) return p;
    if (cls) return oom();
  }
  if (align > MAX_REQUEST) return oom();
  void *p = span_alloc_large(bytes, align);
  return p ? p : oom();
}

int span_posix_memalign(void **out, size_t align, size_t bytes) {
  if (align < sizeof(void *) || (align & (align - 1))) return EINVAL;
  int saved = errno;
  void *p = span_memalign(align, bytes);
  if (!p) {
    errno = saved;
    return ENOMEM;
  }
  *out = p;
  return 0;
}

void *span_aligned_alloc(size_t align, size_t bytes) {
  return span_memalign(align, bytes);
}

void *span_valloc(size_t bytes) {
  return span_memalign((size_t)sysconf(_SC_PAGESIZE), bytes);
}

void *span_pvalloc(size_t bytes) {
  size_t page = (size_t)sysconf(_SC_PAGESIZE);
  if (bytes > MAX_REQUEST) return oom();
  return span_memalign(page, bytes ? (bytes + page - 1) & ~(page - 1) : page);
}

/* ---- statistics ---------------------------------------------------------------- */

void span_read_stats(span_stats_t *out) {
  memset(out, 0, sizeof *out);
  mcache_sum_stats(out);
  heap_stats_t h;
  heap_read_stats(&h);
  out->heap_inuse = h.inuse_pages * SPAN_PAGE_BYTES;
  out->heap_idle = (h.committed_pages - h.inuse_pages) * SPAN_PAGE_BYTES; /* page caches too */
  out->heap_released = (h.released_pages + h.cached_released_pages) * SPAN_PAGE_BYTES;
  out->heap_sys = h.committed_pages * SPAN_PAGE_BYTES;
  out->scavenged = scavenger_released_bytes();
  out->meta_sys = meta_sys_bytes();
}

/* ---- the exported malloc family (libheaplab-span.so) ------------------------- */

#ifdef HL_SPAN_PRELOAD
/* The shared library's malloc, free, ... are the implementations
 * themselves, under a second name with default visibility: a call to
 * malloc lands in span_malloc's code with no jump in between (a wrapper
 * compiles to a `jmp`). Only these and preload.c's few are exported; the
 * rest of the library is hidden. */
#define SPAN_EXPORT_ALIAS(name, impl)                                                              \
  extern __typeof(impl) name __attribute__((alias(#impl), visibility("default")))
SPAN_EXPORT_ALIAS(malloc, span_malloc);
SPAN_EXPORT_ALIAS(free, span_free);
SPAN_EXPORT_ALIAS(calloc, span_calloc);
SPAN_EXPORT_ALIAS(realloc, span_realloc);
SPAN_EXPORT_ALIAS(posix_memalign, span_posix_memalign);
SPAN_EXPORT_ALIAS(aligned_alloc, span_aligned_alloc);
SPAN_EXPORT_ALIAS(memalign, span_memalign);
SPAN_EXPORT_ALIAS(valloc, span_valloc);
SPAN_EXPORT_ALIAS(pvalloc, span_pvalloc);
SPAN_EXPORT_ALIAS(malloc_usable_size, span_usable_size);
#endif
