/* heaplab's reference span allocator: the public (in-process) interface.
 *
 * A malloc modelled on the Go runtime's allocator (runtime/malloc.go and
 * friends): Go's 68 size classes, spans of 8 KiB pages holding objects of
 * one class, a per-thread cache holding one span per span class (mcache)
 * with a lock-free fast path over allocation bits, central partial/full span
 * lists per span class (mcentral), a page heap of 4 MiB chunks in 64 MiB
 * arenas with a first-fit page allocator (mheap, mpagealloc), objects above
 * 32 KiB straight from the page heap, a tiny allocator for pointer-free
 * objects under 16 bytes, and a scavenger that returns free pages to the OS.
 *
 * Where Go has a garbage collector, this heap has explicit free(): a free is
 * recorded in the span's allocation bits (by the owning thread) or in its
 * remote-free bits (by any other thread), and the span is "swept" - remote
 * frees folded in, its free index reset - when its owner runs out of slots,
 * which is the role Go's sweeper plays after marking. The collector of
 * issue span-gc will drive the same heap.
 *
 * Two faces use this interface: the heaplab backend `span` (objects with a
 * known number of pointer slots) and libheaplab-span.so, a complete malloc
 * replacement for LD_PRELOAD (malloc.c / preload.c).
 */
#ifndef SPAN_H
#define SPAN_H

#include <stddef.h>
#include <stdint.h>

void *span_malloc(size_t bytes);
void span_free(void *p);
void *span_calloc(size_t n, size_t size);
void *span_realloc(void *p, size_t bytes);
int span_posix_memalign(void **out, size_t align, size_t bytes);
void *span_aligned_alloc(size_t align, size_t bytes);
void *span_memalign(size_t align, size_t bytes);
void *span_valloc(size_t bytes);
void *span_pvalloc(size_t bytes);
size_t span_usable_size(void *p);

/* An object whose first nptrs words are pointers (heaplab's mutator API).
 * Pointer-free objects (nptrs == 0) use the noscan span classes, and those
 * under 16 bytes the tiny allocator. */
void *span_alloc_typed(size_t bytes, unsigned nptrs);

/* Statistics, named like Go's runtime.MemStats (bytes unless stated). */
typedef struct span_stats {
  uint64_t heap_alloc;    /* bytes in live objects (small: class size; large: whole pages) */
  uint64_t heap_inuse;    /* bytes in spans holding objects */
  uint64_t heap_idle;     /* bytes in free pages, released or not */
  uint64_t heap_released; /* bytes of free pages returned to the OS */
  uint64_t heap_sys;      /* bytes committed from the OS for the heap (inuse + idle) */
  uint64_t mallocs;       /* objects allocated, ever (tiny ones included) */
  uint64_t frees;         /* objects freed, ever; as in Go, tiny_allocs counts in both */
  uint64_t tiny_allocs;   /* objects packed into a tiny block opened before (Go's TinyAllocs) */
  uint64_t scavenged;     /* bytes released by the scavenger, ever */
  uint64_t meta_sys;      /* bytes of metadata (spans, caches, page maps) */
  struct {
    uint32_t bytes; /* class object size (0 for class 0: large) */
    uint64_t mallocs, frees;
  } by_class[68];
} span_stats_t;

void span_read_stats(span_stats_t *out);

/* Returns free pages to the OS now (debug.FreeOSMemory without the GC).
 * Returns the bytes released. */
uint64_t span_scavenge_all(void);

/* Scavenger mode: "background" (a thread with a 1% CPU budget, Go's
 * bgscavenge; the default), "inline" (freeing threads release the excess
 * themselves) or "off". Read from HEAPLAB_SPAN_SCAVENGER at first use;
 * this overrides it. 0 or -1 for an unknown name. */
int span_set_scavenger(const char *mode);

/* Version string of the allocator, e.g. "heaplab-span 0.1.0". */
const char *span_version(void);

#endif
