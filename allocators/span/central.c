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
 * sweeper works lazily between collections; here every span on a list has
 * been swept when it was put there, and frees after that are found through
 * remote_count, so one pair of lists is enough. */
#include "internal.h"

#include <string.h>

typedef struct central {
  pthread_mutex_t lock;
  span_t *partial, *full;
  span_t *unswept; /* collector: spans not swept since the last mark (gcsweep.c) */
  span_t *empty;        /* spans with no live object, kept back from the heap */
  uint32_t empty_pages; /* pages of those */
} central_t;

/* Empty spans kept per class: up to this many pages (one span at least). */
#define EMPTY_PAGES_PER_CLASS 1u

/* Statically initialised (the first malloc may come before any
 * constructor runs). */
static central_t centrals[SPAN_ALL_SPCS] = {
    [0 ... SPAN_ALL_SPCS - 1] = {PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, NULL, NULL, NULL, NULL,
                                 0}};

static void list_push(span_t **head, span_t *s, uint8_t list) {
  s->prev = NULL;
  s->next = *head;
  if (*head) (*head)->prev = s;
  *head = s;
  s->list = list;
}

static void list_remove(central_t *c, span_t *s) {
  span_t **head = s->list == LIST_PARTIAL   ? &c->partial
                  : s->list == LIST_FULL    ? &c->full
                  : s->list == LIST_UNSWEPT ? &c->unswept
                                            : &c->empty;
  if (s->list == LIST_EMPTY) c->empty_pages -= s->npages;
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

/* Under the central lock: a partial (or kept empty) span, swept, owned by
 * c; NULL when the list has none. */
static span_t *take_locked(central_t *ce, mcache_t *c) {
  span_t *s = ce->partial ? ce->partial : ce->empty;
  if (!s) return NULL;
  list_remove(ce, s);
  span_sweep(s);
  reset_cursor(s);
  atomic_store_explicit(&s->owner, c, memory_order_relaxed);
  return s;
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
static span_t *take_unswept_locked(central_t *ce, mcache_t *c) {
  for (int i = 0; i < SWEEP_BUDGET_SPANS && ce->unswept; i++) {
    span_t *s = ce->unswept;
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
  list_push(live < s->nelems ? &ce->partial : &ce->full, s,
            live < s->nelems ? LIST_PARTIAL : LIST_FULL);
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
 * lock until the span may be empty (or a cache takes it and sweeps). */
void central_remote_freed(span_t *s, uint16_t spc, uint32_t gen) {
  central_t *ce = &centrals[spc];
  pthread_mutex_lock(&ce->lock);
  int release = 0;
  if (atomic_load_explicit(&s->gen, memory_order_relaxed) == gen && s->list != LIST_NONE &&
      s->list != LIST_EMPTY) {
    int32_t pending = atomic_load_explicit(&s->remote_count, memory_order_relaxed);
    uint32_t count = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
    if (pending > 0 && (uint32_t)pending >= count) {
      list_remove(ce, s);
      release = file_span(ce, s, span_sweep(s));
    } else if (s->list == LIST_FULL) {
      list_remove(ce, s);
      list_push(&ce->partial, s, LIST_PARTIAL);
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
  span_t *s = ce->unswept;
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

static void move_unswept(central_t *ce, span_t **from) {
  while (*from) {
    span_t *s = *from;
    list_remove(ce, s);
    list_push(&ce->unswept, s, LIST_UNSWEPT);
  }
}

void central_gc_unsweep_all(void) {
  for (unsigned i = 0; i < SPAN_ALL_SPCS; i++) {
    central_t *ce = &centrals[i];
    pthread_mutex_lock(&ce->lock);
    move_unswept(ce, &ce->partial);
    move_unswept(ce, &ce->full);
    pthread_mutex_unlock(&ce->lock);
  }
}
