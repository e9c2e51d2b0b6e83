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
 *    threshold is max(min_threshold, noise_z x se) on the log scale;
 *  - the biweight test, for the machine whose speed jumps: a sign-flip test
 *    of Tukey's biweight score, and the biweight M-estimate of the shift.
 *
 * Why a second paired test. On a shared VM whose vCPU runs at one of two
 * speeds, switching every 10 to 300 ms (its host core's other thread busy
 * or not; measured here with a spin loop: 415 or 600 us a step), a round's
 * two runs share the speed in some rounds and not in others: the log ratios
 * of 160 A/A rounds had a sharp peak (a third within +-5%) and tails out to
 * +-0.55 (1.7x). Ranks weigh the tails as much as the peak; the biweight
 * score psi(u) = u (1 - u^2)^2 for |u| < 1 (0 beyond), with
 * u = d / c and c = 2 x the median of the non-zero |d|, weighs the peak and
 * gives the tails nothing. Resampled from those rounds, a 5% shift was found
 * (p < 0.0069, the gate's level at its last look) in 55-67% of 100-round
 * samples and 93% of 200-round ones, against 13-21% and 34-49% for the
 * signed-rank test; on normal noise the signed-rank test is the stronger
 * (a 3% shift in 50 rounds of 3% noise: 100% against 90%), hence both.
 *
 * Its p-value is exact for any noise that is symmetric under the null: c
 * depends on |d| alone, which flipping signs leaves as it is, so the test
 * is a permutation test of T = sum sign(d_i) psi(|d_i| / c): all 2^m sign
 * patterns counted for up to 20 non-zero d, else the normal approximation
 * T / sqrt(sum psi^2) (the sign flips' exact mean and variance). The
 * estimate starts at the median and takes Newton steps on sum psi((d - mu)
 * / c) = 0; its standard error is Huber's, c sqrt(mean psi^2) / (mean psi'
 * sqrt(n)).
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

/* The biweight sign-flip test and estimate of the n differences d. 0;
 * HL_EINVAL for NULL or non-finite input. No non-zero difference: p = 1,
 * location 0. */
typedef struct hl_biweight {
  size_t n_used;   /* non-zero differences */
  double c;        /* the score's scale: 2 x median of the non-zero |d| */
  double location; /* the M-estimate of the shift, log scale */
  double log_se;   /* its standard error */
  double p_value;  /* two-sided */
  int exact;       /* every sign pattern counted */
} hl_biweight_t;

int hl_biweight_test(const double *d, size_t n, hl_biweight_t *out);

/* The paired figures of n rounds (base[i] and new_[i] measured together). */
typedef struct hl_paired {
  size_t n;
  double change;     /* exp(median log ratio) - 1 */
  double log_spread; /* 1.4826 x MAD of the log ratios */
  double log_se;     /* 1.2533 x log_spread / sqrt(n) */
  hl_signed_rank_t test;
  hl_biweight_t biweight;
} hl_paired_t;

/* 0; HL_EINVAL for n == 0, NULL, or a value that is not finite and > 0;
 * HL_ENOMEM. */
int hl_paired_compare(const double *base, const double *new_, size_t n, hl_paired_t *out);

#endif
