/* No other mapping ends where a span arena begins (pagealloc.c's reserve):
 * the page below every arena is the heap's own, reserved and never
 * committed, and belongs to no arena. Otherwise a word holding the end of
 * a neighbouring mapping (a thread's stack top, as pthread_getattr_np
 * gives it) would point at the arena's first object, and the collector's
 * conservative stack scan would keep that object alive.
 *
 * And free()'s class lookup (page_spc, internal.h) reads for every page
 * what the block maps say, inside the class window and outside it: once
 * the window exists the test fills its free address space with
 * reservations of its own, so that the next arenas land outside it.
 *
 * Arenas are made as the heap grows: small objects, then large ones past
 * one arena's 64 MiB, so that a second arena is reserved too. */
#include "internal.h"
#include "span.h"
#include "th.h"

#include <errno.h>
#include <sys/mman.h>

/* The page below p's arena is mapped (mincore fails with ENOMEM on an
 * unmapped range) and in no arena; each arena once. */
static const arena_hdr_t *checked[8];
static int nchecked;

static void check_guard(const void *p) {
  const arena_hdr_t *a = arena_lookup((uintptr_t)p);
  CHECK(a != NULL);
  if (!a) return;
  for (int i = 0; i < nchecked; i++)
    if (checked[i] == a) return;
  if (nchecked < 8) checked[nchecked++] = a;
  uintptr_t below = a->base - 4096;
  unsigned char vec[1];
  errno = 0;
  CHECK_INT(mincore((void *)below, 4096, vec), 0);
  CHECK_INT(errno, 0);
  CHECK(arena_lookup(below) == NULL);
  CHECK(arena_lookup(a->base) == a);
}

static int in_window(const void *p) {
  return window_byte(p) != NULL;
}

/* The class free() reads for p is the block map's, and p's page is in use. */
static void check_class(const void *p) {
  CHECK_INT(page_spc(p), pagemap_spc(p));
  CHECK(page_spc(p) != PAGE_FREE);
}

/* Reserves every free 64 MiB of the class window (MAP_FIXED_NOREPLACE
 * fails where anything is mapped); returns how many. */
static int fill_window(void **res, int max) {
  uintptr_t base = atomic_load(&span_window.base);
  int n = 0;
  for (uintptr_t at = base; at < base + SPAN_WINDOW_BYTES && n < max; at += SPAN_ARENA_BYTES) {
    void *p = mmap((void *)at, SPAN_ARENA_BYTES, PROT_NONE,
                   MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE | MAP_FIXED_NOREPLACE, -1, 0);
    if (p == MAP_FAILED) continue;
    if (p != (void *)at) { /* a kernel without MAP_FIXED_NOREPLACE took it as a hint */
      munmap(p, SPAN_ARENA_BYTES);
      continue;
    }
    res[n++] = p;
  }
  return n;
}

int main(void) {
  void *small = span_malloc(64);
  CHECK(small != NULL);
  if (small) check_guard(small);
  CHECK_INT(page_spc(NULL), PAGE_FREE);
  if (small) {
    CHECK(in_window(small));
    check_class(small);
  }
  enum { N = 40 };
  void *large[N];
  for (int i = 0; i < N; i++) { /* 80 MiB: more than one arena */
    large[i] = span_malloc((size_t)2 << 20);
    CHECK(large[i] != NULL);
    if (large[i]) {
      check_guard(large[i]);
      check_class(large[i]);
      check_class((char *)large[i] + ((size_t)2 << 20) - 1); /* its last page */
    }
  }
  CHECK(nchecked >= 2);

  /* Arenas outside the window: the block maps alone. */
  static void *res[1024];
  int nres = fill_window(res, 1024);
  CHECK(nres > 0);
  if (nres > 0) /* in the window, in no arena: a free page, free()'s slow path */
    CHECK_INT(page_spc((char *)res[0] + 4096), PAGE_FREE);
  enum { M = 40 };
  void *far[M];
  int outside = 0;
  for (int i = 0; i < M; i++) { /* 80 MiB more, more than the heap has free */
    far[i] = span_malloc((size_t)2 << 20);
    CHECK(far[i] != NULL);
    if (!far[i]) continue;
    check_class(far[i]);
    outside += !in_window(far[i]);
  }
  CHECK(outside > 0);
  void *objs[256]; /* small objects in a heap whose newest arenas lie outside */
  for (int i = 0; i < 256; i++) {
    objs[i] = span_malloc((size_t)16 << (i % 10));
    CHECK(objs[i] != NULL);
    if (objs[i]) check_class(objs[i]);
  }
  for (int i = 0; i < 256; i++)
    span_free(objs[i]);
  for (int i = 0; i < M; i++) {
    span_free(far[i]);
    if (far[i]) CHECK_INT(page_spc(far[i]), PAGE_FREE);
  }
  for (int i = 0; i < N; i++) {
    span_free(large[i]);
    if (large[i]) CHECK_INT(page_spc(large[i]), PAGE_FREE); /* back in the page heap */
  }
  for (int i = 0; i < nres; i++)
    munmap(res[i], SPAN_ARENA_BYTES);
  span_free(small);
  printf("span-arena: %d checks, %d failed\n", (int)th_checks, (int)th_failures);
  return th_failures ? 1 : 0;
}
