/* Descriptive statistics and the two-sample tests compare and gate use.
 *
 * Everything works on plain arrays of doubles and allocates at most a scratch
 * copy (never inside a timed loop: these run on results files). Inputs with
 * NaN or infinity are rejected by the caller, not here.
 */
#ifndef HL_STATS_H
#define HL_STATS_H

#include <stddef.h>
#include <stdint.h>

double hl_stats_mean(const double *x, size_t n);   /* n >= 1 */
double hl_stats_median(const double *x, size_t n); /* n >= 1; mean of the middle two for even n */
double hl_stats_stddev(const double *x, size_t n); /* sample (n-1); 0 when n < 2 */
double hl_stats_min(const double *x, size_t n);
double hl_stats_max(const double *x, size_t n);

/* Two-sided Mann-Whitney U test, computed as scipy.stats.mannwhitneyu does
 * with its defaults (scipy 1.10: method="auto", use_continuity=True), so
 * heaplab compare and Google Benchmark's compare.py agree on p-values:
 *   - exact distribution of U when at least one sample has 8 or fewer
 *     values (scipy goes asymptotic only when both have more than 8) and
 *     there are no ties;
 *   - otherwise the normal approximation with tie correction and continuity
 *     correction.
 * u is scipy's U1 (the statistic for sample a). */
typedef struct hl_utest {
  double u;
  double p_value;
  int exact; /* 1: exact distribution; 0: normal approximation */
} hl_utest_t;

/* 0; HL_EINVAL for an empty sample or a NULL argument, HL_ENOMEM, or
 * HL_ERANGE when the sizes would overflow the exact distribution. */
int hl_mann_whitney(const double *a, size_t na, const double *b, size_t nb, hl_utest_t *out);

/* Holm-Bonferroni step-down adjustment of n p-values: adjusted[i] is the
 * smallest family-wise alpha at which hypothesis i is rejected (monotone,
 * capped at 1). adjusted may alias p. If its scratch copy cannot be
 * allocated every adjusted value is 1 (nothing rejected). */
void hl_holm(const double *p, size_t n, double *adjusted);

/* Wilson score interval for a proportion: `successes` of `n` trials, at
 * z = 1.959964 (95%). Unlike the normal approximation it stays inside
 * [0, 1] and is not empty at 0 or n. n == 0 gives [0, 1]. */
void hl_wilson95(uint64_t successes, uint64_t n, double *lo, double *hi);

#endif
