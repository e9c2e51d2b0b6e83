/* Adaptive rounds: a sequential gate with a fixed number of looks.
 *
 * `--rounds` is the minimum, `--max-rounds` the maximum, and between them
 * the gate looks at its data `looks` times, at evenly spaced round counts
 * (20, 110, 200 for 20..200 and 3 looks). At each look every benchmark
 * still open is decided by hl_gate_decide() at the level alpha x share_k,
 * where look k's share is its rounds over the sum of every look's rounds
 * (20/330, 110/330, 200/330): Holm over the open benchmarks within the look, a weighted
 * Bonferroni split over the looks. A regression or a speed-up that is
 * significant and above its threshold, or a change whose upper confidence
 * bound is below the smallest slowdown that counts, closes the benchmark,
 * and its verdict and figures are kept as they were at that look
 * (hl_gate_frozen_t). Only benchmarks whose bound still reaches it
 * (undecided) wait for the next look.
 *
 * Why the false-alarm rate stays at alpha: a false alarm at some look is a
 * false rejection in that look's Holm family, which has probability at most
 * alpha x share_k whatever happened before (Holm holds for any subset of
 * true null hypotheses, and a benchmark closed as the same can only lower
 * the count); over the looks the union bound gives alpha, since the shares
 * sum to 1. Stopping early for "same" only removes chances to fail. Fewer
 * looks than planned (a time budget, `--budget SEC`) spend less than alpha.
 * The unit tests measure the rate on thousands of simulated A/A gates with
 * drift.
 *
 * Why shares by rounds rather than equal ones: a large slowdown is found at
 * the first look even with a small share, and what is still open at the
 * last look is the hard case (a small slowdown, a noisy machine), which the
 * last look's data, the most, decides best with the most alpha: on rounds
 * saved by the gate from this machine, resampled, 10% slowdowns missed in
 * 30 rounds were found more often with the weighted split than with the
 * equal one at the same false-alarm rate (README, "Does it work?").
 *
 * With two binaries a round runs only the cells with a benchmark still
 * open (gate.c); rows a closed benchmark gets anyway (a results file, a
 * whole-suite round) are not used for its timing. */
#ifndef HL_SEQUENTIAL_H
#define HL_SEQUENTIAL_H

#include "gate_decide.h"

#include <stddef.h>

typedef struct hl_seq_plan {
  unsigned min_rounds, max_rounds, looks;
} hl_seq_plan_t;

/* Checks and completes a plan: looks 0 means the default (min(3, the
 * number of round counts from min to max)); max_rounds below min_rounds or
 * more looks than round counts is an error (HL_EINVAL, why says it). */
int hl_seq_plan_check(hl_seq_plan_t *p, char *why, size_t why_len);

/* Rounds at look k (0-based): min + k (max - min) / (looks - 1), rounded
 * up; the last look is max_rounds. */
unsigned hl_seq_look_rounds(const hl_seq_plan_t *p, unsigned k);

/* Look k's share of alpha: its rounds over the sum of every look's rounds
 * (the shares of a plan sum to 1). */
double hl_seq_look_share(const hl_seq_plan_t *p, unsigned k);

/* One benchmark's figures at one look. */
typedef struct hl_seq_look_rec {
  unsigned rounds;
  double alpha; /* the look's level, alpha x its share (each test gets half with both) */
  hl_gate_test_figures_t test[HL_GATE_NTESTS];
} hl_seq_look_rec_t;

typedef struct hl_seq_entry {
  char *name;
  int closed;              /* decided at look `closed_at` */
  unsigned closed_at;      /* 0-based look */
  hl_gate_frozen_t frozen; /* its figures then */
  hl_seq_look_rec_t *looks;
  size_t nlooks;
} hl_seq_entry_t;

typedef struct hl_seq {
  hl_seq_entry_t *e;
  size_t n;
  unsigned looks_taken;
} hl_seq_t;

/* Decides look `look` of benchmarks b[0..n) (a set loaded from every round
 * so far): benchmarks closed earlier keep their figures, the others are
 * decided at alpha x o->look_share, and those now decided are closed. *open is
 * the number of benchmarks left undecided. 0, or HL_ENOMEM / HL_EINVAL. */
int hl_seq_look(hl_seq_t *s, hl_gate_bench_t *b, size_t n, const hl_gate_opts_t *o,
                unsigned look, hl_gate_tally_t *t, size_t *open);

/* The entry of a benchmark, or NULL. */
const hl_seq_entry_t *hl_seq_find(const hl_seq_t *s, const char *name);

/* "escape-return/glibc 20, pool-reuse/glibc 10, ..." for the timed
 * benchmarks of b, as many as fit (then ", ..."). */
void hl_seq_rounds_text(const hl_gate_bench_t *b, size_t n, char *buf, size_t len);

void hl_seq_free(hl_seq_t *s);

#endif
