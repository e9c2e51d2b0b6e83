/* Run summary tables (summary.h). */
#include "summary.h"

#include "results.h"
#include "size.h"
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS 10000

static int is_iteration(const json_t *e) {
  const char *rt = json_string_value(json_object_get(e, "run_type"));
  return !rt || strcmp(rt, "iteration") == 0;
}

static const char *run_name_of(const json_t *e) {
  const char *n = json_string_value(json_object_get(e, "run_name"));
  return n ? n : json_string_value(json_object_get(e, "name"));
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

size_t hl_summary_ok_rows(const json_t *benchmarks, const char *run_name, const json_t **rows,
                          size_t max) {
  size_t n = 0, i;
  const json_t *e;
  json_array_foreach(benchmarks, i, e) {
    if (!is_iteration(e) || strcmp(run_name_of(e), run_name) != 0) continue;
    const char *outcome = json_string_value(json_object_get(e, "outcome"));
    if (json_is_true(json_object_get(e, "error_occurred"))) continue;
    if (outcome && strcmp(outcome, "ok") != 0) continue;
    if (n < max) rows[n++] = e;
  }
  return n;
}

/* "3/3 ok" or "1 ok, 2 oom". */
static void outcomes_text(const json_t *benchmarks, const char *run_name, char *buf, size_t len) {
  const char *names[8];
  size_t counts[8], nnames = 0, total = 0, i;
  const json_t *e;
  json_array_foreach(benchmarks, i, e) {
    if (!is_iteration(e) || strcmp(run_name_of(e), run_name) != 0) continue;
    const char *o = json_string_value(json_object_get(e, "outcome"));
    if (!o) o = json_is_true(json_object_get(e, "error_occurred")) ? "error" : "ok";
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
static double median_of(const json_t **rows, size_t n, const char *key, double *scratch) {
  for (size_t i = 0; i < n; i++)
    if (hl_json_number(rows[i], key, &scratch[i]) != 0) return -1;
  return n ? hl_stats_median(scratch, n) : -1;
}

static void fmt_ns(double ns, char *buf, size_t len) {
  if (ns < 0)
    snprintf(buf, len, "-");
  else if (ns < 10)
    snprintf(buf, len, "%.2f", ns);
  else if (ns < 1000)
    snprintf(buf, len, "%.1f", ns);
  else
    snprintf(buf, len, "%.0f", ns);
}

static void fmt_bytes(double v, char *buf, size_t len) {
  if (v < 0)
    snprintf(buf, len, "-");
  else
    hl_size_format_human((uint64_t)v, buf, len);
}

static void fmt_count(double v, char *buf, size_t len) {
  if (v < 0)
    snprintf(buf, len, "-");
  else
    snprintf(buf, len, "%.0f", v);
}

static int add_row(hl_table_t *t, const json_t *bench, const char *run_name, double *scratch,
                   const json_t **rows) {
  char outcome[96], cpu[32], spread[32], rss[32], allocs[32], bytes[32], gcs[32];
  outcomes_text(bench, run_name, outcome, sizeof outcome);
  size_t n = hl_summary_ok_rows(bench, run_name, rows, MAX_REPS);
  double med = median_of(rows, n, "cpu_time", scratch);
  fmt_ns(med, cpu, sizeof cpu);
  if (n >= 2 && med > 0)
    snprintf(spread, sizeof spread, "%.1f%%",
             100.0 * (hl_stats_max(scratch, n) - hl_stats_min(scratch, n)) / med);
  else
    snprintf(spread, sizeof spread, "-");
  fmt_bytes(median_of(rows, n, "rss_peak_bytes", scratch), rss, sizeof rss);
  fmt_count(median_of(rows, n, "allocs", scratch), allocs, sizeof allocs);
  fmt_bytes(median_of(rows, n, "alloc_bytes", scratch), bytes, sizeof bytes);
  fmt_count(median_of(rows, n, "num_gc", scratch), gcs, sizeof gcs);
  const char *cells[] = {run_name, outcome, cpu, spread, rss, allocs, bytes, gcs};
  return hl_table_add(t, cells);
}

hl_table_t *hl_summary_table(const json_t *root) {
  static const char *const headers[] = {"benchmark", "outcome", "cpu ns/iter", "spread",
                                        "peak RSS",  "allocs",  "alloc bytes", "GCs"};
  hl_table_t *t = hl_table_new(headers, 8, "llrrrrrr");
  double *scratch = calloc(MAX_REPS, sizeof *scratch);
  const json_t **rows = calloc(MAX_REPS, sizeof *rows);
  const json_t *bench = json_object_get(root, "benchmarks");
  if (!t || !scratch || !rows) goto fail;
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (!is_iteration(e)) continue;
    const char *rn = run_name_of(e);
    size_t k; /* first row of this run_name only */
    for (k = 0; k < i; k++) {
      const json_t *p = json_array_get(bench, k);
      if (is_iteration(p) && strcmp(run_name_of(p), rn) == 0) break;
    }
    if (k < i) continue;
    if (add_row(t, bench, rn, scratch, rows) != 0) goto fail;
  }
  free(scratch);
  free(rows);
  return t;
fail:
  free(scratch);
  free(rows);
  hl_table_free(t);
  return NULL;
}
