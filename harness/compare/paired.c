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
  free(d);
  return rc;
}
