/* LD_PRELOAD verification shared by the glibc, jemalloc, mimalloc and tcmalloc
 * backends. */
#include "preload.h"

#include <dlfcn.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void *hl_preload_sym(const char *symbol) {
  return dlsym(RTLD_DEFAULT, symbol);
}

static const char *object_of(void *addr) {
  Dl_info di;
  if (!addr || !dladdr(addr, &di) || !di.dli_fname) return NULL;
  return di.dli_fname;
}

void *hl_preload_verify(const char *library, const char *symbol, hl_backend_info_t *info, char *why,
                        size_t why_len) {
  void *sym = dlsym(RTLD_DEFAULT, symbol);
  if (!sym) {
    snprintf(why, why_len,
             "%s is not loaded (LD_PRELOAD=%s did not take effect: is the "
             "library installed?)",
             library, library);
    return NULL;
  }
  const char *lib_path = object_of(sym);
  const char *malloc_path = object_of(dlsym(RTLD_DEFAULT, "malloc"));
  if (!lib_path || !malloc_path || strcmp(lib_path, malloc_path) != 0) {
    snprintf(why, why_len, "malloc is served by %s, not by %s", malloc_path ? malloc_path : "?",
             lib_path ? lib_path : library);
    return NULL;
  }
  char resolved[sizeof info->library_path];
  if (realpath(lib_path, resolved))
    snprintf(info->library_path, sizeof info->library_path, "%s", resolved);
  else
    snprintf(info->library_path, sizeof info->library_path, "%s", lib_path);
  return sym;
}

#include <malloc.h>

void *hl_malloc_alloc(size_t bytes, unsigned nptrs) {
  (void)nptrs;
  return malloc(bytes);
}

void hl_malloc_free(void *obj, size_t bytes) {
  (void)bytes;
  free(obj);
}

size_t hl_malloc_usable_size(void *obj) {
  return malloc_usable_size(obj);
}
