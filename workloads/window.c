/* FIFO windows of live objects (window.h). */
#include "window.h"

#include "error.h"

#include <stdlib.h>

int hl_window_new(hl_mutator_t *m, size_t n, hl_window_t *w) {
  w->next = 0;
  w->roots = NULL;
  w->bytes = calloc(n ? n : 1, sizeof *w->bytes);
  if (!w->bytes) return HL_ENOMEM;
  int rc = hl_roots_new(m, n, &w->roots);
  if (rc) {
    free(w->bytes);
    w->bytes = NULL;
  }
  return rc;
}

void hl_window_free(hl_mutator_t *m, hl_window_t *w) {
  if (!w->roots) return;
  for (size_t i = 0; i < w->roots->n; i++) {
    hl_drop(m, hl_root_get(w->roots, i), w->bytes[i]);
    hl_root_set(m, w->roots, i, NULL);
  }
  hl_roots_free(m, w->roots);
  free(w->bytes);
  w->roots = NULL;
  w->bytes = NULL;
}
