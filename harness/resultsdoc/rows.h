/* The iteration rows of a results document, grouped by a key once.
 *
 * Readers (show, compare, gate, plot, report, ratio) ask for "the rows of
 * this cell" many times; scanning every row of the file for each question
 * made them quadratic (a 20,000-row file took minutes). An index is built
 * in one pass: a hash table from the key (a cell's run_name, or whatever
 * the key function says) to the group's rows, in file order, with those that
 * ended ok apart. Groups come in the order of their first row. The index
 * points into the document; it does not copy rows and must not outlive it.
 */
#ifndef HL_ROWS_H
#define HL_ROWS_H

#include "outcome.h"

#include <jansson.h>
#include <stddef.h>

/* ---- writing: the identity every row heaplab makes carries ---------------- */

typedef struct hl_row_identity {
  const char *name;     /* the cell's name, also its run_name */
  size_t family_index;  /* the cell's index in the plan */
  unsigned repetitions; /* of the run */
  unsigned repetition_index;
  unsigned threads;
  hl_outcome_t outcome;
  const char *workload, *backend;
} hl_row_identity_t;

/* A new iteration row: Google Benchmark's identity keys first, in its order
 * (name, family_index, per_family_instance_index, run_name, run_type,
 * repetitions, repetition_index, threads), then the keys of `measured` not
 * among them, then heaplab's outcome, workload and backend. NULL when out of
 * memory. */
json_t *hl_row_new(const hl_row_identity_t *id, const json_t *measured);

typedef struct hl_row_group {
  const char *key;    /* owned by the index */
  const json_t **row; /* every row of the group, file order */
  size_t n;
  const json_t **ok; /* the rows whose outcome is ok (hl_row_is_ok) */
  size_t nok;
} hl_row_group_t;

typedef struct hl_row_index {
  hl_row_group_t *group; /* first-appearance order */
  size_t n;
  size_t *slot; /* hash table: group index + 1, 0 = empty */
  size_t nslots;
  const json_t **storage;
} hl_row_index_t;

/* The key of a row: NULL to leave the row out, else a string that lives as
 * long as the row, or buf (len bytes) filled in. */
typedef const char *(*hl_row_key_fn)(const json_t *row, char *buf, size_t len);

/* Iteration rows (run_type absent or "iteration") keyed by run_name (or
 * name when run_name is absent). */
const char *hl_row_key_run_name(const json_t *row, char *buf, size_t len);

/* An iteration row that ended ok: outcome absent or "ok", no error_occurred. */
int hl_row_is_ok(const json_t *row);

/* The run_name of a row (name when absent), or NULL. */
const char *hl_row_run_name(const json_t *row);

/* Indexes benchmarks (an array of rows) by key. 0 or HL_ENOMEM. */
int hl_row_index_build(const json_t *benchmarks, hl_row_key_fn key, hl_row_index_t *ix);
/* The group of key, or NULL. */
const hl_row_group_t *hl_row_index_find(const hl_row_index_t *ix, const char *key);
void hl_row_index_free(hl_row_index_t *ix);

/* The benchmark name without its backend: "W/B/k=v" -> "W/k=v" (the same
 * cell on every backend). */
void hl_entry_group(const json_t *e, char *buf, size_t len);

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
int hl_grid_build(const json_t *benchmarks, hl_grid_t *g);
void hl_grid_free(hl_grid_t *g);

#endif
