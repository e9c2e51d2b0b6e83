/* The iteration rows of a results document's view (view.h), grouped by a
 * key once.
 *
 * Readers (show, compare, gate, plot, report, ratio) ask for "the rows of
 * this cell" many times; scanning every row of the file for each question
 * made them quadratic (a 20,000-row file took minutes). An index is built
 * in one pass: a hash table from the key (a cell's run_name, or whatever
 * the key function says) to the group's rows, in file order, with those that
 * ended ok apart. Groups come in the order of their first row. The index
 * points into the view; it does not copy rows and must not outlive it.
 */
#ifndef HL_ROWS_H
#define HL_ROWS_H

#include "view.h"

#include <stddef.h>

typedef struct hl_row_group {
  const char *key;    /* owned by the index */
  const hl_row_t **row; /* every row of the group, file order */
  size_t n;
  const hl_row_t **ok; /* the rows that ended ok (hl_row_t.ok) */
  size_t nok;
} hl_row_group_t;

typedef struct hl_row_index {
  hl_row_group_t *group; /* first-appearance order */
  size_t n;
  size_t *slot; /* hash table: group index + 1, 0 = empty */
  size_t nslots;
  const hl_row_t **storage;
} hl_row_index_t;

/* The key of a row: NULL to leave the row out, else a string that lives as
 * long as the row, or buf (len bytes) filled in. */
typedef const char *(*hl_row_key_fn)(const hl_row_t *row, char *buf, size_t len);

/* Iteration rows keyed by their cell's name (run_name). */
const char *hl_row_key_run_name(const hl_row_t *row, char *buf, size_t len);
/* Iteration rows keyed by their cell's name without its backend
 * (hl_entry_group): the same cell on two backends is one key. */
const char *hl_row_key_group(const hl_row_t *row, char *buf, size_t len);

/* Indexes the view's rows by key. 0 or HL_ENOMEM. */
int hl_row_index_build(const hl_results_t *v, hl_row_key_fn key, hl_row_index_t *ix);
/* The group of key, or NULL. */
const hl_row_group_t *hl_row_index_find(const hl_row_index_t *ix, const char *key);
void hl_row_index_free(hl_row_index_t *ix);

/* The benchmark name without its backend: "W/B/k=v" -> "W/k=v" (the same
 * cell on every backend). */
void hl_entry_group(const hl_row_t *e, char *buf, size_t len);

/* The ok iteration rows (outcome "ok", a backend named) laid out by group
 * (hl_entry_group) and backend, in first-appearance order: the shape of the
 * ratio tables and of the figures. */
#define HL_GRID_MAX_GROUPS 256
#define HL_GRID_MAX_BACKENDS 16

typedef struct hl_grid {
  hl_row_index_t ix;
  char *group[HL_GRID_MAX_GROUPS];
  const char *backend[HL_GRID_MAX_BACKENDS];
  size_t ngroups, nbackends;
  const hl_row_group_t *cell[HL_GRID_MAX_GROUPS][HL_GRID_MAX_BACKENDS]; /* NULL: no rows */
} hl_grid_t;

/* 0; HL_ENOENT when there is no ok row, HL_ERANGE when there are more
 * groups or backends than the grid holds (the first ones are laid out),
 * HL_ENOMEM. */
int hl_grid_build(const hl_results_t *v, hl_grid_t *g);
void hl_grid_free(hl_grid_t *g);

#endif
