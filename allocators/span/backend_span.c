/* The span allocator as heaplab backends.
 *
 *   span         in the worker process itself: objects come from
 *                span_alloc_typed, so pointer-free objects use the noscan
 *                span classes and, under 16 bytes, the tiny allocator, as in
 *                Go; everything else in the worker keeps glibc's malloc
 *   span-malloc  libheaplab-span.so put into the worker with LD_PRELOAD,
 *                exactly as jemalloc is: every malloc of the process is
 *                served by the span allocator (no type information, so no
 *                tiny allocator)
 */
#include "backend.h"
#include "gc.h"
#include "preload.h"
#include "sizeclass.h"
#include "span.h"

#include "error.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void fill_stats(const span_stats_t *st, hl_heap_stats_t *out) {
  hl_heap_stats_set(out, HL_HS_heap_alloc_bytes, st->heap_alloc);
  hl_heap_stats_set(out, HL_HS_heap_inuse_bytes, st->heap_inuse);
  hl_heap_stats_set(out, HL_HS_heap_sys_bytes, st->heap_sys);
  hl_heap_stats_set(out, HL_HS_heap_released_bytes, st->heap_released);
  hl_heap_stats_set(out, HL_HS_heap_idle_bytes, st->heap_idle);
  hl_heap_stats_set(out, HL_HS_backend_allocs, st->mallocs);
  hl_heap_stats_set(out, HL_HS_backend_frees, st->frees);
  unsigned n = sizeof st->by_class / sizeof st->by_class[0];
  out->nclasses = n < HL_MAX_CLASS_COUNTS ? n : HL_MAX_CLASS_COUNTS;
  for (unsigned i = 0; i < out->nclasses; i++)
    out->by_class[i] =
        (hl_class_count_t){st->by_class[i].bytes, st->by_class[i].mallocs, st->by_class[i].frees};
}

/* "heaplab-span 0.1.0" -> "0.1.0" */
static void version_number(const char *v, char *buf, size_t len) {
  const char *sp = strchr(v, ' ');
  snprintf(buf, len, "%s", sp ? sp + 1 : v);
}

static void settings(char *buf, size_t len) {
  const char *mode = getenv("HEAPLAB_SPAN_SCAVENGER");
  snprintf(buf, len, "scavenger=%s", mode && *mode ? mode : "background");
}

/* Go's class for a request: its object size, span bytes and objects. */
static int span_size_class_info(size_t bytes, hl_size_class_t *out) {
  if (bytes == 0 || bytes > SPAN_MAX_SMALL_BYTES) return HL_ERANGE;
  unsigned cls = span_size_class(bytes);
  out->object_bytes = span_class_bytes[cls];
  out->span_bytes = (uint64_t)span_class_pages[cls] * SPAN_PAGE_BYTES;
  out->objects = span_class_objects[cls];
  return 0;
}

/* ---- span: in process --------------------------------------------------------- */

static int inproc_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                       size_t why_len) {
  (void)cfg, (void)why, (void)why_len;
  version_number(span_version(), info->version, sizeof info->version);
  settings(info->settings, sizeof info->settings);
  return 0;
}

static void *inproc_alloc(size_t bytes, unsigned nptrs) {
  return span_alloc_typed(bytes, nptrs);
}
static void inproc_free(void *obj, size_t bytes) {
  (void)bytes;
  span_free(obj);
}
static int inproc_stats(hl_heap_stats_t *out) {
  span_stats_t st;
  span_read_stats(&st);
  fill_stats(&st, out);
  return 0;
}

const hl_backend_t hl_backend_span = {
    .name = "span",
    .summary =
        "heaplab's Go-modelled span allocator, in the worker (typed objects, tiny allocator)",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .package = "heaplab",
    .init = inproc_init,
    .alloc = inproc_alloc,
    .free = inproc_free,
    .stats = inproc_stats,
    .usable_size = span_usable_size,
    .size_class = span_size_class_info,
};

/* ---- span-gc: the same heap, collected ---------------------------------------- */

enum { GC_OPT_MODE, GC_OPT_COUNT };
enum { GC_MODE_STW, GC_MODE_CONCURRENT };
static const char *const gc_mode_names[] = {"stw", "concurrent"};
static const hl_backend_option_t gc_options[GC_OPT_COUNT] = {
    [GC_OPT_MODE] = {"mode", GC_MODE_STW, GC_MODE_CONCURRENT,
                     "stw (default): the world stopped for the whole cycle; concurrent: Go's "
                     "collector, marking beside the mutators",
                     gc_mode_names},
};

static int gc_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  int mode = (cfg->options_given & (1u << GC_OPT_MODE)) ? (int)cfg->option[GC_OPT_MODE]
                                                         : GC_MODE_STW;
  span_gc_config_t gc = {.gc_percent = cfg->gc_percent,
                         .concurrent = mode == GC_MODE_CONCURRENT,
                         .memory_limit_bytes = cfg->memory_limit_bytes,
                         .pacer_model = cfg->pacer_model,
                         .on_cycle = cfg->on_gc_cycle,
                         .on_cycle_ctx = cfg->gc_cycle_ctx};
  if (span_gc_enable(&gc) != 0) {
    snprintf(why, why_len, "the span heap already has objects: the collector must come first");
    return HL_EINVAL;
  }
  version_number(span_version(), info->version, sizeof info->version);
  char gogc[16], limit[32], scav[64];
  if (cfg->gc_percent == HL_GC_OFF)
    snprintf(gogc, sizeof gogc, "off");
  else
    snprintf(gogc, sizeof gogc, "%d", cfg->gc_percent);
  if (cfg->memory_limit_bytes == HL_NO_MEMORY_LIMIT)
    snprintf(limit, sizeof limit, "off");
  else
    snprintf(limit, sizeof limit, "%lldB", (long long)cfg->memory_limit_bytes);
  settings(scav, sizeof scav);
  snprintf(info->settings, sizeof info->settings, "GOGC=%s GOMEMLIMIT=%s pacer=%s mode=%s %s",
           gogc, limit, cfg->pacer_model == 1 ? "go119" : "go122", gc_mode_names[mode], scav);
  return 0;
}

static int gc_attach(void) {
  return span_gc_thread_attach() == 0 ? 0 : HL_ESYS;
}

static int gc_stats(hl_heap_stats_t *out) {
  inproc_stats(out);
  span_gc_stats_t g;
  span_gc_read_stats(&g);
  hl_heap_stats_set(out, HL_HS_num_gc, g.num_gc);
  hl_heap_stats_set(out, HL_HS_heap_goal_bytes, g.heap_goal_bytes);
  hl_heap_stats_set(out, HL_HS_gc_pause_total_ns, g.pause_total_ns);
  return 0;
}

static int gc_add_roots(void *start, size_t bytes) {
  return span_gc_add_roots(start, bytes) == 0 ? 0 : HL_ENOMEM;
}

const hl_backend_t hl_backend_span_gc = {
    .name = "span-gc",
    .summary = "the span heap collected: precise mark-sweep paced by Go's pacer, concurrent "
               "(hybrid write barrier, assists) or stop-the-world",
    .kind = HL_BACKEND_GC,
    .caps = HL_CAP_COLLECT | HL_CAP_ROOTS | HL_CAP_GC_PERCENT | HL_CAP_STATS |
            HL_CAP_MEMORY_LIMIT,
    .package = "heaplab",
    .options = gc_options,
    .noptions = GC_OPT_COUNT,
    .init = gc_init,
    .thread_attach = gc_attach,
    .thread_detach = span_gc_thread_detach,
    .alloc = span_gc_alloc,
    .collect = span_gc_collect,
    .stats = gc_stats,
    .add_roots = gc_add_roots,
    .remove_roots = span_gc_remove_roots,
    .write_barrier = span_gc_write_barrier,
    .set_gc_percent = span_gc_set_gc_percent,
    .set_memory_limit = span_gc_set_memory_limit,
    .thread_block = span_gc_thread_block,
    .thread_unblock = span_gc_thread_unblock,
    .usable_size = span_usable_size,
    .size_class = span_size_class_info,
};

/* ---- span-malloc: LD_PRELOAD of libheaplab-span.so ------------------------------ */

#define SO_NAME "libheaplab-span.so"

/* Next to the heaplab executable: the build tree (harness/../allocators/span)
 * or an install (bin/../lib[/multiarch]). */
static const char *locate(void) {
  static char found[4096];
  static const char *const rel[] = {"/../allocators/span/" SO_NAME,
                                    "/../lib/x86_64-linux-gnu/" SO_NAME, "/../lib/" SO_NAME};
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) return NULL;
  exe[n] = '\0';
  char *slash = strrchr(exe, '/');
  if (!slash) return NULL;
  *slash = '\0';
  for (size_t i = 0; i < sizeof rel / sizeof rel[0]; i++) {
    char path[4096 + 64];
    snprintf(path, sizeof path, "%s%s", exe, rel[i]);
    struct stat st;
    if (stat(path, &st) == 0 && realpath(path, found)) return found;
  }
  return NULL;
}

typedef void (*read_stats_fn)(span_stats_t *out);
static read_stats_fn so_read_stats;

static int so_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  (void)cfg;
  const char *(*version)(void) =
      (const char *(*)(void))hl_preload_verify(SO_NAME, "heaplab_span_version", info, why, why_len);
  if (!version) return HL_EUNAVAIL;
  version_number(version(), info->version, sizeof info->version);
  settings(info->settings, sizeof info->settings);
  so_read_stats = (read_stats_fn)hl_preload_sym("heaplab_span_read_stats");
  return 0;
}

static int so_stats(hl_heap_stats_t *out) {
  if (!so_read_stats) return HL_EUNAVAIL;
  span_stats_t st;
  so_read_stats(&st);
  fill_stats(&st, out);
  return 0;
}

const hl_backend_t hl_backend_span_malloc = {
    .name = "span-malloc",
    .summary = "heaplab's span allocator as the process's malloc, LD_PRELOAD of " SO_NAME,
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .library = SO_NAME,
    .preload = 1,
    .package = "heaplab",
    .init = so_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .stats = so_stats,
    .usable_size = hl_malloc_usable_size,
    .size_class = span_size_class_info,
    .locate_library = locate,
};
