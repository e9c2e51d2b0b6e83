/* What the figures of `heaplab plot` show, taken from a results view once
 * (charts.h): the groups (a workload with its parameter values, the cell
 * name without its backend) in first-appearance order, the backends in
 * first-appearance order, and per group and backend every iteration row,
 * ok or not, so that a dead cell keeps its place. Also the context line of
 * a figure, and the sweeps (groups of one workload that differ in one
 * numeric parameter or knob). Numbers only: the drawing is charts.c's. */
#ifndef HL_FIGLAYOUT_H
#define HL_FIGLAYOUT_H

#include "rows.h"
#include "view.h"

#include <stddef.h>

#define HL_FIG_MAX_GROUPS 128
#define HL_FIG_MAX_BACKENDS 16

typedef struct hl_fig_layout {
  hl_row_index_t ix; /* iteration rows by group and backend */
  char *group[HL_FIG_MAX_GROUPS];
  const char *backend[HL_FIG_MAX_BACKENDS];
  size_t ngroups, nbackends;
  const hl_row_group_t *cell[HL_FIG_MAX_GROUPS][HL_FIG_MAX_BACKENDS]; /* NULL: none */
} hl_fig_layout_t;

/* 0; HL_ENOENT when there is no iteration row with a backend; HL_ERANGE
 * when there are more groups or backends than a figure holds (the first
 * ones are laid out); HL_ENOMEM. */
int hl_fig_layout_build(const hl_results_t *v, hl_fig_layout_t *l);
void hl_fig_layout_free(hl_fig_layout_t *l);

/* One cell's figure: its ok repetitions' median, min and max of a key
 * (divided by scale), and how the others ended. */
typedef struct hl_fig_stat {
  size_t n, nok;       /* repetitions, ok ones with the key */
  double med, lo, hi;  /* of the ok ones; valid when nok > 0 */
  const char *outcome; /* the most frequent other outcome ("oom-kill"), or NULL */
  size_t noutcome;     /* how many ended so */
} hl_fig_stat_t;

void hl_fig_stat(const hl_fig_layout_t *l, size_t g, size_t b, const char *key, double scale,
                 hl_fig_stat_t *s);

/* The median of key over every ok row of the layout (heaplab's own
 * rss_start_bytes), or -1. */
double hl_fig_median_all(const hl_fig_layout_t *l, const char *key);

/* "2026-12-02 03:40, host vm, 2 CPUs, 5 repetitions, load 1.8-2.0". */
void hl_fig_context(const hl_results_t *v, char *buf, size_t len);

/* A sweep: the groups of one workload that differ in exactly one parameter
 * (the rows' "params") or knob (gogc, memlimit), every value a number. */
typedef struct hl_fig_sweep {
  char workload[64];
  char key[64];       /* "gogc", "live" */
  char rest[256];     /* the constant part of the names: "steady-service/live=4M" */
  size_t n;           /* groups, by increasing value */
  size_t group[HL_FIG_MAX_GROUPS];
  double x[HL_FIG_MAX_GROUPS];
} hl_fig_sweep_t;

/* The sweeps of the layout, at most max; returns how many. */
size_t hl_fig_sweeps(const hl_fig_layout_t *l, hl_fig_sweep_t *out, size_t max);

#endif
