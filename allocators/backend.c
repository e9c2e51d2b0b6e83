/* The backend registry: every backend heaplab knows, built or not.
 *
 * A backend whose library was missing (or disabled) when heaplab was
 * configured is still listed, as an "unbuilt" descriptor carrying the reason,
 * so `heaplab list backends` can say why instead of pretending it does not
 * exist. meson defines HL_HAVE_<ID> for the backends it compiled and
 * HL_DISABLED_<ID> for the ones switched off with -D<id>=disabled. */
#include "backend.h"

#include <stdio.h>
#include <string.h>

#define HL_UNBUILT(id, kind_, devpkg, disabled)                                                    \
  static const hl_backend_t hl_backend_##id = {                                                    \
      .name = #id,                                                                                 \
      .summary = "not built",                                                                      \
      .kind = kind_,                                                                               \
      .unbuilt = (disabled) ? "disabled at build time (-D" #id "=disabled)"                        \
                            : "not found at build time (apt install " devpkg ", then rebuild)",    \
  };

extern const hl_backend_t hl_backend_glibc;
extern const hl_backend_t hl_backend_span;
extern const hl_backend_t hl_backend_span_malloc;
extern const hl_backend_t hl_backend_span_gc;
#if HL_HAVE_JEMALLOC
extern const hl_backend_t hl_backend_jemalloc;
#else
HL_UNBUILT(jemalloc, HL_BACKEND_MALLOC, "libjemalloc-dev", HL_DISABLED_JEMALLOC)
#endif
#if HL_HAVE_MIMALLOC
extern const hl_backend_t hl_backend_mimalloc;
#else
HL_UNBUILT(mimalloc, HL_BACKEND_MALLOC, "libmimalloc-dev", HL_DISABLED_MIMALLOC)
#endif
#if HL_HAVE_TCMALLOC
extern const hl_backend_t hl_backend_tcmalloc;
#else
HL_UNBUILT(tcmalloc, HL_BACKEND_MALLOC, "libgoogle-perftools-dev", HL_DISABLED_TCMALLOC)
#endif
#if HL_HAVE_BDWGC
extern const hl_backend_t hl_backend_bdwgc;
#else
HL_UNBUILT(bdwgc, HL_BACKEND_GC, "libgc-dev", HL_DISABLED_BDWGC)
#endif

static const hl_backend_t *const registry[] = {
    &hl_backend_glibc, &hl_backend_jemalloc,    &hl_backend_mimalloc, &hl_backend_tcmalloc,
    &hl_backend_span,  &hl_backend_span_malloc, &hl_backend_span_gc,  &hl_backend_bdwgc,
    &hl_backend_so,    &hl_backend_go,
};

const hl_backend_t *const *hl_backend_all(size_t *n_out) {
  *n_out = sizeof registry / sizeof registry[0];
  return registry;
}

const hl_backend_t *hl_backend_find(const char *name) {
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++)
    if (strcmp(registry[i]->name, name) == 0) return registry[i];
  return NULL;
}

const char *hl_backend_preload(const hl_backend_t *b) {
  if (!b->preload) return NULL;
  if (b->locate_library) return b->locate_library();
  return b->library;
}

int hl_backend_fits_programs(const hl_backend_t *b) {
  if (b == &hl_backend_go) return 1;
  return b->kind == HL_BACKEND_MALLOC && (b->preload || b == &hl_backend_glibc);
}

const char *hl_backend_kind_name(hl_backend_kind_t kind) {
  return kind == HL_BACKEND_GC ? "gc" : "malloc";
}

void hl_backend_names(char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < sizeof registry / sizeof registry[0]; i++) {
    int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", registry[i]->name);
    if (n < 0 || (size_t)n >= len - off) break;
    off += (size_t)n;
  }
}
