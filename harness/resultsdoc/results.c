/* Results files: field names, loading with validation, atomic saving and
 * Google Benchmark-style aggregates (results.h). */
#include "results.h"

#include "error.h"
#include "output.h"
#include "stats.h"
#include "util.h"
#include "view.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const field_names[HL_CF_COUNT] = {
#define HL_X(f, h) #f,
    HL_CELL_FIELDS(HL_X)
#undef HL_X
#define HL_X(f, h) #f,
        HL_HEAP_STATS(HL_X)
#undef HL_X
};

static const char *const field_help[HL_CF_COUNT] = {
#define HL_X(f, h) h,
    HL_CELL_FIELDS(HL_X)
#undef HL_X
#define HL_X(f, h) h,
        HL_HEAP_STATS(HL_X)
#undef HL_X
};

const char *hl_metric_name(int field) {
  return field >= 0 && field < HL_CF_COUNT ? field_names[field] : NULL;
}

const char *hl_metric_help(int field) {
  return field >= 0 && field < HL_CF_COUNT ? field_help[field] : NULL;
}

int hl_metric_index(const char *name) {
  for (int i = 0; i < HL_CF_COUNT; i++)
    if (strcmp(field_names[i], name) == 0) return i;
  return -1;
}

int hl_metrics_to_json(const hl_cell_metrics_t *m, json_t *entry) {
  for (int i = 0; i < HL_CF_COUNT; i++) {
    if (!(m->present & (UINT64_C(1) << i))) continue;
    if (json_object_set_new(entry, field_names[i], json_integer((json_int_t)m->value[i])))
      return HL_ENOMEM;
  }
  return 0;
}

int hl_json_number(const json_t *entry, const char *key, double *out) {
  const json_t *v = json_object_get(entry, key);
  if (!v || !json_is_number(v)) return HL_ENOENT;
  *out = json_number_value(v);
  return 0;
}

/* Nanoseconds in one time_unit, or 0 for a unit heaplab does not know. */
static double ns_per_unit(const char *unit) {
  static const struct {
    const char *name;
    double ns;
  } units[] = {{"ns", 1}, {"us", 1e3}, {"ms", 1e6}, {"s", 1e9}};
  for (size_t i = 0; i < sizeof units / sizeof units[0]; i++)
    if (!strcmp(unit, units[i].name)) return units[i].ns;
  return 0;
}

/* Keys that count or measure something and so are never negative: the
 * times, Google Benchmark's structural counts and heaplab's metrics. */
static int non_negative_key(const char *key) {
  static const char *const keys[] = {"real_time",   "cpu_time",         "iterations",
                                     "repetitions", "repetition_index", "threads"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (!strcmp(key, keys[i])) return 1;
  return hl_metric_index(key) >= 0;
}

/* Every number of the row is finite; the keys above are numbers >= 0. */
static int check_numbers(const json_t *e, char *why, size_t len) {
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)e, key, v) {
    int known = non_negative_key(key);
    if (known && !json_is_number(v)) {
      snprintf(why, len, "\"%s\" is not a number", key);
      return HL_EPARSE;
    }
    if (!json_is_number(v)) continue;
    double x = json_number_value(v);
    if (!isfinite(x) || (known && x < 0)) {
      snprintf(why, len, "%s %g is %s", key, x, isfinite(x) ? "negative" : "not finite");
      return HL_EPARSE;
    }
  }
  return 0;
}

/* Converts real_time and cpu_time to nanoseconds (time_unit "ns"), so that
 * every reader can take them as ns. A cv aggregate (aggregate_unit
 * "percentage") holds ratios, not times: only its unit is checked. */
static int normalise_times(json_t *e, char *why, size_t len) {
  const json_t *u = json_object_get(e, "time_unit");
  if (!u) return 0; /* no times, or heaplab's own ns */
  double ns = json_is_string(u) ? ns_per_unit(json_string_value(u)) : 0;
  if (!ns) {
    snprintf(why, len, "time_unit %s%s%s is not one of ns, us, ms, s", json_is_string(u) ? "'" : "",
             json_is_string(u) ? json_string_value(u) : "(not a string)",
             json_is_string(u) ? "'" : "");
    return HL_EPARSE;
  }
  const char *agg = json_string_value(json_object_get(e, "aggregate_unit"));
  if (ns == 1 || (agg && !strcmp(agg, "percentage"))) return 0;
  static const char *const keys[] = {"real_time", "cpu_time"};
  for (size_t k = 0; k < 2; k++) {
    const json_t *v = json_object_get(e, keys[k]);
    if (v && json_object_set_new(e, keys[k], json_real(json_number_value(v) * ns)))
      return HL_ENOMEM;
  }
  return json_object_set_new(e, "time_unit", json_string("ns")) ? HL_ENOMEM : 0;
}

/* Checks one benchmarks[] entry and puts its times in ns; writes why on
 * failure. */
static int check_entry(json_t *e, size_t i, char *why, size_t len) {
  if (!json_is_object(e)) {
    snprintf(why, len, "benchmarks[%zu] is not an object", i);
    return HL_EPARSE;
  }
  const json_t *name = json_object_get(e, "name");
  if (!json_is_string(name)) {
    snprintf(why, len, "benchmarks[%zu] has no string \"name\"", i);
    return HL_EPARSE;
  }
  char what[192];
  int rc = hl_row_check_identity(e, what, sizeof what);
  if (rc == 0) rc = check_numbers(e, what, sizeof what);
  if (rc == 0) rc = normalise_times(e, what, sizeof what);
  if (rc) snprintf(why, len, "benchmarks[%zu] (%.200s): %s", i, json_string_value(name), what);
  return rc;
}

int hl_results_load(const char *path, json_t **root_out, char *why, size_t why_len) {
  char *text = NULL;
  size_t len = 0;
  int rc = hl_read_file(path, &text, &len);
  if (rc) {
    snprintf(why, why_len, "%s: cannot read: %s", path,
             rc == HL_ENOENT ? "no such file" : hl_strerror(rc));
    return rc;
  }
  json_error_t err;
  json_t *root = json_loadb(text, len, 0, &err);
  free(text);
  if (!root) {
    snprintf(why, why_len, "%s: not valid JSON: %s (line %d, column %d)", path, err.text, err.line,
             err.column);
    return HL_EPARSE;
  }
  const json_t *ctx = json_object_get(root, "context");
  const json_t *bench = json_object_get(root, "benchmarks");
  if (!json_is_object(root) || !json_is_object(ctx) || !json_is_array(bench)) {
    snprintf(why, why_len,
             "%s: not a results file (expected an object with \"context\" and \"benchmarks\")",
             path);
    json_decref(root);
    return HL_EPARSE;
  }
  for (size_t i = 0; i < json_array_size(bench); i++) {
    char what[512];
    if ((rc = check_entry(json_array_get(bench, i), i, what, sizeof what)) != 0) {
      snprintf(why, why_len, "%s: %s", path, what);
      json_decref(root);
      return rc;
    }
  }
  *root_out = root;
  return 0;
}

int hl_results_save(const json_t *root, const char *path, char *why, size_t why_len) {
  char *text = json_dumps(root, JSON_INDENT(2) | JSON_REAL_PRECISION(17));
  if (!text) {
    snprintf(why, why_len, "%.900s: out of memory", path);
    return HL_ENOMEM;
  }
  size_t len = strlen(text);
  text[len] = '\n'; /* json_dumps leaves room for the NUL, which we replace */
  int rc = hl_output_write(path, text, len + 1, why, why_len);
  free(text);
  return rc;
}

/* Keys that describe a row rather than measure it: never aggregated. */
static int structural(const char *key) {
  static const char *const keys[] = {"family_index", "per_family_instance_index",
                                     "repetitions",  "repetition_index",
                                     "threads",      "iterations"};
  for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++)
    if (strcmp(key, keys[i]) == 0) return 1;
  return 0;
}

enum { AGG_MEAN, AGG_MEDIAN, AGG_STDDEV, AGG_CV, AGG_COUNT };
static const char *const agg_names[AGG_COUNT] = {"mean", "median", "stddev", "cv"};

/* One statistic of one key over the rows; returns 0 and a finite value, or
 * HL_ERANGE when it would not be finite (cv of a zero mean). */
static int statistic(int which, const double *x, size_t n, double *out) {
  double v;
  switch (which) {
  case AGG_MEAN: v = hl_stats_mean(x, n); break;
  case AGG_MEDIAN: v = hl_stats_median(x, n); break;
  case AGG_STDDEV: v = hl_stats_stddev(x, n); break;
  default: {
    double mean = hl_stats_mean(x, n);
    if (mean == 0) return HL_ERANGE;
    v = hl_stats_stddev(x, n) / mean;
  }
  }
  if (!isfinite(v)) return HL_ERANGE;
  *out = v;
  return 0;
}

static json_t *aggregate_row(json_t *const *reps, size_t n, int which, double *x) {
  const json_t *first = reps[0];
  json_t *row =
      hl_row_aggregate_new(first, agg_names[which], which == AGG_CV ? "percentage" : "time", n);
  if (!row) return NULL;
  const char *key;
  json_t *value;
  json_object_foreach((json_t *)first, key, value) {
    if (!json_is_number(value) || structural(key)) continue;
    size_t k = 0;
    for (; k < n; k++)
      if (hl_json_number(reps[k], key, &x[k]) != 0) break;
    if (k < n) continue; /* not in every row */
    double v;
    if (statistic(which, x, n, &v) != 0) {
      if (!strcmp(key, "real_time") || !strcmp(key, "cpu_time")) goto fail;
      continue;
    }
    json_object_set_new(row, key, json_real(v));
    if (!strcmp(key, "cpu_time"))
      json_object_set(row, "time_unit", json_object_get(first, "time_unit"));
  }
  return row;
fail:
  json_decref(row);
  return NULL;
}

int hl_results_aggregate(json_t *const *reps, size_t n, json_t *out) {
  if (n < 2) return HL_EINVAL;
  double *x = calloc(n, sizeof *x);
  if (!x) return HL_ENOMEM;
  for (int which = 0; which < AGG_COUNT; which++) {
    json_t *row = aggregate_row(reps, n, which, x);
    if (row) json_array_append_new(out, row);
  }
  free(x);
  return 0;
}
