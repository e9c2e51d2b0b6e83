/* Helpers for backends whose library is put into the worker with LD_PRELOAD.
 *
 * ld.so does not fail when a preload cannot be loaded: it prints a warning and
 * runs the program with glibc's malloc. A benchmark that silently measured
 * glibc under the name "jemalloc" would be a lie, so every preload backend
 * proves at init that malloc really resolves into its library. */
#ifndef HL_PRELOAD_H
#define HL_PRELOAD_H

#include "backend.h"

#include <stddef.h>

/* Looks up `symbol` (a function only the backend's library defines), checks
 * that `malloc` resolves into the same shared object, and records that
 * object's path in info->library_path. Returns the symbol's address, or NULL
 * with a reason in why. */
void *hl_preload_verify(const char *library, const char *symbol, hl_backend_info_t *info, char *why,
                        size_t why_len);

/* dlsym(RTLD_DEFAULT, symbol): optional extras such as statistics calls. */
void *hl_preload_sym(const char *symbol);

/* The allocation slots every malloc-replacement backend shares: plain
 * malloc/free as the program under test would call them. */
void *hl_malloc_alloc(size_t bytes, unsigned nptrs);
void hl_malloc_free(void *obj, size_t bytes);
size_t hl_malloc_usable_size(void *obj);

#endif
