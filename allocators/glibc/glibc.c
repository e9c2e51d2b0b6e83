/* glibc: the system allocator (ptmalloc2), nothing preloaded.
 *
 * Statistics come from mallinfo2(), which walks every arena under its lock:
 * called only outside timed loops. init() refuses to run when some other
 * library has interposed malloc, so a stray LD_PRELOAD in the user's
 * environment cannot be measured under glibc's name. */
#include "backend.h"
#include "preload.h"

#include "error.h"

#include <dlfcn.h>
#include <gnu/libc-version.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { OPT_ARENA_MAX, OPT_COUNT };

static const hl_backend_option_t options[OPT_COUNT] = {
    [OPT_ARENA_MAX] = {"arena_max", 1, 1024,
                       "at most this many malloc arenas (mallopt M_ARENA_MAX, as "
                       "MALLOC_ARENA_MAX=N; default 8 per core)"},
};

/* arena_max. glibc gives each thread that allocates an arena of its own
 * until it has 8 per core; the limit is read when a thread first needs an
 * arena, so mallopt() in init, on the main thread before the workload's
 * threads start, governs every one of them (the main thread keeps the main
 * arena). It overrides MALLOC_ARENA_MAX from the environment. */
static int apply_arena_max(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                           size_t why_len) {
  if (!(cfg->options_given & (1u << OPT_ARENA_MAX))) {
    const char *arena_max = getenv("MALLOC_ARENA_MAX");
    snprintf(info->settings, sizeof info->settings, "MALLOC_ARENA_MAX=%s",
             arena_max ? arena_max : "default");
    return 0;
  }
  int n = (int)cfg->option[OPT_ARENA_MAX];
  if (mallopt(M_ARENA_MAX, n) != 1) {
    snprintf(why, why_len, "mallopt(M_ARENA_MAX, %d) failed", n);
    return HL_EINVAL;
  }
  snprintf(info->settings, sizeof info->settings,
           "MALLOC_ARENA_MAX=%d (option arena_max: mallopt(M_ARENA_MAX, %d) in init)", n, n);
  return 0;
}

static int glibc_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                      size_t why_len) {
  Dl_info di;
  void *m = dlsym(RTLD_DEFAULT, "malloc");
  if (!m || !dladdr(m, &di) || !di.dli_fname || !strstr(di.dli_fname, "libc.so")) {
    snprintf(why, why_len, "malloc is interposed by %s (unset LD_PRELOAD)",
             m && dladdr(m, &di) && di.dli_fname ? di.dli_fname : "?");
    return HL_EUNAVAIL;
  }
  snprintf(info->version, sizeof info->version, "%s", gnu_get_libc_version());
  if (realpath(di.dli_fname, info->library_path) == NULL)
    snprintf(info->library_path, sizeof info->library_path, "%s", di.dli_fname);
  return apply_arena_max(cfg, info, why, why_len);
}

static int glibc_stats(hl_heap_stats_t *out) {
  struct mallinfo2 mi = mallinfo2();
  /* uordblks: bytes in allocated chunks of the arenas; hblkhd: bytes in
   * mmap()ed chunks; arena: bytes obtained with sbrk/arena heaps. */
  hl_heap_stats_set(out, HL_HS_heap_alloc_bytes, (uint64_t)(mi.uordblks + mi.hblkhd));
  hl_heap_stats_set(out, HL_HS_heap_sys_bytes, (uint64_t)(mi.arena + mi.hblkhd));
  return 0;
}

const hl_backend_t hl_backend_glibc = {
    .name = "glibc",
    .summary = "the system allocator (ptmalloc2), as the process gets it",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .library = NULL,
    .preload = 0,
    .package = "libc6",
    .unreported = "heap_inuse_bytes, heap_released_bytes: mallinfo2 has no such figures",
    .options = options,
    .noptions = OPT_COUNT,
    .init = glibc_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .stats = glibc_stats,
    .usable_size = hl_malloc_usable_size,
};
