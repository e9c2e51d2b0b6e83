/* Rows of a results document grouped by key (rows.h): one pass to find each
 * row's group (FNV-1a hash, open addressing), one to place the rows. */
#include "rows.h"

#include "error.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define KEY_BUF 1024

const char *hl_row_run_name(const json_t *row) {
  const char *n = json_string_value(json_object_get(row, "run_name"));
  return n ? n : json_string_value(json_object_get(row, "name"));
}

static int is_iteration(const json_t *row) {
  const char *rt = json_string_value(json_object_get(row, "run_type"));
  return !rt || !strcmp(rt, "iteration");
}

const char *hl_row_key_run_name(const json_t *row, char *buf, size_t len) {
  (void)buf, (void)len;
  return is_iteration(row) ? hl_row_run_name(row) : NULL;
}

int hl_row_is_ok(const json_t *row) {
  const char *outcome = json_string_value(json_object_get(row, "outcome"));
  return !json_is_true(json_object_get(row, "error_occurred")) &&
         (!outcome || !strcmp(outcome, "ok"));
}

json_t *hl_row_new(const hl_row_identity_t *id, const json_t *measured) {
  json_t *e =
      json_pack("{s:s, s:I, s:i, s:s, s:s, s:i, s:i, s:i}", "name", id->name, "family_index",
                (json_int_t)id->family_index, "per_family_instance_index", 0, "run_name", id->name,
                "run_type", "iteration", "repetitions", (int)id->repetitions, "repetition_index",
                (int)id->repetition_index, "threads", (int)id->threads);
  if (!e) return NULL;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)measured, key, v) {
    if (!json_object_get(e, key)) json_object_set(e, key, v);
  }
  json_object_set_new(e, "outcome", json_string(hl_outcome_name(id->outcome)));
  json_object_set_new(e, "workload", json_string(id->workload));
  json_object_set_new(e, "backend", json_string(id->backend));
  return e;
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
static void place(hl_row_index_t *ix, const json_t **keyed, const size_t *gid, size_t nkeyed) {
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
    if (hl_row_is_ok(keyed[k])) x->ok[x->nok++] = keyed[k];
  }
}

int hl_row_index_build(const json_t *benchmarks, hl_row_key_fn key, hl_row_index_t *ix) {
  memset(ix, 0, sizeof *ix);
  size_t nrows = json_array_size(benchmarks), nkeyed = 0;
  ix->nslots = 16;
  while (ix->nslots < 2 * nrows)
    ix->nslots *= 2;
  const json_t **keyed = malloc((nrows ? nrows : 1) * sizeof *keyed);
  size_t *gid = malloc((nrows ? nrows : 1) * sizeof *gid);
  ix->slot = calloc(ix->nslots, sizeof *ix->slot);
  ix->group = calloc(nrows ? nrows : 1, sizeof *ix->group);
  ix->storage = malloc((2 * nrows + 1) * sizeof *ix->storage);
  if (!keyed || !gid || !ix->slot || !ix->group || !ix->storage) goto fail;
  char buf[KEY_BUF];
  for (size_t i = 0; i < nrows; i++) {
    const json_t *row = json_array_get(benchmarks, i);
    const char *k = key(row, buf, sizeof buf);
    if (!k) continue;
    size_t g = group_of(ix, k);
    if (g == SIZE_MAX) goto fail;
    ix->group[g].n++;
    ix->group[g].nok += hl_row_is_ok(row);
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

void hl_entry_group(const json_t *e, char *buf, size_t len) {
  const char *name = json_string_value(json_object_get(e, "run_name"));
  const char *w = json_string_value(json_object_get(e, "workload"));
  const char *b = json_string_value(json_object_get(e, "backend"));
  size_t wl = w ? strlen(w) : 0, bl = b ? strlen(b) : 0;
  if (name && w && b && !strncmp(name, w, wl) && name[wl] == '/' && !strncmp(name + wl + 1, b, bl))
    snprintf(buf, len, "%s%s", w, name + wl + 1 + bl);
  else
    snprintf(buf, len, "%s", name ? name : "?");
}

/* ---- the grid -------------------------------------------------------------- */

/* "GROUP\x1fBACKEND" of an ok iteration row with a backend. */
static const char *grid_key(const json_t *row, char *buf, size_t len) {
  const char *o = json_string_value(json_object_get(row, "outcome"));
  const char *b = json_string_value(json_object_get(row, "backend"));
  if (!is_iteration(row) || !o || strcmp(o, "ok") || !b) return NULL;
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

int hl_grid_build(const json_t *benchmarks, hl_grid_t *g) {
  memset(g, 0, sizeof *g);
  if (hl_row_index_build(benchmarks, grid_key, &g->ix) != 0) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < g->ix.n; i++) {
    const json_t *first = g->ix.group[i].row[0];
    char name[256];
    hl_entry_group(first, name, sizeof name);
    int gi = list_slot((const char **)g->group, &g->ngroups, HL_GRID_MAX_GROUPS, name);
    if (gi >= 0 && g->group[gi] == name && !(g->group[gi] = strdup(name))) {
      g->ngroups--;
      hl_grid_free(g);
      return HL_ENOMEM;
    }
    int bi = list_slot(g->backend, &g->nbackends, HL_GRID_MAX_BACKENDS,
                       json_string_value(json_object_get(first, "backend")));
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
