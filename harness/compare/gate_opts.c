/* `heaplab gate`'s options and --help (gate_cmd.h). */
#include "gate_cmd.h"

#include "backend.h"
#include "error.h"
#include "opts.h"
#include "sequential.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void usage_head(FILE *out) {
  fprintf(
      out,
      "Usage: heaplab gate --base BIN|FILE.json --new BIN|FILE.json [-w LIST] [-b LIST]\n"
      "                    [-p KEY=V]... [--quick] [--rounds K] [--max-rounds K]\n"
      "                    [--budget SEC]\n"
      "                    [--measure time|instructions|cache] [--pmu] [--json FILE]\n"
      "                    [--markdown FILE] [--allow-missing]\n"
      "       heaplab gate --base-backend B --new-backend B -x 'CMD ARGS'|-w LIST ...\n"
      "       heaplab gate --new BIN -w LIST -b LIST ... --save-baseline FILE.json\n\n"
      "Decides whether NEW regressed against BASE. A side given as a heaplab binary is\n"
      "measured here: rounds of `BIN run --reps 1` with the run options below, every\n"
      "repetition of every cell in its own process. With two binaries a round runs cell\n"
      "by cell, each cell's base and new back to back (A B, B A, ...), so the pair's ratio\n"
      "cancels what the machine did to both; after a look, only cells still undecided\n"
      "run. A side given as a results file (heaplab run -o, or a committed baseline) is\n"
      "read as it is.\n\n"
      "--base-backend and --new-backend gate a switch of allocator or collector: the same\n"
      "cells (-x or -w, no -b) on each side, the base under one backend, the new under the\n"
      "other, both run by this heaplab (or --base BIN, --new BIN; a results file gives\n"
      "its rows of that backend). A benchmark is then the cell without its backend\n"
      "(sort/glibc and sort/span-malloc are benchmark sort); its counts must agree as in\n"
      "any gate (a collector's frees do not agree with a malloc's: METRIC CHANGED).\n\n"
      "Every benchmark (cell) of the base must be on the new side (else MISSING, a failure;\n"
      "--allow-missing to gate a subset); a gate that compared nothing fails. Per benchmark\n"
      "present on both sides:\n"
      "  - allocs, alloc_bytes, frees, free_bytes, stack_allocs, stack_alloc_bytes and\n"
      "    num_gc must be equal (or within --tolerance) in every repetition. A metric that\n"
      "    differs between the base's repetitions is reported, not gated. One present on\n"
      "    one side only makes the benchmark 'not comparable'.\n"
      "  - CPU time, two binaries: two tests of the per-round ratios new/base (each\n"
      "    round runs A and B back to back), each at alpha/2, either may find the\n"
      "    change: Wilcoxon's signed-rank test (the change: the median ratio), and a\n"
      "    sign-flip test of Tukey's biweight score (the change: its M-estimate), which\n"
      "    keeps its power when the machine's speed jumps between the two runs of some\n"
      "    rounds; results files: a Mann-Whitney U test of the two sides' repetitions\n"
      "    (--test chooses; every test's figures are in --json). p-values are\n"
      "    Holm-adjusted over all benchmarks; a regression needs p_holm < alpha AND a\n"
      "    slowdown above the threshold, max(--min-threshold, 2 x the standard error of\n"
      "    the change from the run's own spread); --threshold fixes it.\n"
      "  - Adaptive rounds: --rounds K is the minimum. A benchmark whose change could\n"
      "    still be a slowdown that counts (its upper bound, change + 2 standard errors,\n"
      "    reaches --min-threshold, or --threshold) gets more rounds, up to --max-rounds\n"
      "    (10 K), looked at --looks times (3) with alpha split over the looks in\n"
      "    proportion to their rounds (20/330, 110/330, 200/330 of it for 20..200),\n"
      "    within --budget SEC. The verdict line says how many rounds each benchmark\n"
      "    needed.\n"
      "  - --measure instructions: each worker under valgrind's callgrind, counting the\n"
      "    timed loop's instructions (not time): instructions_per_iter may grow by no\n"
      "    more than 1%% plus the base's own spread; no timing or peak is gated.\n"
      "    --measure cache: also the simulated L1 and last-level misses per iteration\n"
      "    (callgrind's cache simulation), each compared the same way.\n"
      "  - peak memory: the median rss_peak_bytes (and heap_peak_bytes of a collector) may\n"
      "    grow by no more than max(256 KiB, 2%%, 2 x its standard error from each side's\n"
      "    own spread); --mem-threshold fixes the tolerance instead.\n"
      "  - a repetition that ended otherwise than ok on the new side only is a regression.\n\n");
}

static void usage_tail(FILE *out) {
  fprintf(out,
          "\nThe run options are given to each binary's `run` as they were given here\n"
          "(counters are off and each round is one repetition: the gate times, it does not\n"
          "count, unless --pmu; --reps, --counters and -o are the gate's own: use --rounds,\n"
          "--pmu and --save-runs).\n\n"
          "Prints a table and a one-line verdict. Exit status: 0 no regression, 1 a regression,\n"
          "a changed deterministic metric, a missing benchmark or nothing compared, 2 bad input\n"
          "or a side that could not run, 130/143 interrupted by SIGINT/SIGTERM.\n");
}

/* ---- options ------------------------------------------------------------- */

#define MAX_ROUNDS 1000
/* --rounds by default: the paired tests count sign patterns, so 10 rounds
 * give p >= 2 / 2^10 at best, above the first look's share of alpha; 20
 * give 2 / 2^20, and a large change on a quiet machine is decided there. */
#define DEFAULT_ROUNDS 20
/* --max-rounds by default: 10 x --rounds. On the noisy day of the README's
 * gate section a 5% slowdown needed about 200 rounds (the two paired tests,
 * resampled), and a round then runs only the cells still undecided (about
 * 0.25 s for two cells here), so the most a noisy day costs is about a
 * minute per undecided cell. */
#define MAX_ROUNDS_PER_MIN 10

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
  O_MAX_ROUNDS,
  O_LOOKS,
  O_BUDGET,
  O_TEST,
  O_PMU,
  O_INSTR_TOLERANCE,
  O_BASE_BACKEND,
  O_NEW_BACKEND,
  O_INTERLEAVE,
};

static int parse_count(const char *source, const char *v, unsigned max, unsigned *out) {
  char *end, why[64];
  unsigned long k = strtoul(v, &end, 10);
  if (*end || end == v || k < 1 || k > max) {
    snprintf(why, sizeof why, "expected an integer from 1 to %u", max);
    return hl_opts_bad(source, v, why);
  }
  *out = (unsigned)k;
  return 0;
}

/* The options of the adaptive rounds and the test. */
static int apply_rounds(gate_opts_t *o, int id, const char *v, const char *source) {
  char *end;
  switch (id) {
  case O_ROUNDS: o->rounds_given = 1; return parse_count(source, v, MAX_ROUNDS, &o->rounds);
  case O_MAX_ROUNDS: return parse_count(source, v, MAX_ROUNDS, &o->max_rounds);
  case O_LOOKS: return parse_count(source, v, 100, &o->looks);
  case O_BUDGET:
    o->budget_s = strtod(v, &end);
    if (*end || end == v || !(o->budget_s > 0))
      return hl_opts_bad(source, v, "expected seconds > 0");
    return 0;
  default:
    o->test_given = 1;
    if (!(o->decide.tests = hl_gate_tests_parse(v)))
      return hl_opts_bad(source, v,
                         "expected utest, paired, biweight, both (utest,paired), pairs "
                         "(paired,biweight) or a comma-separated list of them");
    return 0;
  }
}

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
  case O_BASE_BACKEND: o->base_backend = v; return 0;
  case O_NEW_BACKEND: o->new_backend = v; return 0;
  case O_ALLOW_MISSING: o->decide.allow_missing = 1; return 0;
  case O_PMU: o->pmu = 1; return 0;
  case O_INTERLEAVE:
    if (!strcmp(v, "cell") || !strcmp(v, "suite")) {
      o->interleave_suite = !strcmp(v, "suite");
      return 0;
    }
    return hl_opts_bad(source, v, "expected cell or suite");
  case O_INSTR_TOLERANCE: return parse_pct(source, v, 100, &o->decide.instr_tolerance);
  case O_ROUNDS:
  case O_MAX_ROUNDS:
  case O_LOOKS:
  case O_BUDGET:
  case O_TEST: return apply_rounds(o, opt->id, v, source);
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
    {"rounds", 0, "K",
     "rounds per binary side at least (default 20; 2 with --measure instructions)", NULL, 0, apply,
     O_ROUNDS},
    {"max-rounds", 0, "K",
     "rounds at most, for benchmarks still undecided (default 10 x --rounds)",
     NULL, 0, apply, O_MAX_ROUNDS},
    {"looks", 0, "N",
     "looks at the data from --rounds to --max-rounds; alpha is split over them by their rounds (default 3)",
     NULL, 0, apply, O_LOOKS},
    {"budget", 0, "SEC", "start no look whose rounds would end after SEC seconds", NULL, 0, apply,
     O_BUDGET},
    {"interleave", 0, "cell|suite",
     "how a round of two binaries runs: cell by cell, base and new of each cell back to back "
     "(default), or each side's whole suite in turn",
     NULL, 0, apply, O_INTERLEAVE},
    {"test", 0, "LIST",
     "timing tests that decide, each at alpha / their number, comma-separated: paired (signed-"
     "rank of the per-round ratios), biweight (sign-flip test of their biweight score), utest "
     "(Mann-Whitney U of the two sides); pairs = paired,biweight (default with two binaries), "
     "both = utest,paired; utest is the default with a results file",
     NULL, 0, apply, O_TEST},
    {"pmu", 0, NULL,
     "count perf::INSTRUCTIONS and perf::CYCLES (libpfm4) where the machine has a PMU: "
     "instructions per iteration gated within --instr-tolerance, CPU time still tested",
     NULL, 0, apply, O_PMU},
    {"instr-tolerance", 0, "PCT",
     "growth of instructions per iteration that counts, beyond the base's own spread "
     "(default 1; 0: exact)",
     NULL, 0, apply, O_INSTR_TOLERANCE},
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
    {"base-backend", 0, "B",
     "the base side's backend (as -b, one), beside --new-backend: the same cells on two "
     "backends, paired by cell name without the backend",
     NULL, 0, apply, O_BASE_BACKEND},
    {"new-backend", 0, "B", "the new side's backend (with --base-backend)", NULL, 0, apply,
     O_NEW_BACKEND},
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
    if (o->base_backend && !strcmp(opt->name, "backends")) {
      hl_msg("gate", "--base-backend and --new-backend replace -b");
      return HL_EINVAL;
    }
    if (!strcmp(opt->name, "shard") || !strcmp(opt->name, "shard-from-env")) {
      hl_msg("gate", "--%s: the gate runs the plan's cells itself; choose them with -w, -b, -p",
             opt->name);
      return HL_EINVAL;
    }
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
    if (!strcmp(opt->name, "measure") && run->given[i].value)
      o->instructions = strcmp(run->given[i].value, "time") != 0;
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

/* --base-backend and --new-backend go together, one backend each, checked
 * as -b checks a spec; rows name a backend by its spec's name. */
static int check_backends(gate_opts_t *o) {
  if (!o->base_backend && !o->new_backend) return 0;
  if (!o->base_backend || !o->new_backend) {
    hl_msg("gate", "--base-backend and --new-backend go together");
    return HL_EINVAL;
  }
  if (o->save_baseline) {
    hl_msg("gate", "--save-baseline runs one side: give -b, not --base-backend/--new-backend");
    return HL_EINVAL;
  }
  const char *given[2] = {o->base_backend, o->new_backend};
  for (int k = 0; k < 2; k++) {
    hl_backend_spec_t spec;
    char why[512];
    if (strchr(given[k], ',') || !strcmp(given[k], "all")) {
      hl_msg("gate", "--%s-backend %s: one backend a side", k ? "new" : "base", given[k]);
      return HL_EINVAL;
    }
    if (hl_backend_spec_parse(given[k], &spec, why, sizeof why) != 0) {
      hl_msg("gate", "--%s-backend: %s", k ? "new" : "base", why);
      return HL_EINVAL;
    }
    snprintf(o->backend_name[k], sizeof o->backend_name[k], "%s", spec.name);
  }
  return 0;
}

static int check_sides(const gate_opts_t *o) {
  if (o->base_backend) return 0; /* each side defaults to this heaplab */
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
int hl_gate_parse_args(int argc, char **argv, gate_opts_t *o, hl_run_request_t *rq) {
  hl_gate_opts_default(&o->decide);
  o->rounds = DEFAULT_ROUNDS;
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
  if ((rc = check_backends(o)) != 0 || (rc = forward_run_options(o, &groups[1])) != 0 ||
      (rc = check_programs(o, rq)) != 0)
    return rc;
  if (o->instructions && !o->rounds_given) o->rounds = 2; /* counts: one round checks the other */
  if (!o->max_rounds)
    o->max_rounds = MAX_ROUNDS_PER_MIN * o->rounds < MAX_ROUNDS ? MAX_ROUNDS_PER_MIN * o->rounds
                                                               : MAX_ROUNDS;
  hl_seq_plan_t plan = {o->rounds, o->max_rounds, o->looks};
  char why[160];
  if (hl_seq_plan_check(&plan, why, sizeof why) != 0) {
    hl_msg("gate", "%s", why);
    return HL_EINVAL;
  }
  o->looks = plan.looks;
  return check_sides(o);
}

