/* libheaplab-span.so: the span allocator as a complete malloc replacement.
 *
 *   LD_PRELOAD=libheaplab-span.so any-program
 *
 * These are the only symbols the library exports (everything else is built
 * with hidden visibility): the functions glibc documents as replaceable
 * ("Replacing malloc" in its manual) plus reallocarray. It is fork-safe
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

EXPORT void *malloc(size_t bytes) {
  return span_malloc(bytes);
}
EXPORT void free(void *p) {
  span_free(p);
}
EXPORT void *calloc(size_t n, size_t size) {
  return span_calloc(n, size);
}
EXPORT void *realloc(void *p, size_t bytes) {
  return span_realloc(p, bytes);
}
EXPORT int posix_memalign(void **out, size_t align, size_t bytes) {
  return span_posix_memalign(out, align, bytes);
}
EXPORT void *aligned_alloc(size_t align, size_t bytes) {
  return span_aligned_alloc(align, bytes);
}
EXPORT void *memalign(size_t align, size_t bytes) {
  return span_memalign(align, bytes);
}
EXPORT void *valloc(size_t bytes) {
  return span_valloc(bytes);
}
EXPORT void *pvalloc(size_t bytes) {
  return span_pvalloc(bytes);
}
EXPORT size_t malloc_usable_size(void *p) {
  return span_usable_size(p);
}
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
