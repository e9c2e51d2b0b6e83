/* Figures from results files (figures.h). */
#include "figures.h"

#include "error.h"
#include "results.h"
#include "view.h"
#include "size.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define FIG_MAX_VALUES 256

/* A number of a condition's value: a size or count ("32K", "100"), else
 * not a number. */
static int value_number(const char *text, double *out) {
  uint64_t v;
  if (hl_parse_size(text, &v) != 0)
    return 0;
  *out = (double)v;
  return 1;
}

static int json_matches(const json_t *have, const char *want) {
  double w;
  if (json_is_number(have))
    return value_number(want, &w) && json_number_value(have) == w;
  if (!json_is_string(have))
    return 0;
  const char *text = json_string_value(have);
  double h;
  if (value_number(text, &h) && value_number(want, &w))
    return h == w;
  return strcmp(text, want) == 0;
}

static int where_matches(const json_t *row, const char *cond) {
  const char *eq = strchr(cond, '=');
  char key[64];
  if (!eq || (size_t)(eq - cond) >= sizeof key)
    return 0;
  memcpy(key, cond, (size_t)(eq - cond));
  key[eq - cond] = '\0';
  const json_t *v = json_object_get(json_object_get(row, "params"), key);
  if (!v)
    v = json_object_get(row, key);
  return v && json_matches(v, eq + 1);
}

int hl_sel_match(const hl_sel_t *s, const json_t *row) {
  const char *w = json_string_value(json_object_get(row, "workload"));
  const char *b = json_string_value(json_object_get(row, "backend"));
  if (s->workload && (!w || strcmp(w, s->workload) != 0))
    return 0;
  if (s->backend && (!b || strcmp(b, s->backend) != 0))
    return 0;
  for (size_t i = 0; i < HL_SEL_MAX_WHERE && s->where[i]; i++)
    if (!where_matches(row, s->where[i]))
      return 0;
  return 1;
}

static int metric_of(const json_t *row, const char *metric, double *out) {
  char key[96];
  const char *slash = strstr(metric, "/iter");
  size_t len = slash ? (size_t)(slash - metric) : strlen(metric);
  if (len >= sizeof key)
    return 0;
  memcpy(key, metric, len);
  key[len] = '\0';
  double v, iters;
  if (hl_json_number(row, key, &v) != 0)
    return 0;
  if (slash) {
    if (hl_json_number(row, "iterations", &iters) != 0 || iters <= 0)
      return 0;
    v /= iters;
  }
  *out = v;
  return 1;
}

const json_t *hl_fig_any_row(const json_t *doc, const hl_sel_t *s, size_t nth) {
  size_t i;
  const json_t *row;
  json_array_foreach(json_object_get(doc, "benchmarks"), i, row) {
    if (hl_row_json_is_iteration(row) && hl_sel_match(s, row) && nth-- == 0)
      return row;
  }
  return NULL;
}

const json_t *hl_fig_row(const json_t *doc, const hl_sel_t *s) {
  const json_t *row;
  for (size_t k = 0; (row = hl_fig_any_row(doc, s, k)) != NULL; k++)
    if (hl_row_json_ok(row))
      return row;
  return NULL;
}

size_t hl_fig_count(const json_t *doc, const hl_sel_t *s, size_t *nok) {
  size_t n = 0, ok = 0;
  const json_t *row;
  while ((row = hl_fig_any_row(doc, s, n)) != NULL) {
    n++;
    ok += hl_row_json_ok(row) != 0;
  }
  if (nok)
    *nok = ok;
  return n;
}

size_t hl_fig_values(const json_t *doc, const hl_sel_t *s, const char *metric, double *out,
                     size_t max) {
  size_t n = 0;
  const json_t *row;
  for (size_t k = 0; n < max && (row = hl_fig_any_row(doc, s, k)) != NULL; k++)
    if (hl_row_json_ok(row) && metric_of(row, metric, &out[n]))
      n++;
  return n;
}

static void summarise(const double *v, size_t n, hl_fig_t *out) {
  out->median = hl_stats_median(v, n);
  out->min = hl_stats_min(v, n);
  out->max = hl_stats_max(v, n);
  out->n = n;
}

int hl_fig_get(const json_t *doc, const hl_sel_t *s, const char *metric, hl_fig_t *out) {
  double v[FIG_MAX_VALUES];
  size_t n = hl_fig_values(doc, s, metric, v, FIG_MAX_VALUES);
  if (n == 0)
    return HL_ENOENT;
  summarise(v, n, out);
  return 0;
}

int hl_fig_ratio(const json_t *doc, const hl_sel_t *a, const hl_sel_t *b, const char *metric,
                 hl_fig_t *out) {
  double r[FIG_MAX_VALUES];
  size_t n = 0;
  const json_t *ra;
  for (size_t k = 0; n < FIG_MAX_VALUES && (ra = hl_fig_any_row(doc, a, k)) != NULL; k++) {
    double rep, va, vb, rep_b;
    if (!hl_row_json_ok(ra) || hl_json_number(ra, "repetition_index", &rep) != 0 ||
        !metric_of(ra, metric, &va))
      continue;
    const json_t *rb;
    for (size_t j = 0; (rb = hl_fig_any_row(doc, b, j)) != NULL; j++)
      if (hl_row_json_ok(rb) && hl_json_number(rb, "repetition_index", &rep_b) == 0 &&
          rep_b == rep && metric_of(rb, metric, &vb) && vb > 0) {
        r[n++] = va / vb;
        break;
      }
  }
  if (n == 0)
    return HL_ENOENT;
  summarise(r, n, out);
  return 0;
}

int hl_fig_survival(const json_t *doc, const hl_sel_t *s, unsigned *survived, unsigned *runs) {
  size_t i;
  const json_t *cell;
  json_array_foreach(json_object_get(json_object_get(doc, "oom"), "cells"), i, cell) {
    if (!hl_sel_match(s, cell))
      continue;
    double sv, rn;
    if (hl_json_number(cell, "survived", &sv) != 0 || hl_json_number(cell, "runs", &rn) != 0)
      return HL_ENOENT;
    *survived = (unsigned)sv;
    *runs = (unsigned)rn;
    return 0;
  }
  return HL_ENOENT;
}

void hl_fig_format_survival(unsigned survived, unsigned runs, char *buf, size_t len) {
  snprintf(buf, len, "%u/%u", survived, runs);
}
