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

int hl_row_json_is_iteration(const json_t *row) {
  const char *rt = str(row, "run_type");
  return !rt || !strcmp(rt, "iteration");
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

static void read_row(const json_t *e, hl_row_t *r) {
  memset(r, 0, sizeof *r);
  r->json = e;
  r->name = str(e, "name") ? str(e, "name") : "";
  r->run_name = str(e, "run_name") ? str(e, "run_name") : r->name;
  r->cell_id = str(e, "cell_id");
  r->workload = str(e, "workload");
  r->backend = str(e, "backend");
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

/* ---- machines ------------------------------------------------------------------ */

/* The fingerprint of machine id: context.fingerprint when it is that
 * machine's, else context.machines[id] (a merged file); NULL when neither. */
static const json_t *fingerprint_of(const json_t *ctx, const char *id) {
  const json_t *own = json_object_get(ctx, "fingerprint");
  if (str(own, "id") && !strcmp(str(own, "id"), id)) return own;
  const json_t *m = json_object_get(json_object_get(ctx, "machines"), id);
  return json_is_object(m) ? m : NULL;
}

/* What timings depend on, as text: the fingerprint without its id, heaplab's
 * revision and the allocator versions; the id when there is no
 * fingerprint. malloc'd; NULL when out of memory. */
static char *host_of(const char *id, const json_t *fp) {
  json_t *c = fp ? json_copy((json_t *)fp) : NULL;
  if (!c) return fp ? NULL : strdup(id);
  json_object_del(c, "id");
  json_object_del(c, "heaplab_revision");
  json_object_del(c, "allocators");
  char *text = json_dumps(c, JSON_COMPACT | JSON_SORT_KEYS);
  json_decref(c);
  return text;
}

/* The machine of id in v, added when new; NULL when out of memory. The
 * last ones are looked at first: a file's rows come machine by machine. */
static const hl_machine_t *machine_of(hl_results_t *v, const char *id) {
  for (size_t k = v->nmachines; k-- > 0;)
    if (!strcmp(v->machine[k].id, id)) return &v->machine[k];
  hl_machine_t *m = &v->machine[v->nmachines];
  m->id = id;
  m->fingerprint = fingerprint_of(v->context, id);
  if (!(m->host = host_of(id, m->fingerprint))) return NULL;
  v->nmachines++;
  return m;
}

int hl_row_same_host(const hl_row_t *a, const hl_row_t *b) {
  if (!a->machine || !b->machine) return -1;
  return a->machine == b->machine || !strcmp(a->machine->host, b->machine->host);
}

void hl_machine_describe(const hl_machine_t *m, char *buf, size_t len) {
  const json_t *fp = m->fingerprint;
  if (!fp) {
    snprintf(buf, len, "%s (no fingerprint in the file)", m->id);
    return;
  }
  double cpus = 0;
  hl_json_number(fp, "num_cpus", &cpus);
  snprintf(buf, len, "%s: %s, %.0f CPUs, %s", m->id,
           str(fp, "cpu_model") ? str(fp, "cpu_model") : "?", cpus,
           str(fp, "kernel") ? str(fp, "kernel") : "?");
}

/* ---- the view ------------------------------------------------------------------ */

int hl_results_view(const json_t *doc, hl_results_t *v) {
  memset(v, 0, sizeof *v);
  const json_t *ctx = json_object_get(doc, "context");
  const json_t *bench = json_object_get(doc, "benchmarks");
  if (!json_is_object(doc) || !json_is_object(ctx) || !json_is_array(bench)) return HL_EPARSE;
  v->row = calloc(json_array_size(bench) + 1, sizeof *v->row);
  v->machine = calloc(json_array_size(bench) + 1, sizeof *v->machine);
  v->doc = doc;
  v->context = ctx;
  if (!v->row || !v->machine) goto nomem;
  const char *doc_id = str(json_object_get(ctx, "fingerprint"), "id");
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (!json_is_object(e)) continue;
    hl_row_t *r = &v->row[v->n++];
    read_row(e, r);
    const char *id = str(e, "machine") ? str(e, "machine") : doc_id;
    if (id && !(r->machine = machine_of(v, id))) goto nomem;
  }
  return 0;
nomem:
  hl_results_view_free(v);
  return HL_ENOMEM;
}

int hl_results_select(const hl_results_t *v, const hl_machine_t *m, hl_results_t *out) {
  memset(out, 0, sizeof *out);
  if (!(out->row = calloc(v->n + 1, sizeof *out->row))) return HL_ENOMEM;
  out->doc = v->doc;
  out->context = v->context;
  out->machine = (hl_machine_t *)m;
  out->nmachines = m != NULL;
  out->borrowed = 1;
  for (size_t i = 0; i < v->n; i++)
    if (v->row[i].machine == m) out->row[out->n++] = v->row[i];
  return 0;
}

int hl_results_by_machine(const hl_results_t *v, hl_results_t **groups, size_t *n) {
  size_t unplaced = 0;
  for (size_t i = 0; i < v->n; i++)
    unplaced += !v->row[i].machine;
  size_t want = v->nmachines + (unplaced && unplaced < v->n);
  *n = 0;
  if (!(*groups = calloc(want ? want : 1, sizeof **groups))) return HL_ENOMEM;
  for (size_t k = 0; k < (want ? want : 1); k++) {
    const hl_machine_t *m = k < v->nmachines ? &v->machine[k] : NULL;
    if (hl_results_select(v, m, &(*groups)[k]) != 0) {
      hl_results_groups_free(*groups, k);
      return HL_ENOMEM;
    }
    (*n)++;
  }
  return 0;
}

void hl_results_groups_free(hl_results_t *groups, size_t n) {
  for (size_t k = 0; k < n; k++)
    hl_results_view_free(&groups[k]);
  free(groups);
}

void hl_results_view_free(hl_results_t *v) {
  for (size_t k = 0; !v->borrowed && k < v->nmachines; k++)
    free(v->machine[k].host);
  if (!v->borrowed) free(v->machine);
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
