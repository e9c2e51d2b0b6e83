/* Internals of the span allocator shared by its modules (not an API).
 *
 * Layout of the heap:
 *   arena   64 MiB of reserved address space, aligned to 64 MiB (Go's
 *           heapArena); a larger one for a single huge object
 *   chunk   4 MiB = 512 pages, the unit of commit (mprotect read/write) and
 *           of the page allocator's bitmaps (Go's pallocChunk)
 *   page    8 KiB (Go's runtime page, _PageShift = 13)
 *   span    a run of pages holding one large object, or objects of one
 *           size class (mspan)
 * Locks, in the only order they are ever nested: a central (mcentral) lock,
 * then the heap lock. The cache-list lock is taken alone.
 */
#ifndef SPAN_INTERNAL_H
#define SPAN_INTERNAL_H

#include "sizeclass.h"
#include "span.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>

#define SPAN_ARENA_SHIFT 26
#define SPAN_ARENA_BYTES ((uintptr_t)1 << SPAN_ARENA_SHIFT)
#define SPAN_CHUNK_PAGES 512u
#define SPAN_CHUNK_BYTES ((uintptr_t)SPAN_CHUNK_PAGES * SPAN_PAGE_BYTES)
#define SPAN_ARENA_CHUNKS ((unsigned)(SPAN_ARENA_BYTES / SPAN_CHUNK_BYTES))
#define SPAN_CHUNK_WORDS (SPAN_CHUNK_PAGES / 64)
#define SPAN_MAX_OBJECTS 1024u
/* Span classes: Go's sizeclass<<1 | noscan, plus one extra class for tiny
 * blocks (their spans carry per-block reference counts; see tiny.c). */
#define SPAN_CLASSES (SPAN_NUM_CLASSES * 2)
#define SPAN_TINY_SPC SPAN_CLASSES
#define SPAN_ALL_SPCS (SPAN_CLASSES + 1)

#define likely(x) __builtin_expect(!!(x), 1)
#define unlikely(x) __builtin_expect(!!(x), 0)

struct mcache;

enum { SPAN_SMALL = 1, SPAN_LARGE = 2, SPAN_TINY = 4 };
enum { LIST_NONE = 0, LIST_PARTIAL = 1, LIST_FULL = 2, LIST_EMPTY = 3 };

typedef struct span {
  /* The owner's fast path (Go's nextFreeFast) reads these. */
  uint64_t alloc_cache; /* inverted alloc_bits from freeindex: bit k = slot freeindex+k is free */
  uint32_t freeindex;   /* slots below it were looked at since the last sweep */
  uint32_t nelems;
  uintptr_t base;
  uint32_t elem_bytes;
  uint32_t divmagic;
  uint64_t *alloc_bits; /* 1 = allocated; bits past nelems are set */
  /* Objects allocated and not freed, as far as the owner (or the central
   * lock holder) has seen; remote frees are subtracted at sweep. Written by
   * one thread at a time, read racily by remote freers: relaxed atomic. */
  _Atomic uint32_t alloc_count;
  uint16_t spc; /* span class (SPAN_TINY_SPC for tiny blocks) */
  uint8_t kind; /* SPAN_SMALL, SPAN_LARGE; SPAN_SMALL | SPAN_TINY for tiny blocks */
  uint8_t list; /* LIST_*: where it is while not cached (central lock; central.c adds a bit) */
  uint32_t npages;
  uint32_t nwords;                /* words of each bitmap */
  uint8_t needzero;               /* some page was in use before: contents not known zero */
  _Atomic(struct mcache *) owner; /* the cache holding it, or NULL */
  /* A collected heap (gc.c) never frees explicitly, so the same bitmap
   * holds mark bits there. */
  union {
    _Atomic uint64_t *remote_free; /* frees by threads that do not own it */
    uint64_t *mark_bits;           /* collector: 1 = reached by the last mark */
  };
  _Atomic int32_t remote_count;   /* frees in remote_free not yet swept */
  _Atomic uint8_t *tiny_refs;     /* tiny spans: live sub-objects per block */
  /* Incremented (under the central lock) whenever the span goes back to
   * the heap, and kept when the structure is reused: a remote freer that
   * lost the race with the span's release sees a different generation. */
  _Atomic uint32_t gen;
  struct span *next, *prev; /* central list, the collector's large list, or the metadata free list */
  /* Collector only (gc*.c). */
  uint16_t *ptr_words;  /* scan spans: pointer slots of each object (first words) */
  uint32_t ptr_cap;     /* entries ptr_words has room for */
  uint32_t large_nptrs; /* large span: pointer slots of its object */
  uint8_t large_marked; /* large span: reached by the last mark */
} span_t;

/* ---- metadata (meta.c): off-heap memory for spans, bitmaps, maps ---------- */
void *meta_alloc(size_t bytes); /* zeroed, 64-byte aligned; takes the meta lock */
span_t *meta_span_new(void);
void meta_span_free(span_t *s);
uint64_t *meta_bits_new(uint32_t nwords); /* 2*nwords words: alloc bits, remote bits */
void meta_bits_free(uint64_t *bits, uint32_t nwords);
uint32_t meta_bits_capacity(uint32_t nwords); /* words a bitmap of nwords really has, each */
uint64_t meta_sys_bytes(void);
void meta_lock_all(void); /* fork */
void meta_unlock_all(void);

/* ---- the page heap (heap.c, pagealloc.c) ---------------------------------- */
/* free_pages and released_pages count the page allocator's free pages;
 * pages in threads' page caches are neither in use nor free there, and are
 * counted apart (cached_*). */
typedef struct heap_stats {
  uint64_t inuse_pages, free_pages, released_pages, committed_pages;
  uint64_t cached_released_pages;
} heap_stats_t;

extern pthread_mutex_t span_heap_lock;

/* A thread's page cache (Go's pageCache): one aligned group of 64 pages
 * (512 KiB, one word of a chunk's bitmaps) whose free pages the thread took
 * from the page heap at once, so that it makes small spans without the heap
 * lock. See heap.c. */
#define SPAN_PCACHE_PAGES 64u
typedef struct pagecache {
  uintptr_t base; /* 0: none */
  uint64_t free;  /* 1 = page free in the cache */
  uint64_t scav;  /* 1 = free and released to the OS (reads as zero) */
} pagecache_t;

/* Go's findBitRange64: the lowest i such that bits [i, i + n) of x are all
 * set, or 64. Each step ANDs x with itself shifted, doubling the length of
 * the runs it tracks. */
static inline unsigned find_bit_range64(uint64_t x, unsigned n) {
  unsigned p = n - 1, k = 1;
  while (p > 0) {
    if (p <= k) {
      x &= x >> p;
      break;
    }
    x &= x >> k;
    if (!x) return 64;
    p -= k;
    k *= 2;
  }
  return x ? (unsigned)__builtin_ctzll(x) : 64;
}

/* A span of npages pages (large: spc 0 or 1), or NULL when memory is out.
 * Small spans come from the calling thread's page cache when they can;
 * everything else takes the heap lock. */
span_t *heap_alloc_span(uint32_t npages, uint16_t spc, uint32_t align_pages);
void heap_free_span(span_t *s);
/* Gives the free pages of a page cache back to the page heap. */
void heap_flush_page_cache(pagecache_t *pc);
/* Gives a cache's spare span structures back to the metadata allocator. */
struct mcache;
void heap_drop_spares(struct mcache *c);
#define SPAN_SPARES 16u
/* Address -> arena, for the page allocator's slow paths: two levels of
 * 2^11 entries over the 2^22 possible 64 MiB arenas of a 48-bit address
 * space (Go's arenas[L1][L2]). Entries are only ever added. */
#define SPAN_MAP_BITS 11
#define SPAN_MAP_L2 ((size_t)1 << SPAN_MAP_BITS)
typedef struct arena_hdr {
  uintptr_t base, bytes;
} arena_hdr_t;
extern _Atomic(_Atomic(arena_hdr_t *) *) span_arena_map[(size_t)1 << SPAN_MAP_BITS];

static inline arena_hdr_t *arena_lookup(uintptr_t addr) {
  uintptr_t i = addr >> SPAN_ARENA_SHIFT;
  if (unlikely(i >> (2 * SPAN_MAP_BITS))) return NULL;
  _Atomic(arena_hdr_t *) *l2 =
      atomic_load_explicit(&span_arena_map[i >> SPAN_MAP_BITS], memory_order_acquire);
  if (unlikely(!l2)) return NULL;
  arena_hdr_t *a = atomic_load_explicit(&l2[i & (SPAN_MAP_L2 - 1)], memory_order_acquire);
  if (unlikely(!a || addr - a->base >= a->bytes)) return NULL;
  return a;
}

/* The page map for free(): one table entry per 64 MiB block of the 47-bit
 * user address space (2^21 entries, reserved inaccessible and committed a
 * page at a time as arenas appear), pointing at that block's map: the span
 * of each page (Go's heapArena.spans) and its span class in a byte, so that
 * free() learns an object's class without touching the span. A pointer this
 * heap never returned reads an entry of an uncommitted table page and
 * faults: like glibc's abort, that is the answer to an invalid free. */
#define SPAN_BLOCK_PAGES (SPAN_ARENA_BYTES >> SPAN_PAGE_SHIFT)
#define SPAN_PAGEMAP_BLOCKS ((uintptr_t)1 << (47 - SPAN_ARENA_SHIFT))
enum { PAGE_FREE = 0, PAGE_LARGE = 1 }; /* else the small span class (tiny too) */
typedef struct block_map {
  _Atomic(span_t *) span[SPAN_BLOCK_PAGES];
  _Atomic uint8_t spc[SPAN_BLOCK_PAGES];
} block_map_t;
extern block_map_t *_Atomic *span_pagemap;

static inline block_map_t *block_map_of(const void *p) {
  block_map_t *_Atomic *table = span_pagemap;
  /* one compare for NULL and for addresses above the table: p - 1 wraps */
  if (unlikely((uintptr_t)p - 1 >= (SPAN_PAGEMAP_BLOCKS << SPAN_ARENA_SHIFT) - 1 || !table))
    return NULL;
  return atomic_load_explicit(&table[(uintptr_t)p >> SPAN_ARENA_SHIFT], memory_order_acquire);
}

static inline size_t block_page(const void *p) {
  return ((uintptr_t)p >> SPAN_PAGE_SHIFT) & (SPAN_BLOCK_PAGES - 1);
}

/* The span that owns address p (NULL for NULL, or before the heap exists). */
static inline span_t *pagemap_get(const void *p) {
  block_map_t *m = block_map_of(p);
  return likely(m != NULL) ? atomic_load_explicit(&m->span[block_page(p)], memory_order_acquire)
                           : NULL;
}

/* PAGE_FREE, PAGE_LARGE, or the span class of the small span holding p. */
static inline unsigned pagemap_spc(const void *p) {
  block_map_t *m = block_map_of(p);
  return likely(m != NULL) ? atomic_load_explicit(&m->spc[block_page(p)], memory_order_relaxed)
                           : PAGE_FREE;
}

/* The class window: the same class bytes as the block maps', for the
 * pages of a 64 GiB range of addresses around the first arena, in one
 * array, so that free() finds a page's class with one load whose address
 * is computed from the pointer alone; through the block map it takes two
 * in a row (the block's entry, then the byte), and that chain is what a
 * free waits on when the pointer has just been loaded (a ring of objects
 * freed in the order they were made: in a loop outside heaplab, 11.1 ns
 * an operation with the block maps against tcmalloc's 9.1, 10.5 with one
 * load; README, issue 16's fourth pass). One byte per 8 KiB page is 8 MiB
 * of address space, reserved read-only; the 8 KiB that cover a 64 MiB
 * block are made writable with the block's map (pagealloc.c). Arenas the
 * kernel puts outside the range use the block maps, as does everything
 * before the first arena (the base is then 2^63, which no user address is
 * within 64 GiB of). Both words are written once, before the first arena
 * exists; a pointer in the window came from an arena made after that. */
#define SPAN_WINDOW_BYTES ((uintptr_t)1 << 36)
/* A cache line of its own, never written after the first arena: every
 * free() reads it (beside the heap lock, whose line other threads write,
 * it would be a miss on every free that follows one). */
typedef struct span_window {
  _Atomic uintptr_t base;
  _Atomic(_Atomic uint8_t *) spc;
} __attribute__((aligned(64))) span_window_t;
extern span_window_t span_window;

/* p's offset in the window: SPAN_WINDOW_BYTES or more when p is outside. */
static inline uintptr_t window_offset(const void *p) {
  return (uintptr_t)p - atomic_load_explicit(&span_window.base, memory_order_relaxed);
}

/* The byte of the page at window offset off (< SPAN_WINDOW_BYTES). */
static inline _Atomic uint8_t *window_at(uintptr_t off) {
  return atomic_load_explicit(&span_window.spc, memory_order_relaxed) + (off >> SPAN_PAGE_SHIFT);
}

/* p's page's byte in the window, or NULL when p is outside it. */
static inline _Atomic uint8_t *window_byte(const void *p) {
  uintptr_t off = window_offset(p);
  return off < SPAN_WINDOW_BYTES ? window_at(off) : NULL;
}

/* free()'s class lookup: no NULL test of the window pointer on the way. */
static inline unsigned page_spc(const void *p) {
  uintptr_t off = window_offset(p);
  if (likely(off < SPAN_WINDOW_BYTES))
    return atomic_load_explicit(window_at(off), memory_order_relaxed);
  return pagemap_spc(p);
}

/* Points the page map of [base, base + npages pages) at s, with class
 * spc (PAGE_* or a small span class); heap lock. */
void pagemap_set(uintptr_t base, uint32_t npages, span_t *s, unsigned spc);
void heap_read_stats(heap_stats_t *out);

/* Page allocator over committed chunks; all under the heap lock. */
typedef struct arena arena_t;
uintptr_t pages_alloc(uint32_t npages, uint32_t align_pages, uint32_t *scavenged);
void pages_free(uintptr_t addr, uint32_t npages);
/* Marks up to max_pages free, unscavenged pages (highest address first) as
 * taken for scavenging; returns the run start, 0 when none. */
uintptr_t pages_take_unscavenged(uint32_t max_pages, uint32_t *npages);
void pages_return_scavenged(uintptr_t addr, uint32_t npages);
int pages_grow(uint32_t npages);
void pages_counts(uint64_t *free_pages, uint64_t *released_pages, uint64_t *committed_pages);
/* Fills an empty page cache with the free pages of the lowest aligned
 * group of 64 pages that has a free run of npages (Go's
 * pageAlloc.allocToCache); -1 when none has. */
int pages_alloc_to_cache(pagecache_t *pc, uint32_t npages);
/* Gives a page cache's free pages back and empties it. */
void pages_flush_cache(pagecache_t *pc);

/* ---- central span lists (central.c) -------------------------------------- */
span_t *central_cache_span(uint16_t spc, struct mcache *c);
void central_uncache_span(span_t *s);
/* Gives back a used-up span and takes another of its class, under one lock
 * (uncacheSpan + cacheSpan). */
span_t *central_swap_span(span_t *old, struct mcache *c);
/* After remote frees that may have emptied an uncached span or given a
 * full one its first free slot: move it from full to partial, or sweep it
 * and give it back to the heap when it is empty. spc and gen were read
 * before the frees were published; a span released meanwhile, or cached
 * by a thread again, is left alone. */
void central_remote_freed(span_t *s, uint16_t spc, uint32_t gen);
/* Folds remote frees into the alloc bits; returns the live object count. */
uint32_t span_sweep(span_t *s);
/* Set at initialisation: the CPU has popcnt (the sweep's bit counts use it
 * instead of libgcc's table-driven __popcountdi2). */
extern int span_have_popcnt;
void central_lock_all(void);
void central_unlock_all(void);

/* ---- transfer caches (transfer.c) ---------------------------------------- */
/* Objects of span class spc (2 .. SPAN_CLASSES - 1) freed by a thread that
 * does not allocate the class, for one that does. put copies the first of
 * obj[0 .. n) in, as many as the class's transfer cache has room for, and
 * returns how many; take copies up to `room` of the newest out to dst and
 * returns how many (0 at once, without the lock, when it looks empty). */
uint32_t transfer_put(uint16_t spc, void *const *obj, uint32_t n);
uint32_t transfer_take(uint16_t spc, void **dst, uint32_t room);
/* Objects in the class's transfer cache now (racy: a hint). */
uint32_t transfer_peek(uint16_t spc);
/* Frees everything in the transfer caches into the spans (span_scavenge_all). */
void transfer_drain(void);
void transfer_lock_all(void);
void transfer_unlock_all(void);

/* ---- per-thread caches (mcache.c) ---------------------------------------- */
/* Per span class in a cache: freed small objects kept for reuse, last in
 * first out (see mcache.c), and the class's statistics. The cache holds
 * obj[0 .. pushed - out): two cursors that only grow, so the fast paths
 * move one cursor each and keep no counter of their own. A free through
 * the cache is a push; an allocation from it moves `out`, and so does a
 * flush, which counts what it moved in `flushed`. So a class's frees are
 * pushed + nfree and its allocations nmalloc + (out - flushed), exact when
 * read while the owner is not between the two stores of a slow path
 * (span_read_stats at quiescence). nmalloc and nfree count what went past
 * the cache (spans, large objects, tiny blocks, frees without a cache);
 * objects a cache takes from a transfer cache are pushed and taken off
 * nfree (their frees were counted where they were first freed; modulo
 * 2^64). cap grows while the class overflows, up to max, and obj moves from
 * the class's packed slots to its grown ones when cap passes
 * SPAN_FC_OBJECTS (see mcache.c). Written
 * by the owner only, read by span_read_stats: relaxed atomics. One cache
 * line per class. */
typedef struct freecache {
  _Atomic uint64_t pushed, out;
  void **obj; /* max slots */
  uint16_t cap, max;
  uint32_t pops_at_flush; /* low bits of out - flushed at the last flush */
  _Atomic uint64_t nmalloc, nfree, flushed;
  uint64_t gc_seen; /* activity (all four counters) at the idle collector's last visit */
} freecache_t;

static inline uint64_t fc_load(const _Atomic uint64_t *v) {
  return atomic_load_explicit(v, memory_order_relaxed);
}
/* Objects in the cache now (owner). */
static inline uint64_t fc_count(const freecache_t *f) {
  return fc_load(&f->pushed) - fc_load(&f->out);
}
/* The class's allocations and frees (any thread; exact at quiescence). */
static inline uint64_t fc_mallocs(const freecache_t *f) {
  return fc_load(&f->nmalloc) + fc_load(&f->out) - fc_load(&f->flushed);
}
static inline uint64_t fc_frees(const freecache_t *f) {
  return fc_load(&f->nfree) + fc_load(&f->pushed);
}

typedef struct mcache {
  freecache_t fc[SPAN_ALL_SPCS];
  span_t *alloc[SPAN_ALL_SPCS]; /* caps 0 for large (spc 0, 1) and tiny blocks */
  uint16_t gc_next;              /* the span class the idle collector visits next */
  pagecache_t pcache;            /* pages for new small spans (heap.c) */
  span_t *spare;                 /* structures of freed small spans (heap.c) */
  uint32_t nspare;
  /* each class's slots: packed (at most SPAN_FC_OBJECTS, beside the other
   * classes') and grown (max, its own pages; NULL when max fits packed);
   * fc[spc].obj is one of the two (see mcache.c) */
  void **fc_packed[SPAN_CLASSES], **fc_grown[SPAN_CLASSES];
  uint64_t grown_bytes; /* sum over classes of (cap - first cap) * object bytes */
  /* tiny allocator (Go's mcache.tiny / tinyoffset) */
  uintptr_t tiny;
  uint32_t tiny_offset;
  span_t *tiny_span;
  /* statistics, flushed into the totals when the cache goes away; written
   * by the owner only, read by span_read_stats: relaxed atomics */
  _Atomic uint64_t large_alloc_bytes, large_free_bytes, tiny_allocs;
  struct mcache *next_live, *prev_live;
} mcache_t;

extern span_t span_empty; /* the span every cache slot starts at: never has a free slot */
/* A thread's cache before it has one (and after its destructor ran): every
 * free cache empty with capacity 0, every span slot span_empty, never
 * written. So the fast paths need no test for "no cache yet": they miss
 * on it as on an empty class, and their slow paths make the cache. */
extern mcache_t span_no_cache;
extern __thread mcache_t *span_tls_cache __attribute__((tls_model("initial-exec")));

mcache_t *mcache_create(void);
/* This thread's cache, created on first use (NULL when memory is out). */
static inline mcache_t *mcache_get(void) {
  mcache_t *c = span_tls_cache;
  return likely(c != &span_no_cache) ? c : mcache_create();
}
/* The cache of this thread, or NULL if it has none yet (never creates). */
static inline mcache_t *mcache_peek(void) {
  mcache_t *c = span_tls_cache;
  return c != &span_no_cache ? c : NULL;
}
void *mcache_alloc_slow(mcache_t *c, uint16_t spc);
/* The class's free cache and span are dry: the class's transfer cache into
 * the free cache, one of its objects returned (NULL: it was empty). */
void *mcache_alloc_transfer(mcache_t *c, uint16_t spc);
/* Frees all but the newest `keep` objects of a free cache to the spans. */
void mcache_flush(mcache_t *c, uint16_t spc, uint32_t keep);
/* A free found the class's free cache full: grows it, or flushes its older
 * half; then p goes in. p is the start of an object of a small span. */
void mcache_free_overflow(mcache_t *c, uint16_t spc, void *p);
#define SPAN_FC_OBJECTS 64u              /* per span class, at first */
#define SPAN_FC_MAX_OBJECTS 8192u        /* per span class, at most */
#define SPAN_FC_CLASS_BYTES (256u << 10) /* per span class, at most */
#define SPAN_FC_BIG_OBJECT_BYTES 1024u   /* and for objects this big and up, */
#define SPAN_FC_BIG_CLASS_BYTES (64u << 10) /* at most this much a class */
#define SPAN_FC_GROWN_BYTES (256u << 10) /* capacity grown past the first, all classes */
#define SPAN_TRANSFER_CLASS_BYTES (64u << 10) /* in a class's transfer cache, at most */
/* Set by a thread's cache destructor: frees after it (other destructors,
 * libc's own thread cleanup) make no new cache, which nothing would give
 * back. */
extern __thread int span_tls_exited __attribute__((tls_model("initial-exec")));
void mcache_release(mcache_t *c);        /* gives back every cached span */
/* A slow-path event: visits the next SPAN_GC_VISITS span classes and gives
 * back the free cache and span of each that went unused since the last
 * visit. */
void mcache_gc_tick(mcache_t *c);
#define SPAN_GC_VISITS 8u
void mcache_sum_stats(span_stats_t *out);
void mcache_key_create(void);
/* Counts a free by a thread that has no cache (at thread exit). */
void mcache_count_uncached(unsigned cls, uint64_t large_free_bytes);
/* Class of a span class for the statistics (tiny blocks: class 2). */
static inline unsigned spc_class(unsigned spc) {
  return spc == SPAN_TINY_SPC ? SPAN_TINY_CLASS : spc >> 1;
}
void mcache_lock_all(void);
void mcache_unlock_all(void);
void mcache_after_fork_child(void);

static inline void stat_add(_Atomic uint64_t *counter, uint64_t v) {
  atomic_store_explicit(counter, atomic_load_explicit(counter, memory_order_relaxed) + v,
                        memory_order_relaxed);
}

/* ---- spans: the allocation fast path (Go's nextFreeFast) ----------------- */
static inline void *span_next_fast(span_t *s) {
  uint64_t cache = s->alloc_cache;
  if (likely(cache != 0)) {
    unsigned bit = (unsigned)__builtin_ctzll(cache);
    uint32_t idx = s->freeindex + bit;
    if (likely(idx < s->nelems)) {
      s->alloc_cache = cache >> bit >> 1;
      s->freeindex = idx + 1;
#if defined(__SANITIZE_THREAD__)
      /* a concurrent marker reads the word (the bits of older objects):
       * the same store, as ThreadSanitizer must see it */
      __atomic_store_n(&s->alloc_bits[idx >> 6],
                       __atomic_load_n(&s->alloc_bits[idx >> 6], __ATOMIC_RELAXED) |
                           (uint64_t)1 << (idx & 63),
                       __ATOMIC_RELAXED);
#else
      s->alloc_bits[idx >> 6] |= (uint64_t)1 << (idx & 63);
#endif
      atomic_store_explicit(&s->alloc_count,
                            atomic_load_explicit(&s->alloc_count, memory_order_relaxed) + 1,
                            memory_order_relaxed);
      return (void *)(s->base + (uintptr_t)idx * s->elem_bytes);
    }
  }
  return NULL;
}

static inline uint32_t span_index_of(const span_t *s, const void *p) {
  return (uint32_t)((((uint64_t)((uintptr_t)p - s->base)) * s->divmagic) >> 32);
}

/* ---- objects (malloc.c, tiny.c) ------------------------------------------ */
void *span_alloc_small(size_t bytes, int noscan);
void *span_alloc_large(size_t bytes, size_t align);
void *tiny_alloc(mcache_t *c, size_t bytes);
void tiny_free(span_t *s, void *p);
/* Frees objects obj[0..n) of small span s, each checked to be the start of
 * an allocated object: cleared in the allocation bits when c owns s, else
 * one atomic per bitmap word and one count update for all (see mcache.c). */
void span_free_objects(span_t *s, void *const *obj, uint32_t n, mcache_t *c);
void span_fatal(const char *what, const void *p) __attribute__((noreturn));

/* ---- scavenger (scavenger.c) --------------------------------------------- */
/* After pages were freed, with the heap's counts then: release what is
 * over the goal (or wake the thread that does). */
void scavenger_note_free(const heap_stats_t *h);
uint64_t scavenger_excess_pages(const heap_stats_t *h);
/* Gives the empty spans the central lists keep back to the heap. */
void central_release_empty(void);
void scavenger_after_fork_child(void);
uint64_t scavenger_released_bytes(void);

/* ---- the collector's hooks into the heap (gc*.c) ------------------------- */
/* Set once, before the first allocation, by span_gc_enable: the heap is
 * collected (span-gc) and nothing is freed explicitly. */
extern int span_gc_mode;
/* A thread cache took span s (refill) / a large span was made: charge
 * the heap's live bytes and test the trigger (Go's mcache.refill and
 * gcTrigger test). Sweeps first when sweep credit is owed. */
void gc_note_refill(span_t *s);
void gc_note_large(span_t *s);
/* A cache gives back span s at a collection: its free slots leave heapLive. */
void gc_note_uncache(span_t *s);
void gc_freed_counts(uint64_t *frees_by_class, uint64_t *large_free_bytes);
/* Sweep credit before taking a span of `pages` pages (deductSweepCredit). */
void gc_deduct_sweep_credit(uint32_t pages);
/* Sets up the collector's per-span tables of a new span (init_small /
 * make_span); -1 when metadata is out. */
int gc_span_init(span_t *s);
void gc_span_struct_free(span_t *s);
/* Sweeps one unswept span of class spc (any thread, no lock held): 0 when
 * the class has none left, else the pages swept. */
uint32_t central_gc_sweep_one(uint16_t spc);
/* World stopped: every span on a partial or full list becomes unswept. */
void central_gc_unsweep_all(void);
/* gcsweep.c: sweeps s (its mark bits become its allocation bits); returns
 * the live objects. Caller holds the class's central lock (small). */
uint32_t gc_sweep_small(span_t *s);
/* World stopped: every thread cache gives back its spans (Go's
 * mcache.releaseAll at mark termination). */
void mcache_gc_release_all(void);
/* Scavenger goal set by the collector after each cycle: keep at most this
 * many pages retained (in use + free, not released); 0: the allocator's
 * own rule. */
void scavenger_set_retain_goal(uint64_t pages);
/* Declares that goal to drd as a hint word (gcrace.h); at span_gc_enable. */
void scavenger_race_init(void);
/* Releases up to `pages` free pages now, on the calling thread; returns
 * how many (Go's allocation-time scavenging under a memory limit). */
uint64_t scavenger_release_now(uint64_t pages);

/* ---- lifecycle (malloc.c) ------------------------------------------------ */
void span_ensure_init(void);

#endif
