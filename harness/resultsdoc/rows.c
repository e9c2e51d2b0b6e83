/* Rows of a results document's view grouped by key (rows.h): one pass to
 * find each row's group (FNV-1a hash, open addressing), one to place the
 * rows. */
#include "rows.h"

#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BUF 1024

const char *hl_row_key_run_name(const hl_row_t *row, char *buf, size_t len) {
  (void)buf, (void)len;
  return row->run_type == HL_RUN_ITERATION ? row->run_name : NULL;
}

const char *hl_row_key_group(const hl_row_t *row, char *buf, size_t len) {
  if (row->run_type != HL_RUN_ITERATION) return NULL;
  hl_entry_group(row, buf, len);
  return buf;
}

static uint64_t hash(const char *s) {
  uint64_t h = 1469598103934665603u;
  for (; *s; s++)
    h = (h ^ (unsigned char)*s) * 1099511628211u;
  return h;
}

/* The group of key, created when absent; SIZE_MAX when out of memory. */
static size_t group_of(hl_row_index_t *ix, const char *key) {
  size_t mask = ix->nslots - 1, i = (size_t)hash(key) & mask;
  for (; ix->slot[i]; i = (i + 1) & mask)
    if (!strcmp(ix->group[ix->slot[i] - 1].key, key)) return ix->slot[i] - 1;
  char *copy = strdup(key);
  if (!copy) return SIZE_MAX;
  ix->group[ix->n].key = copy;
  ix->slot[i] = ++ix->n;
  return ix->n - 1;
}

const hl_row_group_t *hl_row_index_find(const hl_row_index_t *ix, const char *key) {
  if (!ix->nslots) return NULL;
  size_t mask = ix->nslots - 1, i = (size_t)hash(key) & mask;
  for (; ix->slot[i]; i = (i + 1) & mask)
    if (!strcmp(ix->group[ix->slot[i] - 1].key, key)) return &ix->group[ix->slot[i] - 1];
  return NULL;
}

/* Points each group's row and ok lists into storage, then fills them. */
static void place(hl_row_index_t *ix, const hl_row_t **keyed, const size_t *gid, size_t nkeyed) {
  size_t off = 0, okoff = nkeyed;
  for (size_t g = 0; g < ix->n; g++) {
    hl_row_group_t *x = &ix->group[g];
    x->row = ix->storage + off;
    x->ok = ix->storage + okoff;
    off += x->n;
    okoff += x->nok;
    x->n = x->nok = 0;
  }
  for (size_t k = 0; k < nkeyed; k++) {
    hl_row_group_t *x = &ix->group[gid[k]];
    x->row[x->n++] = keyed[k];
    if (keyed[k]->ok) x->ok[x->nok++] = keyed[k];
  }
}

int hl_row_index_build(const hl_results_t *v, hl_row_key_fn key, hl_row_index_t *ix) {
  memset(ix, 0, sizeof *ix);
  size_t nrows = v->n, nkeyed = 0;
  ix->nslots = 16;
  while (ix->nslots < 2 * nrows)
    ix->nslots *= 2;
  const hl_row_t **keyed = malloc((nrows ? nrows : 1) * sizeof *keyed);
  size_t *gid = malloc((nrows ? nrows : 1) * sizeof *gid);
  ix->slot = calloc(ix->nslots, sizeof *ix->slot);
  ix->group = calloc(nrows ? nrows : 1, sizeof *ix->group);
  ix->storage = malloc((2 * nrows + 1) * sizeof *ix->storage);
  if (!keyed || !gid || !ix->slot || !ix->group || !ix->storage) goto fail;
  char buf[KEY_BUF];
  for (size_t i = 0; i < nrows; i++) {
    const hl_row_t *row = &v->row[i];
    const char *k = key(row, buf, sizeof buf);
    if (!k) continue;
    size_t g = group_of(ix, k);
    if (g == SIZE_MAX) goto fail;
    ix->group[g].n++;
    ix->group[g].nok += row->ok;
    keyed[nkeyed] = row;
    gid[nkeyed++] = g;
  }
  place(ix, keyed, gid, nkeyed);
  free(keyed);
  free(gid);
  return 0;
fail:
  free(keyed);
  free(gid);
  hl_row_index_free(ix);
  return HL_ENOMEM;
}

void hl_row_index_free(hl_row_index_t *ix) {
  for (size_t g = 0; g < ix->n; g++)
    free((char *)ix->group[g].key);
  free(ix->group);
  free(ix->slot);
  free(ix->storage);
  memset(ix, 0, sizeof *ix);
}

void hl_entry_group(const hl_row_t *e, char *buf, size_t len) {
  const char *name = e->run_name, *w = e->workload, *b = e->backend;
  size_t wl = w ? strlen(w) : 0, bl = b ? strlen(b) : 0;
  if (name && w && b && !strncmp(name, w, wl) && name[wl] == '/' && !strncmp(name + wl + 1, b, bl))
    snprintf(buf, len, "%s%s", w, name + wl + 1 + bl);
  else
    snprintf(buf, len, "%s", name ? name : "?");
}

/* ---- the grid -------------------------------------------------------------- */

/* "GROUP\x1fBACKEND" of an ok iteration row with a backend. */
static const char *grid_key(const hl_row_t *row, char *buf, size_t len) {
  const char *b = row->backend;
  if (row->run_type != HL_RUN_ITERATION || row->outcome_id != HL_OUTCOME_OK || !b) return NULL;
  hl_entry_group(row, buf, len);
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "\x1f%s", b);
  return buf;
}

/* Index of name in list (appended when absent and there is room), or -1. */
static int list_slot(const char **list, size_t *n, size_t max, const char *name) {
  for (size_t k = 0; k < *n; k++)
    if (!strcmp(list[k], name)) return (int)k;
  if (*n == max) return -1;
  list[*n] = name;
  return (int)(*n)++;
}

int hl_grid_build(const hl_results_t *v, hl_grid_t *g) {
  memset(g, 0, sizeof *g);
  if (hl_row_index_build(v, grid_key, &g->ix) != 0) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < g->ix.n; i++) {
    const hl_row_t *first = g->ix.group[i].row[0];
    char name[256];
    hl_entry_group(first, name, sizeof name);
    int gi = list_slot((const char **)g->group, &g->ngroups, HL_GRID_MAX_GROUPS, name);
    if (gi >= 0 && g->group[gi] == name && !(g->group[gi] = strdup(name))) {
      g->ngroups--;
      hl_grid_free(g);
      return HL_ENOMEM;
    }
    int bi = list_slot(g->backend, &g->nbackends, HL_GRID_MAX_BACKENDS, first->backend);
    if (gi < 0 || bi < 0)
      rc = HL_ERANGE;
    else
      g->cell[gi][bi] = &g->ix.group[i];
  }
  return rc ? rc : g->ngroups ? 0 : HL_ENOENT;
}

void hl_grid_free(hl_grid_t *g) {
  for (size_t i = 0; i < g->ngroups; i++)
    free(g->group[i]);
  hl_row_index_free(&g->ix);
  memset(g, 0, sizeof *g);
}
