/* The "oom" object of a results document (oom_summary.h). */
#include "oom_summary.h"

#include "stats.h"

#include <stdlib.h>
#include <string.h>

/* A death: the cell ran out of memory, was killed for it, or thrashed. */
static int is_death(const char *outcome) {
  return !strcmp(outcome, "oom-alloc") || !strcmp(outcome, "oom-kill") ||
         !strcmp(outcome, "gc-thrash") || !strcmp(outcome, "crash");
}

static json_t *spread(const double *v, size_t n) {
  if (!n) return json_null();
  return json_pack("{s:f, s:f, s:f}", "median", hl_stats_median(v, n), "min", hl_stats_min(v, n),
                   "max", hl_stats_max(v, n));
}

static const json_t *search_for(const json_t *searches, const char *name) {
  size_t i;
  json_t *s;
  json_array_foreach(searches, i, s) {
    const char *n = json_string_value(json_object_get(s, "name"));
    if (n && !strcmp(n, name)) return s;
  }
  return NULL;
}

/* Runs of one cell (at one limit when limit_bytes != 0). */
static json_t *tally(const json_t *rows, const char *name, uint64_t limit_bytes) {
  size_t n = json_array_size(rows), runs = 0, survived = 0, ndeath = 0, npeak = 0;
  double *death = calloc(n + 1, sizeof *death), *peak = calloc(n + 1, sizeof *peak);
  json_t *outcomes = json_object();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *rn = json_string_value(json_object_get(r, "name"));
    const char *out = json_string_value(json_object_get(r, "outcome"));
    if (!rn || !out || strcmp(rn, name)) continue;
    if (limit_bytes &&
        (uint64_t)json_integer_value(json_object_get(r, "limit_bytes")) != limit_bytes)
      continue;
    runs++;
    survived += !strcmp(out, "ok");
    json_object_set_new(outcomes, out,
                        json_integer(json_integer_value(json_object_get(outcomes, out)) + 1));
    json_t *end = json_object_get(r, "end_s");
    if (is_death(out) && end) death[ndeath++] = json_number_value(end);
    json_t *pk = json_object_get(r, "rss_peak_bytes");
    if (pk) peak[npeak++] = json_number_value(pk);
  }
  double lo, hi;
  hl_wilson95(survived, runs, &lo, &hi);
  json_t *t = json_pack("{s:i, s:i, s:f, s:[f,f], s:o, s:o, s:o}", "runs", (int)runs, "survived",
                        (int)survived, "survival_rate", runs ? (double)survived / (double)runs : 0.0,
                        "survival_ci95", lo, hi, "outcomes", outcomes, "time_to_death_s",
                        spread(death, ndeath), "rss_peak_bytes", spread(peak, npeak));
  free(death);
  free(peak);
  return t;
}

static void copy_keys(json_t *to, const json_t *from, const char *const *keys) {
  for (size_t k = 0; keys[k]; k++) {
    json_t *v = json_object_get(from, keys[k]);
    if (v) json_object_set(to, keys[k], v);
  }
}

json_t *hl_oom_summary(const json_t *doc, const hl_run_options_t *o, const json_t *searches) {
  static const char *const cell_keys[] = {"workload", "backend", "params", "gogc",
                                           "memlimit", "escape",  NULL};
  json_t *rows = json_object_get(doc, "benchmarks"), *cells = json_array(), *seen = json_object();
  size_t i;
  json_t *r;
  json_array_foreach(rows, i, r) {
    const char *name = json_string_value(json_object_get(r, "name"));
    const char *type = json_string_value(json_object_get(r, "run_type"));
    if (!name || !type || strcmp(type, "iteration") || json_object_get(seen, name)) continue;
    json_object_set_new(seen, name, json_true());
    const json_t *search = search_for(searches, name);
    json_t *min = search ? json_object_get(search, "min_limit_bytes") : NULL;
    json_t *cell = tally(rows, name, min ? (uint64_t)json_integer_value(min) : 0);
    json_object_set_new(cell, "name", json_string(name));
    copy_keys(cell, r, cell_keys);
    if (search) {
      static const char *const search_keys[] = {"min_limit_bytes", "unlimited_rss_peak_bytes",
                                                 "search", "error", NULL};
      copy_keys(cell, search, search_keys);
      json_t *below = json_object_get(search, "below_limit_bytes");
      if (below) {
        json_t *b = tally(rows, name, (uint64_t)json_integer_value(below));
        json_object_set(b, "limit_bytes", below);
        json_object_set_new(cell, "below", b);
      }
    }
    json_array_append_new(cells, cell);
  }
  json_decref(seen);
  json_t *s = json_pack("{s:s, s:o}", "limit_mode", hl_limit_mode_name(o->limit_mode), "cells",
                        cells);
  if (o->limit_bytes) json_object_set_new(s, "limit_bytes", json_integer((json_int_t)o->limit_bytes));
  if (searches && json_array_size(searches)) json_object_set_new(s, "find_min_limit", json_true());
  return s;
}
