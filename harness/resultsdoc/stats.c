/* Descriptive statistics, the Mann-Whitney U test and Holm's adjustment, as
 * used by compare and gate on results files.
 *
 * The U test reproduces scipy.stats.mannwhitneyu(a, b) with its defaults in
 * scipy 1.10 (method="auto", use_continuity=True, two-sided) so heaplab and
 * Google Benchmark's compare.py report the same p-values. This file does not
 * validate values: NaN and infinity are rejected by the caller (the sort
 * comparator still orders NaN consistently so a bad input cannot corrupt
 * qsort). Nothing here keeps state between calls.
 */
#include "stats.h"

#include "error.h"

#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* scipy's "auto" rule (_mwu_choose_method): the normal approximation when
 * both samples have more than this many values, or when there is any tie;
 * otherwise the exact distribution. (The scipy docstring says "less than 8";
 * the code says "> 8" for both, and the code is what runs.) */
#define MW_EXACT_MAX_N 8

static const double sqrt1_2 = 0.70710678118654752440;

/* Total order on doubles with NaN after everything, so qsort always sees a
 * consistent comparator. */
static int cmp_double(double x, double y) {
  if (x < y) return -1;
  if (x > y) return 1;
  if (isnan(x)) return isnan(y) ? 0 : 1;
  return isnan(y) ? -1 : 0;
}

static int cmp_double_qsort(const void *pa, const void *pb) {
  return cmp_double(*(const double *)pa, *(const double *)pb);
}

/* ---- descriptive statistics ------------------------------------------- */

/* All of these return NaN for n == 0 (a precondition violation) rather than
 * reading out of bounds. */
double hl_stats_mean(const double *x, size_t n) {
  if (!x || n == 0) return NAN;
  double sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += x[i];
  return sum / (double)n;
}

/* Sorts a scratch copy; returns NaN if the copy cannot be allocated (the
 * interface has no error channel). */
double hl_stats_median(const double *x, size_t n) {
  if (!x || n == 0) return NAN;
  double *s = malloc(n * sizeof *s);
  if (!s) return NAN;
  memcpy(s, x, n * sizeof *s);
  qsort(s, n, sizeof *s, cmp_double_qsort);
  double m = (n % 2) ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  free(s);
  return m;
}

/* Two passes (mean, then squared deviations) rather than the one-pass sum of
 * squares, which cancels badly when the spread is small next to the mean
 * (typical for timings). */
double hl_stats_stddev(const double *x, size_t n) {
  if (!x || n < 2) return 0;
  double mean = hl_stats_mean(x, n);
  double ss = 0;
  for (size_t i = 0; i < n; i++) {
    double d = x[i] - mean;
    ss += d * d;
  }
  return sqrt(ss / (double)(n - 1));
}

double hl_stats_min(const double *x, size_t n) {
  if (!x || n == 0) return NAN;
  double m = x[0];
  for (size_t i = 1; i < n; i++)
    if (x[i] < m) m = x[i];
  return m;
}

double hl_stats_max(const double *x, size_t n) {
  if (!x || n == 0) return NAN;
  double m = x[0];
  for (size_t i = 1; i < n; i++)
    if (x[i] > m) m = x[i];
  return m;
}

/* ---- Mann-Whitney U: ranking -------------------------------------------- */

typedef struct mw_obs {
  double value;
  int in_a; /* 1: from sample a, 0: from sample b */
} mw_obs_t;

static int cmp_obs(const void *pa, const void *pb) {
  const mw_obs_t *a = pa, *b = pb;
  return cmp_double(a->value, b->value);
}

/* What the ranking pass yields: the rank sum of sample a (tied values get the
 * mean of the ranks they span, as scipy.stats.rankdata's "average"), the tie
 * term sum(t^3 - t) over groups of t equal values, and whether any tie exists. */
typedef struct mw_ranks {
  double rank_sum_a;
  double tie_term;
  int has_ties;
} mw_ranks_t;

static int mw_rank(const double *a, size_t na, const double *b, size_t nb, mw_ranks_t *r) {
  size_t n = na + nb;
  mw_obs_t *obs = malloc(n * sizeof *obs);
  if (!obs) return HL_ENOMEM;
  for (size_t i = 0; i < na; i++)
    obs[i] = (mw_obs_t){a[i], 1};
  for (size_t i = 0; i < nb; i++)
    obs[na + i] = (mw_obs_t){b[i], 0};
  qsort(obs, n, sizeof *obs, cmp_obs);

  *r = (mw_ranks_t){0, 0, 0};
  for (size_t i = 0; i < n;) {
    size_t j = i, from_a = 0;
    while (j < n && cmp_double(obs[j].value, obs[i].value) == 0)
      from_a += (size_t)obs[j++].in_a;
    /* positions i..j-1 hold ranks i+1..j; their mean is (i+1+j)/2 */
    double t = (double)(j - i);
    r->rank_sum_a += (double)from_a * ((double)(i + 1 + j) / 2);
    r->tie_term += t * t * t - t;
    if (j - i > 1) r->has_ties = 1;
    i = j;
  }
  free(obs);
  return 0;
}

/* ---- Mann-Whitney U: exact null distribution ----------------------------- */

/* Under H0 every choice of which m of the m+n sorted positions belong to the
 * first sample is equally likely, and the number of choices giving U = k is
 * the coefficient of q^k in the Gaussian binomial
 *
 *   [m+n choose m]_q = prod_{i=1..m} (1 - q^(n+i)) / (1 - q^i).
 *
 * That is the same count scipy gets from the recurrence of Di Bucchianico
 * (1999), f(m,n,k) = f(m-1,n,k-n) + f(m,n-1,k), but the product costs
 * O(m * k_max) instead of O(m * n * k_max): step i turns the coefficients of
 * [n+i-1 choose i-1]_q into those of [n+i choose i]_q by multiplying by
 * (1 - q^(n+i)) (one descending pass) and dividing by (1 - q^i) (one
 * ascending pass, a power-series division that is exact because the quotient
 * is a polynomial). Only coefficients 0..k_max are ever needed, and both
 * passes only read lower coefficients, so the array is truncated there.
 *
 * Counts are doubles, as in scipy: C(100, 50) ~ 1e29 fits easily, and the
 * relative rounding error stays near machine epsilon because k_max is at
 * most half of m*n, where the subtraction above never cancels badly. The
 * smaller sample is taken as m (the distribution is symmetric in m and n),
 * which is at most MW_EXACT_MAX_N whenever the auto rule picks this path. */
static void mw_exact_counts(size_t m, size_t n, size_t k_max, double *c) {
  memset(c, 0, (k_max + 1) * sizeof *c);
  c[0] = 1;
  for (size_t i = 1; i <= m; i++) {
    size_t up = n + i;
    for (size_t k = k_max; k >= up; k--)
      c[k] -= c[k - up]; /* up >= 2 */
    for (size_t k = i; k <= k_max; k++)
      c[k] += c[k - i];
  }
}

/* Two-sided exact p-value, scipy's way: with U = max(U1, U2) the one-sided
 * p is P(U' >= U) = P(U' <= m*n - U) by symmetry, the two-sided p doubles it,
 * and the result is clipped to 1 (it exceeds 1 when U = m*n/2). */
static int mw_exact_p(size_t na, size_t nb, double u1, double *p_out) {
  size_t m = na < nb ? na : nb, n = na < nb ? nb : na;
  double u2 = (double)na * (double)nb - u1;
  size_t k_max = (size_t)(u1 < u2 ? u1 : u2); /* integral: no ties here */
  double *c = malloc((k_max + 1) * sizeof *c);
  if (!c) return HL_ENOMEM;
  mw_exact_counts(m, n, k_max, c);

  double tail = 0, total = 1; /* total = C(m+n, m) */
  for (size_t k = 0; k <= k_max; k++)
    tail += c[k];
  for (size_t i = 1; i <= m; i++)
    total = total * (double)(n + i) / (double)i;
  free(c);

  double p = 2 * tail / total;
  *p_out = p > 1 ? 1 : p;
  return 0;
}

/* ---- Mann-Whitney U: normal approximation -------------------------------- */

/* scipy's _get_mwu_z: mean m*n/2, standard deviation
 *   sqrt(m*n/12 * ((N+1) - sum(t^3 - t) / (N*(N-1)))),  N = m + n,
 * and a continuity correction of 0.5 subtracted from U - mean, where
 * U = max(U1, U2); the two-sided p is 2 * sf(z) clipped to 1. When every
 * value is the same the variance is exactly 0 and scipy's z is -inf, so p is
 * 1; we say so directly instead of dividing by zero. */
static double mw_normal_p(size_t na, size_t nb, double u1, double tie_term) {
  double mn = (double)na * (double)nb;
  double n = (double)(na + nb);
  double u = u1 > mn - u1 ? u1 : mn - u1;
  double var = mn / 12 * ((n + 1) - tie_term / (n * (n - 1)));
  if (!(var > 0)) return 1;
  double z = (u - mn / 2 - 0.5) / sqrt(var);
  double p = erfc(z * sqrt1_2); /* 2 * sf(z) = 2 * erfc(z / sqrt 2) / 2 */
  return p > 1 ? 1 : p;
}

int hl_mann_whitney(const double *a, size_t na, const double *b, size_t nb, hl_utest_t *out) {
  if (!a || !b || !out || na == 0 || nb == 0) return HL_EINVAL;
  size_t limit = SIZE_MAX / sizeof(mw_obs_t);
  if (na > limit || nb > limit - na) return HL_ERANGE;

  mw_ranks_t r;
  int rc = mw_rank(a, na, b, nb, &r);
  if (rc) return rc;
  double u1 = r.rank_sum_a - (double)na * ((double)na + 1) / 2;

  int exact = !(na > MW_EXACT_MAX_N && nb > MW_EXACT_MAX_N) && !r.has_ties;
  double p;
  if (exact) {
    rc = mw_exact_p(na, nb, u1, &p);
    if (rc) return rc;
  } else {
    p = mw_normal_p(na, nb, u1, r.tie_term);
  }
  *out = (hl_utest_t){.u = u1, .p_value = p, .exact = exact};
  return 0;
}

/* ---- Holm-Bonferroni ---------------------------------------------------- */

typedef struct holm_item {
  double p;
  size_t index;
} holm_item_t;

static int cmp_holm(const void *pa, const void *pb) {
  const holm_item_t *a = pa, *b = pb;
  return cmp_double(a->p, b->p);
}

/* Sort ascending; the j-th smallest (0-based) gets min(1, (n - j) * p_(j)),
 * and a running maximum makes the sequence monotone (a hypothesis is never
 * easier to reject than one with a smaller p). Ties in p get equal results
 * whatever their order. The p-values are copied before anything is written,
 * so adjusted may alias p. If the scratch array cannot be allocated there is
 * no error channel, so every hypothesis gets 1: conservative, never a false
 * rejection. */
void hl_holm(const double *p, size_t n, double *adjusted) {
  if (!p || !adjusted || n == 0) return;
  holm_item_t *items = malloc(n * sizeof *items);
  if (!items) {
    for (size_t i = 0; i < n; i++)
      adjusted[i] = 1;
    return;
  }
  for (size_t i = 0; i < n; i++)
    items[i] = (holm_item_t){p[i], i};
  qsort(items, n, sizeof *items, cmp_holm);

  double running = 0;
  for (size_t j = 0; j < n; j++) {
    double v = (double)(n - j) * items[j].p;
    if (v > 1) v = 1;
    if (v > running) running = v;
    adjusted[items[j].index] = running;
  }
  free(items);
}

void hl_wilson95(uint64_t successes, uint64_t n, double *lo, double *hi) {
  if (n == 0) {
    *lo = 0;
    *hi = 1;
    return;
  }
  const double z = 1.959963984540054, z2 = z * z;
  double p = (double)successes / (double)n, nn = (double)n;
  double centre = (p + z2 / (2 * nn)) / (1 + z2 / nn);
  double half = z * sqrt(p * (1 - p) / nn + z2 / (4 * nn * nn)) / (1 + z2 / nn);
  *lo = successes == 0 ? 0.0 : centre - half;
  *hi = successes == n ? 1.0 : centre + half;
}
