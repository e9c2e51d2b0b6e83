/* `heaplab compare` (compare.h). Reads results files only; the reading and
 * the decision are the gate's (gate_io.c, gate_decide.c), so compare and
 * gate cannot disagree about two files. */
#include "compare.h"

#include "error.h"
#include "gate.h"
#include "opts.h"
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct cmp_opts {
  hl_gate_opts_t decide;
  int markdown;
  const char *base, *new_;
} cmp_opts_t;

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab compare BASE.json NEW.json [--threshold PCT] [--alpha A] [--markdown]\n\n"
          "Decides, per benchmark in both files, whether NEW regressed, by the rule of heaplab\n"
          "gate: deterministic metrics (allocs, alloc_bytes, frees, ...) equal in every\n"
          "repetition; CPU time by a two-sided Mann-Whitney U test over the repetitions with\n"
          "Holm's correction over all benchmarks, a regression needing p_holm < alpha AND a\n"
          "slowdown of the median above the threshold; peak memory within a tolerance from\n"
          "the files' own spread (see heaplab gate --help). Benchmarks in one file only are\n"
          "shown as not comparable. Take BASE and NEW interleaved on one machine (heaplab run\n"
          "runs each repetition in its own process) or the U test will find the machine's drift.\n"
          "Exit status: 0 no regression, 1 regression, changed metric or nothing compared,\n"
          "2 bad input.\n\n");
}

enum { O_THRESHOLD, O_ALPHA, O_MARKDOWN };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  cmp_opts_t *o = ctx;
  char *end;
  if (opt->id == O_MARKDOWN) {
    o->markdown = 1;
  } else if (opt->id == O_THRESHOLD) {
    o->decide.threshold = strtod(v, &end) / 100.0;
    if (*end || end == v || !(o->decide.threshold >= 0) || o->decide.threshold > 100)
      return hl_opts_bad(source, v, "expected a percentage >= 0");
  } else {
    o->decide.alpha = strtod(v, &end);
    if (*end || end == v || !(o->decide.alpha > 0 && o->decide.alpha < 1))
      return hl_opts_bad(source, v, "expected a number between 0 and 1");
  }
  return 0;
}

static const hl_opt_t compare_opts[] = {
    {"threshold", 0, "PCT",
     "fixed slowdown threshold in percent (default: from the noise, at "
     "least 2)",
     NULL, 0, apply, O_THRESHOLD},
    {"alpha", 0, "A", "family-wise significance level after Holm (default 0.05)", NULL, 0, apply,
     O_ALPHA},
    {"markdown", 0, NULL, "print the table as Markdown", NULL, 0, apply, O_MARKDOWN},
};

static int parse_args(int argc, char **argv, cmp_opts_t *o) {
  hl_gate_opts_default(&o->decide);
  o->decide.allow_missing = 1;
  hl_opt_group_t g = {"Options", compare_opts, sizeof compare_opts / sizeof compare_opts[0],
                      o,         {{0}},        0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("compare", &g, 1, argc, argv, 2, &ops, usage);
  if (rc) return rc;
  if (ops.n == 2) {
    o->base = ops.v[0];
    o->new_ = ops.v[1];
  }
  free(ops.v);
  if (!o->new_) {
    hl_msg("compare", "expected two results files, BASE.json and NEW.json (see --help)");
    return HL_EINVAL;
  }
  return 0;
}

static void print_tally(const hl_gate_set_t *set, const hl_gate_tally_t *t,
                        const hl_gate_opts_t *o) {
  char thr[64];
  if (o->threshold >= 0)
    snprintf(thr, sizeof thr, "threshold %.1f%%", 100 * o->threshold);
  else
    snprintf(thr, sizeof thr, "threshold from noise, at least %.1f%%", 100 * o->min_threshold);
  printf("\n%zu compared: %zu regressions, %zu changed metrics, %zu faster, %zu not comparable "
         "(%s, Holm alpha %g)\n",
         t->compared, t->count[HL_GATE_REGRESSION], t->count[HL_GATE_CHANGED],
         t->count[HL_GATE_FASTER], t->count[HL_GATE_NOT_COMPARABLE], thr, o->alpha);
  hl_gate_print_notes(set, t, o, stdout);
}

static int compare_docs(const cmp_opts_t *o, const hl_results_t *rb, const hl_results_t *rn) {
  hl_gate_set_t set;
  char why[1024];
  if (hl_gate_set_load(rb, rn, &set, why, sizeof why) != 0) {
    hl_msg("compare", "%s", why);
    return HL_EXIT_USAGE;
  }
  hl_gate_tally_t tally;
  int rc = hl_gate_decide(set.bench, set.n, &o->decide, &tally);
  hl_gate_report_t r = {.set = &set, .opts = &o->decide, .tally = &tally};
  if (rc == 0) rc = hl_gate_print_table(&r, stdout, o->markdown);
  if (rc == 0) print_tally(&set, &tally, &o->decide);
  hl_gate_set_free(&set);
  if (rc) {
    hl_msg("compare", "cannot decide: %s", hl_strerror(rc));
    return HL_EXIT_USAGE;
  }
  if (tally.compared == 0) {
    hl_msg("compare",
           "nothing compared: no benchmark is in both files with an ok repetition "
           "in each (%s, %s)",
           o->base, o->new_);
    return HL_EXIT_FOUND;
  }
  return hl_gate_exit_status(&tally) ? HL_EXIT_FOUND : HL_EXIT_OK;
}

int hl_compare_main(int argc, char **argv) {
  cmp_opts_t o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  json_t *rb = NULL, *rn = NULL;
  hl_results_t vb = {0}, vn = {0};
  char why[1024];
  int exit_code = HL_EXIT_USAGE;
  if (hl_results_load(o.base, &rb, why, sizeof why) != 0 ||
      hl_results_load(o.new_, &rn, why, sizeof why) != 0)
    hl_msg("compare", "%s", why);
  else if (hl_results_view(rb, &vb) != 0 || hl_results_view(rn, &vn) != 0)
    hl_msg("compare", "out of memory");
  else
    exit_code = compare_docs(&o, &vb, &vn);
  hl_results_view_free(&vb);
  hl_results_view_free(&vn);
  json_decref(rb);
  json_decref(rn);
  return exit_code;
}
