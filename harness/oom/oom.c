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

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define SEARCH_PRECISION 0.02  /* (hi - lo) / hi at which the search stops */
#define SEARCH_BELOW 0.95      /* the check below the found limit */
#define SEARCH_MAX_WIDEN 6     /* times hi may grow or lo shrink */
#define LIMIT_ALIGN_BYTES 4096 /* limits are whole pages */

typedef struct oom {
  hl_runner_t *r;
  hl_run_request_t *rq; /* while parsing: --runs sets its repetitions */
  int find_min;
  const char *report_dir; /* --report DIR: also write the OOM report there */
  unsigned runs;
} oom_t;

#define OOM_DEFAULT_RUNS 5
#define OOM_DEFAULT_SAMPLE_MS 5
#define OOM_DEFAULT_THRASH_WINDOW_S 2
#define OOM_DEFAULT_TIMEOUT_S 120

/* oom's defaults; and --runs, an option of oom's own, sets the request's
 * repetitions: it keeps the request. */
static void oom_defaults(hl_run_request_t *rq, void *ctx) {
  ((oom_t *)ctx)->rq = rq;
  rq->reps = OOM_DEFAULT_RUNS;
  rq->sample_ms = OOM_DEFAULT_SAMPLE_MS;
  rq->thrash_window_s = OOM_DEFAULT_THRASH_WINDOW_S;
  rq->timeout_s = OOM_DEFAULT_TIMEOUT_S;
}

static void usage(FILE *out, const hl_opt_group_t *groups, size_t ngroups) {
  fprintf(out, "Usage: heaplab oom [-w LIST] [-b LIST] [-p KEY=V[,V..]]... --limit SIZE [OPTIONS]\n"
               "       heaplab oom ... --find-min-limit\n\n"
               "Runs every cell --runs times, each run a fresh worker under the memory\n"
               "limit, and reports per cell how often it survived (with a 95%% Wilson interval),\n"
               "how it died (oom-alloc: an allocation failed; oom-kill: the limit killed it;\n"
               "gc-thrash: the collector took over half the CPU for --thrash-window seconds,\n"
               "or a Go program's heap goal stayed at its live heap under GOMEMLIMIT),\n"
               "how fast, and its peak RSS. Every row keeps its timeline (RSS, heap, GC cycles)\n"
               "up to the end, also when the worker was killed. --gogc, --memlimit and --escape\n"
               "take several values, to see which setting moves a cell from death to survival.\n"
               "Exit status: 0 the experiment ran (deaths are its results), 2 bad input,\n"
               "130/143 interrupted by SIGINT/SIGTERM (the results so far are written).\n\n");
  hl_opts_help(out, groups, ngroups);
  fprintf(out, "\nThe defaults shown are oom's: a run's --reps, --sample-ms, --thrash-window and\n"
               "--timeout differ. The watchdog (--limit-mode) kills the worker when its RSS\n"
               "reaches the limit, as a container's OOM killer does.\n");
}

/* ---- one line per cell ------------------------------------------------------ */

/* How the runs of a cell (at one limit) ended. */
typedef struct tally {
  unsigned count[HL_OUTCOME_COUNT];
  unsigned runs;
} tally_t;

static void tally_add(tally_t *t, hl_outcome_t o) {
  if ((unsigned)o < HL_OUTCOME_COUNT) t->count[o]++;
  t->runs++;
}

/* "5/5 survived" or "1/5 survived (oom-kill 3, gc-thrash 1)". */
static void tally_text(const tally_t *t, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "%u/%u survived", t->count[HL_OUTCOME_OK], t->runs);
  const char *sep = " (";
  for (int o = HL_OUTCOME_OK + 1; o < HL_OUTCOME_COUNT && off < len; o++) {
    if (!t->count[o]) continue;
    off += (size_t)snprintf(buf + off, len - off, "%s%s %u", sep, hl_outcome_name(o), t->count[o]);
    sep = ", ";
  }
  if (strcmp(sep, " (") && off < len) snprintf(buf + off, len - off, ")");
}

/* Limits in the console: MiB (KiB below one), as the table shows them. */
static void limit_text(uint64_t bytes, char *buf, size_t len) {
  if (bytes >= (UINT64_C(1) << 20))
    snprintf(buf, len, "%.1f MiB", (double)bytes / (1 << 20));
  else
    snprintf(buf, len, "%.1f KiB", (double)bytes / (1 << 10));
}

/* ---- the plain runs -------------------------------------------------------- */

/* Every cell's runs, interleaved; one line per cell once its last run ended
 * (its deaths are the experiment's results: no line per death). */
static void run_all(oom_t *m, uint64_t limit_bytes) {
  size_t n = hl_runner_ncells(m->r);
  tally_t *tallies = calloc(n ? n : 1, sizeof *tallies);
  char limit[32], text[160];
  limit_text(limit_bytes, limit, sizeof limit);
  for (unsigned rep = 0; rep < m->runs && !hl_interrupted; rep++) {
    for (size_t i = 0; i < n && !hl_interrupted; i++) {
      hl_runner_note(m->r, "run %u/%u at %s", rep + 1, m->runs, limit);
      hl_outcome_t o = hl_runner_run_one(m->r, i, rep, limit_bytes);
      hl_runner_save(m->r);
      if (!tallies) continue;
      tally_add(&tallies[i], o);
      if (rep + 1 < m->runs) continue;
      tally_text(&tallies[i], text, sizeof text);
      hl_msg("oom", "%s at %s: %s", hl_runner_cell_name(m->r, i), limit, text);
    }
  }
  free(tallies);
  hl_runner_progress_end(m->r);
}

/* ---- the search ------------------------------------------------------------ */

typedef struct probe_ctx {
  oom_t *m;
  size_t cell;
  unsigned rep; /* runs so far, for their repetition index */
  json_t *steps;
  tally_t below; /* the check below the answer */
} probe_ctx_t;

static uint64_t align_limit(uint64_t bytes) {
  return (bytes + LIMIT_ALIGN_BYTES - 1) / LIMIT_ALIGN_BYTES * LIMIT_ALIGN_BYTES;
}

/* Runs at limit until one dies (stop_at_death) or all runs are done;
 * returns how many survived and records the step. */
static unsigned probe(probe_ctx_t *p, uint64_t limit, int stop_at_death, const char *why) {
  unsigned survived = 0, runs = 0;
  char size[32];
  limit_text(limit, size, sizeof size);
  for (unsigned k = 0; k < p->m->runs && !hl_interrupted; k++) {
    /* "run 3/5 at this limit", and the cell's count so far (its rows'
     * repetition index), so the two never disagree */
    hl_runner_note(p->m->r, "%s at %s, run %u/%u there (run %u of the cell)", why, size, k + 1,
                   p->m->runs, p->rep + 1);
    hl_outcome_t out = hl_runner_run_one(p->m->r, p->cell, p->rep++, limit);
    if (!stop_at_death) tally_add(&p->below, out);
    runs++;
    if (out == HL_OUTCOME_OK)
      survived++;
    else if (stop_at_death)
      break;
  }
  json_array_append_new(p->steps,
                        json_pack("{s:I, s:i, s:i, s:s}", "limit_bytes", (json_int_t)limit, "runs",
                                  (int)runs, "survived", (int)survived, "step", why));
  hl_runner_save(p->m->r);
  return runs && survived == runs ? 1 : 0;
}

/* The peak RSS of the run just made (the worker's VmHWM, else the
 * parent's samples). */
static uint64_t last_peak(const oom_t *m, size_t cell) {
  json_t *rows = hl_runner_cell_rows(m->r, cell);
  json_t *row = json_array_get(rows, json_array_size(rows) - 1);
  return (uint64_t)json_integer_value(json_object_get(row, "rss_peak_bytes"));
}

/* The search's one line for the cell. */
static void search_line(oom_t *m, size_t cell, uint64_t peak, uint64_t found, uint64_t below,
                        const probe_ctx_t *p) {
  char f[32], pk[32], b[32], text[160];
  limit_text(found, f, sizeof f);
  limit_text(peak, pk, sizeof pk);
  limit_text(below, b, sizeof b);
  tally_text(&p->below, text, sizeof text);
  hl_msg("oom",
         "%s: smallest limit where %u/%u survive: %s (peak %s without a limit); at %s: %s; "
         "%u runs",
         hl_runner_cell_name(m->r, cell), m->runs, m->runs, f, pk, b, text, p->rep);
}

static json_t *find_min_limit(oom_t *m, size_t cell) {
  probe_ctx_t p = {.m = m, .cell = cell, .steps = json_array()};
  json_t *rec = json_pack("{s:s}", "name", hl_runner_cell_name(m->r, cell));
  /* 1. unlimited, watched: the watchdog never fires at 2^62 */
  uint64_t watch_only = UINT64_C(1) << 62;
  hl_runner_note(m->r, "unlimited, to find the peak (run 1 of the cell)");
  hl_outcome_t first = hl_runner_run_one(m->r, cell, p.rep++, watch_only);
  uint64_t peak = last_peak(m, cell);
  if (first != HL_OUTCOME_OK || !peak) {
    json_object_set_new(rec, "error", json_string("the cell does not survive without a limit"));
    json_object_set_new(rec, "search", p.steps);
    hl_msg("oom", "%s: no search: it does not survive without a limit (%s)",
           hl_runner_cell_name(m->r, cell), hl_outcome_name(first));
    return rec;
  }
  json_object_set_new(rec, "unlimited_rss_peak_bytes", json_integer((json_int_t)peak));
  /* 2. bracket */
  uint64_t hi = align_limit(peak + peak / 50), lo = align_limit(peak / 2);
  int widen = 0;
  while (!probe(&p, hi, 1, "bracket-high") && widen++ < SEARCH_MAX_WIDEN && !hl_interrupted)
    hi = align_limit(hi + hi / 10);
  widen = 0;
  while (probe(&p, lo, 1, "bracket-low") && widen++ < SEARCH_MAX_WIDEN && !hl_interrupted) {
    hi = lo;
    lo = align_limit(lo / 2);
  }
  /* 3. bisect */
  while (hi - lo > (uint64_t)((double)hi * SEARCH_PRECISION) && !hl_interrupted) {
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
  search_line(m, cell, peak, hi, below, &p);
  json_object_set_new(rec, "min_limit_bytes", json_integer((json_int_t)hi));
  json_object_set_new(rec, "below_limit_bytes", json_integer((json_int_t)below));
  json_object_set_new(rec, "search", steps);
  return rec;
}

/* ---- the command ------------------------------------------------------------- */

enum { O_RUNS, O_FIND_MIN_LIMIT, O_REPORT };

static int own_option(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  oom_t *m = ctx;
  switch (opt->id) {
  case O_RUNS: return hl_run_request_set_reps(m->rq, v, source);
  case O_FIND_MIN_LIMIT: m->find_min = 1; return 0;
  default: m->report_dir = v; return 0;
  }
}

/* --runs shows the request's repetitions (oom_defaults set them). */
static int oom_default(const void *ctx, const hl_opt_t *opt, char *buf, size_t len) {
  const oom_t *m = ctx;
  if (opt->id != O_RUNS || !m->rq) return 0;
  snprintf(buf, len, "%u", m->rq->reps);
  return 1;
}

static const hl_opt_t oom_opts[] = {
    {"runs", 0, "N", "runs per cell (the same as --reps)", NULL, 0, own_option, O_RUNS},
    {"find-min-limit", 0, NULL,
     "search each cell for the smallest limit at which every run survives, within 2%", NULL, 0,
     own_option, O_FIND_MIN_LIMIT},
    {"report", 0, "DIR",
     "also write the OOM report there (heaplab oom-report: Markdown, timeline plots)", NULL, 0,
     own_option, O_REPORT},
};

/* One limit or the search for one: neither, or both, is an error. */
static int check_limit(const hl_run_request_t *rq, void *ctx) {
  const oom_t *m = ctx;
  if (!rq->hard_limit_bytes == !m->find_min) {
    char limit[32];
    hl_size_format_exact(rq->hard_limit_bytes, limit, sizeof limit);
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

/* The experiment: every cell's runs under the limit, or each cell's search. */
static json_t *experiment(oom_t *m) {
  json_t *searches = json_array();
  if (m->find_min) {
    hl_runner_progress_search(m->r);
    for (size_t i = 0; i < hl_runner_ncells(m->r) && !hl_interrupted; i++) {
      json_array_append_new(searches, find_min_limit(m, i));
      hl_runner_cell_done(m->r, i);
    }
    hl_runner_progress_end(m->r);
  } else {
    run_all(m, hl_runner_request(m->r)->hard_limit_bytes);
  }
  return searches;
}

static int write_report(const oom_t *m, const json_t *doc) {
  char why[512] = "";
  int rc = doc ? hl_oom_report_write(doc, m->report_dir, why, sizeof why) : HL_ENOMEM;
  if (rc)
    hl_msg("oom", "cannot write the report in %s: %s", m->report_dir, why);
  else
    hl_msg("oom", "report written to %s/oom-report.md", m->report_dir);
  return rc;
}

int hl_oom_main(int argc, char **argv) {
  oom_t m = {0};
  hl_opts_set_defaults(oom_opts, oom_default);
  hl_opt_group_t own = {
      "heaplab oom options", oom_opts, sizeof oom_opts / sizeof oom_opts[0], &m, {{0}}, 0};
  hl_runner_spec_t spec = {.command = "oom",
                           .usage = usage,
                           .defaults = oom_defaults,
                           .own = &own,
                           .check = check_limit,
                           .ctx = &m,
                           .deaths_expected = 1};
  int rc = hl_runner_open(&spec, argc, argv, &m.r);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  const hl_run_request_t *rq = hl_runner_request(m.r);
  m.runs = rq->reps;
  json_t *searches = experiment(&m), *doc = hl_runner_doc(m.r, 0);
  hl_table_t *table = NULL;
  json_t *summary = doc ? hl_oom_summary(doc, rq, searches, &table) : NULL;
  json_decref(doc);
  hl_runner_set_extra(m.r, "oom", summary);
  rc = hl_runner_finish(m.r, &doc);
  if (table) hl_table_print(table, stdout, 0);
  fflush(stdout);
  if (rq->output && rc == 0) hl_msg("oom", "results written to %s", rq->output);
  if (m.report_dir && rc == 0) rc = write_report(&m, doc);
  int exit_code = rc ? HL_EXIT_USAGE : hl_interrupted ? hl_interrupt_exit_code() : HL_EXIT_OK;
  hl_table_free(table);
  json_decref(doc);
  json_decref(searches);
  hl_runner_close(m.r);
  return exit_code;
}
