/* Central span lists, one per span class (Go's mcentral): the spans no
 * thread has cached, split into partial (a free slot somewhere) and full.
 *
 * A thread cache takes a partial span, or a new one from the heap (Go's
 * cacheSpan/grow), and gives back the span it has used up (uncacheSpan).
 * Taking or giving back sweeps the span: the remote frees recorded in its
 * remote_free bits are folded into its allocation bits, which is what Go's
 * sweeper does with the mark bits after a collection. A span whose objects
 * are all free goes back to the page heap (Go's freeSpan).
 *
 * Go keeps partial and full lists twice, swept and unswept, because its
 * sweeper works lazily between collections (mcentral's partial[2] and
 * full[2]), and so does the collected heap here: which pair holds the swept
 * spans is the low bit of `sweepgen`, and a span's list tag says which pair
 * it is on. Mark termination makes every swept span unswept by adding one
 * to sweepgen (Go adds 2 to mheap.sweepgen), whatever the heap's size; the
 * previous unswept pair is empty then, the sweep having finished before the
 * mark began. Without a collector sweepgen never moves: every span on a
 * list has been swept when it was put there, frees after that are found
 * through remote_count, and the other pair stays empty. */
#include "internal.h"

#include <string.h>

typedef struct central {
  pthread_mutex_t lock;
  /* [sweepgen & 1]: swept; the other: unswept since the last mark (collector) */
  span_t *partial[2], *full[2];
  span_t *empty;        /* spans with no live object, kept back from the heap */
  uint32_t empty_pages; /* pages of those */
} central_t;

/* The sweep generation (Go's mheap.sweepgen / 2); moves only at mark
 * termination, with the world stopped. */
static _Atomic uint32_t sweepgen;
/* A span's list tag (span_t.list): LIST_PARTIAL or LIST_FULL, with this
 * bit set when it is on the pair of index 1. */
#define LIST_PAIR1 8u

static unsigned swept_pair(void) {
  return atomic_load_explicit(&sweepgen, memory_order_relaxed) & 1u;
}

/* Empty spans kept per class: up to this many pages (one span at least). */
#define EMPTY_PAGES_PER_CLASS 1u

/* Statically initialised (the first malloc may come before any
 * constructor runs). */
static central_t centrals[SPAN_ALL_SPCS] = {
    [0 ... SPAN_ALL_SPCS - 1] = {PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, {NULL, NULL}, {NULL, NULL},
                                 NULL, 0}};

static void list_push(span_t **head, span_t *s, uint8_t list) {
  s->prev = NULL;
  s->next = *head;
  if (*head) (*head)->prev = s;
  *head = s;
  s->list = list;
}

/* Files s on pair `pair`'s partial or full list. */
static void push_pair(central_t *c, span_t *s, unsigned pair, int full) {
  list_push(full ? &c->full[pair] : &c->partial[pair], s,
            (uint8_t)((full ? LIST_FULL : LIST_PARTIAL) | (pair ? LIST_PAIR1 : 0)));
}

static void list_remove(central_t *c, span_t *s) {
  unsigned pair = s->list & LIST_PAIR1 ? 1 : 0, kind = s->list & ~LIST_PAIR1;
  span_t **head = kind == LIST_PARTIAL ? &c->partial[pair]
                  : kind == LIST_FULL  ? &c->full[pair]
                                       : &c->empty;
  if (kind == LIST_EMPTY) c->empty_pages -= s->npages;
  if (s->prev)
    s->prev->next = s->next;
  else
    *head = s->next;
  if (s->next) s->next->prev = s->prev;
  s->next = s->prev = NULL;
  s->list = LIST_NONE;
}

int span_have_popcnt;

/* The sweep's loop, compiled twice: for the baseline x86-64 target (no
 * popcnt instruction: __builtin_popcountll is a libgcc call) and with
 * popcnt; span_sweep picks by what the CPU has. */
static inline __attribute__((always_inline)) uint32_t fold_remote_bits(span_t *s) {
  uint32_t merged = 0;
  for (uint32_t w = 0; w < s->nwords; w++) {
    uint64_t bits = atomic_exchange(&s->remote_free[w], 0); /* seq_cst */
    if (!bits) continue;
    if ((s->alloc_bits[w] & bits) != bits)
      span_fatal("free(): double free or pointer not allocated", (void *)s->base);
    s->alloc_bits[w] &= ~bits;
    merged += (uint32_t)__builtin_popcountll(bits);
  }
  return merged;
}

#if defined(__x86_64__) && !defined(__POPCNT__)
__attribute__((target("popcnt"))) static uint32_t fold_remote_popcnt(span_t *s) {
  return fold_remote_bits(s);
}
static uint32_t fold_remote_generic(span_t *s) {
  return fold_remote_bits(s);
}
#define FOLD_REMOTE(s) (span_have_popcnt ? fold_remote_popcnt(s) : fold_remote_generic(s))
#else
#define FOLD_REMOTE(s) fold_remote_bits(s)
#endif

uint32_t span_sweep(span_t *s) {
  if (span_gc_mode) /* no explicit frees; remote_free holds mark bits */
    return atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
  uint32_t merged = FOLD_REMOTE(s);
  if (merged) atomic_fetch_sub_explicit(&s->remote_count, (int32_t)merged, memory_order_relaxed);
  uint32_t live = atomic_load_explicit(&s->alloc_count, memory_order_relaxed) - merged;
  atomic_store_explicit(&s->alloc_count, live, memory_order_relaxed);
  return live;
}

/* Starts the allocation cursor over at slot 0 (after a sweep). */
static void reset_cursor(span_t *s) {
  s->freeindex = 0;
  s->alloc_cache = ~s->alloc_bits[0];
}

/* Under the central lock: a partial (or kept empty) span with a free slot,
 * swept, owned by c; NULL when the lists have none. A partial span may have
 * no free slot once swept: the late move of central_remote_freed (below)
 * can file a span whose remote frees are counted but not yet published.
 * Such a span goes to the full list, for those frees to bring back, and
 * the next one is tried (Go's cacheSpan checks its spans the same way). */
static span_t *take_locked(central_t *ce, mcache_t *c) {
  unsigned pair = swept_pair();
  for (;;) {
    span_t *s = ce->partial[pair] ? ce->partial[pair] : ce->empty;
    if (!s) return NULL;
    list_remove(ce, s);
    if (span_sweep(s) == s->nelems) {
      push_pair(ce, s, pair, 1);
      continue;
    }
    reset_cursor(s);
    atomic_store_explicit(&s->owner, c, memory_order_relaxed);
    return s;
  }
}

static span_t *grow(uint16_t spc, mcache_t *c) {
  unsigned cls = spc == SPAN_TINY_SPC ? SPAN_TINY_CLASS : spc >> 1u;
  span_t *s = heap_alloc_span(span_class_pages[cls], spc, 1);
  if (s) atomic_store_explicit(&s->owner, c, memory_order_relaxed);
  return s;
}

/* Collector: unswept spans a cache may sweep looking for a free slot
 * before it grows the heap (Go's spanBudget). */
#define SWEEP_BUDGET_SPANS 100

static int file_span(central_t *ce, span_t *s, uint32_t live);

/* Collector, central lock held: sweeps unswept spans of the class until
 * one has a free slot (returned, owned by c) or the budget is spent. */
/* Collector, central lock held: an unswept span of the class, partial
 * ones first (Go's partialUnswept, then fullUnswept); NULL when none. */
static span_t *unswept_locked(central_t *ce) {
  unsigned pair = swept_pair() ^ 1u;
  return ce->partial[pair] ? ce->partial[pair] : ce->full[pair];
}

static span_t *take_unswept_locked(central_t *ce, mcache_t *c) {
  span_t *s;
  for (int i = 0; i < SWEEP_BUDGET_SPANS && (s = unswept_locked(ce)); i++) {
    list_remove(ce, s);
    uint32_t live = gc_sweep_small(s);
    if (live < s->nelems) {
      atomic_store_explicit(&s->owner, c, memory_order_relaxed);
      return s;
    }
    file_span(ce, s, live); /* full: cannot be released */
  }
  return NULL;
}

span_t *central_cache_span(uint16_t spc, mcache_t *c) {
  central_t *ce = &centrals[spc];
  pthread_mutex_lock(&ce->lock);
  span_t *s = take_locked(ce, c);
  if (!s && span_gc_mode) s = take_unswept_locked(ce, c);
  pthread_mutex_unlock(&ce->lock);
  return s ? s : grow(spc, c);
}

/* With the central lock held and the span on no list and unowned: put it
 * where it belongs. Returns 1 when it must go back to the heap (the caller
 * does that after unlocking).
 *
 * Empty spans are kept back, up to EMPTY_PAGES_PER_CLASS pages a class.
 * With explicit free a span empties far more often than under Go's
 * collector (a class with one object per span empties at every free), and
 * sending each one through the page heap and back costs more than the
 * objects in it. span_scavenge_all gives them back. */
static int file_span(central_t *ce, span_t *s, uint32_t live) {
  if (live == 0 && (!ce->empty || ce->empty_pages + s->npages <= EMPTY_PAGES_PER_CLASS)) {
    list_push(&ce->empty, s, LIST_EMPTY);
    ce->empty_pages += s->npages;
    return 0;
  }
  if (live == 0) {
    atomic_fetch_add_explicit(&s->gen, 1, memory_order_relaxed);
    return 1;
  }
  push_pair(ce, s, swept_pair(), live == s->nelems);
  return 0;
}

void central_uncache_span(span_t *s) {
  if (span_gc_mode) gc_note_uncache(s);
  central_t *ce = &centrals[s->spc];
  pthread_mutex_lock(&ce->lock);
  atomic_store(&s->owner, NULL); /* seq_cst: see span_free_objects */
  int release = file_span(ce, s, span_sweep(s));
  pthread_mutex_unlock(&ce->lock);
  if (release) heap_free_span(s);
}

span_t *central_swap_span(span_t *old, mcache_t *c) {
  central_t *ce = &centrals[old->spc];
  pthread_mutex_lock(&ce->lock);
  atomic_store(&old->owner, NULL); /* seq_cst: see span_free_objects */
  int release = file_span(ce, old, span_sweep(old));
  span_t *s = take_locked(ce, c);
  if (!s && span_gc_mode) s = take_unswept_locked(ce, c);
  pthread_mutex_unlock(&ce->lock);
  uint16_t spc = old->spc;
  if (release) heap_free_span(old);
  return s ? s : grow(spc, c);
}

/* A full span's first remote free moves it to the partial list without a
 * sweep: its remote count stays above zero, so the frees after it take no
 * lock until the span may be empty (or a cache takes it and sweeps).
 *
 * The call comes after the free published its bit, and by then another
 * thread may have taken the span, swept the bit in, filled the span and
 * given it back full: the span is on the full list again with nothing to
 * sweep (remote count zero), and moving it would put a span without a free
 * slot where refills look. So only a span with remote frees pending moves. */
void central_remote_freed(span_t *s, uint16_t spc, uint32_t gen) {
  central_t *ce = &centrals[spc];
  pthread_mutex_lock(&ce->lock);
  int release = 0;
  unsigned kind = s->list & ~LIST_PAIR1;
  if (atomic_load_explicit(&s->gen, memory_order_relaxed) == gen && kind != LIST_NONE &&
      kind != LIST_EMPTY) {
    int32_t pending = atomic_load_explicit(&s->remote_count, memory_order_relaxed);
    uint32_t count = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
    if (pending > 0 && (uint32_t)pending >= count) {
      list_remove(ce, s);
      release = file_span(ce, s, span_sweep(s));
    } else if (kind == LIST_FULL && pending > 0) {
      unsigned pair = s->list & LIST_PAIR1 ? 1 : 0;
      list_remove(ce, s);
      push_pair(ce, s, pair, 0);
    }
  }
  pthread_mutex_unlock(&ce->lock);
  if (release) heap_free_span(s);
}

void central_release_empty(void) {
  for (unsigned i = 0; i < SPAN_ALL_SPCS; i++) {
    central_t *ce = &centrals[i];
    for (;;) {
      pthread_mutex_lock(&ce->lock);
      span_t *s = ce->empty;
      if (s) {
        list_remove(ce, s);
        atomic_fetch_add_explicit(&s->gen, 1, memory_order_relaxed);
      }
      pthread_mutex_unlock(&ce->lock);
      if (!s) break;
      heap_free_span(s);
    }
  }
}

void central_lock_all(void) {
  for (unsigned i = 0; i < SPAN_ALL_SPCS; i++)
    pthread_mutex_lock(&centrals[i].lock);
}

void central_unlock_all(void) {
  for (unsigned i = SPAN_ALL_SPCS; i-- > 0;)
    pthread_mutex_unlock(&centrals[i].lock);
}

/* ---- the collector's sweep (gcsweep.c) --------------------------------------- */

uint32_t central_gc_sweep_one(uint16_t spc) {
  central_t *ce = &centrals[spc];
  pthread_mutex_lock(&ce->lock);
  span_t *s = unswept_locked(ce);
  if (!s) {
    pthread_mutex_unlock(&ce->lock);
    return 0;
  }
  list_remove(ce, s);
  uint32_t pages = s->npages;
  int release = file_span(ce, s, gc_sweep_small(s));
  pthread_mutex_unlock(&ce->lock);
  if (release) heap_free_span(s);
  return pages;
}

/* The world is stopped and the last sweep finished (the unswept pair is
 * empty): the swept pair becomes the unswept one, in one step. */
void central_gc_unsweep_all(void) {
  atomic_fetch_add_explicit(&sweepgen, 1, memory_order_relaxed);
}
