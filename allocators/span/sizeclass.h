/* Size classes of the span allocator: Go's 67 small-object classes.
 *
 * A small request is rounded up to one of 67 object sizes (8 B .. 32 KiB);
 * each class has a fixed span size (1..10 pages of 8 KiB) carved into equal
 * objects. The tables are generated at build time by mksizeclasses.py, which
 * re-implements the algorithm of Go's runtime/_mkmalloc/mksizeclasses.go
 * (output: sizeclasses.c); this header only declares them and provides the two
 * hot-path helpers. It deliberately does not model Go's malloc header (the
 * 8 bytes pointerful objects > 512 B carry, which make Go treat 32761..32768
 * as large) nor heap bitmaps in spans: here every request of up to 32768
 * bytes is small, and a span holds span bytes / object bytes objects.
 */
#ifndef HL_SPAN_SIZECLASS_H
#define HL_SPAN_SIZECLASS_H

#include <stddef.h>
#include <stdint.h>

#define SPAN_PAGE_SHIFT 13
#define SPAN_PAGE_BYTES 8192u
#define SPAN_NUM_CLASSES 68         /* class 0 = large objects, 1..67 small */
#define SPAN_MAX_SMALL_BYTES 32768u /* larger requests are large objects */
#define SPAN_SMALL_SIZE_MAX 1024u
#define SPAN_SMALL_SIZE_DIV 8u
#define SPAN_LARGE_SIZE_DIV 128u
#define SPAN_TINY_BYTES 16u
#define SPAN_TINY_CLASS 2

/* Per-class tables, indexed by class (Go: SizeClassToSize, SizeClassToNPages,
 * SizeClassToDivMagic). Entry 0 of each is 0. */
extern const uint32_t span_class_bytes[SPAN_NUM_CLASSES];      /* object size; [0] = 0 */
extern const uint8_t span_class_pages[SPAN_NUM_CLASSES];       /* pages per span; [0] = 0 */
extern const uint16_t span_class_objects[SPAN_NUM_CLASSES];    /* span bytes / object bytes */
extern const uint16_t span_class_tail_waste[SPAN_NUM_CLASSES]; /* span bytes - objects*size */
extern const uint32_t span_class_divmagic[SPAN_NUM_CLASSES];   /* (offset * magic) >> 32 */
/* Largest power of two dividing the object size, capped at 8192 (the page):
 * since spans start page-aligned, the alignment every object of the class is
 * guaranteed to have. Equals the "min align" column of Go's table. */
extern const uint16_t span_class_align[SPAN_NUM_CLASSES];

/* Go's SizeToSizeClass8 / SizeToSizeClass128: entry i of the first holds the
 * class for requests of (i-1)*8+1 .. i*8 bytes; entry i of the second, for
 * 1024+(i-1)*128+1 .. 1024+i*128 bytes. [0] of the first is class 0. */
extern const uint8_t span_size_to_class8[SPAN_SMALL_SIZE_MAX / SPAN_SMALL_SIZE_DIV + 1];
extern const uint8_t
    span_size_to_class128[(SPAN_MAX_SMALL_BYTES - SPAN_SMALL_SIZE_MAX) / SPAN_LARGE_SIZE_DIV + 1];

/* The malloc face's tables over the same two ranges: the noscan span class
 * (class << 1 | 1) of each request, with 17..24-byte requests already sent
 * to the 32-byte class (16-byte alignment above 8 bytes, as malloc's callers
 * expect; Go's 24-byte class gives 8). [0] of the first is 0. */
extern const uint8_t span_malloc_spc8[SPAN_SMALL_SIZE_MAX / SPAN_SMALL_SIZE_DIV + 1];
extern const uint8_t
    span_malloc_spc128[(SPAN_MAX_SMALL_BYTES - SPAN_SMALL_SIZE_MAX) / SPAN_LARGE_SIZE_DIV + 1];

/* Smallest class whose objects hold `bytes` (1..SPAN_MAX_SMALL_BYTES); 0 for
 * 0 bytes; larger values are out of range (the caller allocates them as
 * large objects and must not call this). Two table lookups, as mallocgc does.
 * Go switches tables at SmallSizeMax-8 = 1016 (a cut older than its malloc
 * headers); here the cut is at 1024. Both are exact: 1017..1024 get class 32
 * from either table (8-byte entry 128 and 128-byte entry 0). */
static inline unsigned span_size_class(size_t bytes) {
  if (bytes <= SPAN_SMALL_SIZE_MAX)
    return span_size_to_class8[(bytes + SPAN_SMALL_SIZE_DIV - 1) / SPAN_SMALL_SIZE_DIV];
  return span_size_to_class128[(bytes - SPAN_SMALL_SIZE_MAX + SPAN_LARGE_SIZE_DIV - 1) /
                               SPAN_LARGE_SIZE_DIV];
}

/* The span class malloc(bytes) uses, bytes 1..SPAN_MAX_SMALL_BYTES (0 for
 * 0): one lookup, the alignment remap folded into the table. */
static inline unsigned span_malloc_spc(size_t bytes) {
  if (bytes <= SPAN_SMALL_SIZE_MAX)
    return span_malloc_spc8[(bytes + SPAN_SMALL_SIZE_DIV - 1) / SPAN_SMALL_SIZE_DIV];
  return span_malloc_spc128[(bytes - SPAN_SMALL_SIZE_MAX + SPAN_LARGE_SIZE_DIV - 1) /
                            SPAN_LARGE_SIZE_DIV];
}

/* Object index of byte `offset` from a span's start, without a division
 * (Go: mspan.objIndex / divideByElemSize). magic = 2^32-1 / size + 1 is exact
 * for every offset in 0..span bytes, which the generator checks. cls must be
 * 1..67. */
static inline uint32_t span_object_index(unsigned cls, uintptr_t offset) {
  return (uint32_t)(((uint64_t)offset * span_class_divmagic[cls]) >> 32);
}

/* Largest waste a class can have, in percent (the "max waste" column of Go's
 * table): a request one byte larger than the previous class's size, in every
 * slot, plus the span's tail. 0 for class 0 and out-of-range classes. */
double span_class_max_waste_pct(unsigned cls);

#endif
