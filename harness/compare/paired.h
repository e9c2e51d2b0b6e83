/* The paired test of the gate: one ratio per round.
 *
 * A gate round runs base and new back to back (gate.c), so the two
 * repetitions of a round share the machine's state of that moment: the
 * load, the frequency, what the neighbours are doing. Their ratio
 * new / base cancels what they share, which the unpaired U test (stats.h)
 * has to count as noise. Everything here works on the log ratios
 * d_i = log(new_i / base_i), whose null hypothesis (no change) makes them
 * symmetric around 0:
 *
 *  - the test: Wilcoxon's signed-rank test on d (zeros dropped, as
 *    Wilcoxon did; average ranks for ties); the exact null distribution of
 *    W+ for up to 50 pairs without ties, else the normal approximation with
 *    the tie correction;
 *  - the effect: change = exp(median d) - 1, the typical ratio of a round;
 *  - its spread: the robust standard deviation of d, 1.4826 x MAD, and the
 *    standard error of the median, se = 1.2533 x spread / sqrt(n). The gate's
 *    threshold is max(min_threshold, noise_z x se) on the log scale.
 *
 * Pure: plain arrays in, figures out; a scratch copy is the only
 * allocation. */
#ifndef HL_PAIRED_H
#define HL_PAIRED_H

#include <stddef.h>

/* Wilcoxon signed-rank: for the n differences d (zeros are dropped), W+
 * (the sum of the ranks of the positive ones), the two-sided p-value and
 * whether it is exact. 0; HL_EINVAL for NULL or non-finite input, HL_ENOMEM.
 * No non-zero difference: p = 1. */
typedef struct hl_signed_rank {
  double w_plus;
  size_t n_used; /* differences left after dropping zeros */
  double p_value;
  int exact;
} hl_signed_rank_t;

int hl_signed_rank(const double *d, size_t n, hl_signed_rank_t *out);

/* The paired figures of n rounds (base[i] and new_[i] measured together). */
typedef struct hl_paired {
  size_t n;
  double change;     /* exp(median log ratio) - 1 */
  double log_spread; /* 1.4826 x MAD of the log ratios */
  double log_se;     /* 1.2533 x log_spread / sqrt(n) */
  hl_signed_rank_t test;
} hl_paired_t;

/* 0; HL_EINVAL for n == 0, NULL, or a value that is not finite and > 0;
 * HL_ENOMEM. */
int hl_paired_compare(const double *base, const double *new_, size_t n, hl_paired_t *out);

#endif
