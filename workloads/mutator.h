/* The mutator API: how workloads allocate, link and forget objects.
 *
 * Workloads never call malloc. They act like a Go goroutine: objects come
 * from allocation sites, pointer stores go through a barrier hook, roots are
 * slots the workload owns, frames model function activations, and hl_drop()
 * says "this object just died". The mutator routes each allocation either to
 * the backend (the heap) or to a per-thread stack region, which is what Go's
 * escape analysis decides at compile time:
 *
 *   --escape on  (default) objects of sites that do not escape are
 *                bump-allocated in the current frame and vanish when the frame
 *                is left, as a Go local does;
 *   --escape off every object goes to the backend. Objects of non-escaping
 *                sites are released when their frame is left: freed on a
 *                malloc backend, simply unlinked on a collector.
 *
 * Comparing the two runs measures what escape analysis is worth for the
 * workload. Go keeps non-escaping objects on the stack only up to 64 KiB
 * (ir.MaxImplicitStackVarSize); larger ones go to the heap here too.
 *
 * Object layout: the first nptrs words of an object are pointer slots
 * (zeroed by hl_new), the remaining bytes are payload the workload writes.
 * There is no header, so a 1024-byte object is a 1024-byte request.
 *
 * One mutator per thread; nothing here is thread-safe. Allocation counters
 * are plain per-mutator integers, summed by the caller after the run.
 */
#ifndef HL_MUTATOR_H
#define HL_MUTATOR_H

#include "backend.h"

#include <stddef.h>
#include <stdint.h>

/* An allocation site, as the Go compiler sees one: a static descriptor. */
typedef struct hl_site {
  const char *name;   /* "newPointPtr" */
  uint16_t index;     /* its position in the workload's site table */
  uint8_t escapes;    /* 1: escape analysis puts it on the heap */
  const char *reason; /* "returned pointer", "returned by value", ... */
} hl_site_t;

#define HL_MAX_SITES 16
#define HL_MAX_STACK_OBJECT_BYTES (64u << 10)
#define HL_MAX_FRAMES 256

typedef struct hl_site_counts {
  uint64_t calls; /* hl_new calls at this site */
  uint64_t bytes; /* bytes requested at this site */
} hl_site_counts_t;

typedef struct hl_mutator_counts {
  uint64_t allocs; /* objects from the backend */
  uint64_t alloc_bytes;
  uint64_t frees; /* objects given back with backend free() */
  uint64_t free_bytes;
  uint64_t stack_allocs; /* objects placed in a frame's stack region */
  uint64_t stack_alloc_bytes;
  hl_site_counts_t site[HL_MAX_SITES];
} hl_mutator_counts_t;

typedef enum { HL_ESCAPE_OFF = 0, HL_ESCAPE_ON = 1 } hl_escape_mode_t;

/* Called when the backend returns NULL; must not return (the worker reports
 * an out-of-memory outcome and exits). */
typedef void (*hl_oom_fn)(void *ctx, const hl_site_t *site, size_t bytes);

typedef struct hl_mutator_config {
  const hl_backend_t *backend;
  hl_escape_mode_t escape;
  size_t stack_bytes;     /* stack region per thread; 0 = 1 MiB */
  const hl_site_t *sites; /* the workload's site table */
  size_t nsites;
  hl_oom_fn on_oom; /* NULL: abort() */
  void *oom_ctx;
  /* Collections completed so far, as the harness counts them from the
   * backend's on_gc_cycle reports (written while the world is stopped);
   * NULL: hl_mutator_gc_count asks the backend's statistics instead. */
  const uint64_t *gc_cycles;
} hl_mutator_config_t;

typedef struct hl_mutator hl_mutator_t;

/* Root slots owned by a workload: scanned by collectors, stored through the
 * barrier hook. */
typedef struct hl_roots {
  void **slot;
  size_t n;
} hl_roots_t;

int hl_mutator_new(const hl_mutator_config_t *cfg, hl_mutator_t **out);
void hl_mutator_free(hl_mutator_t *m);
const hl_mutator_counts_t *hl_mutator_counts(const hl_mutator_t *m);

void *hl_new(hl_mutator_t *m, const hl_site_t *site, size_t bytes, unsigned nptrs);
void hl_drop(hl_mutator_t *m, void *obj, size_t bytes);
void hl_set(hl_mutator_t *m, void *obj, unsigned slot, void *target);
/* Bytes the backend actually set aside for obj (>= requested), or 0 when the
 * backend cannot tell. Not for timed loops. */
size_t hl_usable_size(const hl_mutator_t *m, void *obj);
/* The backend's size class for a request of `bytes`, when it has classes
 * and says so (0), else HL_EUNAVAIL / HL_ERANGE. */
int hl_size_class_info(const hl_mutator_t *m, size_t bytes, hl_size_class_t *out);
static inline void *hl_get(const void *obj, unsigned slot) {
  return ((void *const *)obj)[slot];
}

int hl_roots_new(hl_mutator_t *m, size_t n, hl_roots_t **out);
void hl_roots_free(hl_mutator_t *m, hl_roots_t *roots);
void hl_root_set(hl_mutator_t *m, hl_roots_t *roots, size_t i, void *target);
static inline void *hl_root_get(const hl_roots_t *roots, size_t i) {
  return roots->slot[i];
}

void hl_frame_enter(hl_mutator_t *m);
void hl_frame_leave(hl_mutator_t *m);

/* Collector knobs at run time, between phases of a workload (Go's
 * debug.SetGCPercent and debug.SetMemoryLimit). gc_percent >= 1, or
 * HL_GC_OFF; a negative limit only reads the current one. The previous
 * value goes to *old_out (may be NULL). HL_EUNAVAIL when the backend has no
 * such knob (malloc backends; bdwgc has no memory limit), HL_EINVAL for a
 * bad value. Not for timed loops. */
int hl_set_gc_percent(hl_mutator_t *m, int gc_percent, int *old_out);
int hl_set_memory_limit(hl_mutator_t *m, int64_t bytes, int64_t *old_out);

/* Collections the backend has completed so far; 0 on a backend that does
 * not collect or cannot tell. One load when the harness gave the mutator
 * its cycle count (hl_mutator_config_t.gc_cycles); else it reads the
 * backend's statistics, which may take locks and walk every thread cache
 * (about 0.4 us on span-gc): then not for every operation of a timed loop.
 * For a workload that must notice collections as Go code does (sync.Pool's
 * cleanup in pool-reuse). */
uint64_t hl_mutator_gc_count(hl_mutator_t *m);

/* Brackets a stretch where the thread waits outside the mutator (a barrier,
 * I/O, sleep) and allocates nothing: a stop-the-world collector does not
 * wait for a blocked thread (Go's entersyscall/exitsyscall); unblock waits
 * while a collection runs. No-ops on backends without the hooks. */
void hl_mutator_block(hl_mutator_t *m);
void hl_mutator_unblock(hl_mutator_t *m);

/* Keeps a value alive so the compiler cannot delete the work that made it
 * (the C analogue of benchmark::DoNotOptimize). */
static inline void hl_escape_to_compiler(const void *p) {
  __asm__ volatile("" : : "g"(p) : "memory");
}

#endif
