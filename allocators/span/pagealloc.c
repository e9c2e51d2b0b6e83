/* The page allocator: which 8 KiB pages of the heap are free (Go's
 * mpagealloc.go, simplified).
 *
 * Go keeps a bitmap per 4 MiB chunk plus a five-level radix tree of
 * (start, max, end) summaries so that it can search a 48-bit address space.
 * This heap keeps the same per-chunk bitmaps and per-chunk summaries, but
 * only one level above them: arenas are 64 MiB and few (a 4 GiB heap is 64
 * arenas, 1024 chunks), so a first-fit walk over the chunk summaries in
 * address order, starting at each arena's first chunk with a free page (Go's
 * searchAddr hint), touches a few cache lines where the radix tree would
 * touch a few more. Summaries let the walk skip full chunks, add fully free
 * chunks in one step and look inside a chunk only when its longest free run
 * (or the run carried in from the previous chunk) can hold the request.
 * Runs may straddle chunks, so multi-chunk objects need no special case.
 *
 * Each chunk also has a scavenged bitmap: free pages whose memory has been
 * returned to the OS (or never touched: committed chunks start scavenged,
 * as in Go's pages.grow). Allocating a scavenged page clears its bit and
 * reports it, so the heap knows the memory reads as zero.
 *
 * Everything here runs under the heap lock. */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

typedef struct chunk {
  uint64_t alloc[SPAN_CHUNK_WORDS]; /* 1 = page in use (or being scavenged) */
  uint64_t scav[SPAN_CHUNK_WORDS];  /* 1 = free and released to the OS */
  uint16_t start, end, max;         /* free pages at the start, at the end, longest run */
  uint16_t nfree;
} chunk_t;

struct arena {
  arena_hdr_t hdr;      /* base, bytes reserved: read without locks */
  block_map_t **blocks; /* page maps, one per 64 MiB block */
  uint32_t nchunks;     /* reserved */
  uint32_t committed;   /* committed chunks: a prefix */
  uint32_t hint;        /* no free page below this chunk */
  chunk_t *chunk;
  arena_t *next; /* address order */
};

_Atomic(_Atomic(arena_hdr_t *) *) span_arena_map[(size_t)1 << SPAN_MAP_BITS];
block_map_t *_Atomic *span_pagemap;
span_window_t span_window = {(uintptr_t)1 << 63, NULL};

/* Reserves the class window (internal.h) around the first arena, at
 * base; without it (no address space) the block maps serve alone. The
 * window starts at 64 MiB at the lowest (where valgrind puts the heap, it
 * would start at 0): NULL must never be in it, as free(NULL) reads no
 * class byte. Readable, never written outside the arenas' blocks: a
 * pointer in the window that no arena holds reads PAGE_FREE (the kernel's
 * zero page, no memory of its own) and takes free()'s slow path, which
 * answers it from the block maps as before the window; read-only mappings
 * count against no RLIMIT_DATA. */
static void window_init(uintptr_t base) {
  size_t bytes = SPAN_WINDOW_BYTES >> SPAN_PAGE_SHIFT;
  void *t = mmap(NULL, bytes, PROT_READ, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (t == MAP_FAILED) return;
  uintptr_t lo = base > SPAN_WINDOW_BYTES / 2 + SPAN_ARENA_BYTES ? base - SPAN_WINDOW_BYTES / 2
                                                                 : SPAN_ARENA_BYTES;
  atomic_store_explicit(&span_window.spc, t, memory_order_relaxed);
  atomic_store_explicit(&span_window.base, lo & ~(SPAN_ARENA_BYTES - 1), memory_order_relaxed);
}

/* Makes the page map entry of 64 MiB block b writable and points it at
 * that block's map. */
static int pagemap_insert(uintptr_t b, block_map_t *entries) {
  if (!span_pagemap) {
    size_t bytes = SPAN_PAGEMAP_BLOCKS * sizeof(void *);
    void *t = mmap(NULL, bytes, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
    if (t == MAP_FAILED) return -1;
    span_pagemap = t;
    window_init(b << SPAN_ARENA_SHIFT);
  }
  _Atomic uint8_t *w = window_byte((void *)(b << SPAN_ARENA_SHIFT)); /* the block's first */
  if (w && mprotect((void *)w, SPAN_BLOCK_PAGES, PROT_READ | PROT_WRITE) != 0) return -1;
  uintptr_t page = ((uintptr_t)&span_pagemap[b]) & ~(uintptr_t)4095;
  if (mprotect((void *)page, 4096, PROT_READ | PROT_WRITE) != 0) return -1;
  atomic_store_explicit(&span_pagemap[b], entries, memory_order_release);
  return 0;
}

static arena_t *arena_of(uintptr_t addr) {
  return (arena_t *)arena_lookup(addr);
}

static struct {
  arena_t *arenas;
  uint64_t free_pages, released_pages, committed_pages;
} pa;

/* ---- bitmaps ---------------------------------------------------------------- */

static int bit_get(const uint64_t *w, unsigned i) {
  return (int)((w[i >> 6] >> (i & 63)) & 1);
}

/* Sets (v = 1) or clears bits [from, from + n) of w. */
static void bits_set(uint64_t *w, unsigned from, unsigned n, int v) {
  while (n) {
    unsigned off = from & 63, take = 64 - off < n ? 64 - off : n;
    uint64_t mask = (take == 64 ? ~(uint64_t)0 : (((uint64_t)1 << take) - 1)) << off;
    if (v)
      w[from >> 6] |= mask;
    else
      w[from >> 6] &= ~mask;
    from += take;
    n -= take;
  }
}

static unsigned bits_count(const uint64_t *w, unsigned from, unsigned n) {
  unsigned c = 0;
  while (n) {
    unsigned off = from & 63, take = 64 - off < n ? 64 - off : n;
    uint64_t mask = (take == 64 ? ~(uint64_t)0 : (((uint64_t)1 << take) - 1)) << off;
    c += (unsigned)__builtin_popcountll(w[from >> 6] & mask);
    from += take;
    n -= take;
  }
  return c;
}

/* First page at or after i whose alloc bit equals v, or SPAN_CHUNK_PAGES. */
static unsigned next_with(const uint64_t *w, unsigned i, int v) {
  while (i < SPAN_CHUNK_PAGES) {
    uint64_t word = v ? w[i >> 6] : ~w[i >> 6];
    word &= ~(uint64_t)0 << (i & 63);
    if (word) return (i & ~63u) + (unsigned)__builtin_ctzll(word);
    i = (i & ~63u) + 64;
  }
  return SPAN_CHUNK_PAGES;
}

/* Longest run of zero bits in one word, a run at a time: count the zeros
 * from position i, then skip the ones after them. */
static unsigned word_max_zero_run(uint64_t x) {
  unsigned best = 0, i = 0;
  while (i < 64) {
    uint64_t rest = x >> i;
    if (!rest) return 64 - i > best ? 64 - i : best;
    unsigned z = (unsigned)__builtin_ctzll(rest);
    if (z > best) best = z;
    i += z;
    i += (unsigned)__builtin_ctzll(~(x >> i)); /* the shift brings in zeros: ~ is never 0 */
  }
  return best;
}

/* Go's pallocBits.summarize: free pages at the start, at the end, and the
 * longest free run, word at a time (runs that cross words are carried from
 * one word's high end into the next word's low end). nfree is kept by the
 * callers (no popcount: the baseline x86-64 target lacks it). */
static void summarize(chunk_t *c) {
  unsigned start = 0, end = 0, w, best = 0, run = 0;
  for (w = 0; w < SPAN_CHUNK_WORDS && !c->alloc[w]; w++)
    start += 64;
  if (w < SPAN_CHUNK_WORDS) start += (unsigned)__builtin_ctzll(c->alloc[w]);
  for (w = SPAN_CHUNK_WORDS; w-- > 0 && !c->alloc[w];)
    end += 64;
  if (w < SPAN_CHUNK_WORDS) end += (unsigned)__builtin_clzll(c->alloc[w]);
  for (w = 0; w < SPAN_CHUNK_WORDS; w++) {
    uint64_t x = c->alloc[w];
    if (!x) {
      run += 64;
      continue;
    }
    unsigned low = (unsigned)__builtin_ctzll(x);
    if (run + low > best) best = run + low;
    if (~x) {
      unsigned inner = word_max_zero_run(x);
      if (inner > best) best = inner;
    }
    run = (unsigned)__builtin_clzll(x);
  }
  if (run > best) best = run;
  c->start = (uint16_t)start;
  c->end = (uint16_t)end;
  c->max = (uint16_t)best;
}

/* ---- marking ranges, possibly across chunks ------------------------------- */

/* Marks [page, page + n) of arena a allocated; returns how many of them
 * were scavenged. */
static uint32_t mark_alloc(arena_t *a, uint32_t page, uint32_t n) {
  uint32_t scav = 0;
  while (n) {
    uint32_t ci = page / SPAN_CHUNK_PAGES, off = page % SPAN_CHUNK_PAGES;
    uint32_t take = SPAN_CHUNK_PAGES - off < n ? SPAN_CHUNK_PAGES - off : n;
    chunk_t *c = &a->chunk[ci];
    uint32_t s = bits_count(c->scav, off, take);
    scav += s;
    bits_set(c->alloc, off, take, 1);
    if (s) bits_set(c->scav, off, take, 0);
    c->nfree = (uint16_t)(c->nfree - take);
    summarize(c);
    page += take;
    n -= take;
  }
  while (a->hint < a->committed && a->chunk[a->hint].nfree == 0)
    a->hint++;
  return scav;
}

static void mark_free(arena_t *a, uint32_t page, uint32_t n, int scavenged) {
  if (page / SPAN_CHUNK_PAGES < a->hint) a->hint = page / SPAN_CHUNK_PAGES;
  while (n) {
    uint32_t ci = page / SPAN_CHUNK_PAGES, off = page % SPAN_CHUNK_PAGES;
    uint32_t take = SPAN_CHUNK_PAGES - off < n ? SPAN_CHUNK_PAGES - off : n;
    chunk_t *c = &a->chunk[ci];
    bits_set(c->alloc, off, take, 0);
    if (scavenged) bits_set(c->scav, off, take, 1);
    c->nfree = (uint16_t)(c->nfree + take);
    summarize(c);
    page += take;
    n -= take;
  }
}

/* ---- first-fit search ------------------------------------------------------ */

/* A free run [rs, re) (arena page numbers): the first aligned start that
 * fits n pages, or UINT32_MAX. */
static uint32_t fit(uint32_t rs, uint32_t re, uint32_t n, uint32_t align) {
  uint32_t a = (rs + align - 1) & ~(align - 1);
  return a >= rs && a + n <= re ? a : UINT32_MAX;
}

/* Walks the free runs of one arena in address order, merging runs across
 * chunk boundaries; returns the first page of the first fit, or UINT32_MAX. */
static uint32_t arena_find(const arena_t *a, uint32_t n, uint32_t align) {
  uint32_t run_start = 0, run_len = 0;
  for (uint32_t ci = a->hint; ci < a->committed; ci++) {
    const chunk_t *c = &a->chunk[ci];
    uint32_t cbase = ci * SPAN_CHUNK_PAGES;
    if (c->nfree == SPAN_CHUNK_PAGES) { /* fully free: extend the run */
      if (!run_len) run_start = cbase;
      run_len += SPAN_CHUNK_PAGES;
      uint32_t at = fit(run_start, run_start + run_len, n, align);
      if (at != UINT32_MAX) return at;
      continue;
    }
    if (run_len + c->start >= n) { /* the carried run plus this chunk's start */
      uint32_t at = fit(run_len ? run_start : cbase, cbase + c->start, n, align);
      if (at != UINT32_MAX) return at;
    }
    if (c->max >= n) { /* look inside */
      for (uint32_t i = c->start; i < SPAN_CHUNK_PAGES;) {
        uint32_t s = next_with(c->alloc, i, 0);
        if (s == SPAN_CHUNK_PAGES) break;
        uint32_t e = next_with(c->alloc, s, 1);
        uint32_t at = e - s >= n ? fit(cbase + s, cbase + e, n, align) : UINT32_MAX;
        if (at != UINT32_MAX) return at;
        i = e;
      }
    }
    run_len = c->end;
    run_start = cbase + SPAN_CHUNK_PAGES - c->end;
  }
  return UINT32_MAX;
}

uintptr_t pages_alloc(uint32_t npages, uint32_t align_pages, uint32_t *scavenged) {
  if (!align_pages) align_pages = 1;
  for (arena_t *a = pa.arenas; a; a = a->next) {
    uint32_t page = arena_find(a, npages, align_pages);
    if (page == UINT32_MAX) continue;
    uint32_t scav = mark_alloc(a, page, npages);
    pa.free_pages -= npages;
    pa.released_pages -= scav;
    if (scavenged) *scavenged = scav;
    return a->hdr.base + (uintptr_t)page * SPAN_PAGE_BYTES;
  }
  return 0;
}

void pagemap_set(uintptr_t base, uint32_t npages, span_t *s, unsigned spc) {
  for (uint32_t i = 0; i < npages; i++) {
    void *page = (void *)(base + (uintptr_t)i * SPAN_PAGE_BYTES);
    block_map_t *m = block_map_of(page);
    _Atomic uint8_t *w = window_byte(page);
    if (w) atomic_store_explicit(w, (uint8_t)spc, memory_order_relaxed);
    atomic_store_explicit(&m->spc[block_page(page)], (uint8_t)spc, memory_order_relaxed);
    atomic_store_explicit(&m->span[block_page(page)], s, memory_order_release);
  }
}

void pages_free(uintptr_t addr, uint32_t npages) {
  arena_t *a = arena_of(addr);
  if (!a) span_fatal("pages_free: address outside the heap", (void *)addr);
  mark_free(a, (uint32_t)((addr - a->hdr.base) / SPAN_PAGE_BYTES), npages, 0);
  pa.free_pages += npages;
}

/* ---- page caches ----------------------------------------------------------- */

/* A group of 64 pages is one word of a chunk's bitmaps, so a cache is
 * filled and flushed a word at a time. The cache takes the lowest group
 * with a free run of the pages asked for (Go takes the lowest group with
 * any free page, and falls back to the locked path when the run is not
 * there): caches stay first-fit with the rest of the heap, and a refill
 * always serves the request that caused it. */
int pages_alloc_to_cache(pagecache_t *pc, uint32_t npages) {
  for (arena_t *a = pa.arenas; a; a = a->next)
    for (uint32_t ci = a->hint; ci < a->committed; ci++) {
      chunk_t *c = &a->chunk[ci];
      if (c->max < npages) continue;
      unsigned w = 0;
      while (w < SPAN_CHUNK_WORDS && find_bit_range64(~c->alloc[w], npages) == 64)
        w++;
      if (w == SPAN_CHUNK_WORDS) continue; /* the run crosses words */
      pc->free = ~c->alloc[w];
      pc->scav = c->scav[w] & pc->free;
      pc->base = a->hdr.base + ((uintptr_t)ci * SPAN_CHUNK_PAGES + w * 64u) * SPAN_PAGE_BYTES;
      unsigned n = (unsigned)__builtin_popcountll(pc->free);
      c->alloc[w] = ~(uint64_t)0;
      c->scav[w] &= ~pc->free;
      c->nfree = (uint16_t)(c->nfree - n);
      summarize(c);
      while (a->hint < a->committed && a->chunk[a->hint].nfree == 0)
        a->hint++;
      pa.free_pages -= n;
      pa.released_pages -= (uint64_t)__builtin_popcountll(pc->scav);
      return 0;
    }
  return -1;
}

void pages_flush_cache(pagecache_t *pc) {
  if (!pc->base) return;
  arena_t *a = arena_of(pc->base);
  uint32_t page = (uint32_t)((pc->base - a->hdr.base) / SPAN_PAGE_BYTES);
  uint32_t ci = page / SPAN_CHUNK_PAGES;
  chunk_t *c = &a->chunk[ci];
  unsigned w = (page % SPAN_CHUNK_PAGES) / 64u;
  unsigned n = (unsigned)__builtin_popcountll(pc->free);
  c->alloc[w] &= ~pc->free;
  c->scav[w] |= pc->scav;
  c->nfree = (uint16_t)(c->nfree + n);
  summarize(c);
  if (ci < a->hint) a->hint = ci;
  pa.free_pages += n;
  pa.released_pages += (uint64_t)__builtin_popcountll(pc->scav);
  pc->base = 0;
  pc->free = pc->scav = 0;
}

/* ---- growing: reserve arenas, commit chunks -------------------------------- */

/* Reserves `bytes` (a multiple of 64 MiB) of address space aligned to
 * 64 MiB, inaccessible: reserved memory counts neither as RSS nor against
 * RLIMIT_DATA (Go's sysReserve), only committed chunks do.
 *
 * One page below the arena stays reserved too, never committed: a guard,
 * so that no other mapping ends where an arena begins. The collector reads
 * stacks conservatively, and words holding a mapping's one-past-the-end
 * address are everywhere in C frames. The one that was seen: the
 * pthread_attr_t that gc_thread_attach() fills with pthread_getattr_np()
 * holds the thread's stack top (stackaddr, the end of its stack mapping);
 * that stale word stayed in a slot of a later, deeper-reaching frame the
 * stack scan reads (the ASan build's run_collection frame, above its
 * stack marker). Where the kernel put a thread's stack directly below an
 * arena (the aligned arena leaves a free gap below it, and whether a stack
 * fills it depends on the randomised layout), the word pointed at the
 * arena's first object and kept it, and all it reached, alive: 1 to 3
 * objects too many in 4 of 36 ASan runs of test_gc. With the guard such a
 * word points into the guard, which no arena covers. */
#define ARENA_GUARD_BYTES ((uintptr_t)4096)

static uintptr_t reserve(size_t bytes) {
  size_t span = bytes + SPAN_ARENA_BYTES + ARENA_GUARD_BYTES;
  char *p = mmap(NULL, span, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
  if (p == MAP_FAILED) return 0;
  uintptr_t start =
      ((uintptr_t)p + ARENA_GUARD_BYTES + SPAN_ARENA_BYTES - 1) & ~(SPAN_ARENA_BYTES - 1);
  uintptr_t guard = start - ARENA_GUARD_BYTES; /* >= p */
  if (guard > (uintptr_t)p) munmap(p, guard - (uintptr_t)p);
  uintptr_t end = (uintptr_t)p + span;
  if (end > start + bytes) munmap((void *)(start + bytes), end - (start + bytes));
  return start;
}

static int map_insert(arena_t *a) {
  for (uintptr_t off = 0; off < (uintptr_t)a->nchunks * SPAN_CHUNK_BYTES; off += SPAN_ARENA_BYTES) {
    uintptr_t i = (a->hdr.base + off) >> SPAN_ARENA_SHIFT;
    if (i >> (2 * SPAN_MAP_BITS) || i >= SPAN_PAGEMAP_BLOCKS) return -1;
    _Atomic(arena_hdr_t *) *l2 =
        atomic_load_explicit(&span_arena_map[i >> SPAN_MAP_BITS], memory_order_relaxed);
    if (!l2) {
      l2 = meta_alloc(SPAN_MAP_L2 * sizeof *l2);
      if (!l2) return -1;
      atomic_store_explicit(&span_arena_map[i >> SPAN_MAP_BITS], l2, memory_order_release);
    }
    atomic_store_explicit(&l2[i & (SPAN_MAP_L2 - 1)], &a->hdr, memory_order_release);
    block_map_t *m = meta_alloc(sizeof *m);
    if (!m || pagemap_insert(i, m) != 0) return -1;
    a->blocks[off >> SPAN_ARENA_SHIFT] = m;
  }
  return 0;
}

static arena_t *arena_new(uint32_t nchunks) {
  size_t bytes =
      (((size_t)nchunks * SPAN_CHUNK_BYTES) + SPAN_ARENA_BYTES - 1) & ~(SPAN_ARENA_BYTES - 1);
  nchunks = (uint32_t)(bytes / SPAN_CHUNK_BYTES);
  arena_t *a = meta_alloc(sizeof *a);
  if (!a) return NULL;
  a->chunk = meta_alloc(sizeof(chunk_t) * nchunks);
  a->blocks = meta_alloc(sizeof(*a->blocks) * (bytes >> SPAN_ARENA_SHIFT));
  a->hdr.base = reserve(bytes);
  if (!a->chunk || !a->blocks || !a->hdr.base) return NULL; /* metadata is not reclaimed */
  a->hdr.bytes = bytes;
  a->nchunks = nchunks;
  for (uint32_t i = 0; i < nchunks; i++) /* uncommitted chunks look full */
    memset(a->chunk[i].alloc, 0xff, sizeof a->chunk[i].alloc);
  if (map_insert(a) != 0) return NULL;
  arena_t **at = &pa.arenas; /* keep address order: first fit is lowest address first */
  while (*at && (*at)->hdr.base < a->hdr.base)
    at = &(*at)->next;
  a->next = *at;
  *at = a;
  return a;
}

/* Commits n more chunks of a: read/write, free, scavenged (never touched). */
static int commit(arena_t *a, uint32_t n) {
  uintptr_t at = a->hdr.base + (uintptr_t)a->committed * SPAN_CHUNK_BYTES;
  if (mprotect((void *)at, (size_t)n * SPAN_CHUNK_BYTES, PROT_READ | PROT_WRITE) != 0) return -1;
  for (uint32_t i = a->committed; i < a->committed + n; i++) {
    memset(a->chunk[i].alloc, 0, sizeof a->chunk[i].alloc);
    memset(a->chunk[i].scav, 0xff, sizeof a->chunk[i].scav);
    a->chunk[i].nfree = SPAN_CHUNK_PAGES;
    summarize(&a->chunk[i]);
  }
  a->committed += n;
  pa.free_pages += (uint64_t)n * SPAN_CHUNK_PAGES;
  pa.released_pages += (uint64_t)n * SPAN_CHUNK_PAGES;
  pa.committed_pages += (uint64_t)n * SPAN_CHUNK_PAGES;
  return 0;
}

/* Makes room for npages (Go's mheap.grow: whole chunks, from the current
 * arena while it has reserved space, else from a new one). The new chunks
 * follow the last committed one, so they extend any free run at the end. */
int pages_grow(uint32_t npages) {
  uint32_t need = (npages + SPAN_CHUNK_PAGES - 1) / SPAN_CHUNK_PAGES;
  for (arena_t *a = pa.arenas; a; a = a->next) {
    uint32_t tail = a->committed ? a->chunk[a->committed - 1].end : 0;
    uint32_t n = (npages - (tail < npages ? tail : 0) + SPAN_CHUNK_PAGES - 1) / SPAN_CHUNK_PAGES;
    if (n == 0) n = 1;
    if (a->nchunks - a->committed >= n) return commit(a, n);
  }
  arena_t *a = arena_new(need > SPAN_ARENA_CHUNKS ? need : SPAN_ARENA_CHUNKS);
  return a ? commit(a, need) : -1;
}

/* ---- scavenging --------------------------------------------------------------- */

/* Highest-address free, unscavenged run (Go scavenges from the top), at
 * most max_pages and within one chunk; marked allocated while it is being
 * released so nobody allocates it meanwhile. */
uintptr_t pages_take_unscavenged(uint32_t max_pages, uint32_t *npages) {
  arena_t *last = NULL;
  for (arena_t *a = pa.arenas; a; a = a->next)
    last = a;
  for (arena_t *a = last; a;) {
    for (uint32_t ci = a->committed; ci-- > a->hint;) {
      chunk_t *c = &a->chunk[ci];
      if (!c->nfree) continue;
      uint64_t cand[SPAN_CHUNK_WORDS]; /* free and not scavenged: both bits 0 */
      for (unsigned w = 0; w < SPAN_CHUNK_WORDS; w++)
        cand[w] = c->alloc[w] | c->scav[w];
      unsigned e = SPAN_CHUNK_PAGES;
      while (e > 0 && bit_get(cand, e - 1))
        e--;
      if (e == 0) continue;
      unsigned s = e;
      while (s > 0 && !bit_get(cand, s - 1) && e - s < max_pages)
        s--;
      *npages = e - s;
      uint32_t page = ci * SPAN_CHUNK_PAGES + s;
      mark_alloc(a, page, e - s);
      pa.free_pages -= e - s;
      return a->hdr.base + (uintptr_t)page * SPAN_PAGE_BYTES;
    }
    arena_t *prev = NULL; /* walk backwards through a singly linked list */
    for (arena_t *b = pa.arenas; b != a; b = b->next)
      prev = b;
    a = prev;
  }
  return 0;
}

void pages_return_scavenged(uintptr_t addr, uint32_t npages) {
  arena_t *a = arena_of(addr);
  mark_free(a, (uint32_t)((addr - a->hdr.base) / SPAN_PAGE_BYTES), npages, 1);
  pa.free_pages += npages;
  pa.released_pages += npages;
}

void pages_counts(uint64_t *free_pages, uint64_t *released_pages, uint64_t *committed_pages) {
  *free_pages = pa.free_pages;
  *released_pages = pa.released_pages;
  *committed_pages = pa.committed_pages;
}
