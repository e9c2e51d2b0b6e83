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
 * (see malloc_bytes). Calloc clears only memory that may
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
  pthread_mutex_lock(&span_heap_lock);
  meta_lock_all();
}

static void fork_parent(void) {
  meta_unlock_all();
  pthread_mutex_unlock(&span_heap_lock);
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
 * first), then the cached span's allocation cache. NULL when both are dry. */
static inline void *class_fast(mcache_t *c, unsigned spc) {
  freecache_t *f = &c->fc[spc];
  return f->n ? f->obj[--f->n] : span_next_fast(c->alloc[spc]);
}

static void *alloc_class(mcache_t *c, unsigned cls, int noscan) {
  uint16_t spc = (uint16_t)(cls << 1 | (unsigned)noscan);
  void *p = class_fast(c, spc);
  if (unlikely(!p)) p = mcache_alloc_slow(c, spc);
  if (likely(p != NULL)) stat_add(&c->fc[spc].nmalloc, 1);
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

/* The whole fast path inline: this thread's cache has a span of the class
 * with a free slot in its allocation cache. Anything else goes out of line. */
static inline void *small_fast(size_t bytes, int noscan) {
  mcache_t *c = span_tls_cache;
  if (likely(c != NULL)) {
    unsigned spc = span_size_class(bytes) << 1 | (unsigned)noscan;
    void *p = class_fast(c, spc);
    if (likely(p != NULL)) {
      stat_add(&c->fc[spc].nmalloc, 1);
      return p;
    }
  }
  return span_alloc_small(bytes, noscan);
}

/* malloc's callers (and compilers) count on 16-byte alignment above 8
 * bytes, as glibc gives; Go's 24-byte class gives 8, so the malloc face
 * sends 17..24-byte requests to the 32-byte class. Every other class above
 * 16 bytes is a multiple of 16. */
static inline size_t malloc_bytes(size_t bytes) {
  return bytes - 17 < 8 ? 32 : bytes;
}

void *span_malloc(size_t bytes) {
  bytes = malloc_bytes(bytes);
  void *p = likely(bytes - 1 < SPAN_MAX_SMALL_BYTES) ? small_fast(bytes, 1)
            : bytes == 0                             ? span_alloc_small(1, 1)
                                                     : span_alloc_large(bytes, SPAN_PAGE_BYTES);
  return likely(p != NULL) ? p : oom();
}

void *span_alloc_typed(size_t bytes, unsigned nptrs) {
  void *p;
  if (nptrs == 0 && bytes < SPAN_TINY_BYTES && bytes > 0) {
    mcache_t *c = mcache_get();
    p = c ? tiny_alloc(c, bytes) : NULL;
  } else if (likely(bytes - 1 < SPAN_MAX_SMALL_BYTES)) {
    p = small_fast(bytes, nptrs == 0);
  } else {
    p = bytes ? span_alloc_large(bytes, SPAN_PAGE_BYTES) : span_alloc_small(1, nptrs == 0);
  }
  return likely(p != NULL) ? p : oom();
}

/* ---- free -------------------------------------------------------------------- */

void span_free_slot(span_t *s, uint32_t idx, mcache_t *c) {
  uint64_t bit = (uint64_t)1 << (idx & 63);
  if (c && atomic_load_explicit(&s->owner, memory_order_relaxed) == c) {
    uint64_t *w = &s->alloc_bits[idx >> 6];
    if (unlikely(!(*w & bit)))
      span_fatal("free(): double free", (void *)(s->base + (uintptr_t)idx * s->elem_bytes));
    *w &= ~bit;
    atomic_store_explicit(&s->alloc_count,
                          atomic_load_explicit(&s->alloc_count, memory_order_relaxed) - 1,
                          memory_order_relaxed);
    return;
  }
  /* Remote: everything read from s is read before the bit is published;
   * after it, s may be swept empty and released by another thread. */
  uint16_t spc = s->spc;
  uint32_t gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
  uint32_t count = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
  int32_t pending = atomic_fetch_add_explicit(&s->remote_count, 1, memory_order_relaxed) + 1;
  uint64_t old = atomic_fetch_or_explicit(&s->remote_free[idx >> 6], bit, memory_order_release);
  if (unlikely(old & bit)) span_fatal("free(): double free (remote)", s);
  if (pending == 1 || pending >= (int32_t)count) central_remote_freed(s, spc, gen);
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

static __attribute__((noinline)) void free_slow(void *p, span_t *s) {
  if (!p) return;
  if (unlikely(!s)) span_fatal("free(): invalid pointer", p);
  mcache_t *c = mcache_peek();
  if (s->kind == SPAN_SMALL && c) { /* a full free cache */
    uint32_t idx = span_index_of(s, p);
    freecache_t *f = &c->fc[s->spc];
    if (s->base + (uintptr_t)idx * s->elem_bytes == (uintptr_t)p) {
      mcache_flush(c, s->spc, f->n / 2); /* full */
      mcache_gc_tick(c);
      if (f->n < f->cap) {
        f->obj[f->n++] = p;
        stat_add(&f->nfree, 1);
        return;
      }
    }
  }
  if (s->kind == SPAN_LARGE) {
    free_large(s, p);
    return;
  }
  if (s->kind & SPAN_TINY) {
    tiny_free(s, p);
    return;
  }
  uint32_t idx = span_index_of(s, p);
  if (unlikely(s->base + (uintptr_t)idx * s->elem_bytes != (uintptr_t)p))
    span_fatal("free(): invalid pointer (not the start of an object)", p);
  uint16_t spc = s->spc; /* read before the free: s may be released by it */
  span_free_slot(s, idx, c);
  if (likely(c != NULL))
    stat_add(&c->fc[spc].nfree, 1);
  else
    mcache_count_uncached(spc_class(spc), 0);
}

/* Fast path inline: a small object goes to this thread's free cache
 * (mcache.c), to be handed out again by the next allocation of its class;
 * a full cache first frees its older half into the spans. The class comes
 * from the page map, so the span itself is not touched here; whether p is
 * the start of an object is checked when the cache flushes it. */
void span_free(void *p) {
  unsigned spc = pagemap_spc(p); /* PAGE_FREE for NULL */
  mcache_t *c = span_tls_cache;
  if (likely(spc >= 2 && spc < SPAN_CLASSES && c != NULL)) {
    freecache_t *f = &c->fc[spc];
    if (likely(f->n < f->cap)) {
      f->obj[f->n++] = p;
      stat_add(&f->nfree, 1);
      return;
    }
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
      span_class_bytes[span_size_class(malloc_bytes(bytes))] == s->elem_bytes)
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
