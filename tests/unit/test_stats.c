/* Unit tests for harness/resultsdoc/stats.c: descriptive statistics on small arrays with
 * known answers, Holm-Bonferroni on hand-checked vectors, and Mann-Whitney U
 * against values scipy 1.10.1 produced (see the table below). */
#include "stats.h"

#include "error.h"
#include "th.h"

#define COUNT(arr) (sizeof(arr) / sizeof((arr)[0]))

/* |a - b| <= tol * |b|: a relative check even when b is far below 1, where
 * th.h's CHECK_NEAR would be an absolute one. */
#define CHECK_REL(a, b, tol)                                                                       \
  do {                                                                                             \
    th_checks++;                                                                                   \
    double th_a = (double)(a), th_b = (double)(b);                                                 \
    if (!(fabs(th_a - th_b) <= (tol)*fabs(th_b)))                                                  \
      TH_FAIL("%s ~= %s (rel) (%.17g vs %.17g)", #a, #b, th_a, th_b);                              \
  } while (0)

static void test_descriptive_odd(void) {
  const double x[] = {3, 1, 2};
  CHECK_NEAR(hl_stats_mean(x, 3), 2.0, 1e-15);
  CHECK_NEAR(hl_stats_median(x, 3), 2.0, 0);
  CHECK_NEAR(hl_stats_stddev(x, 3), 1.0, 1e-15);
  CHECK_NEAR(hl_stats_min(x, 3), 1.0, 0);
  CHECK_NEAR(hl_stats_max(x, 3), 3.0, 0);

  const double y[] = {-5, 2, -1, 8, 0};
  CHECK_NEAR(hl_stats_mean(y, 5), 0.8, 1e-15);
  CHECK_NEAR(hl_stats_median(y, 5), 0.0, 0);
  CHECK_NEAR(hl_stats_stddev(y, 5), 4.764451699828638, 1e-14);
  CHECK_NEAR(hl_stats_min(y, 5), -5.0, 0);
  CHECK_NEAR(hl_stats_max(y, 5), 8.0, 0);
}

static void test_descriptive_even(void) {
  const double x[] = {4, 1, 3, 2};
  CHECK_NEAR(hl_stats_mean(x, 4), 2.5, 1e-15);
  CHECK_NEAR(hl_stats_median(x, 4), 2.5, 0);
  CHECK_NEAR(hl_stats_stddev(x, 4), 1.2909944487358056, 1e-15); /* sqrt(5/3) */
  CHECK_NEAR(hl_stats_min(x, 4), 1.0, 0);
  CHECK_NEAR(hl_stats_max(x, 4), 4.0, 0);

  /* middle two differ (3 and 7), so the mean of them is visible */
  const double y[] = {10, 1, 7, 3};
  CHECK_NEAR(hl_stats_median(y, 4), 5.0, 0);
  /* the median sorts a copy: the input keeps its order */
  CHECK(y[0] == 10 && y[1] == 1 && y[2] == 7 && y[3] == 3);
}

static void test_descriptive_single(void) {
  const double x[] = {42};
  CHECK_NEAR(hl_stats_mean(x, 1), 42.0, 0);
  CHECK_NEAR(hl_stats_median(x, 1), 42.0, 0);
  CHECK_NEAR(hl_stats_stddev(x, 1), 0.0, 0);
  CHECK_NEAR(hl_stats_min(x, 1), 42.0, 0);
  CHECK_NEAR(hl_stats_max(x, 1), 42.0, 0);
}

/* A one-pass sum of squares loses everything here (1e18 + small); the
 * two-pass version gets 1 exactly. */
static void test_stddev_large_offset(void) {
  const double x[] = {1e9 + 1, 1e9 + 2, 1e9 + 3};
  CHECK_NEAR(hl_stats_stddev(x, 3), 1.0, 1e-12);
}

/* Expected values by hand: sort p, multiply the j-th smallest (0-based) by
 * n - j, cap at 1, take the running maximum, map back. */
static void test_holm(void) {
  /* sorted: .005*5=.025, .01*4=.04, .03*3=.09, .04*2=.08 -> .09, .5*1=.5 */
  const double p[] = {0.01, 0.04, 0.03, 0.005, 0.5};
  const double want[] = {0.04, 0.09, 0.09, 0.025, 0.5};
  double adj[COUNT(p)];
  hl_holm(p, COUNT(p), adj);
  for (size_t i = 0; i < COUNT(p); i++)
    CHECK_NEAR(adj[i], want[i], 1e-15);

  /* in place (adjusted aliases p); .55*2 and .6*1 are capped / raised to 1 */
  double q[] = {0.6, 0.01, 0.55};
  hl_holm(q, COUNT(q), q);
  CHECK_NEAR(q[0], 1.0, 1e-15);
  CHECK_NEAR(q[1], 0.03, 1e-15);
  CHECK_NEAR(q[2], 1.0, 1e-15);

  /* tied p-values get the same result whichever is sorted first */
  const double t[] = {0.02, 0.02, 0.2};
  double tadj[COUNT(t)];
  hl_holm(t, COUNT(t), tadj);
  CHECK_NEAR(tadj[0], 0.06, 1e-15);
  CHECK_NEAR(tadj[1], 0.06, 1e-15);
  CHECK_NEAR(tadj[2], 0.2, 1e-15);

  /* a single hypothesis is not adjusted */
  double one = 0.037;
  hl_holm(&one, 1, &one);
  CHECK_NEAR(one, 0.037, 0);
}

/* Mann-Whitney cases. Expected U, p and method come from scipy 1.10.1 on
 * Debian 12 (/usr/bin/python3), for each pair (a, b) below:
 *
 *   from scipy.stats import mannwhitneyu
 *   r = mannwhitneyu(a, b, alternative='two-sided')
 *   print(r.statistic, repr(r.pvalue))
 *
 * "exact" is which method scipy's method="auto" picked, found by comparing
 * with method='exact' and method='asymptotic' (the two p-values differ in
 * every case where it matters):
 *   mannwhitneyu(a, b, method='exact').pvalue == r.pvalue
 * Notes per case: same3 / sep4 are the classic small exact cases (sep4:
 * 2 / C(8,4) = 2/70); half has U = m*n/2 so the doubled p is clipped to 1;
 * n8x8 and n8x50 are exact because scipy only goes asymptotic when BOTH
 * samples exceed 8 values; n9x9 is the first no-tie size that is asymptotic;
 * ties4 and ties12x15 use the tie-corrected normal approximation (their
 * exact p-values would be 0.2 and 0.013871487690305835); allsame has zero
 * variance and scipy reports p = 1; tiesmid is tie-corrected normal with
 * U = m*n/2, where 2 * sf(-0.5 / sd) > 1 is clipped to 1 (ties force the
 * asymptotic method; its exact p would also be 1). */
typedef struct mw_case {
  const char *name;
  const double *a, *b;
  size_t na, nb;
  double u, p;
  int exact;
} mw_case_t;

#define MW_CASE(name, a, b, u, p, exact)                                                           \
  { name, a, b, COUNT(a), COUNT(b), u, p, exact }

static const double same3_a[] = {1, 3, 5}, same3_b[] = {2, 4, 6};
static const double sep4_a[] = {1, 2, 3, 4}, sep4_b[] = {5, 6, 7, 8};
static const double half_a[] = {1, 4}, half_b[] = {2, 3};
static const double one_a[] = {1}, one_b[] = {2};
static const double ties4_a[] = {1, 2, 2, 3}, ties4_b[] = {2, 3, 3, 4};
static const double n8x8_a[] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5};
static const double n8x8_b[] = {1, 2, 3, 4, 5, 6, 7, 8.25};
static const double n9x9_a[] = {0.5, 1.5, 2.5, 3.5, 4.5, 5.5, 6.5, 7.5, 8.5};
static const double n9x9_b[] = {1, 2, 3, 4, 5, 6, 7, 8.25, 9.25};
static const double n10x12_a[] = {10.1, 11.3, 9.7, 12.4, 10.8, 11.9, 13.2, 10.5, 12.0, 11.1};
static const double n10x12_b[] = {12.2, 13.5, 11.6, 14.1, 12.9, 13.8,
                                  12.6, 14.7, 11.8, 13.1, 15.0, 12.3};
static const double n5x20_a[] = {3.1, 4.7, 2.2, 5.9, 4.0};
static const double n5x20_b[] = {5.3, 6.1, 4.4, 7.2, 5.8, 6.6, 3.9, 7.9, 6.3, 5.1,
                                 8.4, 6.9, 5.6, 7.5, 4.9, 6.0, 8.8, 7.0, 5.5, 6.8};
static const double ties12x15_a[] = {1, 1, 2, 2, 2, 3, 3, 4, 4, 5, 5, 6};
static const double ties12x15_b[] = {2, 3, 3, 4, 4, 4, 5, 5, 5, 6, 6, 6, 7, 7, 8};
static const double tiesmid_a[] = {1, 2, 2, 3}, tiesmid_b[] = {3, 2, 1, 2};
static const double allsame_a[] = {7, 7, 7, 7, 7};
static const double allsame_b[] = {7, 7, 7, 7, 7, 7};
static const double n8x50_a[] = {3.238, 1.508, 6.509, 0.724, 5.359, 3.657, 0.58, 5.074};
static const double n8x50_b[] = {
    1.375, 5.336, 1.699, 1.907,  5.245, 9.269, 2.238, 3.232, 7.274, 10.477, 6.771, 4.967, 10.763,
    1.466, 9.585, 3.896, 2.443,  2.178, 4.085, 9.161, 2.807, 6.816, 7.389,  4.724, 6.477, 1.628,
    1.596, 3.06,  7.804, 5.276,  4.141, 6.856, 5.532, 3.998, 8.944, 7.99,   3.441, 6.744, 6.252,
    9.751, 8.294, 3.879, 10.802, 2.181, 5.181, 8.571, 2.52,  5.89,  1.392,  7.682};

static const mw_case_t mw_cases[] = {
    MW_CASE("same3", same3_a, same3_b, 3, 0.7, 1),
    MW_CASE("sep4", sep4_a, sep4_b, 0, 0.02857142857142857, 1),
    MW_CASE("sep4rev", sep4_b, sep4_a, 16, 0.02857142857142857, 1),
    MW_CASE("half", half_a, half_b, 2, 1.0, 1),
    MW_CASE("one", one_a, one_b, 0, 1.0, 1),
    MW_CASE("ties4", ties4_a, ties4_b, 3, 0.1720337089218229, 0),
    MW_CASE("n8x8", n8x8_a, n8x8_b, 28, 0.7209013209013208, 1),
    MW_CASE("n9x9", n9x9_a, n9x9_b, 36, 0.7239320396139757, 0),
    MW_CASE("n10x12", n10x12_a, n10x12_b, 15, 0.0033436220846027958, 0),
    MW_CASE("n5x20", n5x20_a, n5x20_b, 11, 0.00564652738565782, 1),
    MW_CASE("ties12x15", ties12x15_a, ties12x15_b, 40, 0.01459236811611378, 0),
    MW_CASE("tiesmid", tiesmid_a, tiesmid_b, 8, 1.0, 0),
    MW_CASE("allsame", allsame_a, allsame_b, 15, 1.0, 0),
    MW_CASE("n8x50", n8x50_a, n8x50_b, 115, 0.05564801838351494, 1),
};

static void test_mann_whitney_table(void) {
  for (size_t i = 0; i < COUNT(mw_cases); i++) {
    const mw_case_t *c = &mw_cases[i];
    hl_utest_t r = {-1, -1, -1};
    int rc = hl_mann_whitney(c->a, c->na, c->b, c->nb, &r);
    if (rc != 0 || r.u != c->u || r.exact != c->exact)
      fprintf(stderr, "mann-whitney case %s:\n", c->name);
    CHECK_INT(rc, 0);
    CHECK_NEAR(r.u, c->u, 0);
    CHECK_REL(r.p_value, c->p, 1e-9);
    CHECK_INT(r.exact, c->exact);
  }
}

/* Swapping the samples turns U1 into U2 = na*nb - U1 and keeps the
 * two-sided p. */
static void test_mann_whitney_swap(void) {
  hl_utest_t ab, ba;
  CHECK_INT(hl_mann_whitney(n5x20_a, 5, n5x20_b, 20, &ab), 0);
  CHECK_INT(hl_mann_whitney(n5x20_b, 20, n5x20_a, 5, &ba), 0);
  CHECK_NEAR(ba.u, 100 - 11, 0);
  CHECK_REL(ba.p_value, ab.p_value, 1e-12);
}

static void test_mann_whitney_invalid(void) {
  const double x[] = {1, 2, 3};
  hl_utest_t r = {-1, -1, -1};
  CHECK_INT(hl_mann_whitney(x, 0, x, 3, &r), HL_EINVAL);
  CHECK_INT(hl_mann_whitney(x, 3, x, 0, &r), HL_EINVAL);
  CHECK_INT(hl_mann_whitney(x, 3, x, 3, NULL), HL_EINVAL);
  CHECK_INT(hl_mann_whitney(NULL, 3, x, 3, &r), HL_EINVAL);
  /* a failed call leaves the result alone */
  CHECK(r.u == -1 && r.p_value == -1 && r.exact == -1);
}

/* Wilson score intervals: Newcombe (1998), "Two-sided confidence intervals
 * for the single proportion", Table I, method 3 (to the 4 decimals it
 * prints), and the edges. */
static void test_wilson(void) {
  static const struct {
    uint64_t k, n;
    double lo, hi;
  } cases[] = {
      {81, 263, 0.2553, 0.3662},
      {15, 148, 0.0624, 0.1605},
      {0, 20, 0.0000, 0.1611},
      {1, 29, 0.0061, 0.1718},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    double lo, hi;
    hl_wilson95(cases[i].k, cases[i].n, &lo, &hi);
    CHECK(fabs(lo - cases[i].lo) < 0.00005);
    CHECK(fabs(hi - cases[i].hi) < 0.00005);
  }
  double lo, hi;
  hl_wilson95(5, 5, &lo, &hi);
  CHECK(hi == 1.0 && lo > 0.56 && lo < 0.57);
  hl_wilson95(0, 0, &lo, &hi);
  CHECK(lo == 0.0 && hi == 1.0);
}

/* Small run counts, where OOM cells are, with the values of R's
 * binom::binom.wilson and statsmodels' proportion_confint(method="wilson")
 * to 6 decimals: 0/5 [0, 0.4345], 5/5 [0.5655, 1], 3/5 [0.2307, 0.8824];
 * and the interval is symmetric in k <-> n - k. */
static void test_wilson_small_n(void) {
  static const struct {
    uint64_t k, n;
    double lo, hi;
  } known[] = {
      {0, 5, 0, 0.434482},         {5, 5, 0.565518, 1},           {3, 5, 0.230724, 0.882379},
      {1, 10, 0.017876, 0.404150}, {50, 100, 0.403832, 0.596168}, {0, 1, 0, 0.793451},
      {4, 5, 0.375535, 0.963776},
  };
  for (size_t i = 0; i < COUNT(known); i++) {
    double lo = -1, hi = -1;
    hl_wilson95(known[i].k, known[i].n, &lo, &hi);
    CHECK_NEAR(lo, known[i].lo, 1e-6);
    CHECK_NEAR(hi, known[i].hi, 1e-6);
  }
  double lo, hi, lo2, hi2;
  hl_wilson95(2, 9, &lo, &hi);
  hl_wilson95(7, 9, &lo2, &hi2);
  CHECK_NEAR(lo, 1 - hi2, 1e-12);
  CHECK_NEAR(hi, 1 - lo2, 1e-12);
}

int main(void) {
  test_wilson();
  test_descriptive_odd();
  test_descriptive_even();
  test_descriptive_single();
  test_stddev_large_offset();
  test_holm();
  test_mann_whitney_table();
  test_mann_whitney_swap();
  test_mann_whitney_invalid();
  test_wilson_small_n();
  return th_done("test_stats");
}
