/* Two backends that are not a library heaplab knows (backend.h):
 *
 *   so:PATH  a user's own malloc library, put into the worker (or a -x
 *            program) with LD_PRELOAD and proved there like jemalloc is:
 *            malloc must resolve into that very file. Its version is what
 *            the library says through the calls the common allocators
 *            export for it, where it has one.
 *   go       a Go program's own runtime (-x only): nothing is loaded; the
 *            program's collector is the backend, GOGC and GOMEMLIMIT its
 *            knobs, and its gctrace lines its cycles (worker/external.c). */
#include "backend.h"
#include "preload.h"

#include <dlfcn.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *object_of(void *addr) {
  Dl_info di;
  return addr && dladdr(addr, &di) && di.dli_fname ? di.dli_fname : NULL;
}

/* The version a library tells about itself through one of the calls the
 * common allocators export, or "" (a library without any). */
static void library_version(char *buf, size_t len) {
  typedef int (*mi_version_fn)(void);
  typedef const char *(*tc_version_fn)(int *, int *, const char **);
  typedef int (*mallctl_fn)(const char *, void *, size_t *, void *, size_t);
  typedef const char *(*span_version_fn)(void);
  void *f;
  buf[0] = '\0';
  if ((f = dlsym(RTLD_DEFAULT, "mi_version"))) {
    int v = ((mi_version_fn)f)();
    snprintf(buf, len, "mimalloc %d.%d.%d", v / 100, v / 10 % 10, v % 10);
  } else if ((f = dlsym(RTLD_DEFAULT, "tc_version"))) {
    snprintf(buf, len, "%s", ((tc_version_fn)f)(NULL, NULL, NULL));
  } else if ((f = dlsym(RTLD_DEFAULT, "mallctl"))) {
    const char *v = NULL;
    size_t sz = sizeof v;
    if (((mallctl_fn)f)("version", &v, &sz, NULL, 0) == 0 && v)
      snprintf(buf, len, "jemalloc %s", v);
  } else if ((f = dlsym(RTLD_DEFAULT, "heaplab_span_version"))) {
    snprintf(buf, len, "%s", ((span_version_fn)f)());
  }
}

static int so_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  char want[PATH_MAX], got[PATH_MAX];
  const char *path = cfg->library_path ? cfg->library_path : "";
  const char *serving = object_of(dlsym(RTLD_DEFAULT, "malloc"));
  if (!realpath(path, want)) {
    snprintf(why, why_len, "%s: cannot be resolved", path);
    return -1;
  }
  if (!serving || !realpath(serving, got) || strcmp(want, got) != 0) {
    snprintf(why, why_len,
             "malloc is served by %s, not by %s (LD_PRELOAD did not take effect, or the "
             "library does not define malloc)",
             serving ? serving : "?", want);
    return -1;
  }
  snprintf(info->library_path, sizeof info->library_path, "%.255s", want);
  library_version(info->version, sizeof info->version);
  return 0;
}

const hl_backend_t hl_backend_so = {
    .name = "so",
    .summary = "your own malloc library: -b so:PATH[:name=NAME], preloaded and verified",
    .kind = HL_BACKEND_MALLOC,
    .caps = HL_CAP_FREE,
    .preload = 1,
    .unreported = "heap statistics: a library heaplab does not know",
    .named_only = "needs a path: -b so:PATH[:name=NAME]",
    .init = so_init,
    .alloc = hl_malloc_alloc,
    .free = hl_malloc_free,
    .usable_size = hl_malloc_usable_size,
};

/* A probe of go starts nothing: the runtime is the program's. */
static int go_init(const hl_backend_config_t *cfg, hl_backend_info_t *info, char *why,
                   size_t why_len) {
  (void)cfg, (void)why, (void)why_len;
  snprintf(info->version, sizeof info->version, "the program's own");
  return 0;
}

const hl_backend_t hl_backend_go = {
    .name = "go",
    .summary = "a Go program's own runtime (-x), or a workload's Go twin: --gogc, --memlimit",
    .kind = HL_BACKEND_GC,
    .caps = HL_CAP_GC_PERCENT | HL_CAP_MEMORY_LIMIT,
    .unreported = "heap statistics between collections: only gctrace's per-cycle figures",
    .named_only = "a Go program's runtime: taken for Go programs given with -x",
    .programs_only = 1,
    .init = go_init,
};
