/* The typed view of a results document, and the writers of a row's
 * identity (view.h): the only file that spells the keys a row is known by. */
#include "view.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *str(const json_t *o, const char *key) {
  return json_string_value(json_object_get(o, key));
}

/* ---- reading ------------------------------------------------------------------ */

int hl_row_json_ok(const json_t *row) {
  const char *rt = str(row, "run_type"), *outcome = str(row, "outcome");
  return (!rt || !strcmp(rt, "iteration")) &&
         !json_is_true(json_object_get(row, "error_occurred")) &&
         (!outcome || !strcmp(outcome, "ok"));
}

int hl_row_check_identity(const json_t *row, char *why, size_t len) {
  const char *rt = str(row, "run_type");
  if (rt && strcmp(rt, "iteration") != 0 && strcmp(rt, "aggregate") != 0) {
    snprintf(why, len, "run_type '%s' is neither iteration nor aggregate", rt);
    return HL_EPARSE;
  }
  return 0;
}

/* A number of the row, or -1 when absent (the loaded document's numbers
 * are finite, and its times and counts >= 0: results.c). */
static double number_or_absent(const json_t *row, const char *key) {
  double v;
  return hl_json_number(row, key, &v) == 0 ? v : -1;
}

static void read_row(const json_t *e, const char *doc_machine, hl_row_t *r) {
  memset(r, 0, sizeof *r);
  r->json = e;
  r->name = str(e, "name") ? str(e, "name") : "";
  r->run_name = str(e, "run_name") ? str(e, "run_name") : r->name;
  r->cell_id = str(e, "cell_id");
  r->workload = str(e, "workload");
  r->backend = str(e, "backend");
  r->machine = str(e, "machine") ? str(e, "machine") : doc_machine;
  r->error_message = str(e, "error_message") ? str(e, "error_message") : "";
  const char *rt = str(e, "run_type");
  r->run_type = rt && !strcmp(rt, "aggregate") ? HL_RUN_AGGREGATE : HL_RUN_ITERATION;
  if (r->run_type == HL_RUN_AGGREGATE) r->aggregate = str(e, "aggregate_name");
  double rep = number_or_absent(e, "repetition_index");
  r->repetition = rep >= 0 ? (long)rep : -1;
  r->outcome = str(e, "outcome");
  r->outcome_id = r->outcome ? hl_outcome_parse(r->outcome) : HL_OUTCOME_COUNT;
  r->error_occurred = json_is_true(json_object_get(e, "error_occurred"));
  r->ok = hl_row_json_ok(e);
  r->real_ns = number_or_absent(e, "real_time");
  r->cpu_ns = number_or_absent(e, "cpu_time");
  for (int i = 0; i < HL_CF_COUNT; i++)
    if (hl_json_number(e, hl_metric_name(i), &r->metric[i]) == 0) r->present |= UINT64_C(1) << i;
}

int hl_results_view(const json_t *doc, hl_results_t *v) {
  memset(v, 0, sizeof *v);
  const json_t *ctx = json_object_get(doc, "context");
  const json_t *bench = json_object_get(doc, "benchmarks");
  if (!json_is_object(doc) || !json_is_object(ctx) || !json_is_array(bench)) return HL_EPARSE;
  v->row = calloc(json_array_size(bench) + 1, sizeof *v->row);
  if (!v->row) return HL_ENOMEM;
  v->doc = doc;
  v->context = ctx;
  v->machine = str(json_object_get(ctx, "fingerprint"), "id");
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (json_is_object(e)) read_row(e, v->machine, &v->row[v->n++]);
  }
  return 0;
}

void hl_results_view_free(hl_results_t *v) {
  free(v->row);
  memset(v, 0, sizeof *v);
}

const char *hl_row_outcome_word(const hl_row_t *r) {
  return r->outcome ? r->outcome : r->error_occurred ? "error" : "ok";
}

int hl_row_metric(const hl_row_t *r, int field, double *out) {
  if (field < 0 || field >= HL_CF_COUNT || !(r->present & (UINT64_C(1) << field))) return HL_ENOENT;
  *out = r->metric[field];
  return 0;
}

int hl_row_number(const hl_row_t *r, const char *key, double *out) {
  int cpu = !strcmp(key, "cpu_time");
  if (cpu || !strcmp(key, "real_time")) {
    double t = cpu ? r->cpu_ns : r->real_ns;
    if (t < 0) return HL_ENOENT;
    *out = t;
    return 0;
  }
  int field = hl_metric_index(key);
  return field >= 0 ? hl_row_metric(r, field, out) : hl_json_number(r->json, key, out);
}

/* ---- writing ------------------------------------------------------------------ */

json_t *hl_row_new(const hl_row_identity_t *id, const json_t *measured) {
  json_t *e =
      json_pack("{s:s, s:I, s:i, s:s, s:s, s:i, s:i, s:i}", "name", id->name, "family_index",
                (json_int_t)id->family_index, "per_family_instance_index", 0, "run_name", id->name,
                "run_type", "iteration", "repetitions", (int)id->repetitions, "repetition_index",
                (int)id->repetition_index, "threads", (int)id->threads);
  if (!e) return NULL;
  const char *key;
  json_t *v;
  json_object_foreach((json_t *)measured, key, v) {
    if (!json_object_get(e, key)) json_object_set(e, key, v);
  }
  json_object_set_new(e, "outcome", json_string(hl_outcome_name(id->outcome)));
  json_object_set_new(e, "workload", json_string(id->workload));
  json_object_set_new(e, "backend", json_string(id->backend));
  return e;
}

json_t *hl_row_aggregate_new(const json_t *first, const char *agg, const char *unit, size_t n) {
  const char *run_name = str(first, "run_name");
  char name[512];
  snprintf(name, sizeof name, "%s_%s", run_name, agg);
  return json_pack("{s:s, s:O, s:O, s:s, s:s, s:O, s:O, s:s, s:s, s:I}", "name", name,
                   "family_index", json_object_get(first, "family_index"),
                   "per_family_instance_index", json_object_get(first, "per_family_instance_index"),
                   "run_name", run_name, "run_type", "aggregate", "repetitions",
                   json_object_get(first, "repetitions"), "threads",
                   json_object_get(first, "threads"), "aggregate_name", agg, "aggregate_unit", unit,
                   "iterations", (json_int_t)n);
}

void hl_row_copy_identity(const json_t *row, json_t *out) {
  static const char *const keys[] = {"name",    "run_name", "run_type", "workload",
                                     "backend", "params",   "threads",  "outcome"};
  for (size_t k = 0; k < sizeof keys / sizeof keys[0]; k++)
    if (json_object_get(row, keys[k])) json_object_set(out, keys[k], json_object_get(row, keys[k]));
}
