/* mimalloc: Debian's libmimalloc2.0, put into the worker with LD_PRELOAD.
 *
 * mimalloc's release build keeps no byte counters, so the only heap figure it
 * can tell is the memory it has committed (mi_process_info's current_commit),
 * reported as heap_sys_bytes. The rest is left out rather than guessed. */
#include "backend.h"
#include "preload.h"

#include "error.h"

#include <stdio.h>

typedef int (*mi_version_fn)(void);
typedef void (*mi_process_info_fn)(size_t *elapsed_msecs, size_t *user_msecs, size_t *system_msecs,
                                   size_t *current_rss, size_t *peak_rss, size_t *current_commit,
                                   size_t *peak_commit, size_t *page_faults);

static mi_process_info_fn mi_info;

static int mi_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  (void)cfg;
  mi_version_fn version =
      (mi_version_fn)hl_preload_verify("libmimalloc.so.2", "mi_version", info, why, why_len);
  if (!version) return HL_EUNAVAIL;
  int v = version(); /* MI_MALLOC_VERSION: 209 for 2.0.9 */
  snprintf(info->version, sizeof info->version, "%d.%d.%d", v / 100, (v / 10) % 10, v % 10);
  mi_info = (mi_process_info_fn)hl_preload_sym("mi_process_info");
  return 0;
}

static int mi_stats(hl_heap_stats_t *out) {
  if (!mi_info) return HL_EUNAVAIL;
  size_t elapsed, user, sys, rss, peak_rss, commit, peak_commit, faults;
  mi_info(&elapsed, &user, &sys, &rss, &peak_rss, &commit, &peak_commit, &faults);
  hl_heap_stats_set(out, HL_HS_heap_sys_bytes, commit);
  return 0;
}

const hl_backend_t hl_backend_mimalloc = {
    .name = "mimalloc",
    .summary = "mimalloc (Microsoft), LD_PRELOAD of libmimalloc.so.2",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .library = "libmimalloc.so.2",
    .preload = 1,
    .package = "libmimalloc2.0",
    .unreported = "heap_alloc_bytes, heap_inuse_bytes, heap_released_bytes: the release "
                  "build of mimalloc keeps no byte counters; heap_sys_bytes is its commit",
    .init = mi_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .stats = mi_stats,
    .usable_size = hl_malloc_usable_size,
};
