/* The allocation calls of the tests in tests/span/, on one of two faces.
 *
 * Compiled with -DT_API_SPAN, T_MALLOC() and friends call the span
 * allocator's internal API (allocators/span/span.h) directly, so the test
 * links it statically and every other allocation in the process (stdio,
 * pthreads, the test's own bookkeeping) still goes to libc. Without it they
 * call the libc names, so the test checks whatever malloc the process has:
 * glibc's, or a replacement put in with LD_PRELOAD. This header does not
 * decide what a test expects of an allocator; the tests do.
 */
#ifndef TS_API_H
#define TS_API_H

#include <stddef.h>

#ifdef T_API_SPAN
#include "span.h"

#define T_API_NAME "span"
#define T_MALLOC(n) span_malloc(n)
#define T_FREE(p) span_free(p)
#define T_CALLOC(n, m) span_calloc(n, m)
#define T_REALLOC(p, n) span_realloc(p, n)
#define T_POSIX_MEMALIGN(out, align, n) span_posix_memalign(out, align, n)
#define T_ALIGNED_ALLOC(align, n) span_aligned_alloc(align, n)
#define T_MEMALIGN(align, n) span_memalign(align, n)
#define T_VALLOC(n) span_valloc(n)
#define T_PVALLOC(n) span_pvalloc(n)
#define T_USABLE(p) span_usable_size(p)

/* Every call of the internal API comes from the same allocator. */
static inline const char *t_api_foreign(const char *fn) {
  (void)fn;
  return NULL;
}

#else
#include <dlfcn.h>
#include <malloc.h>
#include <stdlib.h>
#include <string.h>

#define T_API_NAME "libc"
#define T_MALLOC(n) malloc(n)
#define T_FREE(p) free(p)
#define T_CALLOC(n, m) calloc(n, m)
#define T_REALLOC(p, n) realloc(p, n)
#define T_POSIX_MEMALIGN(out, align, n) posix_memalign(out, align, n)
#define T_ALIGNED_ALLOC(align, n) aligned_alloc(align, n)
#define T_MEMALIGN(align, n) memalign(align, n)
#define T_VALLOC(n) valloc(n)
#define T_PVALLOC(n) pvalloc(n)
#define T_USABLE(p) malloc_usable_size(p)

/* A malloc replacement that does not define, say, pvalloc leaves the process
 * with glibc's pvalloc and its own free: the pair corrupts the heap, which is
 * the replacement's gap and not what the test looks for. Returns NULL when
 * `fn` resolves into the same shared object as malloc, else the path of the
 * object it does come from (so the caller can skip it, or fail in strict
 * mode). */
static inline const char *t_api_foreign(const char *fn) {
  Dl_info fn_info, malloc_info;
  void *fn_addr = dlsym(RTLD_DEFAULT, fn);
  void *malloc_addr = dlsym(RTLD_DEFAULT, "malloc");
  if (!fn_addr) return "(undefined)";
  if (!malloc_addr || !dladdr(fn_addr, &fn_info) || !dladdr(malloc_addr, &malloc_info))
    return "(unknown object)";
  if (fn_info.dli_fbase == malloc_info.dli_fbase) return NULL;
  return fn_info.dli_fname ? fn_info.dli_fname : "(unnamed object)";
}
#endif

#endif
