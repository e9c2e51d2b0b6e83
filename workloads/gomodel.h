/* Facts of the Go 1.19 runtime and compiler that the escape-pattern
 * workloads reproduce allocation by allocation, in one place.
 *
 * A workload that models a Go construct allocates what Go's runtime would:
 * the same number of objects of the same sizes, in the same order, so its
 * `allocs` and `alloc_bytes` can be held against a Go twin's runtime/metrics
 * (workloads/go/). These helpers are the runtime's arithmetic, not an
 * allocator: they decide sizes, the backend still allocates.
 *
 *   roundupsize  runtime/msize.go: a request up to 32 KiB takes its size
 *                class (Go's table, the one allocators/span uses), a larger
 *                one whole 8 KiB pages.
 *   growslice    runtime/slice.go (Go 1.19): the capacity append grows a
 *                full slice to: double below 256 elements, then
 *                newcap += (newcap + 3*256)/4 until it fits, or exactly the
 *                length needed when that is more than double; then rounded
 *                up to a size class, so the capacity is what the class holds.
 *
 * The sizes a twin can build a value of: Go needs a compile-time type for a
 * value that may live on the stack (a captured variable, a struct boxed in
 * an interface, a slice element), so the twin instantiates its generic code
 * for this fixed list of sizes (workloads/go/sizes.go has the same list) and
 * the workloads whose sizes become such types accept only these. */
#ifndef HL_GOMODEL_H
#define HL_GOMODEL_H

#include "sizeclass.h"

#include <stddef.h>
#include <stdint.h>

/* Go's stack buffer for a non-escaping string concatenation or []byte <->
 * string conversion result (runtime/string.go tmpStringBufSize). */
#define HL_GO_TMP_BUF_BYTES 32u
/* The largest value an interface conversion that does not escape copies to
 * a stack temporary (walk/convert.go dataWord); larger ones are boxed on the
 * heap whatever escape analysis says. */
#define HL_GO_STACK_TEMP_MAX_BYTES 1024u
/* Values below this convert to an interface without allocating: they point
 * into runtime.staticuint64s. */
#define HL_GO_STATIC_UINT64S 256u
/* growslice's threshold between doubling and growing by a quarter. */
#define HL_GO_GROW_THRESHOLD 256u

/* runtime.roundupsize: bytes Go sets aside for a request of `bytes`. */
static inline uint64_t hl_go_roundupsize(uint64_t bytes) {
  if (bytes == 0) return 0;
  if (bytes <= SPAN_MAX_SMALL_BYTES) return span_class_bytes[span_size_class((size_t)bytes)];
  return (bytes + SPAN_PAGE_BYTES - 1) & ~(uint64_t)(SPAN_PAGE_BYTES - 1);
}

/* runtime.growslice: the bytes of the array that append allocates for a
 * slice of capacity old_cap that must hold `needed` elements of elem_bytes
 * each (needed > old_cap); the new capacity is that divided by elem_bytes
 * (Go allocates the whole class, which may hold a fraction of an element
 * more). */
static inline uint64_t hl_go_growslice_bytes(uint64_t old_cap, uint64_t needed,
                                             uint64_t elem_bytes) {
  uint64_t newcap = old_cap;
  uint64_t doublecap = newcap + newcap;
  if (needed > doublecap) {
    newcap = needed;
  } else if (old_cap < HL_GO_GROW_THRESHOLD) {
    newcap = doublecap;
  } else {
    while (newcap < needed)
      newcap += (newcap + 3 * HL_GO_GROW_THRESHOLD) / 4;
  }
  return hl_go_roundupsize(newcap * elem_bytes);
}

/* The sizes of value the twins have a type for (workloads/go/sizes.go). */
#define HL_GO_VALUE_SIZES                                                                          \
  8, 16, 24, 32, 40, 48, 56, 64, 80, 96, 128, 192, 256, 384, 512, 1024, 2048, 4096, 8192, 16384,   \
      32768, 65536

/* 1 when a twin has a value type of `bytes` bytes. */
static inline int hl_go_value_size_ok(uint64_t bytes) {
  static const uint64_t sizes[] = {HL_GO_VALUE_SIZES};
  for (size_t i = 0; i < sizeof sizes / sizeof sizes[0]; i++)
    if (sizes[i] == bytes) return 1;
  return 0;
}

/* A workload's check() for a parameter that becomes a Go value type: 0 when
 * `bytes` is one of the sizes above and at most max_bytes, else HL_EINVAL
 * with the reason and the sizes accepted in why. */
int hl_go_check_value_size(const char *key, uint64_t bytes, uint64_t max_bytes, char *why,
                           size_t len);

#endif
