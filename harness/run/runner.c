/* `heaplab run` (runner.h).
 *
 * The parent stays small and allocates little: each repetition of each cell
 * is a fresh `heaplab __worker` process (LD_PRELOAD set for its backend,
 * RLIMIT_DATA when --limit is given), supervised by child.c. Repetitions are
 * interleaved across cells so that a machine-wide slowdown hits every backend
 * alike instead of one backend's block of repetitions. As cells finish the
 * results file is rewritten safely (output.h), locked for the run, so an
 * interrupted or crashed run keeps what was measured; SIGINT/SIGTERM stop the
 * run cleanly (interrupt.h). */
#include "runner.h"

#include "cell.h"
#include "config.h"
#include "child.h"
#include "context.h"
#include "counters.h"
#include "error.h"
#include "interrupt.h"
#include "options.h"
#include "output.h"
#include "results.h"
#include "size.h"
#include "summary.h"
#include "topology.h"
#include "util.h"
#include "workload.h"

#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

typedef struct cell {
  const hl_workload_t *w;
  const hl_backend_spec_t *b; /* b->name names the cell's backend, options included */
  uint64_t param[HL_MAX_PARAMS];
  int gogc; /* the knobs of this cell (--gogc, --memlimit, --escape) */
  int64_t memlimit_bytes;
  hl_escape_mode_t escape;
  char name[256];
  json_t *entries; /* one row per finished repetition */
} cell_t;

typedef struct run {
  hl_run_options_t o;
  const hl_workload_t **w;
  size_t nw;
  hl_backend_spec_t *b; /* chosen backends, in registry order, then as -b gave them */
  size_t nb;
  cell_t *cells;
  size_t ncells;
  json_t *context;
  json_t *backend_info;  /* name -> {status, version, ...} */
  json_t *extra;         /* top-level keys a command adds to the document (oom) */
  uint64_t saved_ns;     /* when save() last wrote the results file */
  hl_output_lock_t lock; /* on the results file, held for the run */
  char exe[4096];
} run_t;

__attribute__((format(printf, 1, 2))) static int usage_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hl_vmsg("run", fmt, ap);
  va_end(ap);
  return HL_EINVAL;
}

/* ---- selecting workloads and backends --------------------------------- */

static int have_workload(const run_t *r, const hl_workload_t *w) {
  for (size_t k = 0; k < r->nw; k++)
    if (r->w[k] == w) return 1;
  return 0;
}

/* Names, where "all" stands for every benchmark workload (not oom patterns or selftests). */
static int pick_workloads(run_t *r) {
  size_t nall;
  const hl_workload_t *const *all = hl_workload_all(&nall);
  r->w = calloc(nall, sizeof *r->w);
  if (!r->w) return HL_ENOMEM;
  static char *const everything[] = {(char *)"all"};
  char *const *names = r->o.nworkloads ? r->o.workloads : everything;
  size_t n = r->o.nworkloads ? r->o.nworkloads : 1;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(names[i], "all")) {
      for (size_t k = 0; k < nall; k++)
        if (!strcmp(all[k]->kind, "bench") && !have_workload(r, all[k])) r->w[r->nw++] = all[k];
      continue;
    }
    const hl_workload_t *w = hl_workload_find(names[i]);
    if (!w) {
      char list[512];
      hl_workload_names(list, sizeof list);
      return usage_error("unknown workload '%s'; available: %s (or all)", names[i], list);
    }
    if (have_workload(r, w)) return usage_error("workload '%s' named twice", w->name);
    r->w[r->nw++] = w;
  }
  return 0;
}

int hl_runner_probe_backend(const hl_backend_t *b, json_t **info, char *why, size_t why_len) {
  hl_backend_spec_t spec = {.backend = b};
  snprintf(spec.name, sizeof spec.name, "%s", b->name);
  return hl_runner_probe_spec(&spec, info, why, why_len);
}

int hl_runner_probe_spec(const hl_backend_spec_t *spec, json_t **info, char *why, size_t why_len) {
  const hl_backend_t *b = spec->backend;
  if (b->unbuilt) {
    snprintf(why, why_len, "%s", b->unbuilt);
    return 0;
  }
  char exe[4096];
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  if (n <= 0) {
    snprintf(why, why_len, "cannot find the heaplab executable");
    return 0;
  }
  exe[n] = '\0';
  char *argv[] = {exe, (char *)"__probe", (char *)spec->name, NULL};
  hl_spawn_config_t cfg = {.argv = argv,
                           .preload = hl_backend_preload(b),
                           .timeout_s = 30,
                           .interrupted = &hl_interrupted};
  hl_child_result_t res;
  if (hl_child_run(&cfg, &res) != 0) {
    snprintf(why, why_len, "cannot start a probe process");
    return 0;
  }
  json_t *probe = hl_child_record(&res, "probe");
  int ok = res.outcome == HL_OUTCOME_OK || (probe && res.exit_status == 0);
  if (probe && res.exit_status == 0) {
    if (info) *info = json_incref(probe);
  } else {
    json_t *err = hl_child_record(&res, "error");
    snprintf(why, why_len, "%s",
             err ? json_string_value(json_object_get(err, "message")) : res.message);
    ok = 0;
  }
  hl_child_result_free(&res);
  return ok;
}

static void note_backend(run_t *r, const hl_backend_spec_t *spec, json_t *probe, const char *why) {
  const hl_backend_t *b = spec->backend;
  json_t *o = json_pack("{s:s}", "kind", hl_backend_kind_name(b->kind));
  char text[512];
  snprintf(text, sizeof text, "%s%s%s",
           b->kind == HL_BACKEND_MALLOC
               ? "num_gc, heap_goal_bytes, gc_pause_total_ns: not a collector"
               : "",
           b->kind == HL_BACKEND_MALLOC && b->unreported ? "; " : "",
           b->unreported ? b->unreported : "");
  if (text[0]) json_object_set_new(o, "not_reported", json_string(text));
  if (probe) {
    json_object_set_new(o, "status", json_string("available"));
    json_object_update(o, probe);
    json_object_del(o, "type");
  } else {
    snprintf(text, sizeof text, "unavailable: %s", why);
    json_object_set_new(o, "status", json_string(text));
  }
  if (spec->options_given) {
    json_t *opts = json_object();
    for (size_t k = 0; k < b->noptions; k++)
      if (spec->options_given & (1u << k))
        json_object_set_new(opts, b->options[k].key, json_integer(spec->option[k]));
    json_object_set_new(o, "backend", json_string(b->name));
    json_object_set_new(o, "options", opts);
  }
  json_object_set_new(r->backend_info, spec->name, o);
}

/* -b items as backend specs, each checked before anything runs (unknown
 * backend, unknown option, bad value: a usage error naming it). */
static int parse_specs(const run_t *r, hl_backend_spec_t *specs) {
  for (size_t i = 0; i < r->o.nbackends; i++) {
    char why[512];
    if (hl_backend_spec_parse(r->o.backends[i], &specs[i], why, sizeof why) != 0)
      return usage_error("%s", why);
    for (size_t j = 0; j < i; j++)
      if (!strcmp(specs[j].name, specs[i].name))
        return usage_error("backend '%s' named twice", specs[i].name);
  }
  return 0;
}

/* Probes and keeps one backend spec; skips it (everything) or fails. */
static int take_backend(run_t *r, const hl_backend_spec_t *spec, int everything) {
  json_t *probe = NULL;
  char why[512] = "";
  int ok = hl_runner_probe_spec(spec, &probe, why, sizeof why);
  note_backend(r, spec, probe, why);
  json_decref(probe);
  if (ok) {
    r->b[r->nb++] = *spec;
    return 0;
  }
  if (!everything) return usage_error("backend '%s' is unavailable: %s", spec->name, why);
  hl_msg("run", "skipping backend %s: unavailable: %s", spec->name, why);
  return 0;
}

/* Backends in registry order; a backend named several times with different
 * options keeps the order -b gave (glibc, glibc:arena_max=2). */
static int pick_backends(run_t *r) {
  size_t nall;
  const hl_backend_t *const *all = hl_backend_all(&nall);
  int everything = r->o.nbackends == 0 || (r->o.nbackends == 1 && !strcmp(r->o.backends[0], "all"));
  size_t nspecs = everything ? nall : r->o.nbackends;
  hl_backend_spec_t *specs = calloc(nspecs ? nspecs : 1, sizeof *specs);
  r->b = calloc(nspecs ? nspecs : 1, sizeof *r->b);
  if (!specs || !r->b) {
    free(specs);
    return HL_ENOMEM;
  }
  int rc = 0;
  if (everything) {
    for (size_t i = 0; i < nall; i++) {
      specs[i].backend = all[i];
      snprintf(specs[i].name, sizeof specs[i].name, "%s", all[i]->name);
    }
  } else {
    rc = parse_specs(r, specs);
  }
  for (size_t i = 0; i < nall && rc == 0; i++)
    for (size_t j = 0; j < nspecs && rc == 0; j++)
      if (specs[j].backend == all[i]) rc = take_backend(r, &specs[j], everything);
  free(specs);
  if (rc) return rc;
  if (r->nb == 0) return usage_error("no backend is available (see heaplab list backends)");
  return 0;
}

/* Every -p key must belong to at least one chosen workload. */
static int check_param_keys(const run_t *r) {
  for (size_t i = 0; i < r->o.nparams; i++) {
    size_t k = 0;
    while (k < r->nw && hl_workload_param_index(r->w[k], r->o.param[i].key) < 0)
      k++;
    if (k < r->nw) continue;
    char keys[1024] = "";
    size_t off = 0;
    for (size_t j = 0; j < r->nw && off < sizeof keys; j++) {
      off += (size_t)snprintf(keys + off, sizeof keys - off, "%s%s:", j ? "; " : "", r->w[j]->name);
      for (size_t p = 0; p < r->w[j]->nparams && off < sizeof keys; p++)
        off += (size_t)snprintf(keys + off, sizeof keys - off, " %s", r->w[j]->params[p].key);
    }
    return usage_error("unknown parameter '%s' (%s)", r->o.param[i].key, keys);
  }
  return 0;
}

/* ---- planning ------------------------------------------------------------ */

/* Whether the cell's backend honours a knob: --gogc (HL_CAP_GC_PERCENT:
 * span-gc, and bdwgc as its free-space divisor) and --memlimit
 * (HL_CAP_MEMORY_LIMIT: span-gc). --escape is the mutator's, so every
 * backend has it. A backend without a knob runs once in a sweep of it, its
 * name without the knob, and its rows say the knob does not apply
 * (knobs_not_applicable) instead of naming a value it never used. */
static int knob_applies(const cell_t *c, unsigned cap) {
  return (c->b->backend->caps & cap) != 0;
}

/* The cell's name, with /gogc=, /memlimit= and /escape= for each knob the
 * run sweeps and the backend honours (a knob with one value leaves names as
 * they always were). */
static void knob_suffix(const run_t *r, cell_t *c) {
  size_t off = strlen(c->name);
  char v[32];
  if (r->o.ngogc > 1 && knob_applies(c, HL_CAP_GC_PERCENT) && off < sizeof c->name) {
    hl_gogc_format(c->gogc, v, sizeof v);
    off += (size_t)snprintf(c->name + off, sizeof c->name - off, "/gogc=%s", v);
  }
  if (r->o.nmemlimit > 1 && knob_applies(c, HL_CAP_MEMORY_LIMIT) && off < sizeof c->name) {
    if (c->memlimit_bytes == HL_NO_MEMORY_LIMIT)
      snprintf(v, sizeof v, "off");
    else
      hl_size_format_exact((uint64_t)c->memlimit_bytes, v, sizeof v);
    off += (size_t)snprintf(c->name + off, sizeof c->name - off, "/memlimit=%s", v);
  }
  if (r->o.nescape > 1 && off < sizeof c->name)
    snprintf(c->name + off, sizeof c->name - off, "/escape=%s",
             c->escape == HL_ESCAPE_ON ? "on" : "off");
}

static int add_one(run_t *r, const hl_workload_t *w, const hl_backend_spec_t *b,
                   const uint64_t *param, int gogc, int64_t memlimit, hl_escape_mode_t escape,
                   size_t *cap) {
  if (r->ncells == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    cell_t *c = realloc(r->cells, ncap * sizeof *c);
    if (!c) return HL_ENOMEM;
    r->cells = c;
    *cap = ncap;
  }
  cell_t *c = &r->cells[r->ncells];
  memset(c, 0, sizeof *c);
  c->w = w;
  c->b = b;
  c->gogc = gogc;
  c->memlimit_bytes = memlimit;
  c->escape = escape;
  memcpy(c->param, param, sizeof c->param);
  hl_cell_name(w, c->b->name, param, r->o.threads, c->name, sizeof c->name);
  knob_suffix(r, c);
  for (size_t j = 0; j < r->ncells; j++)
    if (!strcmp(r->cells[j].name, c->name))
      return usage_error("cell %s is listed twice (repeated value?)", c->name);
  c->entries = json_array();
  r->ncells++;
  return 0;
}

/* One cell per backend and value of each knob it honours; a knob it
 * ignores keeps its first value (passed on, so a backend that says what it
 * ignored, bdwgc's --memlimit, still can). */
static int add_cell(run_t *r, const hl_workload_t *w, const uint64_t *param, size_t *cap) {
  for (size_t k = 0; k < r->nb; k++) {
    unsigned caps = r->b[k].backend->caps;
    size_t ngogc = caps & HL_CAP_GC_PERCENT ? r->o.ngogc : 1;
    size_t nmemlimit = caps & HL_CAP_MEMORY_LIMIT ? r->o.nmemlimit : 1;
    for (size_t g = 0; g < ngogc; g++)
      for (size_t m = 0; m < nmemlimit; m++)
        for (size_t e = 0; e < r->o.nescape; e++) {
          int rc = add_one(r, w, &r->b[k], param, r->o.gogc_values[g], r->o.memlimit_values[m],
                           r->o.escape_values[e], cap);
          if (rc) return rc;
        }
  }
  return 0;
}

/* A cell that allocates until something stops it (workload.h's unbounded)
 * runs only under a memory limit below the machine's available memory, in
 * whatever mode holds it: without one it would take the machine's memory
 * (1 TiB for a leak), and a limit above what the machine has never fires
 * first. Checked here, before anything starts, because only the parent
 * knows the limit (the worker never sees the watchdog's or a cgroup's). A
 * search without --limit (--find-min-limit) starts with an unlimited run,
 * so it is refused too. */
static int check_bounded(const run_t *r, const hl_workload_t *w, const uint64_t *param) {
  uint32_t given = 0;
  for (size_t i = 0; i < r->o.nparams; i++) {
    int k = hl_workload_param_index(w, r->o.param[i].key);
    if (k >= 0) given |= 1u << k;
  }
  const char *why = w->unbounded ? w->unbounded(param, given) : NULL;
  if (!why) return 0;
  uint64_t avail = hl_mem_available_bytes();
  char have[32], limit[32];
  hl_size_format_human(avail, have, sizeof have);
  hl_size_format_exact(r->o.limit_bytes, limit, sizeof limit);
  if (!avail)
    return usage_error("%s: %s; refused: the machine's available memory (MemAvailable in "
                       "/proc/meminfo) cannot be read to check a limit against",
                       w->name, why);
  if (!r->o.limit_bytes)
    return usage_error("%s: %s; refused without a memory limit: give --limit SIZE below the "
                       "available memory (MemAvailable %s)",
                       w->name, why, have);
  if (r->o.limit_bytes >= avail)
    return usage_error("%s: %s; refused: --limit %s is not below the available memory "
                       "(MemAvailable %s), so the machine would run out first",
                       w->name, why, limit, have);
  return 0;
}

/* Cross product of the values of every -p setting that names a key of w. */
static int plan_workload(run_t *r, const hl_workload_t *w, size_t *cap) {
  size_t choice[HL_MAX_PARAM_SETTINGS] = {0};
  for (;;) {
    uint64_t param[HL_MAX_PARAMS];
    char why[512];
    int rc = hl_cell_params(w, &r->o, choice, param, why, sizeof why);
    if (rc) {
      hl_msg("run", "%s", why);
      return rc;
    }
    if ((rc = check_bounded(r, w, param)) != 0 || (rc = add_cell(r, w, param, cap)) != 0) return rc;
    size_t i = 0; /* advance the mixed-radix counter */
    for (; i < r->o.nparams; i++) {
      if (hl_workload_param_index(w, r->o.param[i].key) < 0) continue;
      if (++choice[i] < r->o.param[i].nvalues) break;
      choice[i] = 0;
    }
    if (i == r->o.nparams) return 0;
  }
}

static int plan(run_t *r) {
  size_t cap = 0;
  for (size_t i = 0; i < r->nw; i++) {
    int rc = plan_workload(r, r->w[i], &cap);
    if (rc) return rc;
  }
  return 0;
}

/* ---- running one repetition of one cell ---------------------------------- */

typedef struct argv_builder {
  char *argv[128];
  char buf[8192];
  size_t n, off;
} argv_builder_t;

__attribute__((format(printf, 2, 3))) static void arg(argv_builder_t *a, const char *fmt, ...) {
  if (a->n + 1 >= sizeof a->argv / sizeof a->argv[0]) return;
  va_list ap;
  va_start(ap, fmt);
  int len = vsnprintf(a->buf + a->off, sizeof a->buf - a->off, fmt, ap);
  va_end(ap);
  if (len < 0 || (size_t)len >= sizeof a->buf - a->off) return;
  a->argv[a->n++] = a->buf + a->off;
  a->argv[a->n] = NULL;
  a->off += (size_t)len + 1;
}

static void worker_argv(const run_t *r, const cell_t *c, unsigned rep, argv_builder_t *a) {
  char num[32];
  a->n = a->off = 0;
  arg(a, "%s", r->exe);
  arg(a, "%s", "__worker");
  arg(a, "-w%s", c->w->name);
  arg(a, "-b%s", c->b->name);
  for (size_t k = 0; k < c->w->nparams; k++) {
    char v[64], kv[128];
    hl_param_format(&c->w->params[k], c->param[k], v, sizeof v);
    snprintf(kv, sizeof kv, "%s=%s", c->w->params[k].key, v);
    arg(a, "-p%s", kv);
  }
  snprintf(num, sizeof num, "%u", r->o.threads);
  arg(a, "--threads=%s", num);
  arg(a, "--pin=%s", hl_pin_name(r->o.pin));
  size_t off = 0;
  char list[2048] = "none";
  for (size_t i = 0; i < r->o.ncounters; i++)
    off += (size_t)snprintf(list + off, sizeof list - off, "%s%s", i ? "," : "", r->o.counters[i]);
  arg(a, "--counters=%s", list);
  arg(a, "--escape=%s", c->escape == HL_ESCAPE_ON ? "on" : "off");
  hl_gogc_format(c->gogc, num, sizeof num);
  arg(a, "--gogc=%s", num);
  hl_memlimit_format(c->memlimit_bytes, num, sizeof num);
  arg(a, "--memlimit=%s", num);
  arg(a, "--pacer-model=%s", hl_pacer_model_name(r->o.pacer_model));
  if (r->o.gctrace) arg(a, "%s", "--gctrace");
  snprintf(num, sizeof num, "%llu", (unsigned long long)r->o.seed);
  arg(a, "--seed=%s", num);
  snprintf(num, sizeof num, "%u", rep);
  arg(a, "--rep-index=%s", num);
  if (r->o.sample_ms) arg(a, "--sample-ms=%u", r->o.sample_ms);
  if (r->o.thrash_window_s > 0) arg(a, "--thrash-window=%g", r->o.thrash_window_s);
}

static json_t *params_json(const cell_t *c) {
  json_t *p = json_object();
  for (size_t k = 0; k < c->w->nparams; k++) {
    const hl_param_spec_t *s = &c->w->params[k];
    if (s->kind == HL_PARAM_CHOICE)
      json_object_set_new(p, s->key, json_string(s->choices[c->param[k]]));
    else
      json_object_set_new(p, s->key, json_integer((json_int_t)c->param[k]));
  }
  return p;
}

/* The row for a repetition that produced no measurement: Google Benchmark's
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
  return e;
}

/* Google Benchmark's identity keys first, in its order, then the row's own
 * keys, then heaplab's cell description. */
static json_t *normalise_row(const run_t *r, const cell_t *c, size_t family, unsigned rep,
                             json_t *row, hl_outcome_t outcome) {
  json_t *e = json_pack("{s:s, s:I, s:i, s:s, s:s, s:i, s:i, s:i}", "name", c->name, "family_index",
                        (json_int_t)family, "per_family_instance_index", 0, "run_name", c->name,
                        "run_type", "iteration", "repetitions", (int)r->o.reps, "repetition_index",
                        (int)rep, "threads", (int)r->o.threads);
  const char *key;
  json_t *v;
  json_object_foreach(row, key, v) {
    if (!json_object_get(e, key)) json_object_set(e, key, v);
  }
  json_object_set_new(e, "outcome", json_string(hl_outcome_name(outcome)));
  json_object_set_new(e, "workload", json_string(c->w->name));
  json_object_set_new(e, "backend", json_string(c->b->name));
  json_object_set_new(e, "params", params_json(c));
  char knob[32];
  json_t *not_applicable = json_array();
  if (knob_applies(c, HL_CAP_GC_PERCENT)) {
    hl_gogc_format(c->gogc, knob, sizeof knob);
    json_object_set_new(e, "gogc", json_string(knob));
  } else {
    json_array_append_new(not_applicable, json_string("gogc"));
  }
  if (knob_applies(c, HL_CAP_MEMORY_LIMIT)) {
    hl_memlimit_format(c->memlimit_bytes, knob, sizeof knob);
    json_object_set_new(e, "memlimit", json_string(knob));
  } else {
    json_array_append_new(not_applicable, json_string("memlimit"));
  }
  json_object_set_new(e, "escape", json_string(c->escape == HL_ESCAPE_ON ? "on" : "off"));
  if (json_array_size(not_applicable))
    json_object_set_new(e, "knobs_not_applicable", not_applicable);
  else
    json_decref(not_applicable);
  return e;
}

/* ---- timelines (heaplab oom, --sample-ms) ---------------------------------- */

static json_t *u64_array(const uint64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

/* What the parent and the worker recorded while the worker ran, into the
 * row: the parent's RSS samples (rss_timeline: t_ns since the start, and
 * rss_bytes), the worker's own samples (samples: t_ns since the start, RSS
 * and heap figures), the collector's cycles as streamed (gc_marks: t_ns of
 * each cycle's end and its heap figures), and how the run ended in
 * time (end_s) and memory (rss_peak_bytes from the parent's view when the
 * worker could not say; cgroup_peak_bytes). Rows of workers that died keep
 * everything up to the last record that reached the pipe. */
static void add_timeline(json_t *row, const hl_child_result_t *res) {
  if (res->nsamples) {
    uint64_t *t = res->sample_t_ns;
    json_object_set_new(row, "rss_timeline",
                        json_pack("{s:o, s:o}", "t_ns", u64_array(t, res->nsamples), "rss_bytes",
                                  u64_array(res->sample_rss_bytes, res->nsamples)));
  }
  json_t *samples = json_array(), *cycles = json_array();
  size_t i;
  json_t *rec;
  json_array_foreach(res->records, i, rec) {
    const char *type = json_string_value(json_object_get(rec, "type"));
    json_t *into = !type                     ? NULL
                   : !strcmp(type, "sample") ? samples
                   : !strcmp(type, "gc")     ? cycles
                                             : NULL;
    if (!into) continue;
    /* the worker's CLOCK_MONOTONIC is ours: time since the worker started */
    json_t *s = json_deep_copy(rec);
    json_int_t mono = json_integer_value(json_object_get(rec, "mono_ns"));
    json_object_del(s, "type");
    json_object_del(s, "mono_ns");
    json_object_set_new(s, "t_ns", json_integer(mono - (json_int_t)res->start_mono_ns));
    json_array_append_new(into, s);
  }
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

/* limit_bytes: this repetition's memory limit (0: none; in the run's mode,
 * the watchdog when the run has none). */
static hl_outcome_t run_one(run_t *r, cell_t *c, size_t family, unsigned rep,
                            uint64_t limit_bytes) {
  argv_builder_t a;
  worker_argv(r, c, rep, &a);
  hl_limit_mode_t mode = !limit_bytes                       ? HL_LIMIT_NONE
                         : r->o.limit_mode != HL_LIMIT_NONE ? r->o.limit_mode
                                                            : HL_LIMIT_WATCHDOG;
  hl_spawn_config_t cfg = {
      .argv = a.argv,
      .preload = hl_backend_preload(c->b->backend),
      .limit = {.mode = mode, .bytes = limit_bytes, .cgroup_dir = r->o.cgroup_dir},
      .sample_ms = r->o.sample_ms,
      .timeout_s = r->o.timeout_s,
      .forward_stderr = r->o.gctrace,
      .interrupted = &hl_interrupted};
  hl_child_result_t res;
  if (hl_child_run(&cfg, &res) != 0) {
    memset(&res, 0, sizeof res);
    res.outcome = HL_OUTCOME_ERROR;
    res.exit_status = -1;
    snprintf(res.message, sizeof res.message, "cannot start the worker process");
  }
  json_t *result = res.records ? hl_child_record(&res, "result") : NULL;
  json_t *row = result && res.outcome == HL_OUTCOME_OK
                    ? json_deep_copy(json_object_get(result, "entry"))
                    : failed_row(&res);
  if (row && (r->o.sample_ms || limit_bytes)) add_timeline(row, &res);
  if (row && limit_bytes)
    json_object_set_new(row, "limit_bytes", json_integer((json_int_t)limit_bytes));
  if (result && !json_object_get(r->context, "library_build_type")) {
    json_t *gbc = json_object_get(result, "gb_context");
    json_t *bt = json_object_get(gbc, "library_build_type");
    if (bt) json_object_set(r->context, "library_build_type", bt);
  }
  /* The probe started the backend with default knobs; the worker's settings
   * are those this run used (--gogc, --memlimit). */
  json_t *settings = json_object_get(json_object_get(result, "backend"), "settings");
  json_t *binfo = json_object_get(r->backend_info, c->b->name);
  if (json_is_string(settings) && binfo) json_object_set(binfo, "settings", settings);
  json_array_append_new(c->entries, normalise_row(r, c, family, rep, row, res.outcome));
  json_decref(row);
  if (res.outcome != HL_OUTCOME_OK && !hl_interrupted)
    hl_msg("run", "%s (repetition %u): %s: %s", c->name, rep + 1, hl_outcome_name(res.outcome),
           res.message);
  hl_outcome_t outcome = res.outcome;
  hl_child_result_free(&res);
  return outcome;
}

/* ---- results ------------------------------------------------------------- */

/* The whole results document: context, then per cell its iteration rows in
 * repetition order and, with two or more ok repetitions, its aggregates. */
static json_t *results_doc(const run_t *r, int with_aggregates);

json_t *hl_runner_doc(const hl_runner_t *r, int with_aggregates) {
  return results_doc(r, with_aggregates);
}

static json_t *results_doc(const run_t *r, int with_aggregates) {
  json_t *bench = json_array();
  json_t **ok = calloc(r->o.reps ? r->o.reps : 1, sizeof *ok);
  if (!bench || !ok) {
    json_decref(bench);
    free(ok);
    return NULL;
  }
  for (size_t i = 0; i < r->ncells; i++) {
    size_t nok = 0, k;
    json_t *e;
    json_array_foreach(r->cells[i].entries, k, e) {
      json_array_append(bench, e);
      const char *o = json_string_value(json_object_get(e, "outcome"));
      if (o && !strcmp(o, "ok") && nok < r->o.reps) ok[nok++] = e;
    }
    if (with_aggregates && nok >= 2) hl_results_aggregate(ok, nok, bench);
  }
  free(ok);
  json_t *doc = json_pack("{s:O, s:o}", "context", r->context, "benchmarks", bench);
  if (doc && r->extra) json_object_update(doc, r->extra);
  return doc;
}

/* Rewriting the results file costs time in proportion to its size, and a
 * collector's rows carry up to 4096 cycles each (oom rows their timelines
 * too): `run -b bdwgc --reps 5` writes a 24 MB file, and rewriting it after
 * each of its 25 cells took 2 s of its 19 (the default comparison has 175
 * cells). So while cells run, save() rewrites the file only when
 * SAVE_INTERVAL_NS have passed since the last time; the first call and the
 * final one always write. A killed heaplab loses at most that much finished
 * work, and never leaves half a file. */
#define SAVE_INTERVAL_NS UINT64_C(1000000000)

static int save(run_t *r, int final) {
  if (!r->o.output) return 0;
  if (!final && r->saved_ns && hl_now_ns() - r->saved_ns < SAVE_INTERVAL_NS) return 0;
  json_t *doc = results_doc(r, final);
  char why[1024] = "out of memory";
  int rc = doc ? hl_results_save(doc, r->o.output, why, sizeof why) : HL_ENOMEM;
  json_decref(doc);
  if (rc) hl_msg("run", "cannot write the results: %s", why);
  r->saved_ns = hl_now_ns();
  return rc;
}

/* ---- the run ------------------------------------------------------------- */

static int run_cells(run_t *r, int *all_ok) {
  size_t done = 0;
  *all_ok = 1;
  for (unsigned rep = 0; rep < r->o.reps && !hl_interrupted; rep++) {
    for (size_t i = 0; i < r->ncells && !hl_interrupted; i++, done++) {
      hl_runner_progress(r, "[%zu/%zu] repetition %u/%u: %s", done + 1, r->ncells * r->o.reps,
                         rep + 1, r->o.reps, r->cells[i].name);
      if (run_one(r, &r->cells[i], i, rep, r->o.limit_bytes) != HL_OUTCOME_OK) *all_ok = 0;
      if (save(r, 0) != 0) return HL_EIO;
    }
  }
  hl_runner_progress(r, "%s", "");
  return 0;
}

static int prepare_context(run_t *r, int argc, char **argv) {
  hl_topology_t *topo = NULL;
  hl_topology_load(&topo);
  r->context = hl_context_new(argc, argv, topo);
  hl_topology_free(topo);
  json_t *wl = json_array(), *be = json_array();
  for (size_t i = 0; i < r->nw; i++)
    json_array_append_new(wl, json_string(r->w[i]->name));
  for (size_t i = 0; i < r->nb; i++)
    json_array_append_new(be, json_string(r->b[i].name));
  json_object_set_new(r->context, "options", hl_context_options(&r->o, wl, be));
  json_decref(wl);
  json_decref(be);
  json_object_set(r->context, "backends", r->backend_info);
  hl_counter_status_t st[HL_MAX_COUNTERS];
  if (hl_counters_probe(r->o.counters, r->o.ncounters, st) == 0)
    json_object_set_new(r->context, "counters", hl_context_counters(st, r->o.ncounters));
  json_object_set_new(r->context, "counters_library", json_string(hl_counters_backend()));
  json_object_set_new(r->context, "interrupted", json_false());
  return r->context ? 0 : HL_ENOMEM;
}

static void warn_debug_build(void) {
  if (hl_inject_slowdown_pct() > 0)
    hl_msg("run",
           "WARNING: testing build: escape-return is made %d%% slower on purpose "
           "(-Dinject_slowdown_pct)",
           hl_inject_slowdown_pct());
  if (hl_inject_retain_kib() > 0 || hl_inject_retain_pct() > 0)
    hl_msg("run",
           "WARNING: testing build: escape-return retains %d KiB + %d%% of its peak RSS more on "
           "purpose (-Dinject_retain_kib, -Dinject_retain_pct)",
           hl_inject_retain_kib(), hl_inject_retain_pct());
#if !HL_OPTIMIZED
  hl_msg("run",
         "WARNING: this heaplab was built without optimisation (%s): timings are not "
         "representative; rebuild with meson setup --buildtype=release",
         HL_BUILD_TYPE);
#endif
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab run [-w LIST] [-b LIST] [-p KEY=V[,V..]]... [OPTIONS] [-o FILE.json]\n\n"
          "Runs every workload x backend x parameter combination (a cell), each repetition in\n"
          "its own process, interleaved, and prints a summary table. Exit status: 0 every\n"
          "cell ok, 1 some cell ended otherwise (oom, crash, timeout, error), 2 bad input,\n"
          "130/143 interrupted by SIGINT/SIGTERM (the results so far are written).\n\n");
  hl_run_options_help(out);
  fprintf(out, "\nWorkloads: `heaplab list workloads`; their parameters: `heaplab list params`.\n"
               "A -p key applies to every chosen workload that has it.\n");
}

static void run_free(run_t *r) {
  for (size_t i = 0; i < r->ncells; i++)
    json_decref(r->cells[i].entries);
  free(r->cells);
  free(r->w);
  free(r->b);
  json_decref(r->context);
  json_decref(r->backend_info);
  json_decref(r->extra);
  hl_output_unlock(&r->lock);
  hl_run_options_free(&r->o);
}

/* Checked before the run: the results file may be written (output.h: its
 * directory is there and writable; it is absent, a regular file or a link to
 * one), and no other heaplab is writing it (the lock, held for the run). */
static int take_output(run_t *r) {
  char resolved[4096], why[1024];
  if (hl_output_check(r->o.output, resolved, sizeof resolved, why, sizeof why) != 0)
    return usage_error("cannot write results file: %s", why);
  if (hl_output_lock(r->o.output, &r->lock, why, sizeof why) != 0) return usage_error("%s", why);
  return 0;
}

static int setup_run(run_t *r, int argc, char **argv, const hl_runner_spec_t *spec) {
  int rc = hl_run_options_parse(argc, argv, &r->o);
  if (rc == 1) {
    spec->usage(stdout);
    return 1;
  }
  if (rc || (spec->check && (rc = spec->check(&r->o, spec->ctx)) != 0)) return rc;
  ssize_t n = readlink("/proc/self/exe", r->exe, sizeof r->exe - 1);
  if (n <= 0) return usage_error("cannot find the heaplab executable");
  r->exe[n] = '\0';
  r->backend_info = json_object();
  if (r->o.pin != HL_PIN_NONE) {
    hl_topology_t *topo = NULL;
    if (hl_topology_load(&topo) != 0)
      return usage_error("--pin %s needs hwloc, which this build lacks (use --pin none)",
                         hl_pin_name(r->o.pin));
    hl_topology_free(topo);
  }
  if ((rc = pick_workloads(r)) || (rc = check_param_keys(r))) return rc;
  /* What needs no process is checked before the backends are probed: a
   * planning pass with no backend yet makes no cell but checks every
   * parameter combination, so bad input is reported at once (and also by a
   * build whose malloc is interposed, ASan's, where no probe succeeds). */
  if ((rc = plan(r)) != 0) return rc;
  if (r->o.output && (rc = take_output(r)) != 0) return rc;
  if ((rc = pick_backends(r)) || (rc = plan(r))) return rc;
  return prepare_context(r, argc, argv);
}

/* ---- the runner as a library (runner.h), for `heaplab oom` ------------------ */

int hl_runner_open(const hl_runner_spec_t *spec, int argc, char **argv, hl_runner_t **out) {
  run_t *r = calloc(1, sizeof *r);
  if (!r) return HL_ENOMEM;
  r->lock.fd = -1;
  hl_run_options_init(&r->o);
  if (spec->defaults) spec->defaults(&r->o);
  int rc = setup_run(r, argc, argv, spec);
  if (rc) {
    run_free(r);
    free(r);
    return rc;
  }
  warn_debug_build();
  hl_interrupt_install();
  *out = r;
  return 0;
}

void hl_runner_close(hl_runner_t *r) {
  if (!r) return;
  run_free(r);
  free(r);
}

const hl_run_options_t *hl_runner_options(const hl_runner_t *r) {
  return &r->o;
}

size_t hl_runner_ncells(const hl_runner_t *r) {
  return r->ncells;
}

const char *hl_runner_cell_name(const hl_runner_t *r, size_t i) {
  return r->cells[i].name;
}

json_t *hl_runner_cell_rows(const hl_runner_t *r, size_t i) {
  return r->cells[i].entries;
}

hl_outcome_t hl_runner_run_one(hl_runner_t *r, size_t i, unsigned rep, uint64_t limit_bytes) {
  return run_one(r, &r->cells[i], i, rep, limit_bytes);
}

void hl_runner_set_extra(hl_runner_t *r, const char *key, json_t *value) {
  if (!r->extra) r->extra = json_object();
  json_object_set_new(r->extra, key, value);
}

int hl_runner_save(hl_runner_t *r, int final) {
  return save(r, final);
}

int hl_runner_interrupted(void) {
  return hl_interrupted != 0;
}

/* No progress line under --gctrace: the workers' trace lines go to the same
 * terminal. An empty line clears it. */
void hl_runner_progress(const hl_runner_t *r, const char *fmt, ...) {
  if (!isatty(STDERR_FILENO) || r->o.gctrace) return;
  va_list ap;
  va_start(ap, fmt);
  fprintf(stderr, "\r\033[K");
  vfprintf(stderr, fmt, ap);
  va_end(ap);
}

void hl_runner_mark_interrupted(hl_runner_t *r) {
  if (hl_interrupted) json_object_set_new(r->context, "interrupted", json_true());
}

int hl_run_main(int argc, char **argv) {
  run_t r;
  memset(&r, 0, sizeof r);
  r.lock.fd = -1;
  hl_run_options_init(&r.o);
  const hl_runner_spec_t spec = {.usage = usage};
  int rc = setup_run(&r, argc, argv, &spec);
  if (rc) {
    run_free(&r);
    return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  }
  warn_debug_build();
  hl_interrupt_install();
  int all_ok;
  rc = run_cells(&r, &all_ok);
  if (hl_interrupted) json_object_set_new(r.context, "interrupted", json_true());
  if (rc == 0) rc = save(&r, 1);
  json_t *doc = results_doc(&r, 1);
  hl_table_t *t = doc ? hl_summary_table(doc) : NULL;
  if (t) hl_table_print(t, stdout, 0);
  fflush(stdout);
  hl_table_free(t);
  json_decref(doc);
  if (r.o.output && rc == 0) fprintf(stderr, "heaplab: run: results written to %s\n", r.o.output);
  int exit_code = rc               ? HL_EXIT_USAGE
                  : hl_interrupted ? hl_interrupt_exit_code()
                  : all_ok         ? HL_EXIT_OK
                                   : HL_EXIT_FOUND;
  run_free(&r);
  return exit_code;
}
