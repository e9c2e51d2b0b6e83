/* The plan: cells from a request (plan.h). */
#include "plan.h"

#include "argsplit.h"
#include "error.h"
#include "limit.h"
#include "program.h"
#include "twin.h"
#include "size.h"
#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

__attribute__((format(printf, 1, 2))) static int plan_error(const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hl_vmsg("run", fmt, ap);
  va_end(ap);
  return HL_EINVAL;
}

/* ---- workloads ------------------------------------------------------------------ */

static int have_workload(const hl_plan_t *p, const hl_workload_t *w) {
  for (size_t k = 0; k < p->nworkloads; k++)
    if (p->workloads[k] == w) return 1;
  return 0;
}

/* Every -p key must belong to at least one chosen workload. */
static int check_param_keys(const hl_run_request_t *rq, const hl_plan_t *p) {
  for (size_t i = 0; i < rq->nparams; i++) {
    size_t k = 0;
    while (k < p->nworkloads && hl_workload_param_index(p->workloads[k], rq->param[i].key) < 0)
      k++;
    if (k < p->nworkloads) continue;
    char keys[1024] = "";
    size_t off = 0;
    for (size_t j = 0; j < p->nworkloads && off < sizeof keys; j++) {
      const hl_workload_t *w = p->workloads[j];
      off += (size_t)snprintf(keys + off, sizeof keys - off, "%s%s:", j ? "; " : "", w->name);
      for (size_t q = 0; q < w->nparams && off < sizeof keys; q++)
        off += (size_t)snprintf(keys + off, sizeof keys - off, " %s", w->params[q].key);
    }
    return plan_error("unknown parameter '%s' (%s)", rq->param[i].key, keys);
  }
  return 0;
}

/* Names, where "all" stands for every benchmark workload (not oom patterns
 * or selftests). */
int hl_plan_workloads(const hl_run_request_t *rq, hl_plan_t *p) {
  size_t nall;
  if (rq->ncommands) return 0; /* programs: hl_plan_cells makes their cells */
  const hl_workload_t *const *all = hl_workload_all(&nall);
  if (!(p->workloads = calloc(nall, sizeof *p->workloads))) return HL_ENOMEM;
  static char *const everything[] = {(char *)"all"};
  char *const *names = rq->nworkloads ? rq->workloads : everything;
  size_t n = rq->nworkloads ? rq->nworkloads : 1;
  for (size_t i = 0; i < n; i++) {
    if (!strcmp(names[i], "all")) {
      for (size_t k = 0; k < nall; k++)
        if (!strcmp(all[k]->kind, "bench") && !have_workload(p, all[k]))
          p->workloads[p->nworkloads++] = all[k];
      continue;
    }
    const hl_workload_t *w = hl_workload_find(names[i]);
    if (!w) {
      char list[512];
      hl_workload_names(list, sizeof list);
      return plan_error("unknown workload '%s'; available: %s (or all)", names[i], list);
    }
    if (have_workload(p, w)) return plan_error("workload '%s' named twice", w->name);
    p->workloads[p->nworkloads++] = w;
  }
  return check_param_keys(rq, p);
}

/* ---- parameters ------------------------------------------------------------------- */

int hl_plan_params(const hl_workload_t *w, const hl_run_request_t *rq, const size_t *choice,
                   uint64_t *param, char *why, size_t why_len) {
  hl_workload_defaults(w, rq->quick, param);
  for (size_t i = 0; i < rq->nparams; i++) {
    int k = hl_workload_param_index(w, rq->param[i].key);
    if (k < 0) continue;
    const char *text = rq->param[i].values[choice ? choice[i] : 0];
    char reason[192];
    int rc = hl_param_parse(&w->params[k], text, &param[k], reason, sizeof reason);
    if (rc) {
      snprintf(why, why_len, "%s: -p %s: %s", w->name, rq->param[i].key, reason);
      return rc;
    }
  }
  char reason[192];
  if (w->check && w->check(param, rq->threads, reason, sizeof reason) != 0) {
    snprintf(why, why_len, "%s: %s", w->name, reason);
    return HL_EINVAL;
  }
  if (w->iterations(param, rq->threads) == 0) {
    snprintf(why, why_len, "%s: these parameters give no iterations for %u thread%s", w->name,
             rq->threads, rq->threads == 1 ? "" : "s");
    return HL_EINVAL;
  }
  return 0;
}

void hl_cell_name(const hl_workload_t *w, const char *backend, const uint64_t *param,
                  unsigned threads, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "%s/%s", w->name, backend);
  for (size_t k = 0; k < w->nparams && off < len; k++) {
    if (param[k] == w->params[k].def) continue;
    char v[48];
    hl_param_format(&w->params[k], param[k], v, sizeof v);
    off += (size_t)snprintf(buf + off, len - off, "/%s=%s", w->params[k].key, v);
  }
  if (threads > 1 && off < len) snprintf(buf + off, len - off, "/threads:%u", threads);
}

/* A cell that allocates until something stops it (workload.h's unbounded)
 * runs only under a hard limit below the machine's available memory, in
 * whatever mode holds it: without one it would take the machine's memory
 * (1 TiB for a leak), and a limit above what the machine has never fires
 * first. Only the parent knows the limit (the worker never sees the
 * watchdog's or a cgroup's). A search without --limit (oom
 * --find-min-limit) starts with an unlimited run, so it is refused too. */
static int check_bounded(const hl_run_request_t *rq, const hl_workload_t *w,
                         const uint64_t *param) {
  uint32_t given = 0;
  for (size_t i = 0; i < rq->nparams; i++) {
    int k = hl_workload_param_index(w, rq->param[i].key);
    if (k >= 0) given |= 1u << k;
  }
  const char *why = w->unbounded ? w->unbounded(param, given) : NULL;
  if (!why) return 0;
  uint64_t avail = hl_mem_available_bytes();
  char have[32], limit[32];
  hl_size_format_human(avail, have, sizeof have);
  hl_size_format_exact(rq->hard_limit_bytes, limit, sizeof limit);
  if (!avail)
    return plan_error("%s: %s; refused: the machine's available memory (MemAvailable in "
                      "/proc/meminfo) cannot be read to check a limit against",
                      w->name, why);
  if (!rq->hard_limit_bytes)
    return plan_error("%s: %s; refused without a memory limit: give --limit SIZE below the "
                      "available memory (MemAvailable %s)",
                      w->name, why, have);
  if (rq->hard_limit_bytes >= avail)
    return plan_error("%s: %s; refused: --limit %s is not below the available memory "
                      "(MemAvailable %s), so the machine would run out first",
                      w->name, why, limit, have);
  return 0;
}

/* ---- cells ----------------------------------------------------------------------- */

int hl_cell_knob_applies(const hl_cell_t *c, unsigned cap) {
  return (c->spec.backend.backend->caps & cap) != 0;
}

/* The cell's name, with /gogc=, /memlimit= and /escape= for each knob the
 * request sweeps and the backend honours (a knob with one value leaves
 * names as they always were). A backend without a knob runs once in a sweep
 * of it, named without the knob. */
static void knob_suffix(const hl_run_request_t *rq, hl_cell_t *c) {
  size_t off = strlen(c->name);
  char v[32];
  if (rq->ngc_percent > 1 && hl_cell_knob_applies(c, HL_CAP_GC_PERCENT) && off < sizeof c->name) {
    hl_gc_percent_format(c->spec.gc_percent, v, sizeof v);
    off += (size_t)snprintf(c->name + off, sizeof c->name - off, "/gogc=%s", v);
  }
  if ((rq->nmemory_limit > 1 || rq->nmemory_limit_ratio > 1) &&
      hl_cell_knob_applies(c, HL_CAP_MEMORY_LIMIT) && off < sizeof c->name) {
    if (c->spec.memory_limit_ratio > 0)
      snprintf(v, sizeof v, "%gx", c->spec.memory_limit_ratio);
    else if (c->spec.memory_limit_bytes == HL_NO_MEMORY_LIMIT)
      snprintf(v, sizeof v, "off");
    else
      hl_size_format_exact((uint64_t)c->spec.memory_limit_bytes, v, sizeof v);
    off += (size_t)snprintf(c->name + off, sizeof c->name - off, "/memlimit=%s", v);
  }
  if (rq->nescape > 1 && !c->spec.program.on && off < sizeof c->name)
    snprintf(c->name + off, sizeof c->name - off, "/escape=%s",
             c->spec.escape == HL_ESCAPE_ON ? "on" : "off");
}

/* The spec every cell of rq shares: everything but workload, parameters,
 * backend and knobs. */
static void common_spec(const hl_run_request_t *rq, hl_cell_spec_t *s) {
  hl_cell_spec_init(s);
  s->pacer_model = rq->pacer_model;
  s->threads = rq->threads;
  s->pin = rq->pin;
  for (size_t i = 0; i < rq->ncounters && i < HL_MAX_COUNTERS; i++)
    snprintf(s->counters[i], sizeof s->counters[i], "%s", rq->counters[i]);
  s->ncounters = rq->ncounters < HL_MAX_COUNTERS ? rq->ncounters : HL_MAX_COUNTERS;
  s->seed = rq->seed;
  s->sample_ms = rq->sample_ms;
  s->measure = rq->measure;
  s->thrash_window_s = rq->thrash_window_s;
  s->gctrace = rq->gctrace;
  s->hard_limit_bytes = rq->hard_limit_bytes;
  s->hard_limit_mode = rq->hard_limit_mode;
}

static int add_one(const hl_run_request_t *rq, hl_plan_t *p, const hl_cell_spec_t *s, size_t *cap) {
  if (p->ncells == *cap) {
    size_t ncap = *cap ? *cap * 2 : 16;
    hl_cell_t *c = realloc(p->cells, ncap * sizeof *c);
    if (!c) return HL_ENOMEM;
    p->cells = c;
    *cap = ncap;
  }
  hl_cell_t *c = &p->cells[p->ncells];
  memset(c, 0, sizeof *c);
  c->spec = *s;
  if (s->workload == &hl_program_workload)
    snprintf(c->name, sizeof c->name, "%s/%s", s->program.name, s->backend.name);
  else
    hl_cell_name(s->workload, s->backend.name, s->param, s->threads, c->name, sizeof c->name);
  knob_suffix(rq, c);
  char *text = hl_cell_spec_encode(s);
  if (!text) return HL_ENOMEM;
  hl_short_id(hl_fnv1a64(text, strlen(text), HL_FNV_OFFSET), c->id);
  free(text);
  for (size_t j = 0; j < p->ncells; j++)
    if (!strcmp(p->cells[j].name, c->name))
      return plan_error("cell %s is listed twice (repeated value?)", c->name);
  if (!(c->rows = json_array())) return HL_ENOMEM;
  p->ncells++;
  return 0;
}

/* One cell per backend and value of each knob it honours; a knob it
 * ignores keeps its first value (passed on, so a backend that says what it
 * ignored, bdwgc's --memlimit, still can). A workload's cell on go runs
 * its Go twin (twin.h); a program has no escape knob (one cell). */
static int add_cells(const hl_run_request_t *rq, hl_plan_t *p, const hl_cell_spec_t *base,
                     const hl_backend_spec_t *backends, size_t nb, size_t *cap) {
  for (size_t k = 0; k < nb; k++) {
    hl_cell_spec_t cell = *base, *s = &cell;
    char why[768];
    s->backend = backends[k];
    if (!s->program.on && s->backend.backend == &hl_backend_go &&
        hl_twin_cell(s, why, sizeof why) != 0)
      return plan_error("%s", why);
    unsigned caps = backends[k].backend->caps;
    size_t ngc = caps & HL_CAP_GC_PERCENT ? rq->ngc_percent : 1;
    size_t nratio = caps & HL_CAP_MEMORY_LIMIT ? rq->nmemory_limit_ratio : 0;
    size_t nml = nratio ? nratio : caps & HL_CAP_MEMORY_LIMIT ? rq->nmemory_limit : 1;
    size_t nescape = s->program.on ? 1 : rq->nescape;
    for (size_t g = 0; g < ngc; g++)
      for (size_t m = 0; m < nml; m++)
        for (size_t e = 0; e < nescape; e++) {
          s->gc_percent = rq->gc_percent[g];
          s->memory_limit_bytes = nratio ? HL_NO_MEMORY_LIMIT : rq->memory_limit_bytes[m];
          s->memory_limit_ratio = nratio ? rq->memory_limit_ratio[m] : 0;
          s->escape = rq->escape[e];
          int rc = add_one(rq, p, s, cap);
          if (rc) return rc;
        }
  }
  return 0;
}

/* The cross product of the values of every -p setting that names a key of w. */
static int plan_workload(const hl_run_request_t *rq, hl_plan_t *p, const hl_workload_t *w,
                         const hl_backend_spec_t *backends, size_t nb, size_t *cap) {
  size_t choice[HL_MAX_PARAM_SETTINGS] = {0};
  hl_cell_spec_t s;
  common_spec(rq, &s);
  s.workload = w;
  for (;;) {
    char why[512];
    int rc = hl_plan_params(w, rq, choice, s.param, why, sizeof why);
    if (rc) return plan_error("%s", why);
    if ((rc = check_bounded(rq, w, s.param)) != 0 ||
        (rc = add_cells(rq, p, &s, backends, nb, cap)) != 0)
      return rc;
    size_t i = 0; /* advance the mixed-radix counter */
    for (; i < rq->nparams; i++) {
      if (hl_workload_param_index(w, rq->param[i].key) < 0) continue;
      if (++choice[i] < rq->param[i].nvalues) break;
      choice[i] = 0;
    }
    if (i == rq->nparams) return 0;
  }
}

/* ---- programs (-x) ------------------------------------------------------------------ */

/* The name of the i-th program's cells: --name, else the file name of
 * its first word (the shell's own first word with --shell). */
static int program_name(const hl_run_request_t *rq, size_t i, char *buf, size_t len,
                        hl_program_info_t *info) {
  char **argv, why[512];
  size_t argc;
  if (hl_argsplit(rq->commands[i], &argv, &argc, why, sizeof why) != 0)
    return plan_error("-x '%s': %s", rq->commands[i], why);
  int rc = hl_program_inspect(rq->shell ? "/bin/sh" : argv[0], info, why, sizeof why);
  if (rc == 0 && i < rq->nnames) {
    snprintf(buf, len, "%s", rq->names[i]);
  } else if (rc == 0) {
    const char *base = strrchr(argv[0], '/') ? strrchr(argv[0], '/') + 1 : argv[0];
    snprintf(buf, len, "%.63s", base);
    for (char *c = buf; *c; c++)
      if (*c == ',' || *c == ' ') *c = '_';
  }
  free(argv);
  return rc ? plan_error("-x '%s': %s", rq->commands[i], why) : 0;
}

/* A Go program's cells take go and a C program's the others, when the
 * backends were not named ("all"); named ones are all taken, and a
 * mismatch is the cell's error (the worker says why). */
static int plan_program(const hl_run_request_t *rq, hl_plan_t *p, size_t i,
                        const hl_backend_spec_t *backends, size_t nb, size_t *cap) {
  hl_cell_spec_t s;
  hl_program_info_t info;
  common_spec(rq, &s);
  s.workload = &hl_program_workload;
  s.threads = 1;
  s.program.on = 1;
  s.program.shell = rq->shell;
  snprintf(s.program.command, sizeof s.program.command, "%s", rq->commands[i]);
  int rc = program_name(rq, i, s.program.name, sizeof s.program.name, &info);
  int everything = !rq->nbackends || (rq->nbackends == 1 && !strcmp(rq->backends[0], "all"));
  for (size_t k = 0; rc == 0 && k < nb; k++) {
    if (everything && (backends[k].backend == &hl_backend_go) != info.is_go) continue;
    rc = add_cells(rq, p, &s, &backends[k], 1, cap);
  }
  return rc;
}

int hl_plan_cells(const hl_run_request_t *rq, const hl_backend_spec_t *backends, size_t nb,
                  hl_plan_t *p) {
  size_t cap = 0;
  for (size_t i = 0; i < rq->ncommands; i++) {
    int rc = plan_program(rq, p, i, backends, nb, &cap);
    if (rc) return rc;
  }
  for (size_t i = 0; i < p->nworkloads; i++) {
    int rc = plan_workload(rq, p, p->workloads[i], backends, nb, &cap);
    if (rc) return rc;
  }
  return 0;
}

void hl_plan_id(const hl_plan_t *p, unsigned reps, char *buf) {
  uint64_t h = hl_fnv1a64(&reps, sizeof reps, HL_FNV_OFFSET);
  for (size_t i = 0; i < p->ncells; i++)
    h = hl_fnv1a64(p->cells[i].id, strlen(p->cells[i].id), h);
  hl_short_id(h, buf);
}

void hl_plan_keep(hl_plan_t *p, size_t first, size_t end) {
  for (size_t i = 0; i < p->ncells; i++)
    if (i < first || i >= end) json_decref(p->cells[i].rows);
  memmove(p->cells, p->cells + first, (end - first) * sizeof *p->cells);
  p->ncells = end - first;
}

void hl_plan_free(hl_plan_t *p) {
  for (size_t i = 0; i < p->ncells; i++)
    json_decref(p->cells[i].rows);
  free(p->cells);
  free(p->workloads);
  memset(p, 0, sizeof *p);
}
