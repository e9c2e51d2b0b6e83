/* libheaplab-span.so: the span allocator as a complete malloc replacement.
 *
 *   LD_PRELOAD=libheaplab-span.so any-program
 *
 * The library exports only the functions glibc documents as replaceable
 * ("Replacing malloc" in its manual), as aliases of their implementations
 * (end of malloc.c, built with HL_SPAN_PRELOAD for this library), plus
 * reallocarray and the two below; everything else is hidden. It is fork-safe
 * (pthread_atfork handlers take every allocator lock across fork) and
 * releases a thread's cache when the thread exits. heaplab's backend
 * `span-preload` puts it into workers exactly as it does jemalloc, and
 * checks that `malloc` really resolves here through heaplab_span_version. */
#include "span.h"

#include <errno.h>
#include <malloc.h>
#include <stddef.h>
#include <stdlib.h>

#define EXPORT __attribute__((visibility("default")))

EXPORT const char *heaplab_span_version(void);

EXPORT void *reallocarray(void *p, size_t n, size_t size) {
  size_t bytes;
  if (__builtin_mul_overflow(n, size, &bytes)) {
    errno = ENOMEM;
    return NULL;
  }
  return span_realloc(p, bytes);
}
/* A way for heaplab (and users) to see that this library serves malloc. */
EXPORT const char *heaplab_span_version(void) {
  return span_version();
}

EXPORT void heaplab_span_read_stats(span_stats_t *out);
/* The allocator's MemStats-like statistics (span.h), for heaplab's backend. */
EXPORT void heaplab_span_read_stats(span_stats_t *out) {
  span_read_stats(out);
}
