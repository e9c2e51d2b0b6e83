/* Run summary tables (summary.h). */
#include "summary.h"

#include "error.h"
#include "results.h"
#include "rows.h"
#include "size.h"
#include "stats.h"

#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_COLUMNS 32

/* How a column prints its median. */
typedef enum { U_NS, U_BYTES, U_COUNT, U_PERCENT, U_FRACTION, U_MS } unit_t;

/* A column of figures: the median of key over the cell's ok repetitions;
 * only for the rows of `workload` when it is set (a headline). */
typedef struct column {
  const char *header, *key, *workload;
  unit_t unit;
} column_t;

typedef struct layout {
  column_t col[MAX_COLUMNS];
  size_t n;
} layout_t;

/* "3/3 ok" or "1 ok, 2 oom". */
static void outcomes_text(const hl_row_group_t *cell, char *buf, size_t len) {
  const char *names[8];
  size_t counts[8], nnames = 0, total = 0;
  for (size_t i = 0; i < cell->n; i++) {
    const char *o = hl_row_outcome_word(cell->row[i]);
    size_t k = 0;
    while (k < nnames && strcmp(names[k], o) != 0)
      k++;
    if (k == nnames && nnames < 8) {
      names[nnames] = o;
      counts[nnames++] = 0;
    }
    if (k < nnames) counts[k]++;
    total++;
  }
  if (nnames == 1) {
    snprintf(buf, len, "%zu/%zu %s", counts[0], total, names[0]);
    return;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < nnames && off < len; k++)
    off += (size_t)snprintf(buf + off, len - off, "%s%zu %s", k ? ", " : "", counts[k], names[k]);
}

/* Median of key over rows, or -1 when some row lacks it. */
static double median_of(const hl_row_t **rows, size_t n, const char *key, double *scratch) {
  for (size_t i = 0; i < n; i++)
    if (hl_row_number(rows[i], key, &scratch[i]) != 0) return -1;
  return n ? hl_stats_median(scratch, n) : -1;
}

/* A median in the column's unit: 8.56, 272.0 MiB, 4096, 12.5%, 1.25 ms. */
static void format(unit_t u, double v, char *buf, size_t len) {
  if (v < 0) {
    snprintf(buf, len, "-");
    return;
  }
  switch (u) {
  case U_NS: snprintf(buf, len, v < 10 ? "%.2f" : v < 1000 ? "%.1f" : "%.0f", v); break;
  case U_BYTES: hl_size_format_human((uint64_t)v, buf, len); break;
  case U_PERCENT: snprintf(buf, len, "%.1f%%", v); break;
  case U_FRACTION: snprintf(buf, len, "%.1f%%", 100 * v); break;
  case U_MS:
    snprintf(buf, len, v == 0 ? "0 ms" : v < 1e5 ? "%.3f ms" : "%.1f ms", v / 1e6);
    break;
  default: snprintf(buf, len, "%.0f", v); break;
  }
}

/* ---- which columns ------------------------------------------------------------ */

static void add_column(layout_t *l, const char *header, const char *key, const char *workload,
                       unit_t u) {
  if (l->n < MAX_COLUMNS) l->col[l->n++] = (column_t){header, key, workload, u};
}

static int any_row_has(const hl_results_t *v, const char *key, const char *workload) {
  for (size_t i = 0; i < v->n; i++) {
    double x;
    const hl_row_t *r = &v->row[i];
    if (r->run_type == HL_RUN_ITERATION && r->ok &&
        (!workload || (r->workload && !strcmp(r->workload, workload))) &&
        hl_row_number(r, key, &x) == 0)
      return 1;
  }
  return 0;
}

static unit_t unit_of_word(const char *w) {
  return !w ? U_COUNT : !strcmp(w, "bytes") ? U_BYTES : !strcmp(w, "percent") ? U_PERCENT : U_COUNT;
}

/* The key's unit from its name: _bytes, _ns, _pct, _fraction. */
static unit_t unit_of_key(const char *key) {
  size_t n = strlen(key);
#define ENDS(s) (n >= sizeof s - 1 && !strcmp(key + n - (sizeof s - 1), s))
  if (!strcmp(key, "cpu_time") || !strcmp(key, "real_time")) return U_NS;
  if (ENDS("_bytes")) return U_BYTES;
  if (ENDS("_ns")) return U_MS;
  if (ENDS("_pct")) return U_PERCENT;
  if (ENDS("_fraction")) return U_FRACTION;
  return U_COUNT;
#undef ENDS
}

/* The headlines the context declares (workload.h's, recorded by the run)
 * for the workloads whose rows are present and carry them. */
static void headline_columns(const hl_results_t *v, layout_t *l) {
  const json_t *all = json_object_get(v->context, "headlines");
  const char *w;
  const json_t *list;
  json_object_foreach((json_t *)all, w, list) {
    size_t i;
    const json_t *h;
    json_array_foreach(list, i, h) {
      const char *key = json_string_value(json_object_get(h, "key"));
      const char *header = json_string_value(json_object_get(h, "column"));
      if (key && header && any_row_has(v, key, w))
        add_column(l, header, key, w,
                   unit_of_word(json_string_value(json_object_get(h, "unit"))));
    }
  }
}

static void choose_columns(const hl_results_t *v, const char *metric, layout_t *l) {
  l->n = 0;
  add_column(l, "cpu ns/iter", "cpu_time", NULL, U_NS);
  add_column(l, "spread", "cpu_time", NULL, U_NS); /* computed apart */
  add_column(l, "peak RSS", "rss_peak_bytes", NULL, U_BYTES);
  add_column(l, "allocs", "allocs", NULL, U_COUNT);
  add_column(l, "alloc bytes", "alloc_bytes", NULL, U_BYTES);
  add_column(l, "GCs", "num_gc", NULL, U_COUNT);
  /* the collectors' columns, when a collector is there */
  if (any_row_has(v, "gc_cpu_fraction", NULL)) {
    add_column(l, "GC CPU", "gc_cpu_fraction", NULL, U_FRACTION);
    add_column(l, "GC pauses", "gc_pause_total_ns", NULL, U_MS);
    if (any_row_has(v, "gc_pause_max_ns", NULL))
      add_column(l, "max pause", "gc_pause_max_ns", NULL, U_MS);
  }
  headline_columns(v, l);
  if (metric) add_column(l, metric, metric, NULL, unit_of_key(metric));
}

/* ---- the table ------------------------------------------------------------------ */

static int add_row(hl_table_t *t, const layout_t *l, const hl_row_group_t *cell,
                   double *scratch) {
  char text[MAX_COLUMNS + 2][96];
  const char *cells[MAX_COLUMNS + 2] = {cell->key, text[1]};
  outcomes_text(cell, text[1], sizeof text[1]);
  const hl_row_t **rows = cell->ok;
  size_t n = cell->nok;
  const char *workload = n ? rows[0]->workload : NULL;
  for (size_t c = 0; c < l->n; c++) {
    const column_t *col = &l->col[c];
    char *out = text[c + 2];
    cells[c + 2] = out;
    double med = -1;
    if (!col->workload || (workload && !strcmp(col->workload, workload)))
      med = median_of(rows, n, col->key, scratch);
    if (c == 1) { /* spread: (max - min) / median of the CPU times */
      med = median_of(rows, n, "cpu_time", scratch);
      if (n >= 2 && med > 0)
        snprintf(out, 96, "%.1f%%", 100.0 * (hl_stats_max(scratch, n) - hl_stats_min(scratch, n)) / med);
      else
        snprintf(out, 96, "-");
      continue;
    }
    format(col->unit, med, out, 96);
  }
  return hl_table_add(t, cells);
}

hl_table_t *hl_summary_table_metric(const hl_results_t *v, const char *metric) {
  layout_t l;
  choose_columns(v, metric, &l);
  const char *headers[MAX_COLUMNS + 2] = {"benchmark", HL_VIEW_OUTCOME_TITLE};
  char align[MAX_COLUMNS + 3] = "ll";
  for (size_t c = 0; c < l.n; c++) {
    headers[c + 2] = l.col[c].header;
    align[c + 2] = 'r';
  }
  align[l.n + 2] = '\0';
  hl_row_index_t ix;
  if (hl_row_index_build(v, hl_row_key_run_name, &ix) != 0) return NULL;
  size_t most = 1;
  for (size_t g = 0; g < ix.n; g++)
    if (ix.group[g].nok > most) most = ix.group[g].nok;
  hl_table_t *t = hl_table_new(headers, l.n + 2, align);
  double *scratch = calloc(most, sizeof *scratch);
  if (!t || !scratch) goto fail;
  for (size_t g = 0; g < ix.n; g++)
    if (add_row(t, &l, &ix.group[g], scratch) != 0) goto fail;
  free(scratch);
  hl_row_index_free(&ix);
  return t;
fail:
  free(scratch);
  hl_row_index_free(&ix);
  hl_table_free(t);
  return NULL;
}

hl_table_t *hl_summary_table(const hl_results_t *v) {
  return hl_summary_table_metric(v, NULL);
}

void hl_summary_format_key(const char *key, double v, char *buf, size_t len) {
  unit_t u = unit_of_key(key);
  format(u, v, buf, len);
  if (u == U_NS && v >= 0) {
    size_t n = strlen(buf);
    snprintf(buf + n, len > n ? len - n : 0, " ns");
  }
}

/* ---- --metric ---------------------------------------------------------------------- */

int hl_summary_metric_check(const hl_results_t *v, const char *key, char *why, size_t len) {
  if (any_row_has(v, key, NULL)) return 0;
  /* the numeric keys of the ok iteration rows, each once */
  size_t off = (size_t)snprintf(why, len, "no numeric figure '%s' in the rows; numeric keys:", key);
  json_t *seen = json_object();
  for (size_t i = 0; seen && i < v->n && off < len; i++) {
    const hl_row_t *r = &v->row[i];
    if (r->run_type != HL_RUN_ITERATION || !r->ok) continue;
    const char *k;
    const json_t *x;
    json_object_foreach((json_t *)r->json, k, x) {
      if (!json_is_number(x) || json_object_get(seen, k) || off >= len) continue;
      json_object_set_new(seen, k, json_true());
      off += (size_t)snprintf(why + off, len - off, " %s", k);
    }
  }
  json_decref(seen);
  return HL_EINVAL;
}
