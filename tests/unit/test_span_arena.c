/* No other mapping ends where a span arena begins (pagealloc.c's reserve):
 * the page below every arena is the heap's own, reserved and never
 * committed, and belongs to no arena. Otherwise a word holding the end of
 * a neighbouring mapping (a thread's stack top, as pthread_getattr_np
 * gives it) would point at the arena's first object, and the collector's
 * conservative stack scan would keep that object alive.
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

int main(void) {
  void *small = span_malloc(64);
  CHECK(small != NULL);
  if (small) check_guard(small);
  enum { N = 40 };
  void *large[N];
  for (int i = 0; i < N; i++) { /* 80 MiB: more than one arena */
    large[i] = span_malloc((size_t)2 << 20);
    CHECK(large[i] != NULL);
    if (large[i]) check_guard(large[i]);
  }
  CHECK(nchecked >= 2);
  for (int i = 0; i < N; i++)
    span_free(large[i]);
  span_free(small);
  printf("span-arena: %d checks, %d failed\n", (int)th_checks, (int)th_failures);
  return th_failures ? 1 : 0;
}
