/* `heaplab gate` (gate.h): options, running binaries, and the exit status.
 *
 * A side given as a binary is measured by that binary's own `run` command
 * (`BIN run --reps 1 ... -o FILE`, one call per round), so two builds
 * compare even when their worker protocols differ; each of its cells'
 * repetitions is already its own worker process. Rounds alternate the
 * order, A B then B A, so neither side always runs first after the other.
 * The rows of all rounds of a side are merged into one results document
 * (repetition_index = round) and handed to the decision. */
#include "gate.h"

#include "child.h"
#include "error.h"
#include "interrupt.h"
#include "opts.h"
#include "request.h"
#include "results.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#define MAX_RUN_ARGS 96

typedef struct gate_opts {
  const char *base, *new_, *json_out, *md_out, *save_runs, *save_baseline;
  const char *base_x, *new_x; /* a program per side (--base-x, --new-x) */
  char program_name[64];      /* their cells' common name, when --name is not given */
  unsigned rounds;
  char *run_args[MAX_RUN_ARGS]; /* every run option given, forwarded to `BIN run` */
  size_t nrun_args;
  char run_arg_text[MAX_RUN_ARGS][96]; /* "--name" of each forwarded option */
  hl_gate_opts_t decide;
} gate_opts_t;

typedef struct gate_side {
  hl_gate_source_t src;
  const char *role; /* "base" or "new" */
  char exe[PATH_MAX];
  json_t *doc;        /* results: loaded, or merged from the rounds */
  hl_results_t view; /* of doc, once every round has run */
} gate_side_t;

static void usage_head(FILE *out) {
  fprintf(
      out,
      "Usage: heaplab gate --base BIN|FILE.json --new BIN|FILE.json [-w LIST] [-b LIST]\n"
      "                    [-p KEY=V]... [--quick] [--rounds K] [--json FILE] [--markdown FILE]\n"
      "                    [--allow-missing]\n"
      "       heaplab gate --new BIN -w LIST -b LIST ... --save-baseline FILE.json\n\n"
      "Decides whether NEW regressed against BASE. A side given as a heaplab binary is\n"
      "measured here: K rounds of `BIN run --reps 1` with the run options below, the two\n"
      "sides interleaved (A B, B A, A B, ...), every repetition of every cell in its own\n"
      "process. A side given as a results file (heaplab run -o, or a committed baseline)\n"
      "is read as it is.\n\n"
      "Every benchmark (cell) of the base must be on the new side (else MISSING, a failure;\n"
      "--allow-missing to gate a subset); a gate that compared nothing fails. Per benchmark\n"
      "present on both sides:\n"
      "  - allocs, alloc_bytes, frees, free_bytes, stack_allocs, stack_alloc_bytes and\n"
      "    num_gc must be equal (or within --tolerance) in every repetition. A metric that\n"
      "    differs between the base's repetitions is reported, not gated. One present on\n"
      "    one side only makes the benchmark 'not comparable'.\n"
      "  - CPU time: a two-sided Mann-Whitney U test, p-values Holm-adjusted over all\n"
      "    benchmarks; a regression needs p_holm < alpha AND a median slowdown above the\n"
      "    threshold. The threshold is max(--min-threshold, 2 x the standard error of the\n"
      "    change of medians estimated from each side's own repetitions (1.4826 x MAD /\n"
      "    median)): a noisy run needs a larger slowdown. --threshold fixes it instead.\n"
      "    Timings need 4 or more repetitions a side (rounds); 10 or more recommended.\n"
      "  - peak memory: the median rss_peak_bytes (and heap_peak_bytes of a collector) may\n"
      "    grow by no more than max(256 KiB, 2%%, 2 x its standard error from each side's\n"
      "    own spread); --mem-threshold fixes the tolerance instead.\n"
      "  - a repetition that ended otherwise than ok on the new side only is a regression.\n\n");
}

static void usage_tail(FILE *out) {
  fprintf(out,
          "\nThe run options are given to each binary's `run` as they were given here\n"
          "(counters are off and each round is one repetition: the gate times, it does not\n"
          "count; --reps, --counters and -o are the gate's own: use --rounds and --save-runs).\n\n"
          "Prints a table and a one-line verdict. Exit status: 0 no regression, 1 a regression,\n"
          "a changed deterministic metric, a missing benchmark or nothing compared, 2 bad input\n"
          "or a side that could not run, 130/143 interrupted by SIGINT/SIGTERM.\n");
}

/* ---- options ------------------------------------------------------------- */

#define MAX_ROUNDS 1000

static int parse_pct(const char *source, const char *v, double max, double *out) {
  char *end, why[80];
  double x = strtod(v, &end);
  if (*end || end == v || !(x >= 0) || x > max) {
    snprintf(why, sizeof why, "expected a percentage from 0 to %g", max);
    return hl_opts_bad(source, v, why);
  }
  *out = x / 100;
  return 0;
}

enum {
  O_BASE,
  O_NEW,
  O_ROUNDS,
  O_ALPHA,
  O_THRESHOLD,
  O_MIN_THRESHOLD,
  O_TOLERANCE,
  O_MEM_THRESHOLD,
  O_ALLOW_MISSING,
  O_JSON,
  O_MARKDOWN,
  O_SAVE_RUNS,
  O_SAVE_BASELINE,
  O_BASE_X,
  O_NEW_X,
};

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  gate_opts_t *o = ctx;
  char *end;
  switch (opt->id) {
  case O_BASE: o->base = v; return 0;
  case O_NEW: o->new_ = v; return 0;
  case O_JSON: o->json_out = v; return 0;
  case O_MARKDOWN: o->md_out = v; return 0;
  case O_SAVE_RUNS: o->save_runs = v; return 0;
  case O_SAVE_BASELINE: o->save_baseline = v; return 0;
  case O_BASE_X: o->base_x = v; return 0;
  case O_NEW_X: o->new_x = v; return 0;
  case O_ALLOW_MISSING: o->decide.allow_missing = 1; return 0;
  case O_ROUNDS: {
    unsigned long k = strtoul(v, &end, 10);
    if (*end || end == v || k < 1 || k > MAX_ROUNDS)
      return hl_opts_bad(source, v, "expected an integer from 1 to 1000");
    o->rounds = (unsigned)k;
    return 0;
  }
  case O_ALPHA:
    o->decide.alpha = strtod(v, &end);
    if (*end || end == v || !(o->decide.alpha > 0 && o->decide.alpha < 1))
      return hl_opts_bad(source, v, "expected a number between 0 and 1");
    return 0;
  case O_THRESHOLD: return parse_pct(source, v, 1000, &o->decide.threshold);
  case O_MIN_THRESHOLD: return parse_pct(source, v, 1000, &o->decide.min_threshold);
  case O_TOLERANCE: return parse_pct(source, v, 100, &o->decide.tolerance);
  default: return parse_pct(source, v, 1000, &o->decide.mem_threshold);
  }
}

static const hl_opt_t gate_opts[] = {
    {"base", 0, "BIN|FILE", "the reference side", NULL, 0, apply, O_BASE},
    {"new", 0, "BIN|FILE", "the side under test", NULL, 0, apply, O_NEW},
    {"rounds", 0, "K", "rounds per binary side (default 10)", NULL, 0, apply, O_ROUNDS},
    {"alpha", 0, "A", "family-wise significance level after Holm (default 0.05)", NULL, 0, apply,
     O_ALPHA},
    {"threshold", 0, "PCT", "fixed slowdown threshold in percent (default: from the noise)", NULL,
     0, apply, O_THRESHOLD},
    {"min-threshold", 0, "PCT", "floor of the noise-derived threshold (default 2)", NULL, 0, apply,
     O_MIN_THRESHOLD},
    {"tolerance", 0, "PCT", "tolerance of the deterministic metrics (default 0: exact)", NULL, 0,
     apply, O_TOLERANCE},
    {"mem-threshold", 0, "PCT",
     "fixed tolerance of peak memory growth in percent (default: from the noise)", NULL, 0, apply,
     O_MEM_THRESHOLD},
    {"allow-missing", 0, NULL, "benchmarks of the base absent from the new side do not fail", NULL,
     0, apply, O_ALLOW_MISSING},
    {"json", 0, "FILE", "write the decision as JSON (with CI annotations)", NULL, 0, apply, O_JSON},
    {"markdown", 0, "FILE", "write the decision as Markdown (a pull-request comment)", NULL, 0,
     apply, O_MARKDOWN},
    {"save-runs", 0, "DIR", "keep the merged results of each side as DIR/base.json, DIR/new.json",
     NULL, 0, apply, O_SAVE_RUNS},
    {"base-x", 0, "'CMD ARGS'",
     "the base side's program (as -x), beside --new-x: your program's two builds, measured by "
     "the same heaplab under the same cells",
     NULL, 0, apply, O_BASE_X},
    {"new-x", 0, "'CMD ARGS'", "the new side's program (with --base-x)", NULL, 0, apply, O_NEW_X},
    {"save-baseline", 0, "FILE",
     "with --new BIN and no --base: run one round and write its deterministic metrics to FILE as "
     "a baseline",
     NULL, 0, apply, O_SAVE_BASELINE},
};

/* The run options the user gave, as they gave them, for each binary's
 * `run`. The gate sets the repetitions, counters and output itself. */
static int forward_run_options(gate_opts_t *o, const hl_opt_group_t *run) {
  for (size_t i = 0; i < run->ngiven; i++) {
    const hl_opt_t *opt = run->given[i].opt;
    if (!strcmp(opt->name, "reps") || !strcmp(opt->name, "counters") ||
        !strcmp(opt->name, "output")) {
      hl_msg("gate",
             "--%s is the gate's own: each round is one repetition without counters (use "
             "--rounds K, --save-runs DIR)",
             opt->name);
      return HL_EINVAL;
    }
    if (o->nrun_args + 2 > MAX_RUN_ARGS) {
      hl_msg("gate", "too many run options");
      return HL_EINVAL;
    }
    snprintf(o->run_arg_text[o->nrun_args], sizeof o->run_arg_text[0], "--%s", opt->name);
    o->run_args[o->nrun_args] = o->run_arg_text[o->nrun_args];
    o->nrun_args++;
    if (run->given[i].value) o->run_args[o->nrun_args++] = (char *)run->given[i].value;
  }
  return 0;
}

/* --base-x and --new-x go together, without -x, and their cells share a
 * name (--name, else the new program's file name) so the gate pairs them. */
static int check_programs(gate_opts_t *o, const hl_run_request_t *rq) {
  if (!o->base_x && !o->new_x) return 0;
  if (!o->base_x || !o->new_x || rq->ncommands) {
    hl_msg("gate", "--base-x and --new-x go together, and replace -x");
    return HL_EINVAL;
  }
  if (rq->nnames) return 0;
  size_t n = strcspn(o->new_x, " \t");
  const char *w = o->new_x, *slash = memrchr(w, '/', n);
  if (slash) n -= (size_t)(slash + 1 - w), w = slash + 1;
  snprintf(o->program_name, sizeof o->program_name, "%.*s", (int)(n < 63 ? n : 63), w);
  return 0;
}

static int check_sides(const gate_opts_t *o) {
  if (!o->new_) {
    hl_msg("gate", "--new BIN|FILE.json is required (see heaplab gate --help)");
    return HL_EINVAL;
  }
  if (!o->base && !o->save_baseline) {
    hl_msg("gate", "--base BIN|FILE.json is required (or --save-baseline FILE; see --help)");
    return HL_EINVAL;
  }
  if (o->base && o->save_baseline) {
    hl_msg("gate", "--save-baseline writes a baseline from --new alone; leave out --base");
    return HL_EINVAL;
  }
  return 0;
}

/* The gate's options and run's (values checked here as run checks them, so
 * a mistake is reported before any binary runs). */
static int parse_args(int argc, char **argv, gate_opts_t *o, hl_run_request_t *rq) {
  hl_gate_opts_default(&o->decide);
  o->rounds = 10;
  hl_opt_group_t groups[2] = {
      {"Gate options", gate_opts, sizeof gate_opts / sizeof gate_opts[0], o, {{0}}, 0},
      hl_run_request_group(rq)};
  hl_opts_operands_t operands;
  int rc = hl_opts_parse("gate", groups, 2, argc, argv, 0, &operands);
  if (rc == 1) {
    FILE *page = hl_opts_page_open(stdout);
    usage_head(page);
    hl_opts_help(page, groups, 2);
    usage_tail(page);
    hl_opts_page_close(page, stdout);
  }
  if (rc) return rc;
  free(operands.v);
  if ((rc = hl_run_request_finish(rq)) != 0) return rc;
  if ((rc = forward_run_options(o, &groups[1])) != 0 || (rc = check_programs(o, rq)) != 0)
    return rc;
  return check_sides(o);
}

/* ---- sides ----------------------------------------------------------------- */

/* A results file starts with '{'; anything else must be an executable. */
static int classify(gate_side_t *s, const char *path, const char *role) {
  s->src.path = path;
  s->role = role;
  FILE *f = fopen(path, "rb");
  if (!f) {
    hl_msg("gate", "--%s %s: cannot open: %s", role, path, strerror(errno));
    return HL_EINVAL;
  }
  int ch;
  while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
  }
  fclose(f);
  if (ch == '{') {
    char why[1024];
    if (hl_results_load(path, &s->doc, why, sizeof why) != 0) {
      hl_msg("gate", "--%s: %s", role, why);
      return HL_EINVAL;
    }
    s->src.revision =
        json_string_value(json_object_get(json_object_get(s->doc, "context"), "heaplab_revision"));
    return 0;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0 ||
      !realpath(path, s->exe)) {
    hl_msg("gate", "--%s %s: neither a results file (JSON) nor an executable heaplab", role, path);
    return HL_EINVAL;
  }
  s->src.is_binary = 1;
  return 0;
}

/* Appends the iteration rows of one round to the side's merged document. */
static int merge_round(gate_side_t *s, json_t *round_doc, unsigned round, unsigned rounds) {
  if (!s->doc) {
    s->doc =
        json_pack("{s:O, s:[]}", "context", json_object_get(round_doc, "context"), "benchmarks");
    if (!s->doc) return HL_ENOMEM;
    s->src.revision =
        json_string_value(json_object_get(json_object_get(s->doc, "context"), "heaplab_revision"));
  }
  json_t *out = json_object_get(s->doc, "benchmarks");
  hl_results_t v;
  if (hl_results_view(round_doc, &v) != 0) return HL_ENOMEM;
  for (size_t i = 0; i < v.n; i++) {
    if (v.row[i].run_type != HL_RUN_ITERATION) continue;
    json_t *e = (json_t *)v.row[i].json; /* round_doc is ours to change */
    json_object_set_new(e, "repetition_index", json_integer(round));
    json_object_set_new(e, "repetitions", json_integer(rounds));
    json_array_append(out, e);
  }
  hl_results_view_free(&v);
  return 0;
}

static int run_round(const gate_opts_t *o, gate_side_t *s, const char *dir, unsigned round) {
  char out[PATH_MAX + 64];
  snprintf(out, sizeof out, "%s/%s-%u.json", dir, s->role, round);
  char *argv[MAX_RUN_ARGS + 20];
  size_t n = 0;
  argv[n++] = s->exe;
  argv[n++] = (char *)"run";
  for (size_t i = 0; i < o->nrun_args; i++)
    argv[n++] = o->run_args[i];
  const char *x = !strcmp(s->role, "base") ? o->base_x : o->new_x;
  if (x) {
    argv[n++] = (char *)"-x";
    argv[n++] = (char *)x;
  }
  if (x && o->program_name[0]) {
    argv[n++] = (char *)"--name";
    argv[n++] = (char *)o->program_name;
  }
  argv[n++] = (char *)"--reps=1";
  argv[n++] = (char *)"--counters=none";
  argv[n++] = (char *)"-o";
  argv[n++] = out;
  argv[n] = NULL;
  hl_spawn_config_t cfg = {.argv = argv, .timeout_s = 0, .interrupted = &hl_interrupted};
  hl_child_result_t res;
  if (hl_child_run(&cfg, &res) != 0) {
    hl_msg("gate", "cannot start %s", s->exe);
    return HL_ECHILD;
  }
  int status = res.exit_status;
  if (status != 0 && status != 1) {
    char *tail = res.stderr_tail;
    size_t len = strlen(tail);
    while (len && tail[len - 1] == '\n')
      tail[--len] = '\0';
    char *last = strrchr(tail, '\n');
    hl_msg("gate", "%s run failed (%s): %s", s->src.path,
           res.signal ? "killed by a signal" : "exit status != 0/1", last ? last + 1 : tail);
    hl_child_result_free(&res);
    return hl_interrupted ? HL_EINVAL : HL_ECHILD;
  }
  hl_child_result_free(&res);
  json_t *doc;
  char why[1024];
  if (hl_results_load(out, &doc, why, sizeof why) != 0) {
    hl_msg("gate", "%s run wrote no results: %s", s->src.path, why);
    return HL_ECHILD;
  }
  int rc = merge_round(s, doc, round, o->rounds);
  json_decref(doc);
  remove(out);
  return rc;
}

static int run_sides(const gate_opts_t *o, gate_side_t *base, gate_side_t *new_) {
  char dir[] = "/tmp/heaplab-gate.XXXXXX";
  if (!mkdtemp(dir)) {
    hl_msg("gate", "cannot create a temporary directory: %s", strerror(errno));
    return HL_EIO;
  }
  int tty = isatty(STDERR_FILENO), rc = 0;
  for (unsigned k = 0; k < o->rounds && rc == 0 && !hl_interrupted; k++) {
    gate_side_t *order[2] = {k % 2 ? new_ : base, k % 2 ? base : new_};
    for (int j = 0; j < 2 && rc == 0; j++) {
      if (!order[j] || !order[j]->src.is_binary) continue;
      if (tty) fprintf(stderr, "\r\033[Kround %u/%u: %s", k + 1, o->rounds, order[j]->role);
      rc = run_round(o, order[j], dir, k);
    }
  }
  if (tty) fprintf(stderr, "\r\033[K");
  rmdir(dir);
  if (hl_interrupted) {
    hl_msg("gate", "interrupted");
    return HL_EINVAL;
  }
  return rc;
}

static int save_side(const gate_side_t *s, const char *dir, const char *file) {
  if (!s || !s->doc) return 0;
  char path[PATH_MAX], why[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int rc = hl_results_save(s->doc, path, why, sizeof why);
  if (rc) hl_msg("gate", "cannot write %s", why);
  return rc;
}

static int save_baseline(const gate_opts_t *o, const gate_side_t *s) {
  hl_results_t v;
  json_t *doc = hl_results_view(s->doc, &v) == 0 ? hl_gate_baseline_doc(&v) : NULL;
  hl_results_view_free(&v);
  char why[1024] = "out of memory";
  int rc = doc ? hl_results_save(doc, o->save_baseline, why, sizeof why) : HL_ENOMEM;
  json_decref(doc);
  if (rc) {
    hl_msg("gate", "cannot write the baseline: %s", why);
    return HL_EXIT_USAGE;
  }
  fprintf(stderr, "heaplab: gate: baseline written to %s\n", o->save_baseline);
  return HL_EXIT_OK;
}

static int decide_and_report(const gate_opts_t *o, gate_side_t *base, gate_side_t *new_) {
  hl_gate_set_t set;
  char why[1024] = "out of memory";
  if (hl_results_view(base->doc, &base->view) || hl_results_view(new_->doc, &new_->view) ||
      hl_gate_set_load(&base->view, &new_->view, &set, why, sizeof why) != 0) {
    hl_msg("gate", "%s", why);
    return HL_EXIT_USAGE;
  }
  hl_gate_tally_t tally;
  int rc = hl_gate_decide(set.bench, set.n, &o->decide, &tally);
  hl_gate_report_t r = {.set = &set,
                        .opts = &o->decide,
                        .tally = &tally,
                        .base = base->src,
                        .new_ = new_->src,
                        .rounds = base->src.is_binary || new_->src.is_binary ? o->rounds : 0};
  if (rc == 0) rc = hl_gate_print_table(&r, stdout, 0);
  if (rc == 0 && o->json_out && (rc = hl_gate_write_json(&r, o->json_out, why, sizeof why)) != 0)
    hl_msg("gate", "cannot write %s: %s", o->json_out, why);
  if (rc == 0 && o->md_out && (rc = hl_gate_write_markdown(&r, o->md_out, why, sizeof why)) != 0)
    hl_msg("gate", "cannot write %s: %s", o->md_out, why);
  if (rc == 0) {
    char line[512];
    hl_gate_verdict_line(&tally, &o->decide, line, sizeof line);
    printf("\n%s\n", line);
    hl_gate_print_notes(&set, &tally, &o->decide, stdout);
  }
  hl_gate_set_free(&set);
  if (rc) {
    if (rc == HL_EINVAL) hl_msg("gate", "malformed timing values in the results");
    return HL_EXIT_USAGE;
  }
  return hl_gate_exit_status(&tally) ? HL_EXIT_FOUND : HL_EXIT_OK;
}

int hl_gate_main(int argc, char **argv) {
  gate_opts_t o;
  hl_run_request_t rq; /* only to check the run options; the binaries parse their own */
  memset(&o, 0, sizeof o);
  hl_run_request_init(&rq);
  int rc = parse_args(argc, argv, &o, &rq);
  hl_run_request_free(&rq);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  gate_side_t base = {0}, new_ = {0};
  int exit_code = HL_EXIT_USAGE;
  if ((o.base && classify(&base, o.base, "base")) || classify(&new_, o.new_, "new")) goto done;
  if (o.save_baseline && !new_.src.is_binary) {
    hl_msg("gate", "--save-baseline needs --new BIN (a heaplab binary to run)");
    goto done;
  }
  if ((base.src.is_binary || new_.src.is_binary) && o.nrun_args == 0) {
    hl_msg("gate", "a binary side needs the cells to run: give -w and -b (see --help)");
    goto done;
  }
  hl_interrupt_install();
  if (o.save_baseline) o.rounds = 1;
  if (run_sides(&o, o.base ? &base : NULL, &new_) != 0) goto done;
  if (o.save_runs &&
      (save_side(&base, o.save_runs, "base.json") || save_side(&new_, o.save_runs, "new.json")))
    goto done;
  exit_code = o.save_baseline ? save_baseline(&o, &new_) : decide_and_report(&o, &base, &new_);
done:
  if (hl_interrupted) exit_code = hl_interrupt_exit_code();
  hl_results_view_free(&base.view);
  hl_results_view_free(&new_.view);
  json_decref(base.doc);
  json_decref(new_.doc);
  return exit_code;
}
