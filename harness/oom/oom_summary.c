/* The "oom" object of a results document (oom_summary.h), from the cells
 * the report reads too (oom_cells.h), so the file and the report count the
 * same runs the same way: a run that could not start (error) is neither a
 * survival nor a death. */
#include "oom_summary.h"

#include "oom_cells.h"
#include "size.h"
#include "stats.h"

#include <string.h>

static json_t *spread(const oom_doc_t *d, const oom_cell_t *c, int which, const char *key) {
  size_t n = oom_values(d, c, which, key);
  if (!n) return json_null();
  return json_pack("{s:f, s:f, s:f}", "median", hl_stats_median(d->scratch, n), "min",
                   hl_stats_min(d->scratch, n), "max", hl_stats_max(d->scratch, n));
}

static void copy_keys(json_t *to, const json_t *from, const char *const *keys) {
  for (size_t k = 0; keys[k]; k++) {
    json_t *v = json_object_get(from, keys[k]);
    if (v) json_object_set(to, keys[k], v);
  }
}

/* Runs of the cell at one limit (the search's check below the answer). */
static json_t *tally_at(const oom_cell_t *c, uint64_t limit_bytes) {
  size_t runs = 0, survived = 0;
  for (size_t i = 0; i < c->nall; i++) {
    if (oom_u64(c->all[i]->json, "limit_bytes") != limit_bytes || !oom_ran(c->all[i])) continue;
    runs++;
    survived += (size_t)oom_survived(c->all[i]);
  }
  double lo, hi;
  hl_wilson95(survived, runs, &lo, &hi);
  return json_pack("{s:I, s:i, s:i, s:[f,f]}", "limit_bytes", (json_int_t)limit_bytes, "runs",
                   (int)runs, "survived", (int)survived, "survival_ci95", lo, hi);
}

static json_t *cell_json(const oom_doc_t *d, const oom_cell_t *c, const json_t *search) {
  static const char *const cell_keys[] = {
      "workload", "backend", "params", "gogc", "memlimit", "escape", "knobs_not_applicable", NULL};
  json_t *outcomes = json_object();
  for (size_t k = 0; k < HL_OUTCOME_COUNT; k++)
    if (c->count[k])
      json_object_set_new(outcomes, hl_outcome_name((hl_outcome_t)k),
                          json_integer((json_int_t)c->count[k]));
  json_t *cell = json_pack("{s:s, s:i, s:i, s:f, s:[f,f], s:o, s:o, s:o}", "name", c->name, "runs",
                           (int)c->runs, "survived", (int)c->survived, "survival_rate",
                           c->runs ? (double)c->survived / (double)c->runs : 0.0, "survival_ci95",
                           c->ci_lo, c->ci_hi, "outcomes", outcomes, "time_to_death_s",
                           spread(d, c, OOM_ROWS_DIED, "end_s"), "rss_peak_bytes",
                           spread(d, c, OOM_ROWS_RAN, "rss_peak_bytes"));
  if (c->nall) copy_keys(cell, c->all[0]->json, cell_keys);
  if (c->limit_bytes && c->limit_bytes < OOM_UNLIMITED_BYTES)
    json_object_set_new(cell, "limit_bytes", json_integer((json_int_t)c->limit_bytes));
  if (search) {
    static const char *const search_keys[] = {"min_limit_bytes", "unlimited_rss_peak_bytes",
                                              "search", "error", NULL};
    copy_keys(cell, search, search_keys);
    uint64_t below = oom_u64(search, "below_limit_bytes");
    if (below) json_object_set_new(cell, "below", tally_at(c, below));
  }
  return cell;
}

/* One console row: runs, survivals with their interval, outcomes, time to
 * death, peak RSS and the limit found. */
static int table_row(hl_table_t *t, const oom_doc_t *d, const oom_cell_t *c, const json_t *search) {
  char runs[16], surv[32], ci[32], outs[256] = "", death[32] = "-", rss[32] = "-", min[32] = "-";
  snprintf(runs, sizeof runs, "%zu", c->runs);
  snprintf(surv, sizeof surv, "%zu/%zu", c->survived, c->runs);
  snprintf(ci, sizeof ci, "%.2f-%.2f", c->ci_lo, c->ci_hi);
  size_t off = 0;
  for (size_t k = 0; k < HL_OUTCOME_COUNT && off < sizeof outs; k++)
    if (c->count[k])
      off += (size_t)snprintf(outs + off, sizeof outs - off, "%s%zu %s", off ? ", " : "",
                              c->count[k], hl_outcome_name((hl_outcome_t)k));
  size_t n = oom_values(d, c, OOM_ROWS_DIED, "end_s");
  if (n) snprintf(death, sizeof death, "%.3f", hl_stats_median(d->scratch, n));
  if ((n = oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes")) != 0)
    hl_size_format_human((uint64_t)hl_stats_median(d->scratch, n), rss, sizeof rss);
  uint64_t found = oom_u64(search, "min_limit_bytes");
  if (found) hl_size_format_human(found, min, sizeof min);
  const char *row[] = {c->name, runs, surv, ci, outs, death, rss, min};
  return hl_table_add(t, row);
}

static hl_table_t *new_table(void) {
  static const char *const headers[] = {"cell",     "runs",          "survived", "95% CI",
                                        "outcomes", "death after s", "peak RSS", "min limit"};
  return hl_table_new(headers, 8, "lrrrlrrr");
}

json_t *hl_oom_summary(const json_t *doc, const hl_run_request_t *rq, const json_t *searches,
                       hl_table_t **table) {
  /* the cells read a search from the document's "oom" object: give them
   * this run's, on a shallow copy */
  json_t *copy = json_copy((json_t *)doc);
  if (!copy) return NULL;
  if (searches) json_object_set_new(copy, "oom", json_pack("{s:O}", "cells", searches));
  oom_doc_t d;
  memset(&d, 0, sizeof d);
  char why[256];
  json_t *cells = json_array();
  if (table) *table = new_table();
  if (oom_doc_open(&d, copy, why, sizeof why) == 0) {
    for (size_t i = 0; i < d.ncells; i++) {
      json_array_append_new(cells, cell_json(&d, &d.cells[i], d.cells[i].oom));
      if (table && *table) table_row(*table, &d, &d.cells[i], d.cells[i].oom);
    }
  }
  oom_doc_close(&d);
  json_decref(copy);
  /* --find-min-limit without --limit still ran under limits: the watchdog's,
   * unless --limit-mode said otherwise */
  int searched = searches && json_array_size(searches);
  hl_limit_mode_t mode =
      rq->hard_limit_mode == HL_LIMIT_NONE && searched ? HL_LIMIT_WATCHDOG : rq->hard_limit_mode;
  json_t *s = json_pack("{s:s, s:o}", "limit_mode", hl_limit_mode_name(mode), "cells", cells);
  if (rq->hard_limit_bytes)
    json_object_set_new(s, "limit_bytes", json_integer((json_int_t)rq->hard_limit_bytes));
  if (searched) json_object_set_new(s, "find_min_limit", json_true());
  return s;
}
