/* jemalloc: Debian's libjemalloc2, put into the worker with LD_PRELOAD.
 *
 * Statistics through mallctl() after bumping "epoch" (jemalloc caches its
 * counters until then): stats.allocated (bytes in live objects), stats.active
 * (bytes in active pages), stats.mapped + stats.retained (everything the
 * allocator holds in virtual memory), stats.retained alone (pages handed back
 * to the OS but kept mapped). Debian's build has stats enabled; when a build
 * does not, the fields are left out, never reported as 0. */
#include "backend.h"
#include "preload.h"

#include "error.h"

#include <stdio.h>
#include <sys/types.h>

typedef int (*mallctl_fn)(const char *name, void *oldp, size_t *oldlenp, void *newp, size_t newlen);

static mallctl_fn je_mallctl;

static int je_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  (void)cfg;
  je_mallctl = (mallctl_fn)hl_preload_verify("libjemalloc.so.2", "mallctl", info, why, why_len);
  if (!je_mallctl) return HL_EUNAVAIL;
  const char *version = NULL;
  size_t len = sizeof version;
  if (je_mallctl("version", &version, &len, NULL, 0) == 0 && version)
    snprintf(info->version, sizeof info->version, "%s", version);
  ssize_t decay_ms = 0;
  size_t dlen = sizeof decay_ms;
  if (je_mallctl("opt.dirty_decay_ms", &decay_ms, &dlen, NULL, 0) == 0)
    snprintf(info->settings, sizeof info->settings, "dirty_decay_ms=%zd", decay_ms);
  return 0;
}

static int je_read(const char *name, uint64_t *out) {
  size_t v = 0, len = sizeof v;
  if (je_mallctl(name, &v, &len, NULL, 0) != 0) return HL_EUNAVAIL;
  *out = v;
  return 0;
}

static int je_stats(hl_heap_stats_t *out) {
  uint64_t epoch = 1;
  size_t len = sizeof epoch;
  if (je_mallctl("epoch", &epoch, &len, &epoch, len) != 0) return HL_EUNAVAIL;
  uint64_t allocated, active, mapped, retained;
  if (je_read("stats.allocated", &allocated) == 0)
    hl_heap_stats_set(out, HL_HS_heap_alloc_bytes, allocated);
  if (je_read("stats.active", &active) == 0) hl_heap_stats_set(out, HL_HS_heap_inuse_bytes, active);
  if (je_read("stats.mapped", &mapped) == 0 && je_read("stats.retained", &retained) == 0) {
    hl_heap_stats_set(out, HL_HS_heap_sys_bytes, mapped + retained);
    hl_heap_stats_set(out, HL_HS_heap_released_bytes, retained);
  }
  return 0;
}

const hl_backend_t hl_backend_jemalloc = {
    .name = "jemalloc",
    .summary = "jemalloc (FreeBSD/Meta), LD_PRELOAD of libjemalloc.so.2",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE | HL_CAP_STATS,
    .library = "libjemalloc.so.2",
    .preload = 1,
    .package = "libjemalloc2",
    .init = je_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .stats = je_stats,
    .usable_size = hl_malloc_usable_size,
};
