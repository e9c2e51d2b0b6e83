/* The span allocator's free cache: how its capacity grows, where its slots
 * live, and how both go back (mcache.c), in one thread so that every step
 * is exact.
 *
 * 1. A batch of frees larger than a class's first capacity grows it
 *    (64, 128, 256, ...) instead of flushing, and the class moves from its
 *    packed slots to its grown ones; the next allocations hand the batch
 *    back newest first.
 * 2. The idle collector sets an unused class back to its packed slots and
 *    first capacity, returns the budget, and gives the grown slots' pages
 *    back to the system (mincore: not resident).
 * 3. The growth of all classes together stays within the cache's budget
 *    (SPAN_FC_GROWN_BYTES): a class that reaches it grows only by what is
 *    left, then flushes instead. Classes of objects of 1 KiB and up hold
 *    at most SPAN_FC_BIG_CLASS_BYTES and never grow past their first
 *    capacity.
 * 4. A consumer's batch in the transfer cache goes whole into an empty free
 *    cache, through the grown slots.
 * 5. A thread without a cache points at span_no_cache, whose free caches
 *    have capacity 0: its first free misses there, makes its cache and
 *    goes in; span_no_cache stays untouched. */
#include "internal.h"
#include "span.h"
#include "th.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

enum { SMALL = 32, MID = 256, BIG = 512, LARGE = 1024, BATCH = 1024 };

static freecache_t *fc_of(mcache_t *c, size_t bytes, uint16_t *spc) {
  *spc = (uint16_t)span_malloc_spc(bytes);
  return &c->fc[*spc];
}

/* Allocates n objects of `bytes` into obj and frees them in order. */
static int alloc_free(void **objs, unsigned n, size_t bytes) {
  for (unsigned i = 0; i < n; i++)
    if (!(objs[i] = span_malloc(bytes))) return 0;
  for (unsigned i = 0; i < n; i++)
    span_free(objs[i]);
  return 1;
}

/* Pages of [p, p + bytes) resident now (whole pages inside only). */
static unsigned resident_pages(void *p, size_t bytes) {
  long page = sysconf(_SC_PAGESIZE);
  uintptr_t lo = ((uintptr_t)p + (uintptr_t)page - 1) & ~(uintptr_t)(page - 1);
  uintptr_t hi = ((uintptr_t)p + bytes) & ~(uintptr_t)(page - 1);
  if (hi <= lo) return 0;
  unsigned char vec[64];
  size_t n = (hi - lo) / (size_t)page, count = 0;
  if (n > sizeof vec) n = sizeof vec;
  CHECK_INT(mincore((void *)lo, n * (size_t)page, vec), 0);
  for (size_t i = 0; i < n; i++)
    count += vec[i] & 1;
  return (unsigned)count;
}

/* Idle visits until class spc is back to its first capacity (two visits to
 * each class without activity; a bound, not a wait). */
static void idle_until_shrunk(mcache_t *c, uint16_t spc) {
  for (unsigned i = 0; i < 4 * SPAN_CLASSES / SPAN_GC_VISITS + 4; i++)
    mcache_gc_tick(c);
  CHECK_INT(c->fc[spc].cap, SPAN_FC_OBJECTS);
  CHECK(c->fc[spc].obj == c->fc_packed[spc]);
}

static void *obj[BATCH];

/* A thread that frees before it ever allocates (a consumer). */
static void *free_first(void *p) {
  CHECK(span_tls_cache == &span_no_cache);
  CHECK(mcache_peek() == NULL);
  span_free(p); /* misses on span_no_cache: the slow path makes the cache */
  mcache_t *c = mcache_peek();
  CHECK(c != NULL && c != &span_no_cache);
  uint16_t spc;
  if (c) CHECK_U64(fc_count(fc_of(c, SMALL, &spc)), 1);
  return NULL;
}

/* span_no_cache as it was built: nothing cached, nothing counted. */
static void check_no_cache_untouched(void) {
  for (unsigned spc = 0; spc < SPAN_ALL_SPCS; spc++) {
    const freecache_t *f = &span_no_cache.fc[spc];
    CHECK(f->cap == 0 && fc_load(&f->pushed) == 0 && fc_load(&f->out) == 0);
    CHECK(fc_load(&f->nmalloc) == 0 && fc_load(&f->nfree) == 0);
    CHECK(span_no_cache.alloc[spc] == &span_empty);
  }
}

int main(void) {
  void *first = span_malloc(SMALL);
  CHECK(first != NULL);
  span_free(first);
  mcache_t *c = mcache_peek();
  CHECK(c != NULL);
  if (!c) return th_done("test_span_fcache");
  uint16_t small, mid, big;
  freecache_t *fs = fc_of(c, SMALL, &small), *fm = fc_of(c, MID, &mid), *fb = fc_of(c, BIG, &big);
  CHECK_INT(fs->cap, SPAN_FC_OBJECTS);
  CHECK(fs->obj == c->fc_packed[small] && c->fc_grown[small] != NULL);
  CHECK_U64(c->grown_bytes, 0);

  /* 1. a batch grows the class: 64 -> 128 -> 256 -> 512 -> 1024, no flush */
  CHECK(alloc_free(obj, 1000, SMALL));
  CHECK_INT(fs->cap, 1024);
  CHECK(fs->obj == c->fc_grown[small]);
  CHECK_U64(fc_count(fs), 1000); /* every object of the batch is cached */
  CHECK_U64(fc_load(&fs->flushed), 0);
  CHECK_U64(c->grown_bytes, (uint64_t)(1024 - SPAN_FC_OBJECTS) * SMALL);
  for (unsigned i = 1000; i-- > 0;) /* newest first */
    CHECK(span_malloc(SMALL) == obj[i]);
  for (unsigned i = 0; i < 1000; i++)
    span_free(obj[i]);

  /* 2. idle: back to the packed slots, the budget and the pages returned */
  void **grown = c->fc_grown[small];
  CHECK(resident_pages(grown, sizeof(void *) * fs->max) > 0);
  idle_until_shrunk(c, small);
  CHECK_U64(c->grown_bytes, 0);
  CHECK_U64(fc_count(fs), 0);
  CHECK_INT(resident_pages(grown, sizeof(void *) * fs->max), 0);

  /* 3. the budget: MID takes (1024 - 64) x 256 bytes, BIG what is left of
   * it. Both are allocated before either is freed: the refills of one
   * visit the other, and a class idle for two visits would give its growth
   * back. */
  CHECK_INT(fm->max, 1024);
  CHECK_INT(fb->max, 512);
  static void *objb[128];
  for (unsigned i = 0; i < 1024; i++)
    CHECK((obj[i] = span_malloc(MID)) != NULL);
  for (unsigned i = 0; i < 128; i++)
    CHECK((objb[i] = span_malloc(BIG)) != NULL);
  for (unsigned i = 0; i < 1024; i++)
    span_free(obj[i]);
  CHECK_INT(fm->cap, 1024);
  CHECK_U64(c->grown_bytes, (1024 - SPAN_FC_OBJECTS) * MID);
  const uint64_t left = SPAN_FC_GROWN_BYTES - c->grown_bytes;
  CHECK(left >= BIG);
  for (unsigned i = 0; i < 128; i++)
    span_free(objb[i]);
  CHECK_INT(fb->cap, SPAN_FC_OBJECTS + left / BIG);
  CHECK(fb->cap < fb->max); /* held back by the budget, not its bound */
  CHECK(c->grown_bytes <= SPAN_FC_GROWN_BYTES);
  CHECK(SPAN_FC_GROWN_BYTES - c->grown_bytes < BIG);
  CHECK(fc_load(&fb->flushed) > 0); /* at the budget it flushed instead */
  idle_until_shrunk(c, mid);
  CHECK_INT(fb->cap, SPAN_FC_OBJECTS);
  CHECK_U64(c->grown_bytes, 0);

  /* objects of 1 KiB and up: at most 64 KiB a class, no growth */
  uint16_t large;
  freecache_t *fl = fc_of(c, LARGE, &large);
  CHECK_INT(fl->max, SPAN_FC_BIG_CLASS_BYTES / LARGE);
  CHECK_INT(fc_of(c, 4096, &large)->max, SPAN_FC_BIG_CLASS_BYTES / 4096);
  CHECK_INT(fc_of(c, 32768, &large)->max, 4);
  CHECK_INT(fc_of(c, 896, &large)->max, SPAN_FC_CLASS_BYTES / 896); /* below 1 KiB */
  for (unsigned i = 0; i < 200; i++)
    CHECK((obj[i] = span_malloc(LARGE)) != NULL);
  for (unsigned i = 0; i < 200; i++)
    span_free(obj[i]);
  CHECK_INT(fl->cap, fl->max);
  CHECK(fc_count(fl) <= fl->max);
  CHECK(fc_load(&fl->flushed) > 0);
  CHECK_U64(c->grown_bytes, 0);

  /* 4. a transfer cache's batch, bigger than the packed slots, taken whole */
  for (unsigned i = 0; i < 500; i++)
    CHECK((obj[i] = span_malloc(SMALL)) != NULL);
  idle_until_shrunk(c, small);
  CHECK_INT(transfer_put(small, obj, 500), 500);
  CHECK(mcache_alloc_transfer(c, small) == obj[499]);
  CHECK(fs->obj == c->fc_grown[small]);
  CHECK_U64(fc_count(fs), 499);
  CHECK(fs->cap >= 499);
  for (unsigned i = 499; i-- > 0;)
    CHECK(span_malloc(SMALL) == obj[i]);
  for (unsigned i = 0; i < 500; i++)
    span_free(obj[i]);

  /* 5. a thread's first free, before any allocation */
  void *p = span_malloc(SMALL);
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, free_first, p), 0);
  CHECK_INT(pthread_join(t, NULL), 0);
  check_no_cache_untouched();
  return th_done("test_span_fcache");
}
