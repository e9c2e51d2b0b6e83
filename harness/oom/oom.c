/* `heaplab oom`: reproduce out-of-memory failures, find the limit at which
 * a cell starts to survive, and keep what the heap did on the way (oom.h).
 *
 * Built on the runner (runner.h): the same cells, workers, rows and results
 * file as `heaplab run`, with other defaults (5 runs, a timeline sample
 * every 5 ms, gc-thrash after 2 s over half the CPU, 120 s timeout). Each
 * run of a cell is a fresh worker under the memory limit (limit.h); near a
 * limit survival is random (allocation timing, where the collector happens
 * to be), so a cell's answer is a rate with a confidence interval, not a
 * yes or no.
 *
 * --find-min-limit searches each cell for the smallest limit at which all
 * of its runs survive, to within 2%:
 *   1. one run with no limit, watched every millisecond: its peak RSS P;
 *   2. hi = P + 2%, raised by 10% until every run survives there; lo = P/2,
 *      halved until a run dies there;
 *   3. bisection: at the middle, runs until one dies (then lo = mid) or all
 *      survive (hi = mid), so a dying probe costs one run;
 *   4. the answer is hi; then the runs are repeated 5% below it, to show
 *      how sharp the edge is.
 * Every run's row carries the limit it ran under, and the search steps go
 * into the results' "oom" object. */
#include "oom.h"

#include "error.h"
#include "interrupt.h"
#include "oom_report.h"
#include "oom_summary.h"
#include "runner.h"
#include "size.h"
#include "table.h"

#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_PRECISION 0.02  /* (hi - lo) / hi at which the search stops */
#define SEARCH_BELOW 0.95      /* the check below the found limit */
#define SEARCH_MAX_WIDEN 6     /* times hi may grow or lo shrink */
#define LIMIT_ALIGN_BYTES 4096 /* limits are whole pages */

typedef struct oom {
  hl_runner_t *r;
  int find_min;
  const char *report_dir; /* --report DIR: also write the OOM report there */
  unsigned runs;
} oom_t;

static void oom_defaults(hl_run_options_t *o) {
  o->reps = 5;
  o->sample_ms = 5;
  o->thrash_window_s = 2;
  o->timeout_s = 120;
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab oom [-w LIST] [-b LIST] [-p KEY=V[,V..]]... --limit SIZE [OPTIONS]\n"
          "       heaplab oom ... --find-min-limit\n\n"
          "Runs every cell --runs times (default 5), each run a fresh worker under the memory\n"
          "limit, and reports per cell how often it survived (with a 95%% Wilson interval),\n"
          "how it died (oom-alloc: an allocation failed; oom-kill: the limit killed it;\n"
          "gc-thrash: the collector took over half the CPU for --thrash-window seconds),\n"
          "how fast, and its peak RSS. Every row keeps its timeline (RSS, heap, GC cycles)\n"
          "up to the end, also when the worker was killed. --gogc, --memlimit and --escape\n"
          "take several values, to see which setting moves a cell from death to survival.\n"
          "Exit status: 0 the experiment ran (deaths are its results), 2 bad input,\n"
          "130/143 interrupted by SIGINT/SIGTERM (the results so far are written).\n\n"
          "heaplab oom options:\n"
          "  %-34s %s\n  %-34s %s\n  %-34s %s\n\n",
          "    --runs N", "runs per cell (default 5; the same as --reps)", "    --find-min-limit",
          "search each cell for the smallest limit at which every run survives, within 2%",
          "    --report DIR",
          "also write the OOM report there (heaplab oom-report: Markdown, timeline plots)");
  hl_run_options_help(out);
  fprintf(out, "\nDefaults here: --sample-ms 5 --thrash-window 2 --timeout 120; --limit-mode is\n"
               "cgroup with --cgroup DIR, else watchdog (the parent kills the worker when its RSS\n"
               "reaches the limit, as a container's OOM killer does).\n");
}

/* ---- the plain runs -------------------------------------------------------- */

static void run_all(oom_t *m, uint64_t limit_bytes) {
  size_t n = hl_runner_ncells(m->r), done = 0;
  for (unsigned rep = 0; rep < m->runs && !hl_runner_interrupted(); rep++) {
    for (size_t i = 0; i < n && !hl_runner_interrupted(); i++, done++) {
      hl_runner_progress(m->r, "[%zu/%zu] run %u/%u: %s", done + 1, n * m->runs, rep + 1, m->runs,
                         hl_runner_cell_name(m->r, i));
      hl_runner_run_one(m->r, i, rep, limit_bytes);
      hl_runner_save(m->r, 0);
    }
  }
  hl_runner_progress(m->r, "%s", "");
}

/* ---- the search ------------------------------------------------------------ */

typedef struct probe_ctx {
  oom_t *m;
  size_t cell;
  unsigned rep; /* runs so far, for their repetition index */
  json_t *steps;
} probe_ctx_t;

static uint64_t align_limit(uint64_t bytes) {
  return (bytes + LIMIT_ALIGN_BYTES - 1) / LIMIT_ALIGN_BYTES * LIMIT_ALIGN_BYTES;
}

/* Runs at limit until one dies (stop_at_death) or all runs are done;
 * returns how many survived and records the step. */
static unsigned probe(probe_ctx_t *p, uint64_t limit, int stop_at_death, const char *why) {
  unsigned survived = 0, runs = 0;
  for (unsigned k = 0; k < p->m->runs && !hl_runner_interrupted(); k++) {
    char size[32];
    hl_size_format_human(limit, size, sizeof size);
    hl_runner_progress(p->m->r, "%s: %s at %s, run %u/%u", hl_runner_cell_name(p->m->r, p->cell),
                       why, size, k + 1, p->m->runs);
    hl_outcome_t out = hl_runner_run_one(p->m->r, p->cell, p->rep++, limit);
    runs++;
    if (out == HL_OUTCOME_OK)
      survived++;
    else if (stop_at_death)
      break;
  }
  json_array_append_new(p->steps,
                        json_pack("{s:I, s:i, s:i, s:s}", "limit_bytes", (json_int_t)limit, "runs",
                                  (int)runs, "survived", (int)survived, "step", why));
  hl_runner_save(p->m->r, 0);
  return runs && survived == runs ? 1 : 0;
}

/* The peak RSS of the run just made (the worker's VmHWM, else the
 * parent's samples). */
static uint64_t last_peak(const oom_t *m, size_t cell) {
  json_t *rows = hl_runner_cell_rows(m->r, cell);
  json_t *row = json_array_get(rows, json_array_size(rows) - 1);
  return (uint64_t)json_integer_value(json_object_get(row, "rss_peak_bytes"));
}

static json_t *find_min_limit(oom_t *m, size_t cell) {
  probe_ctx_t p = {.m = m, .cell = cell, .steps = json_array()};
  json_t *rec = json_pack("{s:s}", "name", hl_runner_cell_name(m->r, cell));
  /* 1. unlimited, watched: the watchdog never fires at 2^62 */
  uint64_t watch_only = UINT64_C(1) << 62;
  hl_outcome_t first = hl_runner_run_one(m->r, cell, p.rep++, watch_only);
  uint64_t peak = last_peak(m, cell);
  if (first != HL_OUTCOME_OK || !peak) {
    json_object_set_new(rec, "error", json_string("the cell does not survive without a limit"));
    json_object_set_new(rec, "search", p.steps);
    return rec;
  }
  json_object_set_new(rec, "unlimited_rss_peak_bytes", json_integer((json_int_t)peak));
  /* 2. bracket */
  uint64_t hi = align_limit(peak + peak / 50), lo = align_limit(peak / 2);
  int widen = 0;
  while (!probe(&p, hi, 1, "bracket-high") && widen++ < SEARCH_MAX_WIDEN &&
         !hl_runner_interrupted())
    hi = align_limit(hi + hi / 10);
  widen = 0;
  while (probe(&p, lo, 1, "bracket-low") && widen++ < SEARCH_MAX_WIDEN &&
         !hl_runner_interrupted()) {
    hi = lo;
    lo = align_limit(lo / 2);
  }
  /* 3. bisect */
  while (hi - lo > (uint64_t)((double)hi * SEARCH_PRECISION) && !hl_runner_interrupted()) {
    uint64_t mid = align_limit(lo + (hi - lo) / 2);
    if (mid >= hi) break;
    if (probe(&p, mid, 1, "bisect"))
      hi = mid;
    else
      lo = mid;
  }
  /* 4. the edge */
  uint64_t below = align_limit((uint64_t)((double)hi * SEARCH_BELOW));
  probe(&p, below, 0, "check-below");
  json_t *steps = p.steps;
  json_object_set_new(rec, "min_limit_bytes", json_integer((json_int_t)hi));
  json_object_set_new(rec, "below_limit_bytes", json_integer((json_int_t)below));
  json_object_set_new(rec, "search", steps);
  return rec;
}

/* ---- reporting ----------------------------------------------------------------- */

static void print_table(const json_t *summary) {
  static const char *const headers[] = {"cell",     "runs",          "survived", "95% CI",
                                        "outcomes", "death after s", "peak RSS", "min limit"};
  hl_table_t *t = hl_table_new(headers, 8, "lrrrlrrr");
  if (!t) return;
  size_t i;
  json_t *c;
  json_array_foreach(json_object_get(summary, "cells"), i, c) {
    char runs[16], surv[32], ci[32], outs[256] = "", death[32] = "-", rss[32] = "-", min[32] = "-";
    int n = (int)json_integer_value(json_object_get(c, "runs"));
    int s = (int)json_integer_value(json_object_get(c, "survived"));
    snprintf(runs, sizeof runs, "%d", n);
    snprintf(surv, sizeof surv, "%d/%d", s, n);
    json_t *w = json_object_get(c, "survival_ci95");
    snprintf(ci, sizeof ci, "%.2f-%.2f", json_real_value(json_array_get(w, 0)),
             json_real_value(json_array_get(w, 1)));
    const char *key;
    json_t *v;
    size_t off = 0;
    json_object_foreach(json_object_get(c, "outcomes"), key, v) {
      if (off < sizeof outs)
        off += (size_t)snprintf(outs + off, sizeof outs - off, "%s%lld %s", off ? ", " : "",
                                (long long)json_integer_value(v), key);
    }
    json_t *ttd = json_object_get(json_object_get(c, "time_to_death_s"), "median");
    if (ttd) snprintf(death, sizeof death, "%.3f", json_real_value(ttd));
    json_t *peak = json_object_get(json_object_get(c, "rss_peak_bytes"), "median");
    if (peak) hl_size_format_human((uint64_t)json_number_value(peak), rss, sizeof rss);
    json_t *ml = json_object_get(c, "min_limit_bytes");
    if (ml) hl_size_format_human((uint64_t)json_integer_value(ml), min, sizeof min);
    const char *row[] = {
        json_string_value(json_object_get(c, "name")), runs, surv, ci, outs, death, rss, min};
    hl_table_add(t, row);
  }
  hl_table_print(t, stdout, 0);
  hl_table_free(t);
}

/* ---- the command ------------------------------------------------------------- */

/* Takes heaplab oom's own options out of argv (the rest are run's);
 * --runs becomes --reps ("the same as --reps": the two together, or either
 * twice, are one option given twice, which run's parser refuses). Returns
 * the new argc, or -1 after a message. */
static int own_options(oom_t *m, int argc, char **argv, char **out) {
  int n = 0;
  for (int i = 0; i < argc; i++) {
    const char *a = argv[i];
    if (!strcmp(a, "--find-min-limit")) {
      m->find_min = 1;
    } else if (!strcmp(a, "--report") || !strncmp(a, "--report=", 9)) {
      const char *v = a[8] == '=' ? a + 9 : i + 1 < argc ? argv[++i] : NULL;
      if (!v || !*v) {
        hl_msg("oom", "option needs a value '--report' (see heaplab oom --help)");
        return -1;
      }
      if (hl_option_once("oom", "--report", 0, &m->report_dir, v)) return -1;
    } else if (!strcmp(a, "--runs")) {
      out[n++] = (char *)"--reps";
    } else if (!strncmp(a, "--runs=", 7)) {
      out[n++] = (char *)"--reps";
      out[n++] = (char *)a + 7;
    } else {
      out[n++] = argv[i];
    }
  }
  out[n] = NULL;
  return n;
}

/* One limit or the search for one: neither, or both, is an error. */
static int check_limit(const hl_run_options_t *o, void *ctx) {
  const oom_t *m = ctx;
  if (!o->limit_bytes == !m->find_min) {
    char limit[32];
    hl_size_format_exact(o->limit_bytes, limit, sizeof limit);
    if (m->find_min)
      hl_msg("oom",
             "--find-min-limit and --limit %s contradict: the search picks the limits it runs "
             "under; leave one out",
             limit);
    else
      hl_msg("oom", "give a memory limit (--limit SIZE) or --find-min-limit");
    return HL_EINVAL;
  }
  return 0;
}

int hl_oom_main(int argc, char **argv) {
  oom_t m = {0};
  char **args = calloc(2 * (size_t)argc + 1, sizeof *args); /* --runs=N: two */
  if (!args) return HL_EXIT_USAGE;
  int nargs = own_options(&m, argc, argv, args);
  hl_runner_spec_t spec = {
      .defaults = oom_defaults, .usage = usage, .check = check_limit, .ctx = &m};
  int rc = nargs < 0 ? HL_EINVAL : hl_runner_open(&spec, nargs, args, &m.r);
  if (rc) {
    free(args);
    return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  }
  const hl_run_options_t *o = hl_runner_options(m.r);
  m.runs = o->reps;
  json_t *searches = json_array();
  if (m.find_min) {
    for (size_t i = 0; i < hl_runner_ncells(m.r) && !hl_runner_interrupted(); i++)
      json_array_append_new(searches, find_min_limit(&m, i));
    hl_runner_progress(m.r, "%s", "");
  } else {
    run_all(&m, o->limit_bytes);
  }
  hl_runner_mark_interrupted(m.r);
  json_t *doc = hl_runner_doc(m.r, 0);
  json_t *summary = hl_oom_summary(doc, o, searches);
  json_decref(doc);
  hl_runner_set_extra(m.r, "oom", json_incref(summary));
  rc = hl_runner_save(m.r, 1);
  print_table(summary);
  fflush(stdout);
  if (o->output && rc == 0) hl_msg("oom", "results written to %s", o->output);
  if (m.report_dir && rc == 0) {
    char why[512] = "";
    doc = hl_runner_doc(m.r, 0);
    rc = doc ? hl_oom_report_write(doc, m.report_dir, why, sizeof why) : HL_ENOMEM;
    json_decref(doc);
    if (rc)
      hl_msg("oom", "cannot write the report in %s: %s", m.report_dir, why);
    else
      hl_msg("oom", "report written to %s/oom-report.md", m.report_dir);
  }
  int exit_code = rc                        ? HL_EXIT_USAGE
                  : hl_runner_interrupted() ? hl_interrupt_exit_code()
                                            : HL_EXIT_OK;
  json_decref(summary);
  json_decref(searches);
  hl_runner_close(m.r);
  free(args);
  return exit_code;
}
