/* Ratio tables (ratio.h). The rows are laid out once (hl_grid_build); each
 * cell's repetitions are then read by repetition index. */
#include "ratio.h"

#include "error.h"
#include "rows.h"
#include "stats.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS 1024

/* The metric of each repetition of one cell by repetition_index; -1 where
 * there is none. The first row of a repetition counts. */
static void by_rep(const hl_row_group_t *c, const char *metric, long reps, double *v) {
  for (long r = 0; r < reps; r++)
    v[r] = -1;
  for (size_t i = 0; c && i < c->n; i++) {
    long rep = c->row[i]->repetition;
    double x;
    if (rep >= 0 && rep < reps && v[rep] < 0 && hl_row_number(c->row[i], metric, &x) == 0)
      v[rep] = x;
  }
}

/* Within this of 1 a median ratio counts as the same. */
#define SAME_WITHIN 0.05

/* One table cell: ratios of v to b (the base's values), repetition by
 * repetition; the base's own median, in the metric's unit, when is_base.
 * r is scratch. Returns the cell's class (table.h): "better" when every
 * repetition's ratio is below 1 and the median more than SAME_WITHIN
 * below it, "worse" the same above, else "same"; NULL for the base and
 * an empty cell. Lower is better for every figure these tables divide. */
static const char *cell(const char *metric, const double *v, const double *b, long reps,
                        int is_base, double *r, char *buf, size_t len) {
  size_t n = 0;
  for (long rep = 0; rep < reps; rep++)
    if (v[rep] >= 0 && (is_base || b[rep] > 0)) r[n++] = is_base ? v[rep] : v[rep] / b[rep];
  if (!n) {
    snprintf(buf, len, "-");
    return NULL;
  }
  double med = hl_stats_median(r, n), lo = hl_stats_min(r, n), hi = hl_stats_max(r, n);
  if (is_base) {
    hl_summary_format_key(metric, med, buf, len);
    return NULL;
  }
  if (n == 1)
    snprintf(buf, len, "%.2f", med);
  else
    snprintf(buf, len, "%.2f (%.2f-%.2f)", med, lo, hi);
  if (hi < 1 && med < 1 - SAME_WITHIN) return "better";
  if (lo > 1 && med > 1 + SAME_WITHIN) return "worse";
  return "same";
}

static long reps_of(const hl_results_t *v) {
  const json_t *ctx = v->context;
  long reps = (long)json_integer_value(json_object_get(json_object_get(ctx, "options"), "reps"));
  return reps <= 0 || reps > MAX_REPS ? MAX_REPS : reps;
}

static int add_rows(hl_table_t *t, const hl_grid_t *g, size_t bi, const char *metric, long reps) {
  double *v = calloc(3 * (size_t)reps, sizeof *v);
  if (!v) return -1;
  double *base = v + reps, *r = v + 2 * reps;
  char text[HL_GRID_MAX_BACKENDS][64];
  const char *cells[HL_GRID_MAX_BACKENDS + 1], *cls[HL_GRID_MAX_BACKENDS + 1] = {NULL};
  int rc = 0;
  for (size_t gi = 0; rc == 0 && gi < g->ngroups; gi++) {
    cells[0] = g->group[gi];
    if (bi < g->nbackends) by_rep(g->cell[gi][bi], metric, reps, base);
    for (size_t k = 0; k < g->nbackends; k++) {
      by_rep(g->cell[gi][k], metric, reps, v);
      cls[k + 1] = cell(metric, v, base, reps, k == bi || bi == g->nbackends, r, text[k], sizeof text[k]);
      cells[k + 1] = text[k];
    }
    rc = hl_table_add(t, cells);
    for (size_t k = 0; rc == 0 && k < g->nbackends; k++)
      if (cls[k + 1]) rc = hl_table_set_class(t, k + 1, cls[k + 1]);
  }
  free(v);
  return rc;
}

hl_table_t *hl_value_table(const hl_results_t *v, const char *metric, char *why, size_t why_len) {
  return hl_ratio_table(v, NULL, metric, why, why_len);
}

hl_table_t *hl_ratio_table(const hl_results_t *v, const char *base, const char *metric, char *why,
                           size_t why_len) {
  hl_grid_t *g = malloc(sizeof *g);
  hl_table_t *t = NULL;
  if (!g) {
    snprintf(why, why_len, "out of memory");
    return NULL;
  }
  int rc = hl_grid_build(v, g);
  if (rc == HL_ENOMEM) {
    snprintf(why, why_len, "out of memory");
    free(g);
    return NULL;
  }
  size_t bi = 0;
  while (base && bi < g->nbackends && strcmp(g->backend[bi], base))
    bi++;
  if (!base) bi = g->nbackends; /* hl_value_table: every column its own */
  if (base && bi == g->nbackends) {
    snprintf(why, why_len, "backend '%s' has no ok repetition %s", base,
             v->machine && v->borrowed ? "on this machine" : "in this file");
    goto done;
  }
  const char *headers[HL_GRID_MAX_BACKENDS + 1] = {"benchmark"};
  char align[HL_GRID_MAX_BACKENDS + 2] = "l";
  for (size_t k = 0; k < g->nbackends; k++) {
    headers[k + 1] = g->backend[k];
    align[k + 1] = 'r';
  }
  t = hl_table_new(headers, g->nbackends + 1, align);
  if (t && add_rows(t, g, bi, metric, reps_of(v)) != 0) {
    hl_table_free(t);
    t = NULL;
  }
  if (!t) snprintf(why, why_len, "out of memory");
done:
  hl_grid_free(g);
  free(g);
  return t;
}
