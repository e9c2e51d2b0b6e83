/* The paired test (paired.h): Wilcoxon's signed-rank test and the figures
 * of the per-round ratios. */
#include "paired.h"

#include "error.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* Exact null distribution up to this many non-zero differences: the
 * counts of W+ over the 2^n sign patterns fit a double exactly (2^50). */
#define SR_EXACT_MAX_N 50
#define MEDIAN_SE_FACTOR 1.2533141373155
#define MAD_TO_SD 1.4826

typedef struct ranked {
  double abs;
  int positive;
} ranked_t;

static int cmp_abs(const void *pa, const void *pb) {
  double x = ((const ranked_t *)pa)->abs, y = ((const ranked_t *)pb)->abs;
  return (x > y) - (x < y);
}

/* P(W+ <= w) * 2^n by dynamic programming over the ranks 1..n: c[s] is the
 * number of subsets of {1..k} with sum s. */
static double exact_lower_tail(size_t n, double w) {
  size_t total = n * (n + 1) / 2;
  double *c = calloc(total + 1, sizeof *c);
  if (!c) return NAN;
  c[0] = 1;
  for (size_t k = 1; k <= n; k++)
    for (size_t s = total; s >= k; s--)
      c[s] += c[s - k];
  double tail = 0;
  for (size_t s = 0; s <= total && (double)s <= w + 1e-9; s++)
    tail += c[s];
  free(c);
  return tail;
}

/* Two-sided p: twice the smaller tail, W+ and total - W+ symmetric. */
static double exact_p(size_t n, double w_plus) {
  double total = (double)n * (double)(n + 1) / 2;
  double w = w_plus < total - w_plus ? w_plus : total - w_plus;
  double p = 2 * exact_lower_tail(n, w) / ldexp(1.0, (int)n);
  return p > 1 ? 1 : p;
}

/* Normal approximation; tie_sum is the sum of t^3 - t over the tie groups. */
static double normal_p(size_t n, double w_plus, double tie_sum) {
  double nn = (double)n;
  double mean = nn * (nn + 1) / 4;
  double var = nn * (nn + 1) * (2 * nn + 1) / 24 - tie_sum / 48;
  if (!(var > 0)) return 1;
  double z = fabs(w_plus - mean) / sqrt(var);
  return erfc(z / sqrt(2.0));
}

/* Ranks the non-zero |d| (average ranks for ties) into W+ and the tie sum;
 * returns 1 when some |d| are tied. */
static int rank_sum(ranked_t *r, size_t m, double *w_plus, double *tie_sum) {
  qsort(r, m, sizeof *r, cmp_abs);
  int ties = 0;
  *w_plus = *tie_sum = 0;
  for (size_t i = 0; i < m;) {
    size_t j = i + 1;
    while (j < m && r[j].abs == r[i].abs)
      j++;
    double rank = ((double)i + 1 + (double)j) / 2, t = (double)(j - i);
    if (j - i > 1) ties = 1, *tie_sum += t * t * t - t;
    for (size_t k = i; k < j; k++)
      if (r[k].positive) *w_plus += rank;
    i = j;
  }
  return ties;
}

int hl_signed_rank(const double *d, size_t n, hl_signed_rank_t *out) {
  if (!d || !out) return HL_EINVAL;
  memset(out, 0, sizeof *out);
  out->p_value = 1;
  ranked_t *r = malloc((n ? n : 1) * sizeof *r);
  if (!r) return HL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(d[i])) {
      free(r);
      return HL_EINVAL;
    }
    if (d[i] != 0) r[m++] = (ranked_t){fabs(d[i]), d[i] > 0};
  }
  out->n_used = m;
  if (m == 0) {
    free(r);
    return 0;
  }
  double tie_sum;
  int ties = rank_sum(r, m, &out->w_plus, &tie_sum);
  free(r);
  out->exact = !ties && m <= SR_EXACT_MAX_N;
  out->p_value = out->exact ? exact_p(m, out->w_plus) : normal_p(m, out->w_plus, tie_sum);
  return isnan(out->p_value) ? HL_ENOMEM : 0;
}

/* ---- the biweight test -------------------------------------------------- */

#define BW_EXACT_MAX_N 20
#define BW_C_PER_MEDIAN 2.0

static double bw_psi(double u) {
  double v = 1 - u * u;
  return fabs(u) < 1 ? u * v * v : 0;
}

static double bw_dpsi(double u) { return fabs(u) < 1 ? (1 - u * u) * (1 - 5 * u * u) : 0; }

/* P(|sum s_i w_i| >= |t|) over the 2^m sign patterns s, walked in Gray-code
 * order (one sign flips a step). */
static double bw_exact_p(const double *w, size_t m, double t) {
  double sum = 0; /* every sign + */
  for (size_t i = 0; i < m; i++)
    sum += w[i];
  double at = fabs(t) - 1e-12 * (sum > 0 ? sum : 1);
  unsigned long patterns = 1ul << m, hits = fabs(sum) >= at;
  unsigned long gray = 0;
  for (unsigned long k = 1; k < patterns; k++) {
    unsigned long next = k ^ (k >> 1), bit = next ^ gray;
    size_t i = (size_t)__builtin_ctzl(bit);
    sum += next & bit ? -2 * w[i] : 2 * w[i]; /* bit set: that sign is now - */
    gray = next;
    hits += fabs(sum) >= at;
  }
  return (double)hits / (double)patterns;
}

/* The M-estimate from the median by Newton steps, and Huber's standard
 * error; the median and NAN when the score is flat there. */
static void bw_estimate(const double *d, size_t n, double c, double *mu, double *se) {
  *se = NAN;
  *mu = hl_stats_median(d, n);
  if (isnan(*mu)) return;
  for (int it = 0; it < 100; it++) {
    double num = 0, den = 0;
    for (size_t i = 0; i < n; i++)
      num += bw_psi((d[i] - *mu) / c), den += bw_dpsi((d[i] - *mu) / c);
    if (!(den > 0)) return;
    double step = c * num / den;
    *mu += step;
    if (fabs(step) < 1e-12 * c) break;
  }
  double a = 0, b = 0;
  for (size_t i = 0; i < n; i++) {
    double u = (d[i] - *mu) / c, p = bw_psi(u);
    a += bw_dpsi(u), b += p * p;
  }
  a /= (double)n, b /= (double)n;
  if (a > 0) *se = c * sqrt(b) / (a * sqrt((double)n));
}

int hl_biweight_test(const double *d, size_t n, hl_biweight_t *out) {
  if (!d || !out) return HL_EINVAL;
  memset(out, 0, sizeof *out);
  out->p_value = 1;
  double *w = malloc((n ? n : 1) * sizeof *w);
  if (!w) return HL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; i < n; i++) {
    if (!isfinite(d[i])) {
      free(w);
      return HL_EINVAL;
    }
    if (d[i] != 0) w[m++] = fabs(d[i]);
  }
  out->n_used = m;
  if (m == 0) {
    free(w);
    return 0;
  }
  out->c = BW_C_PER_MEDIAN * hl_stats_median(w, m); /* w: the non-zero |d| */
  double t = 0, var = 0;
  for (size_t i = 0, k = 0; i < n; i++) {
    if (d[i] == 0) continue;
    w[k] = bw_psi(fabs(d[i]) / out->c);
    t += d[i] > 0 ? w[k] : -w[k];
    var += w[k] * w[k];
    k++;
  }
  out->exact = m <= BW_EXACT_MAX_N;
  out->p_value = out->exact ? bw_exact_p(w, m, t) : var > 0 ? erfc(fabs(t) / sqrt(2 * var)) : 1;
  free(w);
  bw_estimate(d, n, out->c, &out->location, &out->log_se);
  return 0;
}

int hl_paired_compare(const double *base, const double *new_, size_t n, hl_paired_t *out) {
  if (!base || !new_ || !out || n == 0) return HL_EINVAL;
  memset(out, 0, sizeof *out);
  double *d = malloc(2 * n * sizeof *d);
  if (!d) return HL_ENOMEM;
  for (size_t i = 0; i < n; i++) {
    if (!(isfinite(base[i]) && isfinite(new_[i]) && base[i] > 0 && new_[i] > 0)) {
      free(d);
      return HL_EINVAL;
    }
    d[i] = log(new_[i] / base[i]);
  }
  double med = hl_stats_median(d, n);
  for (size_t i = 0; i < n; i++)
    d[n + i] = fabs(d[i] - med);
  double mad = hl_stats_median(d + n, n);
  out->n = n;
  out->change = expm1(med);
  out->log_spread = MAD_TO_SD * mad;
  out->log_se = MEDIAN_SE_FACTOR * out->log_spread / sqrt((double)n);
  int rc = isnan(med) || isnan(mad) ? HL_ENOMEM : hl_signed_rank(d, n, &out->test);
  if (rc == 0) rc = hl_biweight_test(d, n, &out->biweight);
  if (rc == 0 && isnan(out->biweight.log_se)) { /* the score flat at the median */
    out->biweight.location = med;
    out->biweight.log_se = out->log_se;
  }
  free(d);
  return rc;
}
