/* tcmalloc: gperftools' libtcmalloc_minimal.so.4 (Debian libtcmalloc-minimal4),
 * put into the worker with LD_PRELOAD. The minimal build is the one without
 * the heap profiler, which is what allocator comparisons use.
 *
 * Statistics through MallocExtension's C interface:
 * generic.current_allocated_bytes (live objects), generic.heap_size (bytes
 * the page heap holds, released or not), tcmalloc.pageheap_unmapped_bytes
 * (released to the OS), tcmalloc.pageheap_free_bytes (free, still resident). */
#include "backend.h"
#include "preload.h"

#include "error.h"

#include <stdio.h>

typedef const char *(*tc_version_fn)(int *major, int *minor, const char **patch);
typedef int (*numeric_property_fn)(const char *name, size_t *value);

static numeric_property_fn tc_property;

static int tc_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  (void)cfg;
  tc_version_fn version = (tc_version_fn)hl_preload_verify("libtcmalloc_minimal.so.4", "tc_version",
                                                           info, why, why_len);
  if (!version) return HL_EUNAVAIL;
  int major = 0, minor = 0;
  const char *patch = "";
  version(&major, &minor, &patch);
  snprintf(info->version, sizeof info->version, "%d.%d%s", major, minor, patch ? patch : "");
  tc_property = (numeric_property_fn)hl_preload_sym("MallocExtension_GetNumericProperty");
  return 0;
}

static int tc_stats(hl_heap_stats_t *out) {
  if (!tc_property) return HL_EUNAVAIL;
  size_t allocated, heap, unmapped, pfree;
  if (tc_property("generic.current_allocated_bytes", &allocated))
    hl_heap_stats_set(out, HL_HS_heap_alloc_bytes, allocated);
  if (tc_property("generic.heap_size", &heap)) {
    hl_heap_stats_set(out, HL_HS_heap_sys_bytes, heap);
    if (tc_property("tcmalloc.pageheap_unmapped_bytes", &unmapped) &&
        tc_property("tcmalloc.pageheap_free_bytes", &pfree)) {
      hl_heap_stats_set(out, HL_HS_heap_released_bytes, unmapped);
      hl_heap_stats_set(out, HL_HS_heap_inuse_bytes, heap - unmapped - pfree);
    }
  }
  return 0;
}

const hl_backend_t hl_backend_tcmalloc = {
    .name = "tcmalloc",
    .summary = "tcmalloc (gperftools), LD_PRELOAD of libtcmalloc_minimal.so.4",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .library = "libtcmalloc_minimal.so.4",
    .preload = 1,
    .package = "libtcmalloc-minimal4",
    .init = tc_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .stats = tc_stats,
    .usable_size = hl_malloc_usable_size,
};
