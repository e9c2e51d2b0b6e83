/* Off-heap metadata for the span allocator (Go's fixalloc / persistentalloc).
 *
 * Span structures, allocation bitmaps, arena page maps and thread caches
 * live outside the heap they describe, in memory mapped here in 1 MiB blocks
 * and never returned: like Go's mspan and mcache structures, freed span
 * structures and bitmaps go to free lists and are reused. One lock of its
 * own (taken inside the heap lock where both are held): spans are made
 * outside the heap lock when their pages come from a thread's page cache.
 * Never calls malloc (this is malloc's own metadata). */
#include "internal.h"

#include <string.h>
#include <sys/mman.h>

#define BLOCK_BYTES ((size_t)1 << 20)
#define BIG_BYTES ((size_t)64 << 10) /* larger requests get their own mapping */
#define BITS_LISTS 8 /* 1 .. 128 words per bitmap (the collector's per-object tables: 128) */

static pthread_mutex_t meta_lock = PTHREAD_ADAPTIVE_MUTEX_INITIALIZER_NP;

static struct {
  char *cur, *end;
  uint64_t sys_bytes;
  span_t *free_spans;
  void *free_bits[BITS_LISTS];
} meta;

static void *map_rw(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) return NULL;
  meta.sys_bytes += bytes;
  return p;
}

static void *alloc_locked(size_t bytes) {
  bytes = (bytes + 63) & ~(size_t)63; /* cache-line aligned: no false sharing between threads */
  if (bytes >= BIG_BYTES) return map_rw((bytes + 4095) & ~(size_t)4095);
  if ((size_t)(meta.end - meta.cur) < bytes) {
    char *block = map_rw(BLOCK_BYTES);
    if (!block) return NULL;
    meta.cur = block;
    meta.end = block + BLOCK_BYTES;
  }
  void *p = meta.cur;
  meta.cur += bytes;
  return p; /* fresh anonymous memory is zero */
}

void *meta_alloc(size_t bytes) {
  pthread_mutex_lock(&meta_lock);
  void *p = alloc_locked(bytes);
  pthread_mutex_unlock(&meta_lock);
  return p;
}

span_t *meta_span_new(void) {
  pthread_mutex_lock(&meta_lock);
  span_t *s = meta.free_spans;
  if (s) meta.free_spans = s->next;
  pthread_mutex_unlock(&meta_lock);
  if (s) {
    uint32_t gen = atomic_load_explicit(&s->gen, memory_order_relaxed);
    memset(s, 0, sizeof *s);
    atomic_store_explicit(&s->gen, gen, memory_order_relaxed); /* see span_t.gen */
    return s;
  }
  /* Whole cache lines: two threads' spans never share one. */
  return meta_alloc((sizeof(span_t) + 63) & ~(size_t)63);
}

void meta_span_free(span_t *s) {
  pthread_mutex_lock(&meta_lock);
  s->next = meta.free_spans;
  meta.free_spans = s;
  pthread_mutex_unlock(&meta_lock);
}

static unsigned bits_list(uint32_t nwords) {
  unsigned i = 0;
  while ((1u << i) < nwords)
    i++;
  return i;
}

uint32_t meta_bits_capacity(uint32_t nwords) {
  return 1u << bits_list(nwords);
}

uint64_t *meta_bits_new(uint32_t nwords) {
  unsigned i = bits_list(nwords);
  pthread_mutex_lock(&meta_lock);
  uint64_t *b = meta.free_bits[i];
  if (b) meta.free_bits[i] = *(void **)b;
  pthread_mutex_unlock(&meta_lock);
  if (b) {
    memset(b, 0, sizeof(uint64_t) * 2 * ((size_t)1 << i));
    return b;
  }
  return meta_alloc(sizeof(uint64_t) * 2 * ((size_t)1 << i));
}

void meta_bits_free(uint64_t *bits, uint32_t nwords) {
  unsigned i = bits_list(nwords);
  pthread_mutex_lock(&meta_lock);
  *(void **)bits = meta.free_bits[i];
  meta.free_bits[i] = bits;
  pthread_mutex_unlock(&meta_lock);
}

uint64_t meta_sys_bytes(void) {
  pthread_mutex_lock(&meta_lock);
  uint64_t n = meta.sys_bytes;
  pthread_mutex_unlock(&meta_lock);
  return n;
}

void meta_lock_all(void) {
  pthread_mutex_lock(&meta_lock);
}

void meta_unlock_all(void) {
  pthread_mutex_unlock(&meta_lock);
}
