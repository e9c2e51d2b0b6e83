/* bdwgc: the Boehm-Demers-Weiser conservative collector (Debian libgc1),
 * dlopen()ed into the worker. Objects are reclaimed only by collection:
 * there is no free slot, so hl_drop() does nothing and a workload must really
 * unlink what it no longer needs.
 *
 * Objects with pointer slots come from GC_malloc (scanned conservatively,
 * whole object); pointer-free ones from GC_malloc_atomic (never scanned). The
 * mutator's root slots and stack regions are registered with GC_add_roots.
 * GC_all_interior_pointers keeps libgc's default (on), so libgc adds one byte
 * to every request: a 1024-byte object lands in a larger size class. That is
 * how libgc behaves out of the box and it is measured as such.
 *
 * GOGC mapping. libgc starts a collection once the bytes allocated since the
 * last one reach (2*pointerful_live + atomic_live/4 + roots) / D, where D is
 * GC_free_space_divisor; for a pointerful heap the peak is about
 * live * (1 + 2/D). Go's goal is live * (1 + GOGC/100), so D = 200 / GOGC,
 * rounded and clamped to >= 1 (GOGC >= 400 saturates at D = 1). GOGC=off
 * calls GC_disable(). Default GOGC=100 gives D = 2 (libgc's own default is
 * 3). Pointer-free heaps collect far more often than this suggests: libgc
 * counts atomic bytes at a quarter, by design.
 *
 * libgc does not expose the threshold of its next collection, so
 * heap_goal_bytes is left out; gc_pause_total_ns is the time from each
 * GC_EVENT_START to GC_EVENT_END (the collector is stop-the-world). */
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc.h>

#include "backend.h"

#include "error.h"
#include "util.h"

#include <dlfcn.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define BDWGC_LIBRARY "libgc.so.1"

/* The libgc entry points heaplab uses, resolved with dlsym at init. */
#define BDWGC_FUNCS(X)                                                                             \
  X(GC_init)                                                                                       \
  X(GC_malloc) X(GC_malloc_atomic) X(GC_gcollect) X(GC_get_gc_no) X(GC_get_prof_stats)             \
      X(GC_set_free_space_divisor) X(GC_disable) X(GC_allow_register_threads)                      \
          X(GC_register_my_thread) X(GC_unregister_my_thread) X(GC_get_stack_base) X(GC_add_roots) \
              X(GC_remove_roots) X(GC_get_version) X(GC_size) X(GC_set_on_collection_event)        \
                  X(GC_get_free_space_divisor)

static struct {
#define HL_X(fn) __typeof__(&fn) fn;
  BDWGC_FUNCS(HL_X)
#undef HL_X
} gc;

static _Thread_local int thread_registered;
/* Written under libgc's allocation lock (the event callback runs with it
 * held), read by stats() after the timed loop. */
static uint64_t pause_start_ns, pause_total_ns;

static void on_collection_event(GC_EventType ev) {
  if (ev == GC_EVENT_START)
    pause_start_ns = hl_now_ns();
  else if (ev == GC_EVENT_END && pause_start_ns)
    pause_total_ns += hl_now_ns() - pause_start_ns;
}

static int divisor_for(int gc_percent) {
  long d = lround(200.0 / (double)gc_percent);
  return d < 1 ? 1 : (int)d;
}

static int bdwgc_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                      size_t why_len) {
  void *h = dlopen(BDWGC_LIBRARY, RTLD_NOW | RTLD_GLOBAL);
  if (!h) {
    snprintf(why, why_len, "cannot load %s: %s", BDWGC_LIBRARY, dlerror());
    return HL_EUNAVAIL;
  }
#define HL_X(fn)                                                                                   \
  if (!(*(void **)&gc.fn = dlsym(h, #fn))) {                                                       \
    snprintf(why, why_len, "%s lacks %s", BDWGC_LIBRARY, #fn);                                     \
    return HL_EUNAVAIL;                                                                            \
  }
  BDWGC_FUNCS(HL_X)
#undef HL_X
  gc.GC_init();
  gc.GC_allow_register_threads();
  gc.GC_set_on_collection_event(on_collection_event);
  if (cfg->gc_percent == HL_GC_OFF) {
    gc.GC_disable();
    snprintf(info->settings, sizeof info->settings, "GOGC=off: GC_disable()");
  } else {
    int d = divisor_for(cfg->gc_percent);
    gc.GC_set_free_space_divisor((GC_word)d);
    snprintf(info->settings, sizeof info->settings, "GOGC=%d: free_space_divisor=%d",
             cfg->gc_percent, d);
  }
  unsigned v = gc.GC_get_version();
  snprintf(info->version, sizeof info->version, "%u.%u.%u", v >> 16, (v >> 8) & 0xff, v & 0xff);
  Dl_info di;
  if (dladdr(*(void **)&gc.GC_malloc, &di) && di.dli_fname &&
      !realpath(di.dli_fname, info->library_path))
    snprintf(info->library_path, sizeof info->library_path, "%s", di.dli_fname);
  return 0;
}

static int bdwgc_thread_attach(void) {
  struct GC_stack_base sb;
  if (gc.GC_get_stack_base(&sb) != GC_SUCCESS) return HL_ESYS;
  int rc = gc.GC_register_my_thread(&sb);
  if (rc == GC_SUCCESS) thread_registered = 1;
  return rc == GC_SUCCESS || rc == GC_DUPLICATE ? 0 : HL_ESYS;
}

static void bdwgc_thread_detach(void) {
  if (thread_registered) gc.GC_unregister_my_thread();
  thread_registered = 0;
}

static void *bdwgc_alloc(size_t bytes, unsigned nptrs) {
  return nptrs ? gc.GC_malloc(bytes) : gc.GC_malloc_atomic(bytes);
}

static void bdwgc_collect(void) {
  gc.GC_gcollect();
}

static int bdwgc_stats(hl_heap_stats_t *out) {
  struct GC_prof_stats_s ps;
  memset(&ps, 0, sizeof ps);
  gc.GC_get_prof_stats(&ps, sizeof ps);
  /* heapsize_full counts unmapped (released) blocks too; free_bytes_full
   * likewise, so their difference is the part holding objects. */
  hl_heap_stats_set(out, HL_HS_heap_sys_bytes, ps.heapsize_full);
  hl_heap_stats_set(out, HL_HS_heap_inuse_bytes, ps.heapsize_full - ps.free_bytes_full);
  hl_heap_stats_set(out, HL_HS_heap_released_bytes, ps.unmapped_bytes);
  hl_heap_stats_set(out, HL_HS_num_gc, ps.gc_no);
  hl_heap_stats_set(out, HL_HS_gc_pause_total_ns, pause_total_ns);
  return 0;
}

static int bdwgc_add_roots(void *start, size_t bytes) {
  gc.GC_add_roots(start, (char *)start + bytes);
  return 0;
}

static void bdwgc_remove_roots(void *start, size_t bytes) {
  gc.GC_remove_roots(start, (char *)start + bytes);
}

static size_t bdwgc_usable_size(void *obj) {
  return gc.GC_size(obj);
}

const hl_backend_t hl_backend_bdwgc = {
    .name = "bdwgc",
    .summary = "Boehm-Demers-Weiser conservative collector, dlopen of libgc.so.1",
    .kind = HL_BACKEND_GC,
    .caps = HL_CAP_COLLECT | HL_CAP_ROOTS | HL_CAP_GC_PERCENT | HL_CAP_STATS,
    .library = BDWGC_LIBRARY,
    .preload = 0,
    .package = "libgc1",
    .unreported = "heap_goal_bytes: libgc does not expose the threshold of its next "
                  "collection; heap_alloc_bytes: it counts only what it has marked",
    .init = bdwgc_init,
    .thread_attach = bdwgc_thread_attach,
    .thread_detach = bdwgc_thread_detach,
    .alloc = bdwgc_alloc,
    .collect = bdwgc_collect,
    .stats = bdwgc_stats,
    .add_roots = bdwgc_add_roots,
    .remove_roots = bdwgc_remove_roots,
    .usable_size = bdwgc_usable_size,
};
