/* Marking: roots, the mark stack, and the objects' pointer slots
 * (Go's mgcmark.go, stop-the-world and on one thread).
 *
 * Heap objects are scanned precisely: the mutator declares how many of an
 * object's first words are pointers (span_gc_alloc's nptrs), the span keeps
 * that count per object (span_t.ptr_words; a large span, large_nptrs), and
 * noscan spans - pointer-free objects, the tiny blocks among them - are
 * never looked into. Roots have no such maps: a root range (the workload's
 * root slots, the mutator's frame regions) and the in-use part of each
 * mutator thread's machine stack are read word by word, and a word counts
 * only when it points into an allocated object of this heap. Pointers into
 * the middle of an object keep it alive (a C local may hold one).
 *
 * Checking a word: the arena map says whether it lies in the heap at all
 * (it is safe for any value), the page map gives its span and class, the
 * span's divide-by-multiply gives the slot, and the slot's allocation bit
 * must be set (the sweep before marking made the bits exact). The same
 * check guards every pointer slot of a heap object, so a slot that holds
 * something else (a stack object's address) is ignored, not followed.
 *
 * The mark stack holds (object, pointer slots) pairs and grows by mremap;
 * marking is depth first, so a long list needs one entry at a time. */
#include "gcmark.h"
#include "gcstw.h"

#include "internal.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#if defined(__has_include)
#if __has_include(<valgrind/memcheck.h>)
#include <valgrind/memcheck.h>
#define HAVE_VALGRIND 1
#endif
#endif

#if defined(__SANITIZE_ADDRESS__)
#define NO_ASAN __attribute__((no_sanitize_address))
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define NO_ASAN __attribute__((no_sanitize_address))
#endif
#endif
#ifndef NO_ASAN
#define NO_ASAN
#endif

/* ---- root ranges ------------------------------------------------------------- */

typedef struct root_range {
  uintptr_t lo, hi;
} root_range_t;

static pthread_mutex_t roots_lock = PTHREAD_MUTEX_INITIALIZER;
static root_range_t *roots;
static size_t nroots, roots_cap;

int gc_roots_add(void *start, size_t bytes) {
  pthread_mutex_lock(&roots_lock);
  if (nroots == roots_cap) {
    size_t cap = roots_cap ? roots_cap * 2 : 64;
    root_range_t *r = realloc(roots, cap * sizeof *r);
    if (!r) {
      pthread_mutex_unlock(&roots_lock);
      return -1;
    }
    roots = r;
    roots_cap = cap;
  }
  roots[nroots++] = (root_range_t){(uintptr_t)start, (uintptr_t)start + bytes};
  pthread_mutex_unlock(&roots_lock);
  return 0;
}

void gc_roots_remove(void *start, size_t bytes) {
  pthread_mutex_lock(&roots_lock);
  for (size_t i = nroots; i-- > 0;) {
    if (roots[i].lo == (uintptr_t)start && roots[i].hi == (uintptr_t)start + bytes) {
      roots[i] = roots[--nroots];
      break;
    }
  }
  pthread_mutex_unlock(&roots_lock);
}

/* ---- the mark stack ---------------------------------------------------------- */

typedef struct mark_item {
  void *const *slot; /* the object's first word */
  uint32_t n;        /* its pointer slots */
} mark_item_t;

typedef struct marker {
  mark_item_t *stack;
  size_t len, cap;
  int overflow; /* the stack could not grow: marking is incomplete */
  gc_mark_result_t *res;
} marker_t;

static mark_item_t *stack_mem;
static size_t stack_mem_cap;

static void push(marker_t *m, void *const *obj, uint32_t n) {
  if (unlikely(m->len == m->cap)) {
    size_t cap = m->cap ? m->cap * 2 : 4096;
    void *p = m->stack ? mremap(m->stack, m->cap * sizeof *m->stack, cap * sizeof *m->stack,
                                MREMAP_MAYMOVE)
                       : mmap(NULL, cap * sizeof *m->stack, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      m->overflow = 1;
      return;
    }
    m->stack = p;
    m->cap = cap;
  }
  m->stack[m->len++] = (mark_item_t){obj, n};
}

/* ---- marking ------------------------------------------------------------------ */

/* Marks the object v points into, if v points into an allocated object of
 * this heap, and queues its pointer slots. */
static inline void mark_word(marker_t *m, uintptr_t v) {
  if (v < 4096 || !arena_lookup(v)) return;
  block_map_t *map = block_map_of((void *)v); /* one lookup for class and span */
  if (unlikely(!map)) return;
  size_t page = block_page((void *)v);
  unsigned spc = atomic_load_explicit(&map->spc[page], memory_order_relaxed);
  if (spc == PAGE_FREE) return;
  span_t *s = atomic_load_explicit(&map->span[page], memory_order_relaxed);
  if (unlikely(!s)) return;
  if (spc == PAGE_LARGE) {
    if (s->large_marked) return;
    s->large_marked = 1;
    m->res->marked_bytes += (uint64_t)s->npages * SPAN_PAGE_BYTES;
    m->res->marked_objects++;
    if (s->large_nptrs) push(m, (void *const *)s->base, s->large_nptrs);
    return;
  }
  uint32_t idx = span_index_of(s, (void *)v);
  if (idx >= s->nelems) return;
  uint64_t bit = (uint64_t)1 << (idx & 63);
  uint32_t w = idx >> 6;
  if (!(s->alloc_bits[w] & bit) || (s->mark_bits[w] & bit)) return;
  s->mark_bits[w] |= bit;
  m->res->marked_bytes += s->elem_bytes;
  m->res->marked_objects++;
  if (s->ptr_words && s->ptr_words[idx])
    push(m, (void *const *)(s->base + (uintptr_t)idx * s->elem_bytes), s->ptr_words[idx]);
}

/* A root range or a stack, word by word. Stacks hold ASan's poisoned
 * redzones and, for valgrind, never-written words: both tools are told
 * this read is intended. */
NO_ASAN static void scan_words(marker_t *m, uintptr_t lo, uintptr_t hi) {
  lo = (lo + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
#ifdef HAVE_VALGRIND
  if (hi > lo) VALGRIND_MAKE_MEM_DEFINED(lo, hi - lo);
#endif
  for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
    uintptr_t v = *(const uintptr_t *)p;
    if (v) mark_word(m, v);
  }
}

static void drain(marker_t *m) {
  while (m->len) {
    mark_item_t it = m->stack[--m->len];
    m->res->heap_scan_bytes += (uint64_t)it.n * sizeof(void *);
    for (uint32_t i = 0; i < it.n; i++) {
      uintptr_t v = (uintptr_t)it.slot[i];
      if (v) mark_word(m, v);
    }
  }
}

static void scan_stack(uintptr_t lo, uintptr_t hi, void *arg) {
  marker_t *m = arg;
  m->res->stack_scan_bytes += hi - lo;
  scan_words(m, lo, hi);
  drain(m);
}

int gc_mark(gc_mark_result_t *res) {
  memset(res, 0, sizeof *res);
  marker_t m = {.stack = stack_mem, .cap = stack_mem_cap, .res = res};
  pthread_mutex_lock(&roots_lock);
  for (size_t i = 0; i < nroots; i++) {
    res->globals_scan_bytes += roots[i].hi - roots[i].lo;
    scan_words(&m, roots[i].lo, roots[i].hi);
    drain(&m);
  }
  pthread_mutex_unlock(&roots_lock);
  gc_for_each_stack(scan_stack, &m);
  stack_mem = m.stack; /* kept for the next cycle */
  stack_mem_cap = m.cap;
  return m.overflow ? -1 : 0;
}
