/* The mutator: allocation routing, frames, roots and counters (mutator.h).
 *
 * Frame bookkeeping. Each thread has one stack region (an anonymous mapping,
 * like a goroutine stack) and one "frame heap" list: the backend objects that
 * belong to a frame because their site does not escape but they could not
 * be put on the stack (--escape off, larger than 64 KiB, or region full).
 * A frame record remembers how much of both was in use at hl_frame_enter();
 * hl_frame_leave() pops back to it, freeing (malloc backends) or forgetting
 * (collectors) the frame-heap objects. On a collector both areas are
 * registered as roots, and the popped part is zeroed so stale pointers do
 * not keep garbage alive: Go scans only the live part of a stack. */
#include "mutator.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>

#define DEFAULT_STACK_BYTES (1u << 20)
#define FRAME_HEAP_ENTRIES (1u << 16)
#define STACK_ALIGN 16u

typedef struct frame_object {
  void *obj;
  size_t bytes;
} frame_object_t;

typedef struct frame_record {
  size_t stack_used;
  size_t fheap_len;
} frame_record_t;

struct hl_mutator {
  void *(*alloc)(size_t bytes, unsigned nptrs);
  void (*free)(void *obj, size_t bytes);
  void (*barrier)(void **slot, void *value);
  const hl_backend_t *backend;
  int escape_on;
  int collector; /* roots must be registered; popped areas zeroed */
  char *stack_base;
  size_t stack_bytes, stack_used;
  frame_object_t *fheap;
  size_t fheap_len;
  unsigned depth;
  frame_record_t frames[HL_MAX_FRAMES];
  const hl_site_t *sites;
  size_t nsites;
  hl_oom_fn on_oom;
  void *oom_ctx;
  const uint64_t *gc_cycles;
  hl_mutator_counts_t counts;
};

static void fatal(const char *what) {
  hl_msg("mutator", "%s", what);
  abort();
}

static void *map_region(size_t bytes) {
  void *p = mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  return p == MAP_FAILED ? NULL : p;
}

int hl_mutator_new(const hl_mutator_config_t *cfg, hl_mutator_t **out) {
  if (!cfg || !cfg->backend || !cfg->backend->alloc || cfg->nsites > HL_MAX_SITES) return HL_EINVAL;
  hl_mutator_t *m = calloc(1, sizeof *m);
  if (!m) return HL_ENOMEM;
  const hl_backend_t *be = cfg->backend;
  m->backend = be;
  m->alloc = be->alloc;
  m->free = (be->caps & HL_CAP_FREE) ? be->free : NULL;
  m->barrier = be->write_barrier;
  m->escape_on = cfg->escape == HL_ESCAPE_ON;
  m->collector = (be->caps & HL_CAP_ROOTS) != 0;
  m->sites = cfg->sites;
  m->nsites = cfg->nsites;
  m->on_oom = cfg->on_oom;
  m->oom_ctx = cfg->oom_ctx;
  m->gc_cycles = cfg->gc_cycles;
  m->stack_bytes = cfg->stack_bytes ? cfg->stack_bytes : DEFAULT_STACK_BYTES;
  m->stack_base = map_region(m->stack_bytes);
  m->fheap = map_region(FRAME_HEAP_ENTRIES * sizeof *m->fheap);
  if (!m->stack_base || !m->fheap) goto fail;
  if (m->collector) {
    if (be->add_roots(m->stack_base, m->stack_bytes) != 0) goto fail;
    if (be->add_roots(m->fheap, FRAME_HEAP_ENTRIES * sizeof *m->fheap) != 0) {
      be->remove_roots(m->stack_base, m->stack_bytes);
      goto fail;
    }
  }
  *out = m;
  return 0;
fail:
  if (m->stack_base) munmap(m->stack_base, m->stack_bytes);
  if (m->fheap) munmap(m->fheap, FRAME_HEAP_ENTRIES * sizeof *m->fheap);
  free(m);
  return HL_ENOMEM;
}

void hl_mutator_free(hl_mutator_t *m) {
  if (!m) return;
  while (m->depth)
    hl_frame_leave(m);
  if (m->collector) {
    m->backend->remove_roots(m->stack_base, m->stack_bytes);
    m->backend->remove_roots(m->fheap, FRAME_HEAP_ENTRIES * sizeof *m->fheap);
  }
  munmap(m->stack_base, m->stack_bytes);
  munmap(m->fheap, FRAME_HEAP_ENTRIES * sizeof *m->fheap);
  free(m);
}

const hl_mutator_counts_t *hl_mutator_counts(const hl_mutator_t *m) {
  return &m->counts;
}

static void *heap_alloc(hl_mutator_t *m, const hl_site_t *site, size_t bytes, unsigned nptrs) {
  void *p = m->alloc(bytes, nptrs);
  if (__builtin_expect(p == NULL, 0)) {
    if (m->on_oom) m->on_oom(m->oom_ctx, site, bytes);
    fatal("allocation failed and no out-of-memory handler is set");
  }
  m->counts.allocs++;
  m->counts.alloc_bytes += bytes;
  return p;
}

static void clear_slots(void *p, unsigned nptrs) {
  if (nptrs) memset(p, 0, (size_t)nptrs * sizeof(void *));
}

void *hl_new(hl_mutator_t *m, const hl_site_t *site, size_t bytes, unsigned nptrs) {
  hl_site_counts_t *sc = &m->counts.site[site->index];
  sc->calls++;
  sc->bytes += bytes;
  if (site->escapes) {
    void *p = heap_alloc(m, site, bytes, nptrs);
    clear_slots(p, nptrs);
    return p;
  }
  if (__builtin_expect(m->depth == 0, 0))
    fatal("non-escaping allocation outside any frame (workload bug)");
  size_t rounded = (bytes + STACK_ALIGN - 1) & ~(size_t)(STACK_ALIGN - 1);
  if (m->escape_on && bytes <= HL_MAX_STACK_OBJECT_BYTES &&
      rounded <= m->stack_bytes - m->stack_used) {
    void *p = m->stack_base + m->stack_used;
    m->stack_used += rounded;
    m->counts.stack_allocs++;
    m->counts.stack_alloc_bytes += bytes;
    clear_slots(p, nptrs);
    return p;
  }
  if (__builtin_expect(m->fheap_len == FRAME_HEAP_ENTRIES, 0))
    fatal("too many heap objects held by open frames (workload bug)");
  void *p = heap_alloc(m, site, bytes, nptrs);
  clear_slots(p, nptrs);
  m->fheap[m->fheap_len].obj = p;
  m->fheap[m->fheap_len].bytes = bytes;
  m->fheap_len++;
  return p;
}

void hl_drop(hl_mutator_t *m, void *obj, size_t bytes) {
  if (!obj || !m->free) return;
  m->free(obj, bytes);
  m->counts.frees++;
  m->counts.free_bytes += bytes;
}

void hl_set(hl_mutator_t *m, void *obj, unsigned slot, void *target) {
  void **s = (void **)obj + slot;
  if (m->barrier)
    m->barrier(s, target);
  else
    *s = target;
}

size_t hl_usable_size(const hl_mutator_t *m, void *obj) {
  return m->backend->usable_size ? m->backend->usable_size(obj) : 0;
}

int hl_size_class_info(const hl_mutator_t *m, size_t bytes, hl_size_class_t *out) {
  return m->backend->size_class ? m->backend->size_class(bytes, out) : HL_EUNAVAIL;
}

int hl_roots_new(hl_mutator_t *m, size_t n, hl_roots_t **out) {
  hl_roots_t *r = calloc(1, sizeof *r);
  if (!r) return HL_ENOMEM;
  r->n = n;
  r->slot = calloc(n ? n : 1, sizeof *r->slot);
  if (!r->slot) {
    free(r);
    return HL_ENOMEM;
  }
  if (m->collector && m->backend->add_roots(r->slot, n * sizeof *r->slot) != 0) {
    free(r->slot);
    free(r);
    return HL_ENOMEM;
  }
  *out = r;
  return 0;
}

void hl_roots_free(hl_mutator_t *m, hl_roots_t *roots) {
  if (!roots) return;
  if (m->collector) m->backend->remove_roots(roots->slot, roots->n * sizeof *roots->slot);
  free(roots->slot);
  free(roots);
}

void hl_root_set(hl_mutator_t *m, hl_roots_t *roots, size_t i, void *target) {
  if (m->barrier)
    m->barrier(&roots->slot[i], target);
  else
    roots->slot[i] = target;
}

/* Zeroes a popped area (a multiple of 16 bytes, 16-byte aligned) with plain
 * word stores. Popped areas are a few words, and a libc memset call here was
 * measured at over 100 ns per 32-byte call in one build of this very loop
 * (glibc's AVX-512 variant on this VM; 8 ns with it disabled), so the
 * stores are volatile to keep the compiler from turning the loop back into
 * a memset call. */
static void clear_words(void *p, size_t bytes) {
  volatile uint64_t *w = p;
  for (size_t i = 0; i < bytes / sizeof(uint64_t); i++)
    w[i] = 0;
}

/* The same through the write barrier, for a collector that has one: a
 * popped frame area is a stack in Go's sense (stored into without the
 * barrier), and a concurrent collector's deletion barrier must see the
 * pointers that leave it. Zero words need no call. */
static void clear_words_barrier(hl_mutator_t *m, void *p, size_t bytes) {
  void **w = p;
  for (size_t i = 0; i < bytes / sizeof(void *); i++)
    if (w[i]) m->barrier(&w[i], NULL);
}

void hl_frame_enter(hl_mutator_t *m) {
  if (__builtin_expect(m->depth == HL_MAX_FRAMES, 0)) fatal("frames nested too deep");
  m->frames[m->depth].stack_used = m->stack_used;
  m->frames[m->depth].fheap_len = m->fheap_len;
  m->depth++;
}

void hl_frame_leave(hl_mutator_t *m) {
  if (__builtin_expect(m->depth == 0, 0)) fatal("frame left that was never entered");
  frame_record_t *f = &m->frames[--m->depth];
  for (size_t i = f->fheap_len; i < m->fheap_len; i++) {
    if (m->free) {
      m->free(m->fheap[i].obj, m->fheap[i].bytes);
      m->counts.frees++;
      m->counts.free_bytes += m->fheap[i].bytes;
    }
  }
  if (m->collector && m->barrier) {
    clear_words_barrier(m, m->stack_base + f->stack_used, m->stack_used - f->stack_used);
    clear_words_barrier(m, m->fheap + f->fheap_len,
                        (m->fheap_len - f->fheap_len) * sizeof *m->fheap);
  } else if (m->collector) {
    clear_words(m->stack_base + f->stack_used, m->stack_used - f->stack_used);
    clear_words(m->fheap + f->fheap_len, (m->fheap_len - f->fheap_len) * sizeof *m->fheap);
  }
  m->stack_used = f->stack_used;
  m->fheap_len = f->fheap_len;
}

int hl_set_gc_percent(hl_mutator_t *m, int gc_percent, int *old_out) {
  if (!m->backend->set_gc_percent) return HL_EUNAVAIL;
  if (gc_percent < 1 && gc_percent != HL_GC_OFF) return HL_EINVAL;
  int old = m->backend->set_gc_percent(gc_percent);
  if (old_out) *old_out = old;
  return 0;
}

int hl_set_memory_limit(hl_mutator_t *m, int64_t bytes, int64_t *old_out) {
  if (!m->backend->set_memory_limit) return HL_EUNAVAIL;
  int64_t old = m->backend->set_memory_limit(bytes);
  if (old_out) *old_out = old;
  return 0;
}

uint64_t hl_mutator_gc_count(hl_mutator_t *m) {
  const hl_backend_t *be = m->backend;
  if (!(be->caps & HL_CAP_COLLECT)) return 0;
  if (m->gc_cycles) return __atomic_load_n(m->gc_cycles, __ATOMIC_ACQUIRE);
  if (!be->stats) return 0;
  hl_heap_stats_t st;
  st.present = 0;
  st.nclasses = 0;
  if (be->stats(&st) != 0 || !(st.present & (1u << HL_HS_num_gc))) return 0;
  return st.value[HL_HS_num_gc];
}

void hl_mutator_block(hl_mutator_t *m) {
  if (m->backend->thread_block) m->backend->thread_block();
}

void hl_mutator_unblock(hl_mutator_t *m) {
  if (m->backend->thread_unblock) m->backend->thread_unblock();
}
