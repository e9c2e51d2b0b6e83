/* Transfer caches (tcmalloc's transfer cache, beside Go's mcentral): per
 * span class, objects that a thread which only frees the class (a
 * consumer) flushed from its free cache, for the next thread that
 * allocates the class (a producer) to take into its free cache. A
 * cross-thread free then costs the consumer a copy of its pointers and one
 * lock per batch, and the producer allocates those objects from its free
 * cache instead of from span bitmaps that the consumer's frees would
 * otherwise have to mark and its sweep to fold. Objects in a transfer
 * cache stay allocated in their spans, as in a free cache, and count as
 * freed.
 *
 * An array of pointers under a lock, as tcmalloc's, not a list linked
 * through the objects: a taker that follows links waits for each object's
 * cache line to come over from the freeing CPU before it can find the next
 * (one dependent miss per object, ~70 ns a 64-byte object measured with a
 * list here), where an array is copied in a few sequential lines and the
 * objects are touched only when they are handed out. Each critical section
 * is one memcpy of at most SPAN_TRANSFER_CLASS_BYTES / object bytes
 * pointers; nothing else is locked inside, so the locks have no order with
 * the others except at fork (taken after the central locks, before the
 * meta lock, which a first put takes for the array).
 *
 * A class's array holds at most SPAN_TRANSFER_CLASS_BYTES of objects
 * (within any free cache's bound, so an empty free cache takes it whole);
 * the array itself (8 bytes an object) is allocated at the class's first
 * put. */
#include "internal.h"

#include <string.h>

typedef struct transfer {
  pthread_mutex_t lock;
  _Atomic uint32_t count; /* objects in slots[0 .. count); written under lock */
  void **slots;   /* transfer_capacity(spc) slots, or NULL before the first put */
} __attribute__((aligned(64))) transfer_t;

static transfer_t transfers[SPAN_CLASSES] = {
    [0 ... SPAN_CLASSES - 1] = {PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP, 0, NULL}};

static uint32_t transfer_capacity(uint16_t spc) {
  uint32_t n = SPAN_TRANSFER_CLASS_BYTES / span_class_bytes[spc >> 1];
  return n ? n : 1;
}

uint32_t transfer_put(uint16_t spc, void *const *obj, uint32_t n) {
  transfer_t *t = &transfers[spc];
  uint32_t cap = transfer_capacity(spc);
  pthread_mutex_lock(&t->lock);
  if (!t->slots) t->slots = meta_alloc(sizeof(void *) * cap);
  uint32_t have = atomic_load_explicit(&t->count, memory_order_relaxed), k = 0;
  if (t->slots) {
    k = cap - have < n ? cap - have : n;
    memcpy(t->slots + have, obj, sizeof(void *) * k);
    atomic_store_explicit(&t->count, have + k, memory_order_relaxed);
  }
  pthread_mutex_unlock(&t->lock);
  return k;
}

uint32_t transfer_peek(uint16_t spc) {
  return atomic_load_explicit(&transfers[spc].count, memory_order_relaxed);
}

uint32_t transfer_take(uint16_t spc, void **dst, uint32_t room) {
  transfer_t *t = &transfers[spc];
  /* a racy peek: an empty class (the common case) costs no lock */
  if (atomic_load_explicit(&t->count, memory_order_relaxed) == 0) return 0;
  pthread_mutex_lock(&t->lock);
  uint32_t have = atomic_load_explicit(&t->count, memory_order_relaxed);
  uint32_t k = have < room ? have : room;
  atomic_store_explicit(&t->count, have - k, memory_order_relaxed);
  memcpy(dst, t->slots + (have - k), sizeof(void *) * k); /* the newest */
  pthread_mutex_unlock(&t->lock);
  return k;
}

void transfer_drain(void) {
  for (uint16_t spc = 2; spc < SPAN_CLASSES; spc++) {
    void *batch[64];
    uint32_t n;
    while ((n = transfer_take(spc, batch, 64)) != 0)
      for (uint32_t i = 0; i < n; i++)
        span_free_objects(pagemap_get(batch[i]), &batch[i], 1, NULL);
  }
}

void transfer_lock_all(void) {
  for (unsigned i = 0; i < SPAN_CLASSES; i++)
    pthread_mutex_lock(&transfers[i].lock);
}

void transfer_unlock_all(void) {
  for (unsigned i = 0; i < SPAN_CLASSES; i++)
    pthread_mutex_unlock(&transfers[i].lock);
}
