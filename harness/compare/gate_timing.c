/* The gate's timing rule and its instruction counts (gate_decide.h, rules
 * 2 and 3): every test's figures for one benchmark, then, after Holm, their
 * verdicts.
 *
 * Each test has its own threshold from its own noise, and its own upper
 * confidence bound, change + noise_z standard errors. A benchmark whose test
 * is not significant but whose bound reaches the smallest slowdown that
 * counts (--threshold, else --min-threshold) is *undecided*: the data cannot
 * yet rule it out, and a sequential gate (sequential.h) gives it more
 * rounds. One whose bound is below it is settled as the same.
 *
 * The bound is held against that floor, not against the noise-derived
 * threshold: that threshold is itself 2 standard errors, so "bound below
 * the threshold" only says the change was negative, and a noisy first look
 * with a negative change closed a real 10% slowdown as the same (ci/gate-
 * proof saw it in 3 of 40 benchmarks). Bonferroni's split of alpha over the
 * looks holds whatever rule stops the rounds. */
#include "gate_timing.h"

#include "error.h"
#include "paired.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MEDIAN_SE_FACTOR 1.2533141373155

static const char *const test_names[HL_GATE_NTESTS] = {"utest", "paired", "biweight"};

static int ntests(unsigned tests) { return __builtin_popcount(tests); }

const char *hl_gate_test_name(hl_gate_test_t t) {
  return t >= 0 && t < HL_GATE_NTESTS ? test_names[t] : "utest";
}

void hl_gate_tests_text(unsigned tests, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (int t = 0; t < HL_GATE_NTESTS; t++)
    if (tests & HL_GATE_TESTS(t)) {
      int k = snprintf(buf + used, len - used, "%s%s", used ? "+" : "", test_names[t]);
      if (k < 0 || (size_t)k >= len - used) return;
      used += (size_t)k;
    }
}

void hl_gate_tests_words(unsigned tests, char *buf, size_t len) {
  static const char *const words[HL_GATE_NTESTS] = {"U", "paired signed-rank",
                                                     "biweight sign-flip"};
  int k = ntests(tests), i = 0;
  size_t used = 0;
  buf[0] = '\0';
  for (int t = 0; t < HL_GATE_NTESTS && used < len; t++)
    if (tests & HL_GATE_TESTS(t)) {
      const char *sep = i == 0 ? "" : i == k - 1 ? " and " : ", ";
      int w = snprintf(buf + used, len - used, "%s%s", sep, words[t]);
      used += w > 0 ? (size_t)w : 0;
      i++;
    }
  if (used < len && k > 1)
    snprintf(buf + used, len - used, " tests, each at alpha/%d", k);
  else if (used < len)
    snprintf(buf + used, len - used, " test");
}

static unsigned test_bits(const char *w, size_t n) {
  if (n == 4 && !strncmp(w, "both", 4)) return HL_GATE_TESTS_BOTH;
  if (n == 5 && !strncmp(w, "pairs", 5)) return HL_GATE_TESTS_PAIRS;
  for (int t = 0; t < HL_GATE_NTESTS; t++)
    if (strlen(test_names[t]) == n && !strncmp(w, test_names[t], n)) return HL_GATE_TESTS(t);
  return 0;
}

unsigned hl_gate_tests_parse(const char *text) {
  unsigned tests = 0;
  for (const char *w = text;; w++) {
    size_t n = strcspn(w, ",");
    unsigned bits = test_bits(w, n);
    if (!bits) return 0;
    tests |= bits;
    w += n;
    if (!*w) return tests;
  }
}

double hl_gate_look_alpha(const hl_gate_opts_t *o) {
  return o->alpha * o->look_share;
}

static double floor_at(double t, const hl_gate_opts_t *o) {
  if (o->threshold >= 0) return o->threshold;
  return t > o->min_threshold ? t : o->min_threshold;
}

static int utest_figures(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  hl_gate_test_figures_t *f = &b->test[HL_GATE_TEST_UTEST];
  const hl_gate_side_t *a = &b->base, *c = &b->new_;
  f->n = a->n < c->n ? a->n : c->n;
  f->change = b->base_median_ns > 0 ? (b->new_median_ns - b->base_median_ns) / b->base_median_ns : 0;
  double ca = hl_gate_robust_cv(a->cpu_ns, a->n), cb = hl_gate_robust_cv(c->cpu_ns, c->n);
  f->noise = sqrt((ca * ca + cb * cb) / 2);
  double se = MEDIAN_SE_FACTOR * f->noise * sqrt(1.0 / (double)a->n + 1.0 / (double)c->n);
  f->threshold = floor_at(o->noise_z * se, o);
  f->upper = f->change + o->noise_z * se;
  hl_utest_t u;
  int rc = hl_mann_whitney(a->cpu_ns, a->n, c->cpu_ns, c->n, &u);
  if (rc) return rc;
  f->p_value = u.p_value;
  f->tested = 1;
  return 0;
}

/* The pairs: samples of the same round on both sides (by position when a
 * side has no rounds). Returns how many, at most min(n_base, n_new). */
static size_t make_pairs(const hl_gate_side_t *a, const hl_gate_side_t *c, double *pa,
                         double *pc) {
  size_t m = 0;
  if (!a->round || !c->round) {
    for (; m < a->n && m < c->n; m++)
      pa[m] = a->cpu_ns[m], pc[m] = c->cpu_ns[m];
    return m;
  }
  for (size_t i = 0; i < a->n; i++)
    for (size_t j = 0; j < c->n; j++)
      if (c->round[j] == a->round[i]) {
        pa[m] = a->cpu_ns[i], pc[m++] = c->cpu_ns[j];
        break;
      }
  return m;
}

/* One paired test's figures from its estimate and standard error (log
 * scale) and its p-value. */
static void paired_test_figures(hl_gate_test_figures_t *f, size_t n, double location,
                                double log_se, double noise, double p, const hl_gate_opts_t *o) {
  f->n = n;
  f->change = expm1(location);
  f->noise = noise;
  f->threshold = floor_at(expm1(o->noise_z * log_se), o);
  f->upper = expm1(location + o->noise_z * log_se);
  f->p_value = p;
  f->tested = 1;
}

static int paired_figures(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  size_t cap = b->base.n < b->new_.n ? b->base.n : b->new_.n;
  double *pa = malloc(2 * (cap ? cap : 1) * sizeof *pa);
  if (!pa) return HL_ENOMEM;
  size_t m = make_pairs(&b->base, &b->new_, pa, pa + cap);
  hl_paired_t pr;
  int rc = m >= 2 ? hl_paired_compare(pa, pa + cap, m, &pr) : 0;
  free(pa);
  if (rc || m < 2) return rc;
  paired_test_figures(&b->test[HL_GATE_TEST_PAIRED], m, log1p(pr.change), pr.log_se,
                      pr.log_spread, pr.test.p_value, o);
  const hl_biweight_t *w = &pr.biweight;
  paired_test_figures(&b->test[HL_GATE_TEST_BIWEIGHT], m, w->location, w->log_se,
                      w->log_se * sqrt((double)m), w->p_value, o);
  return 0;
}

/* Several tests (--test both, the paired pair): the test that found a
 * change decides (the stronger finding when more did), else the one nearer
 * to finding one; the benchmark stays undecided while any deciding test
 * cannot yet rule out a slowdown that counts. Why several: on this
 * project's machines no test wins everywhere (paired.h); asking each at
 * alpha / k keeps the family-wise rate and costs each little (z 2.87 ->
 * 3.08 at the gate's usual level for two). A paired test needs pairs: with
 * none (a results file), the U test decides alone. */
static unsigned deciding(const hl_gate_bench_t *b, unsigned tests) {
  unsigned have = 0;
  for (int t = 0; t < HL_GATE_NTESTS; t++)
    if ((tests & HL_GATE_TESTS(t)) && b->test[t].tested) have |= HL_GATE_TESTS(t);
  return have ? have : HL_GATE_TESTS(HL_GATE_TEST_UTEST);
}

/* The deciding test with the smallest p_holm among those that found a
 * change, else among all: the one that decides, or is nearest to. */
static hl_gate_test_t strongest(const hl_gate_bench_t *b, unsigned tests) {
  int best = -1, best_found = 0;
  for (int t = 0; t < HL_GATE_NTESTS; t++) {
    const hl_gate_test_figures_t *f = &b->test[t];
    if (!(tests & HL_GATE_TESTS(t)) || !f->tested) continue;
    int found = f->timing != HL_GT_SAME;
    if (best < 0 || found > best_found ||
        (found == best_found && f->p_holm < b->test[best].p_holm))
      best = t, best_found = found;
  }
  return best < 0 ? HL_GATE_TEST_UTEST : (hl_gate_test_t)best;
}

int hl_gate_timing_measure(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  b->base_median_ns = hl_stats_median(b->base.cpu_ns, b->base.n);
  b->new_median_ns = hl_stats_median(b->new_.cpu_ns, b->new_.n);
  if (!isfinite(b->base_median_ns) || !isfinite(b->new_median_ns)) return HL_ENOMEM;
  int rc = utest_figures(b, o);
  if (rc == 0) rc = paired_figures(b, o);
  b->used = strongest(b, deciding(b, o->tests)); /* before any verdict: the first */
  return rc;
}

static void verdict_of(hl_gate_test_figures_t *f, double alpha, double counts) {
  int significant = f->p_holm < alpha;
  if (significant && f->change > f->threshold)
    f->timing = HL_GT_SLOWER;
  else if (significant && f->change < -f->threshold)
    f->timing = HL_GT_FASTER;
  else
    f->timing = HL_GT_SAME;
  f->undecided = f->timing == HL_GT_SAME && f->upper >= counts;
}

/* The top-level figures of a benchmark are those of the test that decided. */
void hl_gate_timing_publish(hl_gate_bench_t *b) {
  const hl_gate_test_figures_t *f = &b->test[b->used];
  b->change = f->change;
  b->noise_cv = f->noise;
  b->threshold = f->threshold;
  b->p_value = f->p_value;
  b->p_holm = f->p_holm;
  b->timing = f->timing;
  b->undecided = f->undecided;
  b->rounds = (unsigned)f->n;
}

/* Holm over the m benchmarks idx[] tested at this look, test by test, at
 * the look's level; then each test's verdict. */
int hl_gate_timing_decide(hl_gate_bench_t *b, const size_t *idx, size_t m,
                          const hl_gate_opts_t *o) {
  double *p = calloc(m ? m : 1, sizeof *p);
  size_t *which = calloc(m ? m : 1, sizeof *which);
  if (!p || !which) {
    free(p);
    free(which);
    return HL_ENOMEM;
  }
  double alpha = hl_gate_look_alpha(o) / ntests(o->tests ? o->tests : 1);
  double counts = o->threshold >= 0 ? o->threshold : o->min_threshold;
  for (int t = 0; t < HL_GATE_NTESTS; t++) {
    size_t k = 0;
    for (size_t j = 0; j < m; j++)
      if (b[idx[j]].test[t].tested) p[k] = b[idx[j]].test[t].p_value, which[k++] = idx[j];
    hl_holm(p, k, p);
    for (size_t j = 0; j < k; j++) {
      b[which[j]].test[t].p_holm = p[j];
      verdict_of(&b[which[j]].test[t], alpha, counts);
    }
  }
  for (size_t j = 0; j < m; j++) {
    hl_gate_bench_t *x = &b[idx[j]];
    unsigned tests = deciding(x, o->tests);
    x->used = strongest(x, tests);
    hl_gate_timing_publish(x);
    if (x->timing != HL_GT_SAME) continue;
    for (int t = 0; t < HL_GATE_NTESTS; t++)
      if ((tests & HL_GATE_TESTS(t)) && x->test[t].undecided) x->undecided = 1;
  }
  free(p);
  free(which);
  return 0;
}

void hl_gate_timing_thaw(hl_gate_bench_t *b) {
  const hl_gate_frozen_t *z = b->frozen;
  memcpy(b->test, z->test, sizeof b->test);
  b->used = z->used;
  b->base_median_ns = z->base_median_ns;
  b->new_median_ns = z->new_median_ns;
  hl_gate_timing_publish(b);
  b->rounds = z->rounds;
}

/* ---- instructions -------------------------------------------------------- */

static double spread_of(const double *x, size_t n, double median) {
  if (n < 2 || !(median > 0)) return 0;
  return (hl_stats_max(x, n) - hl_stats_min(x, n)) / median;
}

/* One count compared: medians, the change, and the tolerance (the option's
 * plus the base's own spread). */
static int count_decide(const double *a, size_t na, const double *c, size_t nc,
                        const hl_gate_opts_t *o, hl_gate_instr_t *g) {
  memset(g, 0, sizeof *g);
  if (!a && !c) return 0;
  if (!a || !c) {
    g->verdict = HL_GI_ONE_SIDE;
    return 0;
  }
  for (size_t i = 0; i < na + nc; i++) {
    double x = i < na ? a[i] : c[i - na];
    if (!isfinite(x) || x < 0) return HL_EINVAL;
  }
  g->base_median = hl_stats_median(a, na);
  g->new_median = hl_stats_median(c, nc);
  g->change = g->base_median > 0 ? (g->new_median - g->base_median) / g->base_median : 0;
  g->base_spread = spread_of(a, na, g->base_median);
  g->tolerance = o->instr_tolerance + g->base_spread;
  g->verdict = g->change > g->tolerance    ? HL_GI_MORE
               : g->change < -g->tolerance ? HL_GI_FEWER
                                           : HL_GI_SAME;
  return 0;
}

int hl_gate_instr_decide(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  const hl_gate_side_t *a = &b->base, *c = &b->new_;
  int rc = count_decide(a->instr, a->ninstr, c->instr, c->ninstr, o, &b->instr);
  for (int k = 0; rc == 0 && k < HL_GATE_NMISSES; k++)
    rc = count_decide(a->misses[k], a->nmisses[k], c->misses[k], c->nmisses[k], o, &b->misses[k]);
  return rc;
}
