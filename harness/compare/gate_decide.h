/* The regression gate's decision, as a pure function of the samples.
 *
 * No files, no processes, no JSON: the caller (gate.c) fills one
 * hl_gate_bench_t per benchmark with the CPU-time samples and the
 * deterministic metrics of each side; hl_gate_decide() fills in the verdicts.
 * That keeps the rule testable on synthetic samples with known answers
 * (tests/unit/test_gate.c) and the same for every input (two binaries run
 * interleaved, two results files, a committed baseline).
 *
 * The rule, per benchmark (README "Regression gate" says it for users):
 *
 *  0. A benchmark of the base that the new side lacks is MISSING, a failure
 *     unless the caller allows it (allow_missing: a subset of a baseline);
 *     one only in the new side is "not comparable". A gate run that compared
 *     no benchmark at all fails: nothing compared is not a pass.
 *  1. Deterministic metrics (HL_GATE_METRICS: allocation and free counts and
 *     bytes, stack allocations, collections) must be equal on both sides in
 *     every repetition, or within `tolerance` (a fraction, default 0). The
 *     base side says which metrics are deterministic for a cell: one that
 *     varies between the base's repetitions (bdwgc's num_gc) is reported,
 *     not gated; one constant in the base must hold that value in every
 *     repetition of the new side. A metric present on one side only makes
 *     the benchmark "not comparable".
 *     A repetition that did not end ok (crash, oom, timeout) on the new side
 *     where the base had none is a regression.
 *  2. CPU time: a two-sided Mann-Whitney U test per benchmark, the p-values
 *     Holm-adjusted over every benchmark tested, and the change of the medians.
 *     A regression needs p_holm < alpha AND a slowdown above the threshold.
 *  3. The threshold, unless fixed by the caller, comes from the run's own
 *     noise: each side's repetitions are an A/A experiment, so their robust
 *     spread (1.4826 x MAD / median, a CV that one outlier does not inflate)
 *     measures how much one repetition wanders. Pooled over both sides, the
 *     standard error of the change of medians is
 *         se = 1.2533 x cv x sqrt(1/n_base + 1/n_new)
 *     (1.2533 = sqrt(pi/2): the median's efficiency against the mean), and
 *         threshold = max(min_threshold, noise_z x se)
 *     with noise_z = 2 and min_threshold = 2% by default. So a quiet run
 *     gates at 2% and a noisy one demands a larger slowdown before failing,
 *     instead of failing on the machine's wander.
 *  4. Peak memory (HL_GATE_PEAKS: the worker's peak RSS, a collector's peak
 *     heap): a regression when the new median exceeds the base median by
 *     more than a tolerance derived the same way from each side's spread
 *     (sides with two or more repetitions pooled),
 *         tolerance = max(mem_min_bytes, mem_min_threshold x base, noise_z x se x base)
 *     (256 KiB and 2% by default: a process's peak wanders by tens of pages
 *     between repetitions of the same cell), or mem_threshold x base when
 *     fixed. No U test: a committed baseline has one repetition a cell, and
 *     a peak that is equal to the page in every repetition has nothing for
 *     a rank test to rank. A peak on one side only is noted, not gated.
 *  5. Timings and peaks belong to the machine that measured them: when a
 *     benchmark's sides ran on different machines (fingerprints that differ
 *     beyond heaplab's revision and the library versions), the caller
 *     leaves both out and sets other_machines; the deterministic metrics,
 *     which no machine changes, still decide.
 */
#ifndef HL_GATE_DECIDE_H
#define HL_GATE_DECIDE_H

#include <stddef.h>

/* Deterministic metrics, X(results key). */
#define HL_GATE_METRICS(X)                                                                         \
  X(allocs)                                                                                        \
  X(alloc_bytes)                                                                                   \
  X(frees)                                                                                         \
  X(free_bytes)                                                                                    \
  X(stack_allocs)                                                                                  \
  X(stack_alloc_bytes)                                                                             \
  X(num_gc)

enum {
#define HL_X(k) HL_GM_##k,
  HL_GATE_METRICS(HL_X)
#undef HL_X
      HL_GATE_NMETRICS
};

const char *hl_gate_metric_name(int metric);

/* Peak memory, X(results key): gated with a tolerance (rule 4). */
#define HL_GATE_PEAKS(X)                                                                           \
  X(rss_peak_bytes)                                                                                \
  X(heap_peak_bytes)

enum {
#define HL_X(k) HL_GP_##k,
  HL_GATE_PEAKS(HL_X)
#undef HL_X
      HL_GATE_NPEAKS
};

const char *hl_gate_peak_name(int peak);

/* One side's value of one metric over its repetitions. */
typedef enum { HL_GV_ABSENT = 0, HL_GV_CONST, HL_GV_VARIES } hl_gate_value_state_t;

typedef struct hl_gate_value {
  hl_gate_value_state_t state;
  double lo, hi; /* equal when CONST */
} hl_gate_value_t;

/* Adds one repetition's value to v (state ABSENT before the first). */
void hl_gate_value_add(hl_gate_value_t *v, double x);

/* The caches callgrind simulates (--measure cache): L1 and last level. */
#define HL_GATE_MISSES(X) X(l1_misses_per_iter) X(ll_misses_per_iter)
enum {
#define HL_X(k) HL_GM_##k,
  HL_GATE_MISSES(HL_X)
#undef HL_X
      HL_GATE_NMISSES
};
const char *hl_gate_miss_name(int k); /* the row's key */

typedef struct hl_gate_side {
  int present;          /* the benchmark exists on this side (ok repetitions or not) */
  const double *cpu_ns; /* CPU time per iteration of each ok repetition; NULL/0: none */
  size_t n;
  const unsigned *round; /* the round (repetition_index) of each cpu_ns; NULL: by position */
  const double *instr;   /* instructions_per_iter of each ok repetition (--measure
                          * instructions), else the PMU's per iteration (--pmu); NULL: none */
  size_t ninstr;
  int instr_pmu;         /* instr counted by the PMU: timings are real, still tested */
  const double *misses[HL_GATE_NMISSES]; /* simulated misses per iteration (--measure
                                          * cache) of each ok repetition; NULL: none */
  size_t nmisses[HL_GATE_NMISSES];
  size_t ok, failed; /* repetitions whose outcome was ok / not ok */
  hl_gate_value_t metric[HL_GATE_NMETRICS];
  const double *peak_bytes[HL_GATE_NPEAKS]; /* each ok repetition's peak; NULL: absent */
  size_t npeak[HL_GATE_NPEAKS];
} hl_gate_side_t;

typedef enum {
  HL_GT_UNTESTED = 0, /* too few repetitions, or no timings on a side */
  HL_GT_SAME,
  HL_GT_SLOWER,
  HL_GT_FASTER,
} hl_gate_timing_t;

typedef enum {
  HL_GM_NONE = 0,  /* absent on both sides */
  HL_GM_EQUAL,     /* equal (within tolerance) */
  HL_GM_CHANGED,   /* differs: a behaviour change */
  HL_GM_ONE_SIDE,  /* present on one side only: not comparable */
  HL_GM_NOT_EXACT, /* varies within a side: reported, not gated */
} hl_gate_metric_verdict_t;

/* The timing tests (gate_timing.c): the Mann-Whitney U test of the two
 * sides' samples, and two tests of the per-round ratios (paired.h):
 * Wilcoxon's signed-rank test and the biweight sign-flip test. All are
 * computed whenever they can be; opts.tests says which decide: either may
 * find the change, each at alpha / the number deciding. */
typedef enum {
  HL_GATE_TEST_UTEST = 0,
  HL_GATE_TEST_PAIRED,
  HL_GATE_TEST_BIWEIGHT,
  HL_GATE_NTESTS,
} hl_gate_test_t;

#define HL_GATE_TESTS(t) (1u << (t))
/* --test both: the U and the signed-rank test */
#define HL_GATE_TESTS_BOTH (HL_GATE_TESTS(HL_GATE_TEST_UTEST) | HL_GATE_TESTS(HL_GATE_TEST_PAIRED))
/* the two paired tests: the default with two binaries */
#define HL_GATE_TESTS_PAIRS \
  (HL_GATE_TESTS(HL_GATE_TEST_PAIRED) | HL_GATE_TESTS(HL_GATE_TEST_BIWEIGHT))

const char *hl_gate_test_name(hl_gate_test_t t); /* "utest", "paired", "biweight" */
/* The tests of a mask, "+"-joined ("paired+biweight"). */
void hl_gate_tests_text(unsigned tests, char *buf, size_t len);
/* The same for people: "paired signed-rank and biweight sign-flip tests,
 * each at alpha/2". */
void hl_gate_tests_words(unsigned tests, char *buf, size_t len);
/* "utest", "paired", "biweight", "both" (utest,paired), "pairs"
 * (paired,biweight), or a comma-separated list of them: the mask, or 0 for
 * anything else. */
unsigned hl_gate_tests_parse(const char *text);

typedef struct hl_gate_test_figures {
  int tested;
  size_t n;         /* samples a side (utest: the smaller side), or pairs */
  double change;    /* utest: of the medians; paired: exp(median log ratio) - 1;
                       biweight: exp(its M-estimate) - 1 */
  double noise;     /* utest: pooled robust CV; paired: robust sd of the log ratios;
                       biweight: its standard error x sqrt(n) */
  double threshold; /* slowdown that counts, as a fraction */
  double upper;     /* upper confidence bound of the change (noise_z standard errors) */
  double p_value, p_holm;
  hl_gate_timing_t timing;
  int undecided; /* not significant, upper >= the smallest slowdown that counts */
} hl_gate_test_figures_t;

/* Instructions per iteration (--measure instructions, callgrind), and the
 * simulated misses of --measure cache: counted, not timed, so compared
 * like a deterministic metric, within instr_tolerance plus the base's own
 * spread. */
typedef enum {
  HL_GI_NONE = 0, /* absent on both sides */
  HL_GI_ONE_SIDE,
  HL_GI_SAME,
  HL_GI_MORE, /* a regression */
  HL_GI_FEWER,
} hl_gate_instr_verdict_t;

typedef struct hl_gate_instr {
  hl_gate_instr_verdict_t verdict;
  double base_median, new_median; /* instructions per iteration */
  double change;                  /* (new - base) / base */
  double base_spread;             /* (max - min) / median of the base's repetitions */
  double tolerance;               /* instr_tolerance + base_spread */
} hl_gate_instr_t;

typedef enum {
  HL_GP_NONE = 0, /* absent on both sides */
  HL_GP_ONE_SIDE, /* on one side only: noted, not gated */
  HL_GP_SAME,     /* within the tolerance */
  HL_GP_GREW,     /* above it: a regression */
  HL_GP_SHRANK,   /* below it: noted */
} hl_gate_peak_verdict_t;

typedef struct hl_gate_peak {
  hl_gate_peak_verdict_t verdict;
  double base_median_bytes, new_median_bytes; /* 0 unless both sides have it */
  double change;                              /* (new - base) / base of the medians */
  double noise_cv;                            /* pooled robust CV of the repetitions */
  double tolerance_bytes;
} hl_gate_peak_t;

typedef enum {
  HL_GATE_SAME = 0,
  HL_GATE_FASTER,
  HL_GATE_NOT_COMPARABLE,
  HL_GATE_REGRESSION,
  HL_GATE_CHANGED,
  HL_GATE_MISSING, /* in the base, not in the new side */
  HL_GATE_NVERDICTS
} hl_gate_verdict_t;

const char *hl_gate_verdict_name(hl_gate_verdict_t v); /* "same", "REGRESSION", ... */

/* A timing verdict taken at an earlier look of a sequential gate
 * (sequential.h): kept as it was, out of later looks' Holm families. */
typedef struct hl_gate_frozen {
  hl_gate_test_figures_t test[HL_GATE_NTESTS];
  hl_gate_test_t used;
  double base_median_ns, new_median_ns;
  unsigned rounds;
} hl_gate_frozen_t;

typedef struct hl_gate_bench {
  const char *name;
  hl_gate_side_t base, new_;
  const hl_gate_frozen_t *frozen; /* set by a sequential gate; NULL: decide now */
  int other_machines; /* the sides ran on different machines: the caller left their timings,
                         instructions and peaks out, and the metrics alone decide */
  /* Filled by hl_gate_decide(). Timing figures are 0 when untested. */
  double base_median_ns, new_median_ns;
  double change;    /* (new - base) / base of the medians */
  double noise_cv;  /* pooled robust CV of the repetitions */
  double threshold; /* slowdown that counts, as a fraction */
  double p_value, p_holm;
  hl_gate_timing_t timing;
  /* the tests behind the figures above: test[used] is the one that decided */
  hl_gate_test_figures_t test[HL_GATE_NTESTS];
  hl_gate_test_t used;
  int undecided;   /* test[used].undecided */
  unsigned rounds; /* repetitions a side (pairs) behind the timing verdict */
  hl_gate_instr_t instr;
  hl_gate_instr_t misses[HL_GATE_NMISSES]; /* --measure cache; verdict NONE otherwise */
  hl_gate_metric_verdict_t metric[HL_GATE_NMETRICS];
  hl_gate_peak_t peak[HL_GATE_NPEAKS];
  hl_gate_verdict_t verdict;
  char note[256]; /* why, for people: "allocs 36864 -> 36865", "alloc_bytes missing in base" */
} hl_gate_bench_t;

typedef struct hl_gate_opts {
  double alpha;             /* family-wise, after Holm (default 0.05) */
  double threshold;         /* fixed slowdown threshold (fraction); < 0: from the noise */
  double min_threshold;     /* floor of the derived threshold (default 0.02) */
  double noise_z;           /* derived threshold = noise_z x se (default 2) */
  double tolerance;         /* relative tolerance of deterministic metrics (default 0) */
  double mem_threshold;     /* fixed peak-memory tolerance (fraction); < 0: from the noise */
  double mem_min_threshold; /* floor of the derived one, fraction of the base (default 0.02) */
  double mem_min_bytes;     /* and in bytes (default 256 KiB) */
  int allow_missing;        /* base benchmarks missing from the new side do not fail */
  unsigned tests;           /* the tests that decide timings, HL_GATE_TESTS() bits
                             * (default utest) */
  unsigned looks;           /* sequential looks the alpha is split over (default 1) */
  double look_share;        /* the share of alpha this look's Holm family is tested at
                             * (hl_seq_look_share; default 1: one look) */
  double instr_tolerance;   /* of instructions_per_iter, fraction (default 0.01) */
} hl_gate_opts_t;

/* The level this look's Holm family is tested at: alpha x look_share
 * (a weighted Bonferroni split over the looks, sequential.h). */
double hl_gate_look_alpha(const hl_gate_opts_t *o);

void hl_gate_opts_default(hl_gate_opts_t *o);

typedef struct hl_gate_tally {
  size_t benchmarks, tested; /* tested: timing test run (or instructions compared) */
  size_t undecided;          /* tested, not significant, bound reaching what counts */
  size_t instr_tested;       /* instructions per iteration compared (callgrind or PMU) */
  size_t compared;           /* neither not comparable nor missing */
  size_t mem_tested;         /* peak RSS compared */
  size_t count[HL_GATE_NVERDICTS];
  size_t min_reps;       /* smallest repetition count of a tested benchmark */
  size_t other_machines; /* benchmarks whose sides ran on different machines */
} hl_gate_tally_t;

/* Decides every benchmark. 0, or HL_ENOMEM / HL_EINVAL (bad samples). */
int hl_gate_decide(hl_gate_bench_t *b, size_t n, const hl_gate_opts_t *o, hl_gate_tally_t *t);

/* Exit status of the gate: 1 when any benchmark regressed, changed a
 * deterministic metric or is missing, or when nothing was compared; else 0. */
int hl_gate_exit_status(const hl_gate_tally_t *t);

/* The one-line verdict: "gate: FAIL: 1 regression, 2 changed ... (alpha ...)". */
void hl_gate_verdict_line(const hl_gate_tally_t *t, const hl_gate_opts_t *o, char *buf, size_t len);

/* Robust CV: 1.4826 x median absolute deviation / median; 0 when n < 2. */
double hl_gate_robust_cv(const double *x, size_t n);

#endif
