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
#include "gcrace.h"
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
#if defined(__SANITIZE_THREAD__)
#define NO_TSAN __attribute__((no_sanitize_thread))
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define NO_TSAN __attribute__((no_sanitize("thread")))
#endif
#endif
#ifndef NO_TSAN
#define NO_TSAN
#endif

/* ---- root ranges ------------------------------------------------------------- */

typedef struct root_range {
  uintptr_t lo, hi;
} root_range_t;

static pthread_mutex_t roots_lock = PTHREAD_MUTEX_INITIALIZER;
static root_range_t *roots;
static size_t nroots, roots_cap;
static uint64_t roots_version; /* changes with every add or remove (roots_lock) */

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
  roots_version++;
  pthread_mutex_unlock(&roots_lock);
  return 0;
}

void gc_roots_remove(void *start, size_t bytes) {
  pthread_mutex_lock(&roots_lock);
  for (size_t i = nroots; i-- > 0;) {
    if (roots[i].lo == (uintptr_t)start && roots[i].hi == (uintptr_t)start + bytes) {
      roots[i] = roots[--nroots];
      roots_version++;
      break;
    }
  }
  pthread_mutex_unlock(&roots_lock);
}

/* ---- the mark stack ---------------------------------------------------------- */

static mark_item_t *stack_mem;
static size_t stack_mem_cap;

static void push(gc_work_t *m, void *const *obj, uint32_t n) {
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
 * this heap, and queues its pointer slots; 1 when it was newly marked.
 * conc (a constant at each call): other threads mark, allocate black and
 * store pointers meanwhile, so mark bits are set with one atomic OR (the
 * thread whose OR set the bit owns the object) and words are read with
 * relaxed atomic loads; stop-the-world marking uses plain accesses. conc
 * 2 (CONC_DRD): concurrent, under valgrind, where drd is not to record
 * the load of the allocation bits, which the owning thread's allocation
 * sets beside it (gcrace.h). */
enum { CONC_DRD = 2 };

/* The concurrent mode of a scan: CONC_DRD under valgrind. */
static inline int conc_mode(void) {
  return unlikely(gc_race_annotate) ? CONC_DRD : 1;
}

static inline __attribute__((always_inline)) int mark_word_x(gc_work_t *m, uintptr_t v,
                                                             const int conc) {
  if (v < 4096 || !arena_lookup(v)) return 0;
  block_map_t *map = block_map_of((void *)v); /* one lookup for class and span */
  if (unlikely(!map)) return 0;
  size_t page = block_page((void *)v);
  unsigned spc = atomic_load_explicit(&map->spc[page], memory_order_relaxed);
  if (spc == PAGE_FREE) return 0;
  span_t *s = atomic_load_explicit(&map->span[page], memory_order_acquire); /* its fields: made before */
  if (unlikely(!s)) return 0;
  if (spc == PAGE_LARGE) {
    if (conc ? __atomic_exchange_n(&s->large_marked, 1, __ATOMIC_RELAXED) : s->large_marked)
      return 0;
    if (!conc) s->large_marked = 1;
    m->res.marked_bytes += (uint64_t)s->npages * SPAN_PAGE_BYTES;
    m->res.marked_objects++;
    if (s->large_nptrs) push(m, (void *const *)s->base, s->large_nptrs);
    return 1;
  }
  uint32_t idx = span_index_of(s, (void *)v);
  if (idx >= s->nelems) return 0;
  uint64_t bit = (uint64_t)1 << (idx & 63);
  uint32_t w = idx >> 6;
  if (conc) {
    if (!(gc_race_load_bits(&s->alloc_bits[w], conc == CONC_DRD) & bit) ||
        (__atomic_load_n(&s->mark_bits[w], __ATOMIC_RELAXED) & bit) ||
        (__atomic_fetch_or(&s->mark_bits[w], bit, __ATOMIC_RELAXED) & bit))
      return 0;
  } else {
    if (!(s->alloc_bits[w] & bit) || (s->mark_bits[w] & bit)) return 0;
    s->mark_bits[w] |= bit;
  }
  m->res.marked_bytes += s->elem_bytes;
  m->res.marked_objects++;
  uint16_t nptrs =
      !s->ptr_words ? 0 : conc ? __atomic_load_n(&s->ptr_words[idx], __ATOMIC_RELAXED)
                               : s->ptr_words[idx];
  if (nptrs) push(m, (void *const *)(s->base + (uintptr_t)idx * s->elem_bytes), nptrs);
  return 1;
}

/* A root range or a stack, word by word. Stacks hold ASan's poisoned
 * redzones and, for valgrind, never-written words: both tools are told
 * this read is intended. A concurrent scan of a root range reads words the
 * mutator stores without the barrier (frame areas it clears, stack
 * objects it fills): a conservative scan may see either value of a word
 * being written, as Boehm's collector does, and ThreadSanitizer is told
 * so. racy: a stack, or a concurrent scan of a root range, which drd
 * is told about in the same way when running under it (gcrace.h). */
NO_ASAN NO_TSAN static void scan_words_x(gc_work_t *m, uintptr_t lo, uintptr_t hi,
                                          const int conc, const int racy) {
  lo = (lo + sizeof(void *) - 1) & ~(uintptr_t)(sizeof(void *) - 1);
#ifdef HAVE_VALGRIND
  if (hi > lo) VALGRIND_MAKE_MEM_DEFINED(lo, hi - lo);
#endif
  const int annotate = racy && gc_race_annotate;
  for (uintptr_t p = lo; p + sizeof(void *) <= hi; p += sizeof(void *)) {
    uintptr_t v = annotate ? gc_race_load((const uintptr_t *)p, 1)
                           : gc_race_load((const uintptr_t *)p, 0);
    if (v) mark_word_x(m, v, conc);
  }
}

static void scan_item_x(gc_work_t *m, mark_item_t it, const int conc) {
  m->res.heap_scan_bytes += (uint64_t)it.n * sizeof(void *);
  for (uint32_t i = 0; i < it.n; i++) {
    uintptr_t v = conc ? __atomic_load_n((const uintptr_t *)&it.slot[i], __ATOMIC_RELAXED)
                       : (uintptr_t)it.slot[i];
    if (v) mark_word_x(m, v, conc);
  }
}

static void drain(gc_work_t *m) {
  while (m->len)
    scan_item_x(m, m->stack[--m->len], 0);
}

static void scan_stack(uintptr_t lo, uintptr_t hi, void *arg) {
  gc_work_t *m = arg;
  m->res.stack_scan_bytes += hi - lo;
  scan_words_x(m, lo, hi, 0, 1);
  drain(m);
}

int gc_mark(gc_mark_result_t *res) {
  gc_work_t m = {.stack = stack_mem, .cap = stack_mem_cap};
  pthread_mutex_lock(&roots_lock);
  for (size_t i = 0; i < nroots; i++) {
    m.res.globals_scan_bytes += roots[i].hi - roots[i].lo;
    scan_words_x(&m, roots[i].lo, roots[i].hi, 0, 0);
    drain(&m);
  }
  pthread_mutex_unlock(&roots_lock);
  gc_for_each_stack(scan_stack, &m);
  stack_mem = m.stack; /* kept for the next cycle */
  stack_mem_cap = m.cap;
  *res = m.res;
  return m.overflow ? -1 : 0;
}

/* ---- concurrent marking: the shared queue (Go's work.full) -------------------- */

/* Grey objects that no marker holds: what mutators shaded (stack scans,
 * write-barrier buffers) and what a busy marker gave away. Markers take
 * batches into their own stacks and drain those depth first. */
static struct {
  pthread_mutex_t lock;
  mark_item_t *items;
  size_t cap;
  _Atomic size_t len; /* read without the lock as a hint */
  int overflow;
} gq = {.lock = PTHREAD_MUTEX_INITIALIZER};

void gc_mark_race_init(void) {
  GC_RACE_HINT(gq.len);
  GC_RACE_HINT(span_gc_poll);
}

#define TAKE_ITEMS 256u
#define DONATE_ABOVE 64u

static void gq_put(const mark_item_t *items, size_t n) {
  pthread_mutex_lock(&gq.lock);
  size_t len = atomic_load_explicit(&gq.len, memory_order_relaxed);
  if (len + n > gq.cap) {
    size_t cap = gq.cap ? gq.cap : 4096;
    while (cap < len + n)
      cap *= 2;
    void *p = gq.items ? mremap(gq.items, gq.cap * sizeof *gq.items, cap * sizeof *gq.items,
                                MREMAP_MAYMOVE)
                       : mmap(NULL, cap * sizeof *gq.items, PROT_READ | PROT_WRITE,
                              MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (p == MAP_FAILED) {
      gq.overflow = 1;
      pthread_mutex_unlock(&gq.lock);
      return;
    }
    gq.items = p;
    gq.cap = cap;
  }
  memcpy(gq.items + len, items, n * sizeof *items);
  atomic_store_explicit(&gq.len, len + n, memory_order_relaxed);
  pthread_mutex_unlock(&gq.lock);
}

static size_t gq_take(gc_work_t *w) {
  if (!atomic_load_explicit(&gq.len, memory_order_relaxed)) return 0;
  pthread_mutex_lock(&gq.lock);
  size_t len = atomic_load_explicit(&gq.len, memory_order_relaxed);
  size_t n = len < TAKE_ITEMS ? len : TAKE_ITEMS;
  for (size_t i = 0; i < n; i++)
    push(w, gq.items[len - 1 - i].slot, gq.items[len - 1 - i].n);
  atomic_store_explicit(&gq.len, len - n, memory_order_relaxed);
  pthread_mutex_unlock(&gq.lock);
  return n;
}

void gc_work_flush(gc_work_t *w) {
  if (w->len) gq_put(w->stack, w->len);
  w->len = 0;
}

int gc_work_pending(void) {
  return atomic_load_explicit(&gq.len, memory_order_relaxed) != 0;
}

int gc_work_overflowed(const gc_work_t *w) {
  pthread_mutex_lock(&gq.lock);
  int o = gq.overflow || w->overflow;
  pthread_mutex_unlock(&gq.lock);
  return o;
}

void gc_work_release(gc_work_t *w) {
  if (w->stack) munmap(w->stack, w->cap * sizeof *w->stack);
  w->stack = NULL;
  w->len = w->cap = 0;
}

int gc_shade(gc_work_t *w, uintptr_t v) {
  if (!v) return 0;
  return unlikely(gc_race_annotate) ? mark_word_x(w, v, CONC_DRD) : mark_word_x(w, v, 1);
}

void gc_scan_range(gc_work_t *w, uintptr_t lo, uintptr_t hi) {
  w->res.stack_scan_bytes += hi > lo ? hi - lo : 0;
  scan_words_x(w, lo, hi, conc_mode(), 1);
}

void gc_scan_roots(gc_work_t *w) {
  pthread_mutex_lock(&roots_lock);
  for (size_t i = 0; i < nroots; i++) {
    w->res.globals_scan_bytes += roots[i].hi - roots[i].lo;
    scan_words_x(w, roots[i].lo, roots[i].hi, conc_mode(), 1);
  }
  pthread_mutex_unlock(&roots_lock);
}

/* ---- concurrent marking: root jobs (Go's markroot) ----------------------------
 * The root ranges are cut into blocks of ROOT_BLOCK_BYTES (Go's
 * rootBlockBytes), each a job that any marker claims by taking the next
 * index, so that a worker and the assists share the roots as they share the
 * grey objects: an assist whose allocation needs scan work can take a root
 * block that no worker has reached. The jobs are counted at the start of a
 * mark; if the ranges change during it (a range added or removed), mark
 * termination scans every range again with the world stopped. */
#define ROOT_BLOCK_BYTES ((uintptr_t)256 << 10)

static struct {
  _Atomic uint64_t next, count; /* next job to claim, jobs this mark */
  uint64_t version;             /* roots_version when they were counted */
} rj;

void gc_root_jobs_reset(void) {
  pthread_mutex_lock(&roots_lock);
  uint64_t n = 0;
  for (size_t i = 0; i < nroots; i++)
    n += (roots[i].hi - roots[i].lo + ROOT_BLOCK_BYTES - 1) / ROOT_BLOCK_BYTES;
  rj.version = roots_version;
  atomic_store_explicit(&rj.count, n, memory_order_relaxed);
  atomic_store_explicit(&rj.next, 0, memory_order_relaxed);
  pthread_mutex_unlock(&roots_lock);
}

int gc_root_jobs_left(void) {
  return atomic_load_explicit(&rj.next, memory_order_relaxed) <
         atomic_load_explicit(&rj.count, memory_order_relaxed);
}

int gc_scan_root_job(gc_work_t *w, uint64_t *bytes) {
  *bytes = 0;
  if (!gc_root_jobs_left()) return 0;
  uint64_t k = atomic_fetch_add_explicit(&rj.next, 1, memory_order_relaxed);
  if (k >= atomic_load_explicit(&rj.count, memory_order_relaxed)) return 0;
  pthread_mutex_lock(&roots_lock);
  for (size_t i = 0; i < nroots && rj.version == roots_version; i++) {
    uintptr_t blocks = (roots[i].hi - roots[i].lo + ROOT_BLOCK_BYTES - 1) / ROOT_BLOCK_BYTES;
    if (k >= blocks) {
      k -= blocks;
      continue;
    }
    uintptr_t lo = roots[i].lo + (uintptr_t)k * ROOT_BLOCK_BYTES;
    uintptr_t hi = roots[i].hi - lo > ROOT_BLOCK_BYTES ? lo + ROOT_BLOCK_BYTES : roots[i].hi;
    w->res.globals_scan_bytes += hi - lo;
    scan_words_x(w, lo, hi, conc_mode(), 1);
    *bytes = hi - lo;
    break;
  }
  pthread_mutex_unlock(&roots_lock);
  return 1;
}

int gc_roots_changed(void) {
  pthread_mutex_lock(&roots_lock);
  int changed = rj.version != roots_version;
  pthread_mutex_unlock(&roots_lock);
  return changed;
}

static inline __attribute__((always_inline)) uint64_t drain_x(gc_work_t *w,
                                                               uint64_t budget_bytes,
                                                               const int conc) {
  uint64_t start = w->res.heap_scan_bytes;
  for (;;) {
    while (w->len) {
      scan_item_x(w, w->stack[--w->len], conc);
      uint64_t done = w->res.heap_scan_bytes - start;
      if (budget_bytes && done >= budget_bytes) return done;
      if (w->len > DONATE_ABOVE && !atomic_load_explicit(&gq.len, memory_order_relaxed)) {
        size_t half = w->len / 2; /* the oldest half: others may take it */
        gq_put(w->stack, half);
        memmove(w->stack, w->stack + half, (w->len - half) * sizeof *w->stack);
        w->len -= half;
      }
    }
    if (!gq_take(w)) return w->res.heap_scan_bytes - start;
  }
}

/* The scan loop compiled twice: the copy for valgrind is chosen once per
 * call, the other has no annotation in it. */
uint64_t gc_drain(gc_work_t *w, uint64_t budget_bytes) {
  return unlikely(gc_race_annotate) ? drain_x(w, budget_bytes, CONC_DRD)
                                    : drain_x(w, budget_bytes, 1);
}

int gc_mark_state(uintptr_t v) {
  if (v < 4096 || !arena_lookup(v)) return 0;
  block_map_t *map = block_map_of((void *)v);
  if (unlikely(!map)) return 0;
  size_t page = block_page((void *)v);
  unsigned spc = atomic_load_explicit(&map->spc[page], memory_order_relaxed);
  span_t *s = atomic_load_explicit(&map->span[page], memory_order_acquire); /* its fields: made before */
  if (spc == PAGE_FREE || !s) return 0;
  if (spc == PAGE_LARGE) return __atomic_load_n(&s->large_marked, __ATOMIC_RELAXED) ? 2 : 1;
  uint32_t idx = span_index_of(s, (void *)v);
  if (idx >= s->nelems) return 0;
  return (__atomic_load_n(&s->mark_bits[idx >> 6], __ATOMIC_RELAXED) >> (idx & 63)) & 1 ? 2 : 1;
}

uint64_t gc_mark_new(span_t *s, uint32_t idx) {
  uint64_t bit = (uint64_t)1 << (idx & 63);
  if (__atomic_fetch_or(&s->mark_bits[idx >> 6], bit, __ATOMIC_RELAXED) & bit) return 0;
  return s->elem_bytes;
}
