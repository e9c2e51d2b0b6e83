/* The cells of the out-of-memory report (oom_cells.h): the rows grouped by
 * run name, the rows each summary counts, survival and its interval, the
 * search, and the run each timeline draws. */
#include "oom_cells.h"

#include "limit.h"

#include "error.h"
#include "results.h"
#include "stats.h"

#include <stdlib.h>
#include <string.h>

const char *oom_str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "";
}

uint64_t oom_u64(const json_t *o, const char *key) {
  double v;
  return hl_json_number(o, key, &v) == 0 && v > 0 ? (uint64_t)v : 0;
}

int oom_survived(const hl_row_t *row) {
  return row->outcome_id == HL_OUTCOME_OK;
}
int oom_ran(const hl_row_t *row) {
  return row->outcome_id != HL_OUTCOME_ERROR;
}
int oom_died(const hl_row_t *row) {
  return oom_ran(row) && !oom_survived(row);
}

static uint64_t row_limit(const oom_doc_t *d, const hl_row_t *row) {
  uint64_t own = oom_u64(row->json, "limit_bytes");
  return own ? own : d->limit_bytes;
}

static int push_row(const hl_row_t ***v, size_t *n, const hl_row_t *row) {
  if ((*n & (*n - 1)) == 0) { /* 0, 1, 2, 4, ...: grow */
    const hl_row_t **bigger = realloc(*v, (*n ? *n * 2 : 1) * sizeof *bigger);
    if (!bigger) return HL_ENOMEM;
    *v = bigger;
  }
  (*v)[(*n)++] = row;
  return 0;
}

static const json_t *oom_entry(const oom_doc_t *d, const char *name) {
  size_t i;
  const json_t *c;
  json_array_foreach(json_object_get(d->oom, "cells"), i, c) {
    if (!strcmp(oom_str(c, "name"), name)) return c;
  }
  return NULL;
}

static int cmp_step(const void *a, const void *b) {
  uint64_t x = ((const oom_step_t *)a)->limit_bytes, y = ((const oom_step_t *)b)->limit_bytes;
  return x < y ? -1 : x > y;
}

/* The search: the "oom" entry's steps in the order they ran (each with its
 * name), else the rows when they ran under several limits (each row says
 * its own limit_bytes), limit by limit.
 * The smallest limit found to survive is the "oom" entry's answer when it
 * gives one, else the smallest limit at which every run, and every run at
 * any larger limit, survived. */
static int cell_search(const oom_doc_t *d, oom_cell_t *c) {
  size_t n = 0, i;
  const json_t *s, *steps = json_object_get(c->oom, "search");
  int from_rows = 0; /* the rows ran under more than one limit */
  for (i = 1; i < c->nall && !json_array_size(steps); i++)
    from_rows |= row_limit(d, c->all[i]) != row_limit(d, c->all[0]);
  size_t cap = from_rows ? c->nall : json_array_size(steps);
  if (cap == 0) return 0;
  if (!(c->search = calloc(cap, sizeof *c->search))) return HL_ENOMEM;
  for (i = 0; from_rows && i < c->nall; i++) {
    uint64_t lim = row_limit(d, c->all[i]);
    size_t k = 0;
    while (k < n && c->search[k].limit_bytes != lim)
      k++;
    if (k == n) c->search[n++].limit_bytes = lim;
    c->search[k].runs += oom_ran(c->all[i]);
    c->search[k].survived += oom_survived(c->all[i]);
  }
  json_array_foreach(from_rows ? NULL : steps, i, s) {
    c->search[n++] = (oom_step_t){oom_u64(s, "limit_bytes"), oom_u64(s, "runs"),
                                  oom_u64(s, "survived"), oom_str(s, "step")};
  }
  c->nsearch = n;
  if (from_rows) qsort(c->search, n, sizeof *c->search, cmp_step);
  c->min_limit_bytes = oom_u64(c->oom, "min_limit_bytes");
  for (size_t k = n; from_rows && !c->min_limit_bytes && k-- > 0;) {
    if (c->search[k].runs == 0 || c->search[k].survived < c->search[k].runs) break;
    if (k == 0 || c->search[k - 1].survived < c->search[k - 1].runs) {
      c->min_limit_bytes = c->search[k].limit_bytes;
    }
  }
  return 0;
}

static int has_rows_at(const oom_cell_t *c, const oom_doc_t *d, uint64_t limit) {
  for (size_t i = 0; i < c->nall; i++)
    if (row_limit(d, c->all[i]) == limit) return 1;
  return 0;
}

/* Which rows the summary counts (see oom_cells.h), their outcomes,
 * survival and its interval, and the run to draw. */
static int cell_summarise(const oom_doc_t *d, oom_cell_t *c) {
  int rc = cell_search(d, c);
  if (rc) return rc;
  c->limit_bytes = d->limit_bytes;
  if (c->nsearch && !has_rows_at(c, d, d->limit_bytes)) {
    c->limit_bytes = 0; /* the largest limit searched, unless one was found */
    for (size_t k = 0; k < c->nsearch; k++)
      if (c->search[k].limit_bytes > c->limit_bytes && has_rows_at(c, d, c->search[k].limit_bytes))
        c->limit_bytes = c->search[k].limit_bytes;
    if (c->min_limit_bytes && has_rows_at(c, d, c->min_limit_bytes))
      c->limit_bytes = c->min_limit_bytes;
  }
  for (size_t i = 0; i < c->nall; i++) {
    const hl_row_t *row = c->all[i];
    if (row_limit(d, row) != c->limit_bytes) continue;
    if ((rc = push_row(&c->rows, &c->nrows, row)) != 0) return rc;
    c->count[row->outcome_id]++;
    c->runs += oom_ran(row);
    c->survived += oom_survived(row);
    if (!c->drawn || (oom_died(row) && !oom_died(c->drawn))) c->drawn = row;
  }
  if (c->runs) hl_wilson95(c->survived, c->runs, &c->ci_lo, &c->ci_hi);
  return 0;
}

void oom_doc_close(oom_doc_t *d) {
  for (size_t i = 0; i < d->ncells; i++) {
    free(d->cells[i].all);
    free(d->cells[i].rows);
    free(d->cells[i].search);
  }
  free(d->cells);
  free(d->scratch);
  hl_results_view_free(&d->view);
}

static int cells_build(oom_doc_t *d, char *why, size_t len) {
  size_t i, nrows = 0;
  if (!(d->cells = calloc(d->view.n + 1, sizeof *d->cells)) ||
      !(d->scratch = calloc(d->view.n + 1, sizeof *d->scratch)))
    goto nomem;
  for (i = 0; i < d->view.n; i++) {
    const hl_row_t *e = &d->view.row[i];
    if (e->run_type != HL_RUN_ITERATION) continue;
    const char *name = e->run_name;
    size_t k = 0;
    while (k < d->ncells && strcmp(d->cells[k].name, name))
      k++;
    if (k == d->ncells) {
      d->cells[k] = (oom_cell_t){.name = name, .oom = oom_entry(d, name)};
      d->ncells++;
    }
    if (push_row(&d->cells[k].all, &d->cells[k].nall, e) != 0) goto nomem;
    nrows++;
  }
  if (nrows == 0) {
    snprintf(why, len,
             "no iteration rows: nothing ran (expected the rows of heaplab oom, or "
             "of heaplab run --limit)");
    return HL_ENOENT;
  }
  for (i = 0; i < d->ncells; i++)
    if (cell_summarise(d, &d->cells[i]) != 0) goto nomem;
  return 0;
nomem:
  snprintf(why, len, "out of memory");
  return HL_ENOMEM;
}

int oom_kill_class(const hl_row_t *row) {
  const char *msg = row->error_message;
  switch (row->outcome_id) {
  case HL_OUTCOME_OOM_KILL:
    return strstr(msg, "watchdog") ? OOM_K_WATCHDOG
           : strstr(msg, "cgroup") ? OOM_K_CGROUP
                                   : OOM_K_KILLED;
  case HL_OUTCOME_OOM_ALLOC: return OOM_K_ALLOC;
  case HL_OUTCOME_GC_THRASH: return OOM_K_THRASH;
  case HL_OUTCOME_CRASH: return OOM_K_CRASH;
  case HL_OUTCOME_TIMEOUT: return OOM_K_TIMEOUT;
  default: return OOM_K_OTHER;
  }
}

int oom_row_selected(const hl_row_t *row, int which) {
  if (which == OOM_ROWS_RAN) return oom_ran(row);
  if (which == OOM_ROWS_DIED) return oom_died(row);
  return oom_died(row) && oom_kill_class(row) == which;
}

size_t oom_values(const oom_doc_t *d, const oom_cell_t *c, int which, const char *key) {
  size_t n = 0;
  for (size_t i = 0; i < c->nrows; i++)
    if (oom_row_selected(c->rows[i], which) && hl_row_number(c->rows[i], key, &d->scratch[n]) == 0)
      n++;
  return n;
}

/* A search without --limit (heaplab oom --find-min-limit) records no
 * limit mode, or "none", though its runs had limits: the kill messages
 * (child.c's classify()) say which mode held them. NULL when none says. */
static const char *mode_from_rows(const hl_results_t *v) {
  for (size_t i = 0; i < v->n; i++) {
    const char *msg = v->row[i].error_message;
    if (strstr(msg, "killed by the watchdog")) return "watchdog";
    if (strstr(msg, "cgroup's OOM killer")) return "cgroup";
  }
  return NULL;
}

/* A limit mode that heaplab knows, or NULL: a file's string is data, and
 * only the three names reach the report. */
static const char *known_mode(const json_t *v) {
  hl_limit_mode_t mode;
  const char *name = json_string_value(v);
  if (!name || hl_limit_mode_parse(name, &mode) != 0 || mode == HL_LIMIT_NONE) return NULL;
  return hl_limit_mode_name(mode);
}

static int any_row_limit(const hl_results_t *v) {
  for (size_t i = 0; i < v->n; i++)
    if (oom_u64(v->row[i].json, "limit_bytes")) return 1;
  return 0;
}

int oom_doc_open(oom_doc_t *d, const json_t *doc, char *why, size_t len) {
  int rc = hl_results_view(doc, &d->view);
  if (rc == HL_EPARSE)
    snprintf(why, len,
             "not a results file (expected an object with \"context\" and "
             "\"benchmarks\")");
  else if (rc)
    snprintf(why, len, "out of memory");
  if (rc) return rc;
  d->ctx = d->view.context;
  d->opts = json_object_get(d->ctx, "options");
  d->oom = json_object_get(doc, "oom");
  if (d->oom && !json_is_object(d->oom)) {
    snprintf(why, len, "\"oom\" is not an object");
    return HL_EPARSE;
  }
  d->limit_bytes = oom_u64(d->opts, "limit_bytes");
  if (!d->limit_bytes) d->limit_bytes = oom_u64(d->oom, "limit_bytes");
  d->limit_mode = known_mode(json_object_get(d->opts, "limit_mode"));
  if (!d->limit_mode) d->limit_mode = known_mode(json_object_get(d->oom, "limit_mode"));
  if (!d->limit_mode) d->limit_mode = mode_from_rows(&d->view);
  rc = cells_build(d, why, len);
  if (rc == 0 && !d->limit_bytes && !any_row_limit(&d->view)) {
    snprintf(why, len,
             "no run in this file had a memory limit: an OOM report needs runs under one "
             "(heaplab oom, or heaplab run --limit SIZE); heaplab report shows this file");
    rc = HL_EINVAL;
  }
  return rc;
}
