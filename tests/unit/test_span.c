/* The span allocator's own behaviour, through its in-process interface
 * (allocators/span/span.h): statistics that add up, objects of every class
 * and size, the tiny allocator's sharing of 16-byte blocks, large objects,
 * cross-thread frees and thread exit, and the scavenger giving memory back
 * (checked in the heap's counters and in the process's RSS). Contents and
 * exact counts are asserted, never timings. */
#include "span.h"
#include "th.h"

#include <pthread.h>
#include <stdint.h>
#include <unistd.h>

static uint64_t rss_bytes(void) {
  FILE *f = fopen("/proc/self/statm", "r");
  unsigned long size = 0, res = 0;
  if (!f || fscanf(f, "%lu %lu", &size, &res) != 2) res = 0;
  if (f) fclose(f);
  return (uint64_t)res * (uint64_t)sysconf(_SC_PAGESIZE);
}

static void test_every_size(void) {
  span_stats_t a, b;
  span_read_stats(&a);
  enum { N = 33000 };
  static void *p[N];
  for (size_t i = 1; i < N; i++) {
    p[i] = span_malloc(i);
    CHECK(p[i] != NULL);
    if (!p[i]) return;
    CHECK(span_usable_size(p[i]) >= i);
    if (i > 8) CHECK(((uintptr_t)p[i] & 15) == 0); /* malloc face: 16-aligned above 8 bytes */
    memset(p[i], (int)(i & 0xff), i);
  }
  for (size_t i = 1; i < N; i++) {
    const unsigned char *c = p[i];
    if (c[0] != (unsigned char)(i & 0xff) || c[i - 1] != (unsigned char)(i & 0xff)) {
      TH_FAIL("size %zu: contents changed", i);
      break;
    }
  }
  span_read_stats(&b);
  CHECK_U64(b.mallocs - a.mallocs, N - 1);
  CHECK(b.heap_alloc >= a.heap_alloc + (uint64_t)(N - 1) * (N - 2) / 2);
  CHECK(b.heap_inuse >= b.heap_alloc);
  CHECK(b.heap_sys >= b.heap_inuse);
  for (size_t i = 1; i < N; i++)
    span_free(p[i]);
  span_read_stats(&b);
  CHECK_U64(b.frees - a.frees, N - 1);
  CHECK_U64(b.heap_alloc, a.heap_alloc);
}

static void test_tiny(void) {
  span_stats_t a, b;
  span_read_stats(&a);
  void *p[8];
  for (int i = 0; i < 8; i++)
    p[i] = span_alloc_typed(2, 0); /* eight 2-byte objects */
  span_read_stats(&b);
  /* Go's counting: the first opens a block (a 16-byte allocation), the
   * other seven are tiny allocations; eight objects in all */
  CHECK_U64(b.tiny_allocs - a.tiny_allocs, 7);
  CHECK_U64(b.mallocs - a.mallocs, 8);
  CHECK_U64(b.by_class[2].mallocs - a.by_class[2].mallocs, 1);
  CHECK_U64(b.frees - a.frees, 7); /* the packed ones, at once (Go's rule) */
  /* packed into one 16-byte block, 2-byte aligned */
  for (int i = 1; i < 8; i++)
    CHECK((char *)p[i] == (char *)p[0] + 2 * i);
  CHECK(((uintptr_t)p[0] & 15) == 0);
  void *q = span_alloc_typed(8, 0); /* no room left: a new block */
  CHECK(((uintptr_t)q & 7) == 0 &&
        ((uintptr_t)q & ~(uintptr_t)15) != ((uintptr_t)p[0] & ~(uintptr_t)15));
  for (int i = 0; i < 8; i++)
    span_free(p[i]);
  span_free(q);
  void *big = span_alloc_typed(24, 1); /* has a pointer: never tiny */
  CHECK(big != NULL && span_usable_size(big) == 24);
  span_free(big);
}

static void test_large(void) {
  uint64_t sizes[] = {32769, 100000, 1 << 20, (4 << 20) + 3, 70u << 20};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++) {
    unsigned char *p = span_malloc(sizes[i]);
    CHECK(p != NULL && ((uintptr_t)p & 8191) == 0);
    if (!p) continue;
    p[0] = 1;
    p[sizes[i] - 1] = 2;
    CHECK(span_usable_size(p) >= sizes[i] && span_usable_size(p) < sizes[i] + 8192);
    unsigned char *q = span_realloc(p, sizes[i] * 2);
    CHECK(q && q[0] == 1 && q[sizes[i] - 1] == 2);
    span_free(q);
  }
  void *a = span_memalign(1 << 20, 5000); /* alignment above a page */
  CHECK(a && ((uintptr_t)a & ((1 << 20) - 1)) == 0);
  span_free(a);
  unsigned char *z = span_calloc(1 << 20, 3);
  int zero = 1;
  for (size_t i = 0; z && i < (size_t)3 << 20; i += 4096)
    zero &= z[i] == 0;
  CHECK(z && zero);
  span_free(z);
}

/* Objects made by one thread, freed by another; the maker exits first. */
enum { XN = 20000 };
static void *handoff[XN];

static void *maker(void *arg) {
  (void)arg;
  for (int i = 0; i < XN; i++) {
    handoff[i] = span_malloc((size_t)(16 + i % 500));
    memset(handoff[i], 0x5a, 16);
  }
  return NULL;
}

static void test_cross_thread(void) {
  span_stats_t a, b;
  span_read_stats(&a);
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, maker, NULL), 0);
  pthread_join(t, NULL); /* its cache is released at exit */
  int ok = 1;
  for (int i = 0; i < XN; i++) {
    ok &= ((unsigned char *)handoff[i])[15] == 0x5a;
    span_free(handoff[i]);
  }
  CHECK(ok);
  span_read_stats(&b);
  CHECK_U64(b.mallocs - a.mallocs, XN);
  CHECK_U64(b.frees - a.frees, XN);
  CHECK_U64(b.heap_alloc, a.heap_alloc);
}

/* A thread walks through every size with 64 objects alive, as
 * sizeclass-sweep does. Spans of the classes it has left must not pile up
 * in its caches (the idle collector), its page cache and spare spans go
 * back when it exits, and pages that come back dirty through page caches
 * are zeroed by calloc. */
static uint64_t sweep_inuse_bytes;

static void *sweeper(void *arg) {
  (void)arg;
  enum { W = 64 };
  void *win[W] = {0};
  unsigned k = 0;
  for (int pass = 0; pass < 2; pass++)
    for (size_t sz = 1; sz <= 32768; sz += 3, k++) {
      span_free(win[k % W]);
      win[k % W] = span_malloc(sz);
      if (win[k % W]) memset(win[k % W], 0xff, sz);
    }
  span_stats_t s;
  span_read_stats(&s);
  sweep_inuse_bytes = s.heap_inuse;
  for (int i = 0; i < W; i++)
    span_free(win[i]);
  return NULL;
}

static void test_page_cache(void) {
  span_scavenge_all();
  span_stats_t a, b;
  span_read_stats(&a);
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, sweeper, NULL), 0);
  pthread_join(t, NULL);
  /* 64 objects of at most 32 KiB alive: 2 MiB, plus a span per class */
  if (sweep_inuse_bytes > a.heap_inuse + ((uint64_t)8 << 20))
    TH_FAIL("%llu bytes in use while sweeping: caches keep the classes left behind",
            (unsigned long long)(sweep_inuse_bytes - a.heap_inuse));
  span_scavenge_all(); /* the empty spans the central lists keep */
  span_read_stats(&b);
  CHECK_U64(b.heap_inuse, a.heap_inuse);
  CHECK_U64(b.heap_idle + b.heap_inuse, b.heap_sys);
  CHECK(b.heap_released <= b.heap_idle);
  /* the same pages again, dirty and released alike, through calloc */
  enum { N = 3000 };
  static unsigned char *p[N];
  int zero = 1;
  for (int i = 0; i < N; i++) {
    size_t sz = 1 + (size_t)i * 11 % 32768;
    p[i] = span_calloc(1, sz);
    for (size_t j = 0; p[i] && j < sz; j += 61)
      zero &= p[i][j] == 0;
    zero &= p[i] && p[i][sz - 1] == 0;
  }
  CHECK(zero);
  for (int i = 0; i < N; i++)
    span_free(p[i]);
}

static void test_scavenger(void) {
  CHECK_INT(span_set_scavenger("nonsense"), -1);
  CHECK_INT(span_set_scavenger("off"), 0);
  enum { K = 64 };
  static void *p[K];
  for (int i = 0; i < K; i++) {
    p[i] = span_malloc(1 << 20);
    memset(p[i], 1, 1 << 20); /* resident */
  }
  uint64_t rss_full = rss_bytes();
  for (int i = 0; i < K; i++)
    span_free(p[i]);
  span_stats_t s;
  span_read_stats(&s);
  CHECK(s.heap_idle >= (uint64_t)K << 20); /* free, still resident: scavenger off */
  uint64_t released = span_scavenge_all();
  CHECK(released >= (uint64_t)(K - 16) << 20);
  span_read_stats(&s);
  CHECK(s.heap_released >= released);
  CHECK(s.scavenged >= released);
  uint64_t rss_after = rss_bytes();
  if (!(rss_after + ((uint64_t)(K - 16) << 20) <= rss_full))
    TH_FAIL("RSS %llu -> %llu: the release did not show", (unsigned long long)rss_full,
            (unsigned long long)rss_after);
  /* Released pages are reused and read as zero. */
  unsigned char *q = span_calloc(1, 8 << 20);
  CHECK(q && q[12345] == 0 && q[(8 << 20) - 1] == 0);
  span_free(q);
  /* Inline mode: a free over the goal releases before it returns. */
  CHECK_INT(span_set_scavenger("inline"), 0);
  for (int i = 0; i < K; i++) {
    p[i] = span_malloc(1 << 20);
    memset(p[i], 1, 1 << 20);
  }
  span_read_stats(&s);
  uint64_t before = s.scavenged;
  for (int i = 0; i < K; i++)
    span_free(p[i]);
  span_read_stats(&s);
  CHECK(s.scavenged - before >= (uint64_t)(K - 24) << 20);
  CHECK(s.heap_idle - s.heap_released <= (uint64_t)17 << 20); /* the 16 MiB floor kept */
}

int main(void) {
  CHECK(strncmp(span_version(), "heaplab-span ", 13) == 0);
  test_every_size();
  test_tiny();
  test_large();
  test_cross_thread();
  test_page_cache();
  test_scavenger();
  CHECK(span_malloc((size_t)1 << 62) == NULL);
  CHECK(span_calloc((size_t)1 << 40, (size_t)1 << 40) == NULL);
  return th_done("test_span");
}
