/* `heaplab compare` (compare.h). Reads results files only. */
#include "compare.h"

#include "error.h"
#include "results.h"
#include "stats.h"
#include "summary.h"
#include "table.h"

#include <getopt.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS 10000

/* Metrics compared exactly. */
static const char *const exact_metrics[] = {"allocs", "alloc_bytes"};
#define NEXACT (sizeof exact_metrics / sizeof exact_metrics[0])

typedef struct cmp_opts {
  double threshold; /* fraction: 0.05 */
  double alpha;
  int markdown;
  const char *base, *new_;
} cmp_opts_t;

typedef struct tally {
  size_t compared, regressions, changed, faster, incomparable;
  size_t min_reps; /* smallest repetition count seen on either side */
} tally_t;

typedef struct side {
  const json_t *rows[MAX_REPS];
  double cpu[MAX_REPS];
  size_t n;
} side_t;

static int load_side(const json_t *bench, const char *run_name, side_t *s) {
  s->n = hl_summary_ok_rows(bench, run_name, s->rows, MAX_REPS);
  for (size_t i = 0; i < s->n; i++)
    if (hl_json_number(s->rows[i], "cpu_time", &s->cpu[i]) != 0 || !isfinite(s->cpu[i]))
      return HL_EPARSE;
  return 0;
}

/* Exact metrics: same value in every row of both sides. Writes a note and
 * returns 1 on a difference, -1 when a side lacks the metric or varies. */
static int exact_check(const side_t *a, const side_t *b, char *note, size_t len) {
  int result = 0;
  for (size_t m = 0; m < NEXACT; m++) {
    double first = 0, v;
    int ok = 1;
    for (size_t i = 0; i < a->n + b->n && ok; i++) {
      const json_t *row = i < a->n ? a->rows[i] : b->rows[i - a->n];
      if (hl_json_number(row, exact_metrics[m], &v) != 0)
        ok = 0;
      else if (i == 0)
        first = v;
      else if (v != first) {
        double av = 0;
        hl_json_number(a->rows[0], exact_metrics[m], &av);
        snprintf(note, len, "%s %.0f -> %.0f", exact_metrics[m], av, v);
        return 1;
      }
    }
    if (!ok) {
      snprintf(note, len, "%s missing", exact_metrics[m]);
      result = -1;
    }
  }
  return result;
}

static int compare_one(const json_t *base, const json_t *new_, const char *run_name,
                       const cmp_opts_t *o, hl_table_t *t, tally_t *tally, side_t *a, side_t *b) {
  char bmed[32] = "-", nmed[32] = "-", change[32] = "-", pval[32] = "-", reps[32], verdict[160];
  if (load_side(base, run_name, a) || load_side(new_, run_name, b)) return HL_EPARSE;
  snprintf(reps, sizeof reps, "%zu/%zu", a->n, b->n);
  if (a->n == 0 || b->n == 0) {
    snprintf(verdict, sizeof verdict, "not comparable: no ok repetition in %s",
             a->n == 0 ? "base" : "new");
    tally->incomparable++;
  } else {
    double mb = hl_stats_median(a->cpu, a->n), mn = hl_stats_median(b->cpu, b->n);
    double ch = mb > 0 ? (mn - mb) / mb : 0;
    hl_utest_t u;
    hl_mann_whitney(a->cpu, a->n, b->cpu, b->n, &u);
    snprintf(bmed, sizeof bmed, "%.2f", mb);
    snprintf(nmed, sizeof nmed, "%.2f", mn);
    snprintf(change, sizeof change, "%+.1f%%", 100 * ch);
    snprintf(pval, sizeof pval, "%.4f", u.p_value);
    size_t m = a->n < b->n ? a->n : b->n;
    if (!tally->min_reps || m < tally->min_reps) tally->min_reps = m;
    char note[128];
    int ex = exact_check(a, b, note, sizeof note);
    tally->compared++;
    if (ex > 0) {
      snprintf(verdict, sizeof verdict, "METRIC CHANGED: %s", note);
      tally->changed++;
    } else if (u.p_value < o->alpha && ch > o->threshold) {
      snprintf(verdict, sizeof verdict, "REGRESSION%s%s", ex < 0 ? "; " : "", ex < 0 ? note : "");
      tally->regressions++;
    } else if (u.p_value < o->alpha && ch < -o->threshold) {
      snprintf(verdict, sizeof verdict, "faster%s%s", ex < 0 ? "; " : "", ex < 0 ? note : "");
      tally->faster++;
    } else {
      snprintf(verdict, sizeof verdict, "same%s%s", ex < 0 ? "; " : "", ex < 0 ? note : "");
    }
  }
  const char *cells[] = {run_name, bmed, nmed, change, pval, reps, verdict};
  return hl_table_add(t, cells);
}

static const char *run_name_of(const json_t *e) {
  const char *n = json_string_value(json_object_get(e, "run_name"));
  return n ? n : json_string_value(json_object_get(e, "name"));
}

static int has_run(const json_t *bench, const char *run_name) {
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) if (!strcmp(run_name_of(e), run_name)) return 1;
  return 0;
}

/* Names of iteration rows, first appearance order, each once. */
static int first_of(const json_t *bench, size_t i) {
  const json_t *e = json_array_get(bench, i);
  const char *rt = json_string_value(json_object_get(e, "run_type"));
  if (rt && strcmp(rt, "iteration") != 0) return 0;
  for (size_t k = 0; k < i; k++)
    if (!strcmp(run_name_of(json_array_get(bench, k)), run_name_of(e))) return 0;
  return 1;
}

static int compare_files(const json_t *rb, const json_t *rn, const cmp_opts_t *o, tally_t *tally) {
  static const char *const headers[] = {"benchmark",  "base cpu ns", "new cpu ns", "change",
                                        "p (U test)", "reps",        "verdict"};
  const json_t *base = json_object_get(rb, "benchmarks"), *new_ = json_object_get(rn, "benchmarks");
  hl_table_t *t = hl_table_new(headers, 7, "lrrrrrl");
  side_t *a = malloc(sizeof *a), *b = malloc(sizeof *b);
  int rc = t && a && b ? 0 : HL_ENOMEM;
  for (size_t i = 0; rc == 0 && i < json_array_size(base); i++) {
    if (!first_of(base, i)) continue;
    const char *name = run_name_of(json_array_get(base, i));
    if (!has_run(new_, name)) {
      const char *cells[] = {name, "-", "-", "-", "-", "-", "not comparable: only in base"};
      rc = hl_table_add(t, cells);
      tally->incomparable++;
      continue;
    }
    rc = compare_one(base, new_, name, o, t, tally, a, b);
  }
  for (size_t i = 0; rc == 0 && i < json_array_size(new_); i++) {
    if (!first_of(new_, i) || has_run(base, run_name_of(json_array_get(new_, i)))) continue;
    const char *cells[] = {run_name_of(json_array_get(new_, i)), "-", "-", "-", "-", "-",
                           "not comparable: only in new"};
    rc = hl_table_add(t, cells);
    tally->incomparable++;
  }
  if (rc == 0) hl_table_print(t, stdout, o->markdown);
  hl_table_free(t);
  free(a);
  free(b);
  return rc;
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab compare BASE.json NEW.json [--threshold PCT] [--alpha A] [--markdown]\n\n"
          "For each benchmark in both files: the change of the median CPU time per iteration,\n"
          "a two-sided Mann-Whitney U test over the repetitions, and an exact comparison of\n"
          "allocs and alloc_bytes. A regression needs p < alpha AND a slowdown above the\n"
          "threshold. Take BASE and NEW interleaved on one machine (heaplab run runs each\n"
          "repetition in its own process) or the U test will find the machine's drift.\n\n"
          "  --threshold PCT  smallest slowdown that counts, in percent (default 5)\n"
          "  --alpha A        significance level of the U test (default 0.05)\n"
          "  --markdown       print the table as Markdown\n\n"
          "Exit status: 0 no regression, 1 regression or changed metric, 2 bad input.\n");
}

static int parse_args(int argc, char **argv, cmp_opts_t *o) {
  static const struct option longopts[] = {{"threshold", required_argument, NULL, 't'},
                                           {"alpha", required_argument, NULL, 'a'},
                                           {"markdown", no_argument, NULL, 'm'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  o->threshold = 0.05;
  o->alpha = 0.05;
  optind = 1;
  opterr = 0;
  int c;
  char *end;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    switch (c) {
    case 't':
      o->threshold = strtod(optarg, &end) / 100.0;
      if (*end || end == optarg || !(o->threshold >= 0) || o->threshold > 100) {
        hl_msg("compare", "--threshold '%s': expected a percentage >= 0", optarg);
        return HL_EINVAL;
      }
      break;
    case 'a':
      o->alpha = strtod(optarg, &end);
      if (*end || end == optarg || !(o->alpha > 0 && o->alpha < 1)) {
        hl_msg("compare", "--alpha '%s': expected a number between 0 and 1", optarg);
        return HL_EINVAL;
      }
      break;
    case 'm': o->markdown = 1; break;
    case 'h': usage(stdout); return 1;
    default:
      hl_msg("compare", "unknown option '%s' (see heaplab compare --help)", argv[optind - 1]);
      return HL_EINVAL;
    }
  }
  if (argc - optind != 2) {
    hl_msg("compare", "expected two results files, BASE.json and NEW.json (see --help)");
    return HL_EINVAL;
  }
  o->base = argv[optind];
  o->new_ = argv[optind + 1];
  return 0;
}

static void print_tally(const tally_t *t, const cmp_opts_t *o) {
  printf("\n%zu compared: %zu regressions, %zu changed metrics, %zu faster, %zu not comparable "
         "(threshold %.1f%%, alpha %g)\n",
         t->compared, t->regressions, t->changed, t->faster, t->incomparable, 100 * o->threshold,
         o->alpha);
  /* Smallest two-sided exact p with n vs n values and no overlap: 2 / C(2n, n). */
  if (t->min_reps) {
    double c = 1;
    for (size_t k = 1; k <= t->min_reps; k++)
      c = c * (double)(t->min_reps + k) / (double)k;
    if (2.0 / c >= o->alpha)
      printf("note: with %zu repetitions a side the U test cannot reach p < %g: no timing "
             "regression can be detected (use --reps 4 or more; 9+ recommended)\n",
             t->min_reps, o->alpha);
  }
}

int hl_compare_main(int argc, char **argv) {
  cmp_opts_t o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  json_t *rb = NULL, *rn = NULL;
  char why[1024];
  if (hl_results_load(o.base, &rb, why, sizeof why) != 0 ||
      hl_results_load(o.new_, &rn, why, sizeof why) != 0) {
    hl_msg("compare", "%s", why);
    json_decref(rb);
    return HL_EXIT_USAGE;
  }
  tally_t tally = {0};
  rc = compare_files(rb, rn, &o, &tally);
  json_decref(rb);
  json_decref(rn);
  if (rc) {
    hl_msg("compare", "malformed timing values in the results (%s)", hl_strerror(rc));
    return HL_EXIT_USAGE;
  }
  print_tally(&tally, &o);
  if (tally.compared == 0 && tally.incomparable > 0 && tally.regressions == 0) {
    hl_msg("compare", "no benchmark could be compared");
    return HL_EXIT_USAGE;
  }
  return tally.regressions || tally.changed ? HL_EXIT_FOUND : HL_EXIT_OK;
}
