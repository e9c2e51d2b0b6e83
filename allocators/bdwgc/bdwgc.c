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
 * GOGC can change at run time (set_gc_percent, Go's debug.SetGCPercent):
 * the divisor is set again, and off/on map to GC_disable/GC_enable (which
 * nest in libgc, so heaplab keeps at most one GC_disable outstanding).
 * libgc has no soft memory limit (GC_set_max_heap_size is a hard one that
 * returns NULL), so --memlimit is ignored and the settings say so.
 *
 * Per-cycle records. libgc reports each collection's progress through
 * GC_set_on_collection_event, from the collecting thread with its allocation
 * lock held: START, MARK_START, MARK_END, RECLAIM_START, RECLAIM_END, END
 * (v8.2.2 alloc.c, GC_try_to_collect_inner and GC_stopped_mark; all
 * collections of a non-incremental libgc go through them). Go's three clock
 * phases map to START..MARK_START (stopping the world), MARK_START..MARK_END
 * (marking, world stopped, with libgc's parallel markers) and
 * MARK_END..END (restarting the world, then finishing and starting the
 * sweep under the allocation lock). Any thread that allocates waits for the
 * lock for the whole of it, so the whole cycle counts as pause.
 *   CPU time: CLOCK_PROCESS_CPUTIME_ID deltas between the events. The world
 *   is stopped, so the process's CPU then is the collector's (its parallel
 *   marker threads included); during the last phase a mutator thread that
 *   does not allocate could still run and be charged. The split goes to
 *   gctrace's sweep termination, background mark and mark termination slots
 *   (libgc has no assists and no idle marking).
 *   Heap: heap_start is Go's heapLive, bytes marked by the previous cycle
 *   plus bytes allocated since (GC_get_bytes_since_gc; with thread-local
 *   allocation libgc counts whole free lists handed to a thread, so it runs
 *   a little ahead); heap_end equals it, as nothing is allocated while the
 *   world is stopped; heap_marked is the sum of the sizes of the marked
 *   objects, walked with GC_enumerate_reachable_objects_inner at
 *   RECLAIM_END, once free-list marks are cleared; it equals libgc's own
 *   GC_composite_in_use + GC_atomic_in_use (GC_PRINT_STATS's "In-use heap"),
 *   which libgc does not export. The walk is heaplab's cost, charged to the
 *   cycle's last phase and to the cell's CPU time: measured here, 5 ms of
 *   76 ms of pauses in a 141 ms steady-service run (default parameters), 34
 *   ms of 1.23 s in sizeclass-sweep (4871 cycles), so 2.5-3.7% of the run. Trigger, goal, stack and root bytes: libgc does not
 *   tell them (0). The callbacks cannot call GC_get_prof_stats or anything
 *   else that takes the allocation lock: it is not recursive.
 *   gc_cpu_fraction: GC CPU since init over (wall time since init x the CPUs
 *   of the process's affinity mask), as Go's GCCPUFraction.
 *
 * num_gc counts the collections after init: libgc's GC_init collects the
 * empty heap once (gc_no 1) to set up its black lists, before heaplab can
 * see events, and that one is no workload's. With GOGC=off nothing else
 * collects: GC_disable() makes even GC_gcollect() a no-op.
 *
 * libgc does not expose the threshold of its next collection, so
 * heap_goal_bytes is left out; gc_pause_total_ns is the time from each
 * GC_EVENT_START to GC_EVENT_END (the collector is stop-the-world). */
#define GC_THREADS
#define GC_NO_THREAD_REDIRECTS
#include <gc/gc.h>
#include <gc/gc_mark.h>

#include "backend.h"

#include "error.h"
#include "util.h"

#include <dlfcn.h>
#include <math.h>
#include <pthread.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define BDWGC_LIBRARY "libgc.so.1"

/* The libgc entry points heaplab uses, resolved with dlsym at init. */
#define BDWGC_FUNCS(X)                                                                             \
  X(GC_init)                                                                                       \
  X(GC_malloc) X(GC_malloc_atomic) X(GC_gcollect) X(GC_get_gc_no) X(GC_get_prof_stats)             \
      X(GC_set_free_space_divisor) X(GC_disable) X(GC_allow_register_threads)                      \
          X(GC_register_my_thread) X(GC_unregister_my_thread) X(GC_get_stack_base) X(GC_add_roots) \
              X(GC_remove_roots) X(GC_get_version) X(GC_size) X(GC_set_on_collection_event)        \
                  X(GC_get_free_space_divisor) X(GC_enable) X(GC_get_bytes_since_gc)               \
                      X(GC_enumerate_reachable_objects_inner)

static struct {
#define HL_X(fn) __typeof__(&fn) fn;
  BDWGC_FUNCS(HL_X)
#undef HL_X
} gc;

static _Thread_local int thread_registered;
/* Set while this thread is inside GC_gcollect: its cycle is forced. */
static _Thread_local int thread_forcing;

/* The phases' boundaries, in event order. */
enum { MARK_AT_START, MARK_AT_MARK_START, MARK_AT_MARK_END, MARK_AT_END, MARKS };

/* Cycle bookkeeping: written only by the event callback, under libgc's
 * allocation lock; pause_total_ns is read by stats() after the timed loop. */
static struct {
  hl_gc_cycle_fn on_cycle;
  void *ctx;
  uint64_t init_ns;
  uint32_t procs;
  uint64_t cycles, pause_total_ns, gc_cpu_total_ns;
  uint64_t marked_bytes; /* of the last cycle */
  int in_cycle;          /* a START without its END yet */
  uint64_t wall_ns[MARKS], cpu_ns[MARKS];
  hl_gc_cycle_t cur;
} ev;

static uint64_t process_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void mark_time(int at) {
  ev.wall_ns[at] = hl_now_ns();
  ev.cpu_ns[at] = process_cpu_ns();
}

static void GC_CALLBACK add_marked(void *obj, size_t bytes, void *sum) {
  (void)obj;
  *(uint64_t *)sum += bytes;
}

static void cycle_begin(void) {
  memset(&ev.cur, 0, sizeof ev.cur);
  mark_time(MARK_AT_START);
  ev.in_cycle = 1;
  ev.cur.start_ns = ev.wall_ns[MARK_AT_START] - ev.init_ns;
  ev.cur.forced = (uint8_t)thread_forcing;
  ev.cur.heap_start_bytes = ev.marked_bytes + gc.GC_get_bytes_since_gc();
  ev.cur.heap_end_bytes = ev.cur.heap_start_bytes;
}

static void cycle_end(void) {
  mark_time(MARK_AT_END);
  hl_gc_cycle_t *c = &ev.cur;
  const uint64_t *w = ev.wall_ns, *u = ev.cpu_ns;
  for (int i = 0; i < 3; i++)
    c->clock_ns[i] = w[i + 1] - w[i];
  c->cpu_ns[0] = u[MARK_AT_MARK_START] - u[MARK_AT_START];
  c->cpu_ns[2] = u[MARK_AT_MARK_END] - u[MARK_AT_MARK_START];
  c->cpu_ns[4] = u[MARK_AT_END] - u[MARK_AT_MARK_END];
  c->pause_ns = w[MARK_AT_END] - w[MARK_AT_START];
  c->num = ++ev.cycles;
  c->procs = ev.procs;
  ev.pause_total_ns += c->pause_ns;
  ev.gc_cpu_total_ns += u[MARK_AT_END] - u[MARK_AT_START];
  double avail = (double)(w[MARK_AT_END] - ev.init_ns) * ev.procs;
  c->gc_cpu_fraction = avail > 0 ? (double)ev.gc_cpu_total_ns / avail : 0;
  if (c->gc_cpu_fraction > 1) c->gc_cpu_fraction = 1;
  ev.in_cycle = 0;
  if (ev.on_cycle) ev.on_cycle(ev.ctx, c);
}

static void GC_CALLBACK on_collection_event(GC_EventType type) {
  switch (type) {
  case GC_EVENT_START: cycle_begin(); break; /* also restarts an abandoned one */
  case GC_EVENT_MARK_START:
    if (ev.in_cycle) mark_time(MARK_AT_MARK_START);
    break;
  case GC_EVENT_MARK_END:
    if (ev.in_cycle) mark_time(MARK_AT_MARK_END);
    break;
  case GC_EVENT_RECLAIM_END:
    if (!ev.in_cycle) break;
    ev.marked_bytes = 0;
    gc.GC_enumerate_reachable_objects_inner(add_marked, &ev.marked_bytes);
    ev.cur.heap_marked_bytes = ev.marked_bytes;
    break;
  case GC_EVENT_END:
    if (ev.in_cycle) cycle_end();
    break;
  default: break;
  }
}

static uint32_t affinity_cpus(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? (uint32_t)n : 1;
}

static int divisor_for(int gc_percent) {
  long d = lround(200.0 / (double)gc_percent);
  return d < 1 ? 1 : (int)d;
}

/* The GOGC in force; set_gc_percent may be called from several threads. */
static pthread_mutex_t knob_lock = PTHREAD_MUTEX_INITIALIZER;
static int gc_percent_now = 100;

/* Moves libgc from GOGC `old` to `now`; knob_lock held (or at init). */
static void apply_gc_percent(int old, int now) {
  if (now == HL_GC_OFF) {
    if (old != HL_GC_OFF) gc.GC_disable();
    return;
  }
  gc.GC_set_free_space_divisor((GC_word)divisor_for(now));
  if (old == HL_GC_OFF) gc.GC_enable();
}

static int bdwgc_set_gc_percent(int gc_percent) {
  pthread_mutex_lock(&knob_lock);
  int old = gc_percent_now;
  if (gc_percent != old) apply_gc_percent(old, gc_percent);
  gc_percent_now = gc_percent;
  pthread_mutex_unlock(&knob_lock);
  return old;
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
  ev.on_cycle = cfg->on_gc_cycle;
  ev.ctx = cfg->gc_cycle_ctx;
  ev.procs = affinity_cpus();
  ev.init_ns = hl_now_ns();
  gc.GC_set_on_collection_event(on_collection_event);
  gc_percent_now = cfg->gc_percent;
  apply_gc_percent(100, cfg->gc_percent);
  int n;
  if (cfg->gc_percent == HL_GC_OFF)
    n = snprintf(info->settings, sizeof info->settings, "GOGC=off: GC_disable()");
  else
    n = snprintf(info->settings, sizeof info->settings, "GOGC=%d: free_space_divisor=%d",
                 cfg->gc_percent, divisor_for(cfg->gc_percent));
  if (cfg->memory_limit_bytes != HL_NO_MEMORY_LIMIT && n > 0 && (size_t)n < sizeof info->settings)
    snprintf(info->settings + n, sizeof info->settings - (size_t)n,
             "; GOMEMLIMIT=%lld ignored: libgc has no soft limit",
             (long long)cfg->memory_limit_bytes);
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
  thread_forcing = 1;
  gc.GC_gcollect();
  thread_forcing = 0;
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
  /* Not ps.gc_no: that counts the collection GC_init makes of the empty
   * heap (to set up its black lists), before any workload ran. */
  hl_heap_stats_set(out, HL_HS_num_gc, ev.cycles);
  hl_heap_stats_set(out, HL_HS_gc_pause_total_ns, ev.pause_total_ns);
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
    .set_gc_percent = bdwgc_set_gc_percent,
    .usable_size = bdwgc_usable_size,
};
