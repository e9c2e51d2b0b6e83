/* Sweeping (Go's mgcsweep.go): after a mark, every span holding objects
 * is "unswept" until its mark bits become its allocation bits.
 *
 * At mark termination every small span on a central partial or full list
 * becomes unswept at once (central_gc_unsweep_all: the swept and unswept
 * pairs of lists trade places, Go's sweepgen += 2) and the large spans'
 * list becomes the unswept large list, also in one step; thread caches
 * hold none (they were released when the world stopped). From then on a span is swept, at most
 * once, by whoever gets to it first:
 *   - a thread cache that needs a span of a class sweeps unswept spans of
 *     that class until one has a free slot, before it grows the heap (Go's
 *     mcentral.cacheSpan);
 *   - every span allocation first pays sweep credit: enough spans are swept
 *     that the whole heap is done by the time the heap reaches the next
 *     trigger (Go's proportional sweep, deductSweepCredit, below);
 *   - the next collection finishes whatever is left before it marks (Go's
 *     finishsweep_m).
 * In mode=concurrent a background sweeper thread (Go's bgsweep) also
 * sweeps after each mark termination, one span at a time, yielding the CPU
 * after each; sweep termination takes its lock, so no span is being swept
 * by it when marking begins (Go's finishsweep_m waits for sweepers). In
 * mode=stw there is no such thread: what allocation does not sweep waits
 * for the next collection.
 *
 * Sweeping a small span: its allocation bits become the mark bits (slots
 * past the end stay set), the mark bits are cleared, the live count and the
 * allocation cursor are reset, and the span is filed as partial, full or
 * empty (central.c), or goes back to the page heap. A large span whose
 * object was not reached goes back to the page heap. Objects freed this
 * way are counted per size class, as Go's sweeper counts frees. */
#include "gcsweep.h"

#include "gcrace.h"
#include "internal.h"

#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <string.h>

static _Atomic uint64_t swept_frees[SPAN_NUM_CLASSES];
static _Atomic uint64_t swept_large_bytes;

/* ---- per-span tables ---------------------------------------------------------- */

int gc_span_init(span_t *s) {
  s->large_marked = 0;
  s->large_nptrs = 0;
  if (!(s->kind & SPAN_SMALL) || (s->spc & 1) || s->spc == SPAN_TINY_SPC) {
    if (s->ptr_words) meta_bits_free((uint64_t *)s->ptr_words, s->ptr_cap / 8);
    s->ptr_words = NULL;
    s->ptr_cap = 0;
    return 0;
  }
  /* uint16_t per object, from the bitmap pool: meta_bits_new(w) gives
   * 2 * capacity(w) words, 8 entries per capacity word */
  uint32_t words = (s->nelems + 7) / 8;
  uint32_t cap = 8 * meta_bits_capacity(words);
  if (s->ptr_words && s->ptr_cap == cap) return 0; /* stale counts are never read: see gcmark.c */
  if (s->ptr_words) meta_bits_free((uint64_t *)s->ptr_words, s->ptr_cap / 8);
  s->ptr_words = (uint16_t *)meta_bits_new(words);
  s->ptr_cap = s->ptr_words ? cap : 0;
  return s->ptr_words ? 0 : -1;
}

void gc_span_struct_free(span_t *s) {
  if (s->ptr_words) meta_bits_free((uint64_t *)s->ptr_words, s->ptr_cap / 8);
  s->ptr_words = NULL;
  s->ptr_cap = 0;
}

/* ---- sweeping one span ------------------------------------------------------- */

uint32_t gc_sweep_small(span_t *s) {
  uint32_t live = 0;
  for (uint32_t w = 0; w < s->nwords; w++) {
    uint64_t m = s->mark_bits[w];
    s->mark_bits[w] = 0;
    s->alloc_bits[w] = m;
    live += (uint32_t)__builtin_popcountll(m);
  }
  if (s->nelems % 64) s->alloc_bits[s->nwords - 1] |= ~(uint64_t)0 << (s->nelems % 64);
  uint32_t before = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
  atomic_store_explicit(&s->alloc_count, live, memory_order_relaxed);
  if (before > live)
    atomic_fetch_add_explicit(&swept_frees[spc_class(s->spc)], before - live,
                              memory_order_relaxed);
  s->freeindex = 0;
  s->alloc_cache = ~s->alloc_bits[0];
  return live;
}

/* ---- large spans -------------------------------------------------------------- */

static pthread_mutex_t large_lock = PTHREAD_MUTEX_INITIALIZER;
static span_t *large_swept, *large_unswept;

static void large_push(span_t **head, span_t *s) {
  s->prev = NULL;
  s->next = *head;
  if (*head) (*head)->prev = s;
  *head = s;
}

static void large_unlink(span_t **head, span_t *s) {
  if (s->prev)
    s->prev->next = s->next;
  else
    *head = s->next;
  if (s->next) s->next->prev = s->prev;
  s->next = s->prev = NULL;
}

void gc_large_add(span_t *s) {
  pthread_mutex_lock(&large_lock);
  large_push(&large_swept, s);
  pthread_mutex_unlock(&large_lock);
}

/* Sweeps one unswept large span; its pages, or 0 when none is left. */
static uint32_t sweep_large_one(void) {
  pthread_mutex_lock(&large_lock);
  span_t *s = large_unswept;
  if (!s) {
    pthread_mutex_unlock(&large_lock);
    return 0;
  }
  large_unlink(&large_unswept, s);
  uint32_t pages = s->npages;
  if (s->large_marked) {
    s->large_marked = 0;
    large_push(&large_swept, s);
    pthread_mutex_unlock(&large_lock);
    return pages;
  }
  pthread_mutex_unlock(&large_lock);
  atomic_fetch_add_explicit(&swept_frees[0], 1, memory_order_relaxed);
  atomic_fetch_add_explicit(&swept_large_bytes, (uint64_t)pages * SPAN_PAGE_BYTES,
                            memory_order_relaxed);
  heap_free_span(s);
  return pages;
}

/* ---- the unswept heap, and proportional sweeping ------------------------------ */

/* The sweep cursor walks the span classes, then the large spans; it moves
 * past a class once the class has nothing left to sweep. Sweep pacing is
 * set at mark termination and read racily by allocating threads. */
static struct {
  _Atomic uint32_t cursor;          /* next span class to sweep (SPAN_ALL_SPCS: large) */
  _Atomic uint64_t pages_swept;     /* since the last mark termination */
  _Atomic double pages_per_byte;    /* sweepPagesPerByte; 0: no credit owed */
  uint64_t heap_live_basis_bytes;   /* heapLive when the pacing was set */
  uint64_t pages_swept_basis;       /* pages_swept then */
} sw = {.cursor = SPAN_ALL_SPCS + 1};

void gc_sweep_race_init(void) {
  GC_RACE_HINT(sw.cursor);
  GC_RACE_HINT(sw.pages_swept);
  GC_RACE_HINT(sw.pages_per_byte);
}

uint32_t gc_sweep_one(void) {
  for (;;) {
    uint32_t spc = atomic_load_explicit(&sw.cursor, memory_order_relaxed);
    if (spc > SPAN_ALL_SPCS) return 0;
    uint32_t pages = spc < 2 ? 0 : spc < SPAN_ALL_SPCS ? central_gc_sweep_one((uint16_t)spc)
                                                       : sweep_large_one();
    if (pages) {
      atomic_fetch_add_explicit(&sw.pages_swept, pages, memory_order_relaxed);
      return pages;
    }
    atomic_compare_exchange_strong(&sw.cursor, &spc, spc + 1);
  }
}

void gc_finish_sweep(void) {
  while (gc_sweep_one()) {
  }
  atomic_store_explicit(&sw.pages_per_byte, 0.0, memory_order_relaxed);
}

void gc_unsweep_all(void) {
  central_gc_unsweep_all();
  pthread_mutex_lock(&large_lock);
  if (!large_unswept) { /* always, the sweep having finished: one step */
    large_unswept = large_swept;
    large_swept = NULL;
  }
  while (large_swept) {
    span_t *s = large_swept;
    large_unlink(&large_swept, s);
    large_push(&large_unswept, s);
  }
  pthread_mutex_unlock(&large_lock);
  atomic_store_explicit(&sw.cursor, 2, memory_order_relaxed);
  atomic_store_explicit(&sw.pages_swept, 0, memory_order_relaxed);
}

/* gcPaceSweeper: sweep the in-use pages before the heap grows from
 * heap_live to trigger, leaving 1 MiB of slack (sweepMinHeapDistance). */
void gc_sweep_pace(uint64_t heap_live_bytes, uint64_t trigger_bytes, uint64_t pages_in_use) {
  uint64_t distance = trigger_bytes > heap_live_bytes ? trigger_bytes - heap_live_bytes : 0;
  distance = distance > ((uint64_t)1 << 20) ? distance - ((uint64_t)1 << 20) : 0;
  if (distance < SPAN_PAGE_BYTES) distance = SPAN_PAGE_BYTES;
  sw.heap_live_basis_bytes = heap_live_bytes;
  sw.pages_swept_basis = atomic_load_explicit(&sw.pages_swept, memory_order_relaxed);
  atomic_store_explicit(&sw.pages_per_byte, (double)pages_in_use / (double)distance,
                        memory_order_relaxed);
}

/* deductSweepCredit: before a span of `pages` pages is allocated, sweep
 * until the pages swept keep up with the bytes allocated since the pacing
 * was set. */
void gc_sweep_credit(uint32_t pages, uint64_t heap_live_bytes) {
  double per_byte = atomic_load_explicit(&sw.pages_per_byte, memory_order_relaxed);
  if (per_byte == 0.0) return;
  uint64_t live = heap_live_bytes > sw.heap_live_basis_bytes
                      ? heap_live_bytes - sw.heap_live_basis_bytes
                      : 0;
  double target = per_byte * (double)(live + (uint64_t)pages * SPAN_PAGE_BYTES);
  while ((double)(atomic_load_explicit(&sw.pages_swept, memory_order_relaxed) -
                  sw.pages_swept_basis) < target) {
    if (!gc_sweep_one()) {
      atomic_store_explicit(&sw.pages_per_byte, 0.0, memory_order_relaxed);
      return;
    }
  }
}

/* ---- the background sweeper ------------------------------------------------- */

static struct {
  pthread_mutex_t lock; /* held while it sweeps a span */
  pthread_cond_t wake;
  int started, due;
  pthread_t tid;
} bg = {.lock = PTHREAD_MUTEX_INITIALIZER, .wake = PTHREAD_COND_INITIALIZER};

static void *bgsweep_main(void *arg) {
  (void)arg;
  pthread_mutex_lock(&bg.lock);
  for (;;) {
    while (!bg.due)
      pthread_cond_wait(&bg.wake, &bg.lock);
    while (gc_sweep_one()) { /* one span, then let the mutators run */
      pthread_mutex_unlock(&bg.lock);
      sched_yield();
      pthread_mutex_lock(&bg.lock);
    }
    bg.due = 0;
  }
  return NULL;
}

void gc_bgsweep_wake(void) {
  pthread_mutex_lock(&bg.lock);
  if (!bg.started) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    bg.started = pthread_create(&bg.tid, &attr, bgsweep_main, NULL) == 0;
    pthread_attr_destroy(&attr);
  }
  bg.due = 1;
  pthread_cond_signal(&bg.wake);
  pthread_mutex_unlock(&bg.lock);
}

void gc_finish_sweep_all(void) {
  pthread_mutex_lock(&bg.lock); /* the background sweeper is between spans */
  gc_finish_sweep();
  bg.due = 0;
  pthread_mutex_unlock(&bg.lock);
}

int gc_sweep_done(void) {
  return atomic_load_explicit(&sw.cursor, memory_order_relaxed) > SPAN_ALL_SPCS;
}

void gc_freed_counts(uint64_t *frees_by_class, uint64_t *large_free_bytes) {
  for (unsigned k = 0; k < SPAN_NUM_CLASSES; k++)
    frees_by_class[k] += atomic_load_explicit(&swept_frees[k], memory_order_relaxed);
  *large_free_bytes += atomic_load_explicit(&swept_large_bytes, memory_order_relaxed);
}
