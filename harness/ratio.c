/* Ratio tables (ratio.h). */
#include "ratio.h"

#include "results.h"
#include "stats.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLS 16
#define MAX_REPS 1024

typedef struct lists {
  char *group[256];
  const char *backend[MAX_COLS];
  size_t ngroups, nbackends;
} lists_t;

static int ok_row(const json_t *e) {
  const char *rt = json_string_value(json_object_get(e, "run_type"));
  const char *o = json_string_value(json_object_get(e, "outcome"));
  return (!rt || !strcmp(rt, "iteration")) && o && !strcmp(o, "ok") &&
         json_string_value(json_object_get(e, "backend"));
}

static void collect(const json_t *bench, lists_t *l) {
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (!ok_row(e)) continue;
    char g[256];
    hl_entry_group(e, g, sizeof g);
    size_t k = 0;
    while (k < l->ngroups && strcmp(l->group[k], g))
      k++;
    if (k == l->ngroups && l->ngroups < 256) l->group[l->ngroups++] = strdup(g);
    const char *b = json_string_value(json_object_get(e, "backend"));
    for (k = 0; k < l->nbackends && strcmp(l->backend[k], b); k++) {
    }
    if (k == l->nbackends && l->nbackends < MAX_COLS) l->backend[l->nbackends++] = b;
  }
}

/* The metric of (group, backend, repetition), or -1. */
static double value(const json_t *bench, const char *group, const char *backend, long rep,
                    const char *metric) {
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (!ok_row(e) || strcmp(json_string_value(json_object_get(e, "backend")), backend)) continue;
    if (json_integer_value(json_object_get(e, "repetition_index")) != rep) continue;
    char g[256];
    hl_entry_group(e, g, sizeof g);
    double v;
    if (!strcmp(g, group) && hl_json_number(e, metric, &v) == 0) return v;
  }
  return -1;
}

static void cell(const json_t *bench, const char *group, const char *backend, const char *base,
                 const char *metric, long reps, double *r, char *buf, size_t len) {
  size_t n = 0;
  for (long rep = 0; rep < reps && n < MAX_REPS; rep++) {
    double v = value(bench, group, backend, rep, metric),
           b = value(bench, group, base, rep, metric);
    if (v >= 0 && b > 0) r[n++] = backend == base ? v : v / b;
  }
  if (!n)
    snprintf(buf, len, "-");
  else if (backend == base)
    snprintf(buf, len, "= %.4g", hl_stats_median(r, n));
  else if (n == 1)
    snprintf(buf, len, "%.2f", r[0]);
  else
    snprintf(buf, len, "%.2f (%.2f-%.2f)", hl_stats_median(r, n), hl_stats_min(r, n),
             hl_stats_max(r, n));
}

hl_table_t *hl_ratio_table(const json_t *root, const char *base, const char *metric, char *why,
                           size_t why_len) {
  const json_t *bench = json_object_get(root, "benchmarks");
  lists_t l = {0};
  collect(bench, &l);
  size_t bi = 0;
  while (bi < l.nbackends && strcmp(l.backend[bi], base))
    bi++;
  hl_table_t *t = NULL;
  if (bi == l.nbackends) {
    snprintf(why, why_len, "backend '%s' has no ok repetition in this file", base);
    goto done;
  }
  const char *headers[MAX_COLS + 1] = {"benchmark"};
  char align[MAX_COLS + 2] = "l";
  for (size_t k = 0; k < l.nbackends; k++) {
    headers[k + 1] = l.backend[k];
    align[k + 1] = 'r';
  }
  const json_t *ctx = json_object_get(root, "context");
  long reps = (long)json_integer_value(json_object_get(json_object_get(ctx, "options"), "reps"));
  if (reps <= 0) reps = MAX_REPS;
  double *r = calloc(MAX_REPS, sizeof *r);
  t = r ? hl_table_new(headers, l.nbackends + 1, align) : NULL;
  char text[MAX_COLS][64];
  const char *cells[MAX_COLS + 1];
  for (size_t g = 0; t && g < l.ngroups; g++) {
    cells[0] = l.group[g];
    for (size_t k = 0; k < l.nbackends; k++) {
      const char *b = k == bi ? l.backend[bi] : l.backend[k];
      cell(bench, l.group[g], b, l.backend[bi], metric, reps, r, text[k], sizeof text[k]);
      cells[k + 1] = text[k];
    }
    hl_table_add(t, cells);
  }
  free(r);
done:
  for (size_t g = 0; g < l.ngroups; g++)
    free(l.group[g]);
  return t;
}
