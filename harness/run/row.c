/* The row of one repetition (row.h). */
#include "row.h"

#include "view.h"

#include <string.h>

static json_t *params_json(const hl_cell_spec_t *s) {
  json_t *p = json_object();
  for (size_t k = 0; k < s->workload->nparams; k++) {
    const hl_param_spec_t *ps = &s->workload->params[k];
    if (ps->kind == HL_PARAM_CHOICE)
      json_object_set_new(p, ps->key, json_string(ps->choices[s->param[k]]));
    else
      json_object_set_new(p, ps->key, json_integer((json_int_t)s->param[k]));
  }
  return p;
}

/* The row of a repetition that produced no measurement: Google Benchmark's
 * error row shape (its tools expect time keys, so they are 0 here, and
 * "error_occurred" says not to read them). */
static json_t *failed_row(const hl_child_result_t *res) {
  json_t *e = json_pack("{s:b, s:s, s:i, s:f, s:f, s:s}", "error_occurred", 1, "error_message",
                        res->message, "iterations", 0, "real_time", 0.0, "cpu_time", 0.0,
                        "time_unit", "ns");
  json_t *oom = hl_child_record(res, "oom");
  json_t *hwm = oom ? json_object_get(oom, "rss_peak_bytes") : NULL;
  if (hwm) json_object_set(e, "rss_peak_bytes", hwm);
  if (res->signal) json_object_set_new(e, "signal", json_string(sigabbrev_np(res->signal)));
  if (res->exit_status >= 0) json_object_set_new(e, "exit_status", json_integer(res->exit_status));
  /* a program's worker measured it however it ended: those figures, the
   * program's own exit status and signal in place of the worker's */
  json_t *prog = hl_child_record(res, "program");
  json_t *figures = prog ? json_object_get(prog, "entry") : NULL;
  if (figures) {
    json_object_del(e, "exit_status");
    json_object_del(e, "signal");
    json_object_update_missing(e, figures);
  }
  return e;
}

/* The cell's description: parameters and the knobs its backend honours;
 * those it ignores are named in knobs_not_applicable instead of a value it
 * never used. */
static void add_cell_keys(json_t *e, const hl_cell_t *c) {
  const hl_cell_spec_t *s = &c->spec;
  char knob[32];
  json_t *not_applicable = json_array();
  json_object_set_new(e, "cell_id", json_string(c->id));
  json_object_set_new(e, "params", params_json(s));
  if (s->program.on) {
    json_object_set_new(e, "command", json_string(s->program.command));
    if (s->program.shell) json_object_set_new(e, "shell", json_true());
  }
  if (hl_cell_knob_applies(c, HL_CAP_GC_PERCENT)) {
    hl_gc_percent_format(s->gc_percent, knob, sizeof knob);
    json_object_set_new(e, "gogc", json_string(knob));
  } else {
    json_array_append_new(not_applicable, json_string("gogc"));
  }
  if (hl_cell_knob_applies(c, HL_CAP_MEMORY_LIMIT)) {
    hl_memory_limit_format(s->memory_limit_bytes, knob, sizeof knob);
    json_object_set_new(e, "memlimit", json_string(knob));
  } else {
    json_array_append_new(not_applicable, json_string("memlimit"));
  }
  if (!s->program.on) /* a program has no escape model */
    json_object_set_new(e, "escape", json_string(s->escape == HL_ESCAPE_ON ? "on" : "off"));
  if (json_array_size(not_applicable))
    json_object_set_new(e, "knobs_not_applicable", not_applicable);
  else
    json_decref(not_applicable);
}

/* ---- timelines (heaplab oom, --sample-ms) ---------------------------------- */

static json_t *u64_array(const uint64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

/* The worker's streamed records of one type ("sample", "gc") with their
 * CLOCK_MONOTONIC time (the worker's clock is ours) as t_ns since the spawn. */
static json_t *records_since_start(const hl_child_result_t *res, const char *type) {
  json_t *out = json_array();
  size_t i;
  json_t *rec;
  json_array_foreach(res->records, i, rec) {
    const char *t = json_string_value(json_object_get(rec, "type"));
    if (!t || strcmp(t, type)) continue;
    json_t *s = json_copy(rec);
    json_int_t mono = json_integer_value(json_object_get(rec, "mono_ns"));
    json_object_del(s, "type");
    json_object_del(s, "mono_ns");
    json_object_set_new(s, "t_ns", json_integer(mono - (json_int_t)res->start_mono_ns));
    json_array_append_new(out, s);
  }
  return out;
}

/* What the parent and the worker recorded while the worker ran, into the
 * row: the parent's RSS samples (rss_timeline: t_ns since the start, and
 * rss_bytes), the worker's own samples (samples: t_ns since the start, RSS
 * and heap figures), the collector's cycles as streamed (gc_marks: t_ns of
 * each cycle's end and its heap figures), and how the run ended in time
 * (end_s) and memory (rss_peak_bytes from the parent's view when the worker
 * could not say; cgroup_peak_bytes). Rows of workers that died keep
 * everything up to the last record that reached the pipe. */
static void add_timeline(json_t *row, const hl_child_result_t *res) {
  if (res->nsamples)
    json_object_set_new(row, "rss_timeline",
                        json_pack("{s:o, s:o}", "t_ns", u64_array(res->sample_t_ns, res->nsamples),
                                  "rss_bytes", u64_array(res->sample_rss_bytes, res->nsamples)));
  json_t *samples = records_since_start(res, "sample"), *cycles = records_since_start(res, "gc");
  if (json_array_size(samples)) json_object_set(row, "samples", samples);
  if (json_array_size(cycles)) json_object_set(row, "gc_marks", cycles);
  if (json_array_size(cycles) && !json_object_get(row, "num_gc"))
    json_object_set_new(row, "num_gc", json_integer((json_int_t)json_array_size(cycles)));
  json_decref(samples);
  json_decref(cycles);
  json_object_set_new(row, "end_s", json_real(res->elapsed_s));
  if (res->rss_peak_bytes && !json_object_get(row, "rss_peak_bytes"))
    json_object_set_new(row, "rss_peak_bytes", json_integer((json_int_t)res->rss_peak_bytes));
  if (res->cgroup_peak_bytes)
    json_object_set_new(row, "cgroup_peak_bytes", json_integer((json_int_t)res->cgroup_peak_bytes));
}

json_t *hl_rep_row(const hl_rep_context_t *rc, const hl_child_result_t *res, const json_t *result) {
  json_t *entry = result && res->outcome == HL_OUTCOME_OK ? json_object_get(result, "entry") : NULL;
  /* the measured keys: the worker's row, with the parent's view added */
  json_t *measured = entry ? json_incref(entry) : failed_row(res);
  if (!measured) return NULL;
  if (rc->with_timeline || rc->hard_limit_bytes) add_timeline(measured, res);
  if (rc->hard_limit_bytes)
    json_object_set_new(measured, "limit_bytes", json_integer((json_int_t)rc->hard_limit_bytes));
  const hl_cell_t *c = rc->cell;
  hl_row_identity_t id = {.name = c->name,
                          .family_index = rc->family_index,
                          .repetitions = rc->reps,
                          .repetition_index = rc->rep,
                          .threads = rc->threads,
                          .outcome = res->outcome,
                          .workload =
                              c->spec.program.on ? c->spec.program.name : c->spec.workload->name,
                          .backend = c->spec.backend.name};
  json_t *row = hl_row_new(&id, measured);
  json_decref(measured);
  if (row) add_cell_keys(row, c);
  return row;
}
