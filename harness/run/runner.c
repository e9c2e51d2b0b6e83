/* `heaplab run` (runner.h).
 *
 * The parent stays small and allocates little: each repetition of each cell
 * is a fresh `heaplab __worker SPEC` process (the cell spec, encoded;
 * LD_PRELOAD set for its backend; the hard limit held by child.c).
 * Repetitions are interleaved across cells so that a machine-wide slowdown
 * hits every backend alike instead of one backend's block of repetitions.
 * As cells finish the results file is rewritten safely (document.h), locked
 * for the run, so an interrupted or crashed run keeps what was measured;
 * SIGINT/SIGTERM stop the run cleanly (interrupt.h).
 *
 * Opening a run checks the cheap things first: the options, the workloads
 * and every parameter value (planned with no backend), the backend specs,
 * the results file; only then are the backends probed (processes) and the
 * cells planned. */
#include "runner.h"

#include "backends.h"
#include "capture.h"
#include "child.h"
#include "config.h"
#include "context.h"
#include "counters.h"
#include "document.h"
#include "error.h"
#include "fingerprint.h"
#include "instructions.h"
#include "noise.h"
#include "interrupt.h"
#include "output.h"
#include "plan.h"
#include "progress.h"
#include "row.h"
#include "summary.h"
#include "twin.h"
#include "util.h"

#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

struct hl_runner {
  const char *command;
  hl_run_request_t rq;
  hl_plan_t plan;
  hl_backends_t backends;
  json_t *context;
  json_t *plan_info; /* the whole plan, also when this run is one shard of it */
  hl_document_t doc;
  hl_output_lock_t lock; /* on the results file, held for the run */
  char exe[4096];
  hl_run_callgrind_t cg; /* --measure instructions (instructions.h) */
  char capture_dir[4096]; /* programs' stdout and stderr files (capture.h); "" without -x */
  int warming;            /* the repetition runs is a --warmup round */
  hl_progress_t progress;
  char note[160]; /* what the next run is, for the progress line; "": a repetition */
  int deaths_expected;
};

/* A --memlimit-ratio cell's row: memlimit is the share ("0.9x": what the
 * cell is, the same in every run of a limit search), memlimit_bytes what
 * this run had. */
static void add_ratio(json_t *row, const hl_cell_spec_t *spec) {
  char v[32];
  snprintf(v, sizeof v, "%gx", spec->memory_limit_ratio);
  json_object_set_new(row, "memlimit", json_string(v));
  json_object_set_new(row, "memlimit_ratio", json_real(spec->memory_limit_ratio));
  if (spec->memory_limit_bytes != HL_NO_MEMORY_LIMIT)
    json_object_set_new(row, "memlimit_bytes", json_integer((json_int_t)spec->memory_limit_bytes));
}

static void tick(void *arg) {
  hl_progress_tick(arg, hl_now_ns());
}

static int is_death(hl_outcome_t o) {
  return o == HL_OUTCOME_OOM_ALLOC || o == HL_OUTCOME_OOM_KILL || o == HL_OUTCOME_GC_THRASH;
}

/* The progress line says this run has started. */
static void begin_progress(hl_runner_t *r, size_t i, unsigned rep) {
  char what[sizeof r->note];
  if (r->note[0])
    snprintf(what, sizeof what, "%s", r->note);
  else
    snprintf(what, sizeof what, "repetition %u/%u", rep + 1, r->rq.reps);
  r->note[0] = '\0';
  hl_progress_begin(&r->progress, i, r->plan.cells[i].name, what, hl_now_ns());
}
/* ---- running one repetition of one cell ---------------------------------- */

hl_outcome_t hl_runner_run_one(hl_runner_t *r, size_t i, unsigned rep, uint64_t hard_limit_bytes) {
  hl_cell_t *c = &r->plan.cells[i];
  begin_progress(r, i, rep);
  /* --gctrace lines name their cell: "[steady-service/span-gc] gc 1 @..." */
  char prefix[sizeof c->name + 4];
  snprintf(prefix, sizeof prefix, "[%s] ", c->name);
  hl_cell_spec_t spec = c->spec;
  spec.rep_index = rep;
  spec.hard_limit_bytes = hard_limit_bytes;
  if (spec.memory_limit_ratio > 0 && hard_limit_bytes) /* automemlimit's model */
    spec.memory_limit_bytes = (int64_t)(spec.memory_limit_ratio * (double)hard_limit_bytes);
  spec.hard_limit_mode = !hard_limit_bytes                        ? HL_LIMIT_NONE
                         : r->rq.hard_limit_mode != HL_LIMIT_NONE ? r->rq.hard_limit_mode
                                                                  : HL_LIMIT_WATCHDOG;
  char *text = hl_cell_spec_encode(&spec);
  hl_run_argv_t wa; /* the worker's command line, under callgrind for instructions */
  hl_run_argv(spec.measure != HL_MEASURE_TIME ? &r->cg : NULL, i, rep, r->exe, text, &wa);
  hl_capture_t cap = {.open = 0};
  if (spec.program.on &&
      hl_capture_open(r->command, r->capture_dir, c->id, r->warming, rep, &cap) != 0) {
    free(text);
    text = NULL; /* reported below as a worker that could not start */
  }
  hl_spawn_config_t cfg = {.argv = wa.argv,
                           .preload =
                               spec.program.on ? NULL : hl_backend_spec_preload(&spec.backend),
                           .tree_rss = spec.program.on,
                           .pass_fd = {cap.open ? cap.out.fd : 0, cap.open ? cap.err.fd : 0},
                           .limit = {.mode = spec.hard_limit_mode,
                                     .bytes = hard_limit_bytes,
                                     .cgroup_dir = r->rq.cgroup_dir},
                           .sample_ms = r->rq.sample_ms,
                           .timeout_s = r->rq.timeout_s,
                           .forward_stderr = r->rq.gctrace,
                           .forward_prefix = prefix,
                           .interrupted = &hl_interrupted,
                           .tick = tick,
                           .tick_arg = &r->progress};
  hl_child_result_t res;
  if (!text || hl_child_run(&cfg, &res) != 0) {
    memset(&res, 0, sizeof res);
    res.outcome = HL_OUTCOME_ERROR;
    res.exit_status = -1;
    snprintf(res.message, sizeof res.message, "cannot start the worker process");
  }
  free(text);
  json_t *result = res.records ? hl_child_record(&res, "result") : NULL;
  json_t *entry = json_object_get(result, "entry");
  if (spec.measure != HL_MEASURE_TIME && res.outcome == HL_OUTCOME_OK && entry &&
      hl_run_instructions_add(wa.out, entry, spec.threads, res.message, sizeof res.message) != 0)
    res.outcome = HL_OUTCOME_ERROR;
  /* The probe started the backend with default knobs; the settings are
   * those this run used (--gogc, --memlimit). */
  json_t *settings = json_object_get(json_object_get(result, "backend"), "settings");
  json_t *binfo = json_object_get(r->backends.info, spec.backend.name);
  if (json_is_string(settings) && binfo) json_object_set(binfo, "settings", settings);
  hl_rep_context_t rc = {
      c, i, rep, r->rq.reps, r->rq.threads, hard_limit_bytes, r->rq.sample_ms != 0};
  json_t *row = hl_rep_row(&rc, &res, result);
  hl_capture_close(r->command, &cap, row, res.outcome != HL_OUTCOME_OK);
  if (row && hl_twin_is_cell(&spec)) hl_twin_merge(row);
  if (row && spec.program.on && binfo && json_object_get(binfo, "version"))
    json_object_set(row, "backend_version", json_object_get(binfo, "version"));
  if (row && spec.memory_limit_ratio > 0 && hl_cell_knob_applies(c, HL_CAP_MEMORY_LIMIT))
    add_ratio(row, &spec);
  if (row) json_array_append_new(c->rows, row);
  if (r->warming)
    r->progress.rep_start_ns = 0; /* a warmup run: shown, not counted */
  else
    hl_progress_end(&r->progress, hl_now_ns());
  if (res.outcome != HL_OUTCOME_OK && !hl_interrupted &&
      !(r->deaths_expected && is_death(res.outcome)))
    hl_msg(r->command, "%s (repetition %u): %s: %s", c->name, rep + 1, hl_outcome_name(res.outcome),
           res.message);
  hl_outcome_t outcome = res.outcome;
  hl_child_result_free(&res);
  return outcome;
}

/* ---- opening a run ---------------------------------------------------------- */

/* The context's "programs": each -x, its cells' name, and where the
 * programs' output went. */
static json_t *programs_json(const hl_runner_t *r) {
  json_t *a = json_array();
  for (size_t i = 0; i < r->rq.ncommands; i++) {
    const char *name = "";
    for (size_t k = 0; k < r->plan.ncells && !*name; k++)
      if (!strcmp(r->plan.cells[k].spec.program.command, r->rq.commands[i]))
        name = r->plan.cells[k].spec.program.name;
    json_array_append_new(a, json_pack("{s:s, s:s, s:b, s:s}", "command", r->rq.commands[i], "name",
                                       name, "shell", r->rq.shell, "output_dir", r->capture_dir));
  }
  return a;
}

static int prepare_context(hl_runner_t *r, int argc, char **argv) {
  hl_topology_t *topo = NULL;
  hl_topology_load(&topo);
  r->context = hl_context_new(argc, argv, topo);
  hl_topology_free(topo);
  if (!r->context) return HL_ENOMEM;
  json_t *wl = json_array(), *be = json_array();
  for (size_t i = 0; i < r->plan.nworkloads; i++)
    json_array_append_new(wl, json_string(r->plan.workloads[i]->name));
  for (size_t i = 0; i < r->backends.n; i++)
    json_array_append_new(be, json_string(r->backends.spec[i].name));
  json_object_set_new(r->context, "options", hl_context_options(&r->rq, wl, be));
  json_object_set_new(r->context, "headlines",
                      hl_context_headlines(r->plan.workloads, r->plan.nworkloads));
  json_decref(wl);
  json_decref(be);
  json_object_set(r->context, "backends", r->backends.info);
  if (r->rq.ncommands) json_object_set_new(r->context, "programs", programs_json(r));
  hl_counter_status_t st[HL_MAX_COUNTERS];
  if (hl_counters_probe(r->rq.counters, r->rq.ncounters, st) == 0)
    json_object_set_new(r->context, "counters", hl_context_counters(st, r->rq.ncounters));
  json_object_set_new(r->context, "counters_library", json_string(hl_counters_backend()));
  json_object_set_new(r->context, "interrupted", json_false());
  json_object_set(r->context, "plan", r->plan_info);
  json_object_set_new(r->context, "fingerprint", hl_fingerprint_new(r->backends.info));
  r->doc.context = r->context;
  r->doc.path = r->rq.output;
  return 0;
}

static void warn_testing_build(const char *cmd) {
  if (hl_inject_slowdown_pct() > 0)
    hl_msg(cmd,
           "WARNING: testing build: escape-return is made %d%% slower on purpose "
           "(-Dinject_slowdown_pct)",
           hl_inject_slowdown_pct());
  if (hl_inject_retain_kib() > 0 || hl_inject_retain_pct() > 0)
    hl_msg(cmd,
           "WARNING: testing build: escape-return retains %d KiB + %d%% of its peak RSS more on "
           "purpose (-Dinject_retain_kib, -Dinject_retain_pct)",
           hl_inject_retain_kib(), hl_inject_retain_pct());
#if !HL_OPTIMIZED
  hl_msg(cmd,
         "WARNING: this heaplab was built without optimisation (%s): timings are not "
         "representative; rebuild with meson setup --buildtype=release",
         HL_BUILD_TYPE);
#endif
}

/* The results file may be written (output.h) and no other heaplab is
 * writing it: the lock is held for the run. */
static int take_output(hl_runner_t *r) {
  char resolved[4096], why[1024];
  if (hl_output_check(r->rq.output, resolved, sizeof resolved, why, sizeof why) != 0 ||
      hl_output_lock(r->rq.output, &r->lock, why, sizeof why) != 0) {
    hl_msg(r->command, "cannot write results file: %s", why);
    return HL_EINVAL;
  }
  return 0;
}

/* Parses argv into the request: the command's own options, then run's. */
static int parse(hl_runner_t *r, const hl_runner_spec_t *spec, int argc, char **argv) {
  hl_opt_group_t groups[2];
  size_t n = 0;
  if (spec->own) groups[n++] = *spec->own;
  groups[n++] = hl_run_request_group(&r->rq);
  hl_opts_operands_t operands;
  int rc = hl_opts_parse(spec->command, groups, n, argc, argv, 0, &operands);
  if (rc == 1) {
    FILE *page = hl_opts_page_open(stdout);
    spec->usage(page, groups, n);
    hl_opts_page_close(page, stdout);
  }
  if (rc) return rc;
  free(operands.v);
  if (spec->own) *spec->own = groups[0]; /* what was given, for the command */
  return hl_run_request_finish(&r->rq);
}

/* The context's "plan": its id, size and cells (id and name), then, for one
 * shard of it, only that shard's cells are kept. */
static int take_shard(hl_runner_t *r) {
  char id[13], shard[32] = "";
  hl_plan_id(&r->plan, r->rq.reps, id);
  json_t *cells = json_array();
  for (size_t i = 0; cells && i < r->plan.ncells; i++)
    json_array_append_new(
        cells, json_pack("{s:s, s:s}", "id", r->plan.cells[i].id, "name", r->plan.cells[i].name));
  r->plan_info =
      json_pack("{s:s, s:I, s:i, s:o}", "id", id, "cells", (json_int_t)r->plan.ncells,
                "repetitions", (int)r->rq.reps, "plan_cells", cells ? cells : json_array());
  if (!r->plan_info) return HL_ENOMEM;
  if (!r->rq.shard.count) return 0;
  size_t first, end;
  hl_shard_range(r->plan.ncells, &r->rq.shard, &first, &end);
  snprintf(shard, sizeof shard, "%u/%u", r->rq.shard.index, r->rq.shard.count);
  json_object_set_new(r->plan_info, "shard", json_string(shard));
  hl_plan_keep(&r->plan, first, end);
  if (r->plan.ncells == 0) hl_msg(r->command, "shard %s of this plan has no cell", shard);
  return 0;
}

static int setup(hl_runner_t *r, const hl_runner_spec_t *spec, int argc, char **argv) {
  int rc = parse(r, spec, argc, argv);
  if (rc || (spec->check && (rc = spec->check(&r->rq, spec->ctx)) != 0)) return rc;
  if (hl_self_exe(r->exe, sizeof r->exe) != 0) {
    hl_msg(r->command, "cannot find the heaplab executable");
    return HL_EINVAL;
  }
  if (r->rq.pin != HL_PIN_NONE) {
    hl_topology_t *topo = NULL;
    if (hl_topology_load(&topo) != 0) {
      hl_msg(r->command, "--pin %s needs hwloc, which this build lacks (use --pin none)",
             hl_pin_name(r->rq.pin));
      return HL_EINVAL;
    }
    hl_topology_free(topo);
  }
  r->cg.cache_sim = r->rq.measure == HL_MEASURE_CACHE;
  if (r->rq.measure != HL_MEASURE_TIME && (rc = hl_run_callgrind_open(&r->cg, r->command)) != 0) return rc;
  if ((rc = hl_plan_workloads(&r->rq, &r->plan)) ||
      (rc = hl_backends_parse(&r->rq, &r->backends)) ||
      (rc = hl_plan_cells(&r->rq, NULL, 0, &r->plan)))
    return rc;
  if (r->rq.output && (rc = take_output(r)) != 0) return rc;
  if ((r->rq.ncommands || hl_backends_asked(&r->backends, &hl_backend_go)) &&
      (rc = hl_capture_dir_make(r->command, r->rq.output, r->capture_dir, sizeof r->capture_dir)) !=
          0)
    return rc;
  if ((rc = hl_backends_probe(&r->backends)) ||
      (rc = hl_plan_cells(&r->rq, r->backends.spec, r->backends.n, &r->plan)) ||
      (rc = take_shard(r)))
    return rc;
  return prepare_context(r, argc, argv);
}

int hl_runner_open(const hl_runner_spec_t *spec, int argc, char **argv, hl_runner_t **out) {
  hl_runner_t *r = calloc(1, sizeof *r);
  if (!r) return HL_ENOMEM;
  r->command = spec->command;
  r->lock.fd = -1;
  /* Before the results file is locked: a SIGTERM while the backends are
   * probed stops the run cleanly (lock removed, the file written with what
   * there is) instead of killing heaplab with the lock file left behind. */
  hl_interrupt_install();
  hl_run_request_init(&r->rq);
  if (spec->defaults) spec->defaults(&r->rq, spec->ctx);
  int rc = setup(r, spec, argc, argv);
  if (rc) {
    hl_runner_close(r);
    return rc;
  }
  if ((rc = hl_progress_init(&r->progress, r->plan.ncells, r->rq.reps, hl_now_ns())) != 0) {
    hl_runner_close(r);
    return rc;
  }
  r->deaths_expected = spec->deaths_expected;
  warn_testing_build(r->command);
  *out = r;
  return 0;
}

void hl_runner_close(hl_runner_t *r) {
  if (!r) return;
  hl_progress_clear(&r->progress);
  hl_progress_free(&r->progress);
  hl_plan_free(&r->plan);
  hl_backends_free(&r->backends);
  json_decref(r->context);
  json_decref(r->plan_info);
  json_decref(r->doc.extra);
  hl_output_unlock(&r->lock);
  hl_run_callgrind_close(&r->cg);
  hl_run_request_free(&r->rq);
  free(r);
}

/* ---- the runner as a library --------------------------------------------------- */

const hl_run_request_t *hl_runner_request(const hl_runner_t *r) {
  return &r->rq;
}

const hl_plan_t *hl_runner_plan(const hl_runner_t *r) {
  return &r->plan;
}

const json_t *hl_runner_plan_info(const hl_runner_t *r) {
  return r->plan_info;
}

size_t hl_runner_ncells(const hl_runner_t *r) {
  return r->plan.ncells;
}

const char *hl_runner_cell_name(const hl_runner_t *r, size_t i) {
  return r->plan.cells[i].name;
}

json_t *hl_runner_cell_rows(const hl_runner_t *r, size_t i) {
  return r->plan.cells[i].rows;
}

void hl_runner_set_extra(hl_runner_t *r, const char *key, json_t *value) {
  if (!r->doc.extra) r->doc.extra = json_object();
  json_object_set_new(r->doc.extra, key, value);
}

json_t *hl_runner_doc(const hl_runner_t *r, int with_aggregates) {
  return hl_document_build(&r->doc, &r->plan, with_aggregates);
}

int hl_runner_save(hl_runner_t *r) {
  return hl_document_save(&r->doc, &r->plan);
}

int hl_runner_finish(hl_runner_t *r, json_t **doc) {
  if (hl_interrupted) json_object_set_new(r->context, "interrupted", json_true());
  hl_context_load_end(r->context);
  *doc = hl_document_build(&r->doc, &r->plan, 1);
  return hl_document_write(&r->doc, *doc);
}

void hl_runner_note(hl_runner_t *r, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(r->note, sizeof r->note, fmt, ap);
  va_end(ap);
}

void hl_runner_progress_search(hl_runner_t *r) {
  r->progress.reps = 0;
}

void hl_runner_cell_done(hl_runner_t *r, size_t i) {
  hl_progress_cell_done(&r->progress, i, hl_now_ns());
}

void hl_runner_progress_end(hl_runner_t *r) {
  hl_progress_clear(&r->progress);
}

/* ---- the command ------------------------------------------------------------ */

static void usage(FILE *out, const hl_opt_group_t *groups, size_t ngroups) {
  fprintf(out,
          "Usage: heaplab run [-w LIST] [-b LIST] [-p KEY=V[,V..]]... [OPTIONS] [-o FILE.json]\n"
          "       heaplab run -x 'CMD ARGS' [-x ...] [--name NAME]... [-b LIST] [OPTIONS]\n\n"
          "Runs every workload x backend x parameter combination (a cell), each repetition in\n"
          "its own process, interleaved, and prints a summary table. Exit status: 0 every\n"
          "cell ok, 1 some cell ended otherwise (oom, crash, timeout, error), 2 bad input,\n"
          "130/143 interrupted by SIGINT/SIGTERM (the results so far are written).\n\n");
  hl_opts_help(out, groups, ngroups);
  fprintf(out, "\nWorkloads: `heaplab list workloads`; their parameters: `heaplab list params`.\n"
               "A -p key applies to every chosen workload that has it.\n"
               "A program (-x) runs under glibc, a preloaded malloc (so:PATH: your own) or,\n"
               "a Go program, go; its stdout and stderr go to FILE.out/ beside -o FILE.json.\n");
}

/* Every repetition of every cell, interleaved; 0 or HL_EIO when the results
 * file cannot be written. */
static int run_cells(hl_runner_t *r, int *all_ok) {
  size_t n = r->plan.ncells;
  *all_ok = 1;
  r->warming = 1; /* --warmup: every cell, rows dropped */
  for (unsigned w = 0; w < r->rq.warmup && !hl_interrupted; w++)
    for (size_t i = 0; i < n && !hl_interrupted; i++) {
      hl_runner_note(r, "warmup %u/%u (not counted)", w + 1, r->rq.warmup);
      hl_runner_run_one(r, i, w, r->rq.hard_limit_bytes);
      json_t *rows = r->plan.cells[i].rows;
      if (json_array_size(rows)) json_array_remove(rows, json_array_size(rows) - 1);
    }
  r->warming = 0;
  for (unsigned rep = 0; rep < r->rq.reps && !hl_interrupted; rep++) {
    for (size_t i = 0; i < n && !hl_interrupted; i++) {
      if (hl_runner_run_one(r, i, rep, r->rq.hard_limit_bytes) != HL_OUTCOME_OK) *all_ok = 0;
      if (hl_runner_save(r) != 0) return HL_EIO;
    }
  }
  hl_runner_progress_end(r);
  return 0;
}

int hl_run_main(int argc, char **argv) {
  const hl_runner_spec_t spec = {.command = "run", .usage = usage};
  hl_runner_t *r;
  int rc = hl_runner_open(&spec, argc, argv, &r);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  int all_ok;
  json_t *doc = NULL;
  rc = run_cells(r, &all_ok);
  int frc = hl_runner_finish(r, &doc);
  if (rc == 0) rc = frc;
  hl_results_t v = {0};
  hl_table_t *t = doc && hl_results_view(doc, &v) == 0 ? hl_summary_table_metric(&v, NULL) : NULL;
  if (t) hl_table_print(t, stdout, 0);
  fflush(stdout);
  char note[512];
  if (t && hl_noise_note(&v, note, sizeof note)) hl_msg("run", "%s", note);
  hl_table_free(t);
  hl_results_view_free(&v);
  json_decref(doc);
  if (r->rq.output && rc == 0) hl_msg("run", "results written to %s", r->rq.output);
  int exit_code = rc               ? HL_EXIT_USAGE
                  : hl_interrupted ? hl_interrupt_exit_code()
                  : all_ok         ? HL_EXIT_OK
                                   : HL_EXIT_FOUND;
  hl_runner_close(r);
  return exit_code;
}
