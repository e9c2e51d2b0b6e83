#!/usr/bin/env python3
"""Generate the span allocator's size-class tables (allocators/span/sizeclasses.c).

This is a re-implementation of the ALGORITHM of Go's size-class generator
(src/runtime/_mkmalloc/mksizeclasses.go, formerly runtime/mksizeclasses.go),
written from the description in the reference notes: it derives the 67 small
classes from first principles (alignment steps, smallest span with tail waste
<= 1/8, merging of classes that would share a span layout, the 128-byte
post-pass), computes Go's division magic and the two size -> class lookup
tables, checks every invariant the Go generator panics on, and writes C.

It deliberately does NOT read the CSV dumps of Go's tables in data/: those are
the independent check used by tests/unit/test_sizeclass.c. It uses only the
Python standard library and its output depends on nothing but the constants
below, so the generated file is byte-for-byte reproducible.

Usage: mksizeclasses.py OUT.c
"""

import sys

# Constants of internal/runtime/gc/sizeclasses.go (mirrored in sizeclass.h).
PAGE_SHIFT = 13
PAGE_BYTES = 1 << PAGE_SHIFT
MIN_HEAP_ALIGN = 8
MAX_SMALL_BYTES = 32768
SMALL_SIZE_DIV = 8
SMALL_SIZE_MAX = 1024
LARGE_SIZE_DIV = 128
NUM_CLASSES = 68  # class 0 is the "large object" placeholder
UINT32_MAX = (1 << 32) - 1


class GenError(Exception):
    """An invariant the Go generator would panic on does not hold."""


def is_pow2(x):
    return x > 0 and x & (x - 1) == 0


def next_align(size, align):
    """Alignment step of makeClasses: at every power of two the spacing of
    candidate sizes widens (16 from 32 B, size/8 from 128 B, 256 from 2 KiB),
    which bounds round-up waste at about 1/8."""
    if not is_pow2(size):
        return align
    if size >= 2048:
        return 256
    if size >= 128:
        return size // 8
    if size >= 32:
        return 16
    return align


def span_pages(size):
    """Smallest number of pages whose span wastes at most 1/8 at its tail."""
    span_bytes = PAGE_BYTES
    while span_bytes % size > span_bytes // 8:
        span_bytes += PAGE_BYTES
    return span_bytes // PAGE_BYTES


def make_classes():
    """makeClasses: walk candidate sizes in alignment steps; a candidate that
    gets the same page count and the same object count as the previous class
    replaces it (a bigger object for free) instead of adding a class.
    Returns a list of [size, npages]; entry 0 is the [0, 0] placeholder."""
    classes = [[0, 0]]
    align = MIN_HEAP_ALIGN
    size = align
    while size <= MAX_SMALL_BYTES:
        align = next_align(size, align)
        if not is_pow2(align):
            raise GenError("alignment %d at size %d is not a power of two" % (align, size))
        npages = span_pages(size)
        span_bytes = npages * PAGE_BYTES
        prev = classes[-1]
        if len(classes) > 1 and prev[1] == npages and span_bytes // prev[0] == span_bytes // size:
            prev[0] = size
        else:
            classes.append([size, npages])
        size += align
    return classes


def widen_classes(classes):
    """Post-pass of makeClasses: if the span still fits the same number of
    larger objects, make the objects larger, keeping them multiples of
    LARGE_SIZE_DIV so the 128-byte lookup table stays exact."""
    for c in classes[1:]:
        span_bytes = c[1] * PAGE_BYTES
        wider = (span_bytes // (span_bytes // c[0])) & ~(LARGE_SIZE_DIV - 1)
        if wider > c[0]:
            c[0] = wider


def div_magic(size, span_bytes):
    """computeDivMagic: magic = ^uint32(0)/size + 1, so that for every offset
    in a span, offset/size == (offset*magic) >> 32. Verified exhaustively, as
    the Go generator does (offsets 0..span bytes inclusive)."""
    if size == 0:
        return 0
    magic = UINT32_MAX // size + 1
    if magic > UINT32_MAX:
        raise GenError("div magic for size %d does not fit 32 bits" % size)
    for offset in range(span_bytes + 1):
        if (offset * magic) >> 32 != offset // size:
            raise GenError("div magic %d inexact for size %d at offset %d" % (magic, size, offset))
    return magic


def min_align(size):
    """Go's "min align" comment column: the largest power of two dividing the
    object size, capped at the page size. Object i of a span starts at
    base + i*size with base page-aligned, so every object is aligned to at
    least this, and object 1 is aligned to no more."""
    if size == 0:
        return 0
    return min(size & -size, PAGE_BYTES)


def smallest_class(classes, size):
    """Index of the first class whose objects hold `size` bytes."""
    for cls, (csize, _) in enumerate(classes):
        if csize >= size:
            return cls
    raise GenError("no class holds %d bytes" % size)


def lookup_tables(classes):
    """computeSizeToSizeClass: entry i of the 8-byte table answers requests of
    (i-1)*8+1 .. i*8 bytes, entry i of the 128-byte table answers requests of
    1024+(i-1)*128+1 .. 1024+i*128 bytes. Each entry is the class for the
    top of its range, which is right for the whole range."""
    t8 = [smallest_class(classes, i * SMALL_SIZE_DIV)
          for i in range(SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1)]
    t128 = [smallest_class(classes, SMALL_SIZE_MAX + i * LARGE_SIZE_DIV)
            for i in range((MAX_SMALL_BYTES - SMALL_SIZE_MAX) // LARGE_SIZE_DIV + 1)]
    return t8, t128


def malloc_request(size):
    """What the malloc face allocates for a request: 17..24 bytes take the
    32-byte class, so that everything above 8 bytes is 16-byte aligned (Go's
    24-byte class is only 8-aligned)."""
    return 32 if 17 <= size <= 24 else size


def malloc_spc_tables(classes):
    """The malloc face's request -> span class tables: the same two ranges
    as lookup_tables, each entry the noscan span class (class << 1 | 1) of
    the request's malloc_request size, so malloc does one lookup and no
    remap. Every request in an entry's range maps to the same class (the
    remapped range 17..24 is exactly 8-byte entry 3)."""
    t8 = [smallest_class(classes, malloc_request(i * SMALL_SIZE_DIV)) << 1 | 1
          for i in range(SMALL_SIZE_MAX // SMALL_SIZE_DIV + 1)]
    t8[0] = 0
    t128 = [smallest_class(classes, SMALL_SIZE_MAX + i * LARGE_SIZE_DIV) << 1 | 1
            for i in range((MAX_SMALL_BYTES - SMALL_SIZE_MAX) // LARGE_SIZE_DIV + 1)]
    return t8, t128


def lookup(t8, t128, size):
    """The lookup sizeclass.h's span_size_class() performs (mallocgc's)."""
    if size <= SMALL_SIZE_MAX:
        return t8[(size + SMALL_SIZE_DIV - 1) // SMALL_SIZE_DIV]
    return t128[(size - SMALL_SIZE_MAX + LARGE_SIZE_DIV - 1) // LARGE_SIZE_DIV]


def check(classes, t8, t128, m8, m128):
    """The invariants the C side relies on; any failure stops generation."""
    if len(classes) != NUM_CLASSES:
        raise GenError("%d classes, expected %d" % (len(classes), NUM_CLASSES))
    for cls, (size, npages) in enumerate(classes[1:], 1):
        if size % MIN_HEAP_ALIGN or npages > 255 or (npages * PAGE_BYTES) // size > 0xFFFF:
            raise GenError("class %d (%d bytes, %d pages) does not fit the C types" %
                           (cls, size, npages))
        if size > SMALL_SIZE_MAX and size % LARGE_SIZE_DIV:
            raise GenError("class %d size %d breaks the 128-byte table" % (cls, size))
    if max(t8 + t128) > 255:
        raise GenError("lookup table entry does not fit uint8_t")
    if max(m8 + m128) > 255:
        raise GenError("malloc span class table entry does not fit uint8_t")
    for size in range(1, MAX_SMALL_BYTES + 1):
        if lookup(t8, t128, size) != smallest_class(classes, size):
            raise GenError("lookup of %d bytes is not the smallest class" % size)
        if lookup(m8, m128, size) != smallest_class(classes, malloc_request(size)) << 1 | 1:
            raise GenError("malloc span class of %d bytes is wrong" % size)


def max_waste_pct(classes, cls):
    """Worst-case waste of a class, for the comment table (same formula as
    span_class_max_waste_pct in sizeclass.c)."""
    size, npages = classes[cls]
    span_bytes = npages * PAGE_BYTES
    objects = span_bytes // size
    tail = span_bytes - objects * size
    return 100.0 * ((size - classes[cls - 1][0] - 1) * objects + tail) / span_bytes


def c_array(ctype, name, dim, values, per_line=8):
    """A const array definition, `per_line` right-aligned values a line."""
    width = max(len(str(v)) for v in values)
    lines = ["const %s %s[%s] = {" % (ctype, name, dim)]
    for i in range(0, len(values), per_line):
        chunk = values[i:i + per_line]
        lines.append("    " + " ".join("%*d," % (width, v) for v in chunk))
    lines.append("};")
    return "\n".join(lines) + "\n"


def comment_table(classes):
    """The per-class summary Go prints above its table, as a C comment."""
    rows = [" * class  bytes/obj  bytes/span  objects  tail waste  max waste  min align"]
    for cls in range(1, len(classes)):
        size, npages = classes[cls]
        span_bytes = npages * PAGE_BYTES
        objects = span_bytes // size
        rows.append(" * %5d  %9d  %10d  %7d  %10d  %8.2f%%  %9d" %
                    (cls, size, span_bytes, objects, span_bytes - objects * size,
                     max_waste_pct(classes, cls), min_align(size)))
    return "\n".join(rows)


HEADER = """\
/* generated by allocators/span/mksizeclasses.py; do not edit.
 *
 * Size-class tables of the span allocator: the classes of Go's runtime
 * (internal/runtime/gc/sizeclasses.go), recomputed by the generator's
 * re-implementation of mksizeclasses.go. See sizeclass.h for the meaning of
 * each table. min align = largest power of two dividing the object size,
 * capped at the 8192-byte page: every object of the class is aligned to at
 * least that, since spans start on a page boundary.
 *
%s
 */
#include "sizeclass.h"
"""


def render(classes, t8, t128, m8, m128):
    sizes = [c[0] for c in classes]
    span_bytes = [c[1] * PAGE_BYTES for c in classes]
    objects = [s // z if z else 0 for s, z in zip(span_bytes, sizes)]
    tails = [s - o * z for s, o, z in zip(span_bytes, objects, sizes)]
    parts = [
        HEADER % comment_table(classes),
        c_array("uint32_t", "span_class_bytes", "SPAN_NUM_CLASSES", sizes),
        c_array("uint8_t", "span_class_pages", "SPAN_NUM_CLASSES", [c[1] for c in classes]),
        c_array("uint16_t", "span_class_objects", "SPAN_NUM_CLASSES", objects),
        c_array("uint16_t", "span_class_tail_waste", "SPAN_NUM_CLASSES", tails),
        c_array("uint32_t", "span_class_divmagic", "SPAN_NUM_CLASSES",
                [div_magic(z, s) for z, s in zip(sizes, span_bytes)], per_line=6),
        c_array("uint16_t", "span_class_align", "SPAN_NUM_CLASSES", [min_align(z) for z in sizes]),
        c_array("uint8_t", "span_size_to_class8",
                "SPAN_SMALL_SIZE_MAX / SPAN_SMALL_SIZE_DIV + 1", t8, per_line=16),
        c_array("uint8_t", "span_size_to_class128",
                "(SPAN_MAX_SMALL_BYTES - SPAN_SMALL_SIZE_MAX) / SPAN_LARGE_SIZE_DIV + 1",
                t128, per_line=16),
        c_array("uint8_t", "span_malloc_spc8",
                "SPAN_SMALL_SIZE_MAX / SPAN_SMALL_SIZE_DIV + 1", m8, per_line=16),
        c_array("uint8_t", "span_malloc_spc128",
                "(SPAN_MAX_SMALL_BYTES - SPAN_SMALL_SIZE_MAX) / SPAN_LARGE_SIZE_DIV + 1",
                m128, per_line=16),
    ]
    return "\n".join(parts)


def main(argv):
    if len(argv) != 2:
        sys.stderr.write("usage: mksizeclasses.py OUT.c\n")
        return 2
    try:
        classes = make_classes()
        widen_classes(classes)
        t8, t128 = lookup_tables(classes)
        m8, m128 = malloc_spc_tables(classes)
        check(classes, t8, t128, m8, m128)
        text = render(classes, t8, t128, m8, m128)
    except GenError as e:
        sys.stderr.write("heaplab: mksizeclasses: %s\n" % e)
        return 1
    with open(argv[1], "w", encoding="ascii", newline="\n") as out:
        out.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
