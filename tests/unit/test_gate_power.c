/* The gate's power tools (harness/compare/paired.c, sequential.c,
 * gate_timing.c): Wilcoxon's signed-rank test against a brute-force count
 * of sign patterns, the paired figures, the look schedule, the sequential
 * rule's false-alarm rate on thousands of simulated A/A gates with drift
 * (and, so that the simulation has teeth, the rate of naive peeking), its
 * power on a simulated 10% slowdown, and the exact comparison of
 * instruction counts. */
#include "error.h"
#include "gate_decide.h"
#include "paired.h"
#include "sequential.h"
#include "th.h"

#include <stdint.h>
#include <valgrind/valgrind.h>

/* Under valgrind (ci/test's memcheck pass) and in the ASan+UBSan build (at
 * -O0) the simulations run a fortieth of the gates and check no rate: those
 * passes look for memory errors, the rates are checked at full size by the
 * ordinary run. */
#if defined(__SANITIZE_ADDRESS__)
#define SIM_SANITIZED 1
#else
#define SIM_SANITIZED 0
#endif
#define SIM_REDUCED (RUNNING_ON_VALGRIND || SIM_SANITIZED)

static int sim_scale(int gates) {
  return SIM_REDUCED ? gates / 40 : gates;
}

/* ---- signed-rank ----------------------------------------------------------- */

/* Two-sided p by enumerating every sign pattern of the ranks 1..n. */
static double brute_p(size_t n, double w_plus) {
  double total = (double)n * (double)(n + 1) / 2;
  double w = w_plus < total - w_plus ? w_plus : total - w_plus;
  uint64_t hits = 0;
  for (uint64_t mask = 0; mask < (UINT64_C(1) << n); mask++) {
    double s = 0;
    for (size_t k = 0; k < n; k++)
      if (mask >> k & 1) s += (double)(k + 1);
    hits += s <= w + 1e-9;
  }
  double p = 2.0 * (double)hits / (double)(UINT64_C(1) << n);
  return p > 1 ? 1 : p;
}

static void test_signed_rank_exact(void) {
  /* ranks of |d|: 0.5 -> 1, 1.5 -> 2, ...; signs chosen so W+ = 1+3+4+7 = 15 */
  double d[8] = {0.5, -1.5, 2.5, 3.5, -4.5, -5.5, 6.5, -7.5};
  hl_signed_rank_t r;
  CHECK_INT(hl_signed_rank(d, 8, &r), 0);
  CHECK_NEAR(r.w_plus, 15, 1e-12);
  CHECK_INT(r.exact, 1);
  CHECK_INT(r.n_used, 8);
  CHECK_NEAR(r.p_value, brute_p(8, 15), 1e-12);
  double pos[10] = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
  CHECK_INT(hl_signed_rank(pos, 10, &r), 0);
  CHECK_NEAR(r.p_value, 2.0 / 1024, 1e-15); /* all positive: the smallest p with 10 pairs */
  for (size_t n = 4; n <= 16; n += 3) {     /* a pattern per size, against the brute force */
    double x[16];
    for (size_t i = 0; i < n; i++)
      x[i] = (double)(i + 1) * ((i * 7 + n) % 3 ? 1 : -1);
    CHECK_INT(hl_signed_rank(x, n, &r), 0);
    CHECK_NEAR(r.p_value, brute_p(n, r.w_plus), 1e-12);
  }
}

static void test_signed_rank_zeros_ties(void) {
  double d[6] = {0, 0, 1, 1, -1, 2}; /* zeros dropped; three tied at rank 2 */
  hl_signed_rank_t r;
  CHECK_INT(hl_signed_rank(d, 6, &r), 0);
  CHECK_INT(r.n_used, 4);
  CHECK_INT(r.exact, 0);
  CHECK_NEAR(r.w_plus, 2 + 2 + 4, 1e-12);
  /* normal approximation: mean 5, var 4*5*9/24 - (27 - 3)/48 = 7 */
  CHECK_NEAR(r.p_value, erfc(3.0 / sqrt(7.0) / sqrt(2.0)), 1e-12);
  double z[3] = {0, 0, 0};
  CHECK_INT(hl_signed_rank(z, 3, &r), 0);
  CHECK_NEAR(r.p_value, 1, 0);
  double bad[2] = {1, NAN};
  CHECK_INT(hl_signed_rank(bad, 2, &r), HL_EINVAL);
  /* 60 pairs: beyond the exact table, the normal approximation */
  double many[60];
  for (int i = 0; i < 60; i++)
    many[i] = (i + 1) * (i % 4 ? 1.0 : -1.0);
  CHECK_INT(hl_signed_rank(many, 60, &r), 0);
  CHECK_INT(r.exact, 0);
  CHECK(r.p_value > 0 && r.p_value < 0.001);
}

static void test_paired_figures(void) {
  double a[5] = {100, 200, 50, 400, 80}, c[5];
  static const double ratio[5] = {1.08, 1.12, 1.10, 1.09, 1.11}; /* every round slower */
  for (int i = 0; i < 5; i++)
    c[i] = a[i] * ratio[i];
  hl_paired_t p;
  CHECK_INT(hl_paired_compare(a, c, 5, &p), 0);
  CHECK_NEAR(p.change, 0.1, 1e-12);
  CHECK(p.log_spread > 0.005 && p.log_spread < 0.03);
  CHECK_NEAR(p.log_se, 1.2533141373155 * p.log_spread / sqrt(5.0), 1e-12);
  CHECK_NEAR(p.test.p_value, 2.0 / 32, 1e-12); /* 5 positive of 5 */
  a[0] = 0;
  CHECK_INT(hl_paired_compare(a, c, 5, &p), HL_EINVAL);
}

/* The biweight test: its exact p-value against every sign pattern counted
 * by brute force, its estimate on a peak with tails, and its edge cases. */
static double bw_psi_ref(double u) { return fabs(u) < 1 ? u * (1 - u * u) * (1 - u * u) : 0; }

static void test_biweight(void) {
  /* exact: 12 non-zero differences, T against all 4096 patterns */
  static const double d[13] = {0.03, -0.01, 0.02, 0.05, 0, 0.04, -0.02, 0.01, 0.06, 0.02, 0.3, -0.4, 0.015};
  hl_biweight_t w;
  CHECK_INT(hl_biweight_test(d, 13, &w), 0);
  CHECK_INT((int)w.n_used, 12);
  CHECK_INT(w.exact, 1);
  double nz[12], sorted[12];
  size_t m = 0;
  for (int i = 0; i < 13; i++)
    if (d[i] != 0) nz[m++] = d[i];
  for (size_t i = 0; i < m; i++)
    sorted[i] = fabs(nz[i]);
  for (size_t i = 0; i < m; i++) /* the median of |d|: insertion sort */
    for (size_t j = i; j > 0 && sorted[j] < sorted[j - 1]; j--) {
      double t = sorted[j];
      sorted[j] = sorted[j - 1], sorted[j - 1] = t;
    }
  double c = 2 * (sorted[5] + sorted[6]) / 2, t = 0, wt[12];
  CHECK_NEAR(w.c, c, 1e-15);
  for (size_t i = 0; i < m; i++)
    wt[i] = bw_psi_ref(fabs(nz[i]) / c), t += nz[i] > 0 ? wt[i] : -wt[i];
  unsigned hits = 0;
  for (unsigned pat = 0; pat < 4096; pat++) {
    double x = 0;
    for (size_t i = 0; i < m; i++)
      x += (pat >> i) & 1 ? -wt[i] : wt[i];
    hits += fabs(x) >= fabs(t) - 1e-12;
  }
  CHECK_NEAR(w.p_value, hits / 4096.0, 1e-15);
  CHECK(w.location > 0.01 && w.location < 0.035); /* where the peak is; the mean is ~0.01 */
  CHECK(w.log_se > 0 && w.log_se < 0.02);
  /* normal approximation beyond 20: a symmetric sample has p near 1 */
  double sym[60];
  for (int i = 0; i < 30; i++)
    sym[2 * i] = 0.01 * (i + 1), sym[2 * i + 1] = -0.01 * (i + 1);
  CHECK_INT(hl_biweight_test(sym, 60, &w), 0);
  CHECK_INT(w.exact, 0);
  CHECK(w.p_value > 0.99);
  CHECK(fabs(w.location) < 1e-9);
  /* nothing to test */
  static const double zeros[4] = {0, 0, 0, 0};
  CHECK_INT(hl_biweight_test(zeros, 4, &w), 0);
  CHECK_NEAR(w.p_value, 1, 0);
  double bad[2] = {0.1, NAN};
  CHECK_INT(hl_biweight_test(bad, 2, &w), HL_EINVAL);
}

/* A peak of concordant rounds and tails of rounds whose two runs met the
 * machine at different speeds: the signed-rank test, which ranks the tails
 * with the peak, misses a 5% shift that the biweight test finds. */
static void test_biweight_sees_the_peak(void) {
  enum { R = 60 };
  double a[R], c[R];
  for (int i = 0; i < R; i++) { /* 3 rounds in 5 in the peak */
    a[i] = 100;
    double tail = i % 5 < 3 ? 0 : ((i / 5) % 2 ? 1 : -1) * (0.1 + 0.45 * ((i * 13) % 11) / 10.0);
    c[i] = 100 * exp(log(1.05) + 0.01 * ((i * 7) % 5 - 2) + tail);
  }
  hl_paired_t p;
  CHECK_INT(hl_paired_compare(a, c, R, &p), 0);
  CHECK(p.test.p_value > 0.001); /* above the gate's level at its first look */
  CHECK(p.biweight.p_value < 1e-5);
  CHECK_NEAR(expm1(p.biweight.location), 0.05, 0.005);
}

/* The levels of two sides that wander together by 30% between rounds: the
 * U test sees the wander as noise, the paired test sees a steady 5%. */
static void test_pairing_cancels_drift(void) {
  enum { R = 12 };
  double a[R], c[R];
  unsigned round[R];
  for (int i = 0; i < R; i++) {
    double level = 100 * (1 + 0.3 * ((i * 5) % 7) / 7.0);
    a[i] = level * (1 + 0.002 * (i % 3));
    c[i] = level * 1.05 * (1 - 0.002 * (i % 2));
    round[i] = (unsigned)i;
  }
  hl_gate_bench_t b = {.name = "x"};
  hl_gate_side_t *s[2] = {&b.base, &b.new_};
  double *x[2] = {a, c};
  for (int k = 0; k < 2; k++) {
    s[k]->present = 1;
    s[k]->cpu_ns = x[k];
    s[k]->n = s[k]->ok = R;
    s[k]->round = round;
  }
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.test[HL_GATE_TEST_UTEST].timing, HL_GT_SAME);
  CHECK_INT(b.test[HL_GATE_TEST_PAIRED].timing, HL_GT_SLOWER);
  CHECK_INT(b.verdict, HL_GATE_SAME); /* the U test decides by default */
  o.tests = HL_GATE_TESTS(HL_GATE_TEST_PAIRED);
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_REGRESSION);
  CHECK_INT(b.used, HL_GATE_TEST_PAIRED);
  CHECK_INT(b.rounds, R);
}

/* ---- the look schedule ----------------------------------------------------- */

static void test_look_schedule(void) {
  char why[128];
  hl_seq_plan_t p = {10, 30, 0};
  CHECK_INT(hl_seq_plan_check(&p, why, sizeof why), 0);
  CHECK_INT(p.looks, 3);
  CHECK_INT(hl_seq_look_rounds(&p, 0), 10);
  CHECK_INT(hl_seq_look_rounds(&p, 1), 20);
  CHECK_INT(hl_seq_look_rounds(&p, 2), 30);
  hl_seq_plan_t q = {10, 40, 4};
  CHECK_INT(hl_seq_plan_check(&q, why, sizeof why), 0);
  CHECK_INT(hl_seq_look_rounds(&q, 1), 20);
  CHECK_INT(hl_seq_look_rounds(&q, 3), 40);
  hl_seq_plan_t one = {5, 5, 0};
  CHECK_INT(hl_seq_plan_check(&one, why, sizeof why), 0);
  CHECK_INT(one.looks, 1);
  CHECK_INT(hl_seq_look_rounds(&one, 0), 5);
  hl_seq_plan_t bad = {10, 5, 0};
  CHECK_INT(hl_seq_plan_check(&bad, why, sizeof why), HL_EINVAL);
  CHECK_STR(why, "--max-rounds 5 is below --rounds 10");
  hl_seq_plan_t many = {10, 11, 3};
  CHECK_INT(hl_seq_plan_check(&many, why, sizeof why), HL_EINVAL);
  /* the default plan, 10..50 at 3 looks: alpha shared by the looks' rounds */
  hl_seq_plan_t d = {10, 50, 0};
  CHECK_INT(hl_seq_plan_check(&d, why, sizeof why), 0);
  CHECK_INT(hl_seq_look_rounds(&d, 1), 30);
  CHECK_NEAR(hl_seq_look_share(&d, 0), 10.0 / 90, 1e-15);
  CHECK_NEAR(hl_seq_look_share(&d, 1), 30.0 / 90, 1e-15);
  CHECK_NEAR(hl_seq_look_share(&d, 2), 50.0 / 90, 1e-15);
  CHECK_NEAR(hl_seq_look_share(&q, 0) + hl_seq_look_share(&q, 1) + hl_seq_look_share(&q, 2) +
                 hl_seq_look_share(&q, 3),
             1, 1e-15);
  CHECK_NEAR(hl_seq_look_share(&one, 0), 1, 0);
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  CHECK_NEAR(hl_gate_look_alpha(&o), 0.05, 0); /* one look: all of alpha */
  o.look_share = hl_seq_look_share(&d, 0);
  CHECK_NEAR(hl_gate_look_alpha(&o), 0.05 / 9, 1e-15);
}

/* ---- simulated gates ------------------------------------------------------- */

enum { SIM_BENCH = 6, SIM_MAX = 200 };

static uint64_t rng_state = 88172645463325252u;

static double uniform(void) {
  rng_state ^= rng_state << 13;
  rng_state ^= rng_state >> 7;
  rng_state ^= rng_state << 17;
  return ((double)(rng_state >> 11) + 0.5) / 9007199254740992.0;
}

static double gauss(void) {
  return sqrt(-2 * log(uniform())) * cos(6.283185307179586 * uniform());
}

/* How the simulated machine is noisy. drifting: the time of every process
 * follows a trend and a random walk (3% a step plus a slow swing), with 5%
 * noise of its own and one in twenty hit by a neighbour; loaded: no drift,
 * but 8% noise of its own and one in ten hit (a busy neighbour on the other
 * vCPU: the samples of a round are no closer than any two); switching: the
 * vCPU runs at one of two speeds, 1.6x apart, switching while a process
 * runs: a process spends all its time at one speed (70%) or some share of
 * it at each, and the two runs of a round share it in 20% of rounds, with
 * 4% noise of its own. That is the machine on the noisy day ci/gate-proof
 * met (A/A log ratios: 1.4826 x MAD 0.21, a quarter within +-5%, a quarter
 * beyond +-0.3); simulated, 0.18, 30% and 33%. */
typedef struct noise {
  double walk, swing, own, hit_rate;
  double slow, shared; /* the slow speed's extra time (0: one speed), P(a round shares it) */
} noise_t;

static const noise_t drifting = {0.03, 0.02, 0.05, 0.05, 0, 0};
static const noise_t loaded = {0, 0, 0.08, 0.10, 0, 0};
static const noise_t switching = {0, 0, 0.04, 0, 0.6, 0.2};

/* The share of a process's time at the slow speed. */
static double slow_share(const noise_t *z) {
  if (z->slow == 0) return 0;
  return uniform() < 0.3 ? uniform() : uniform() < 0.5;
}

/* One process's time: the machine's drift and speed at its moment, noise
 * of its own, and sometimes a neighbour's hit (+20% to +100%). */
static double one_process(const noise_t *z, double level, double drift, double slow) {
  double x = level * exp(drift + z->own * gauss()) * (1 + z->slow * slow);
  return uniform() < z->hit_rate ? x * (1.2 + 0.8 * uniform()) : x;
}

typedef struct sim {
  double a[SIM_BENCH][SIM_MAX], c[SIM_BENCH][SIM_MAX];
  unsigned round[SIM_MAX];
  hl_gate_bench_t b[SIM_BENCH];
} sim_t;

/* A gate's rounds: A B, B A, ... on a machine noisy as z, `slowdown` on new. */
static void simulate(sim_t *s, const noise_t *z, double slowdown) {
  double drift = 0, trend = z->walk ? 0.004 * gauss() : 0;
  for (int r = 0; r < SIM_MAX; r++) {
    s->round[r] = (unsigned)r;
    for (int j = 0; j < SIM_BENCH; j++) {
      double level = 50.0 * (j + 1);
      double d1 = drift += trend + z->walk * gauss();
      double d2 = drift += trend + z->walk * gauss() + z->swing * sin(r / 3.0);
      int base_first = r % 2 == 0;
      double slow_a = slow_share(z);
      double slow_c = uniform() < z->shared ? slow_a : slow_share(z);
      s->a[j][r] = one_process(z, level, base_first ? d1 : d2, slow_a);
      s->c[j][r] = one_process(z, level * (1 + slowdown), base_first ? d2 : d1, slow_c);
    }
  }
}

/* Runs the sequential gate of sequential.h on a simulation: looks at the
 * plan's rounds, each at its share of alpha (all of it at every look when
 * `full_alpha`: the naive peeking the split prevents). Returns 1 when the
 * gate fails (a regression), and adds 1 to *any when any benchmark was
 * found slower or faster. */
static int sim_gate(sim_t *s, const hl_seq_plan_t *plan, const hl_gate_opts_t *base_opts,
                    int full_alpha, int *any) {
  hl_gate_opts_t o = *base_opts;
  o.looks = plan->looks;
  hl_seq_t seq = {0};
  hl_gate_tally_t t;
  for (unsigned k = 0; k < plan->looks; k++) {
    unsigned n = hl_seq_look_rounds(plan, k);
    for (int j = 0; j < SIM_BENCH; j++) {
      hl_gate_bench_t *b = &s->b[j];
      memset(b, 0, sizeof *b);
      b->name = j == 0 ? "b0" : j == 1 ? "b1" : j == 2 ? "b2" : j == 3 ? "b3" : j == 4 ? "b4" : "b5";
      double *x[2] = {s->a[j], s->c[j]};
      hl_gate_side_t *side[2] = {&b->base, &b->new_};
      for (int q = 0; q < 2; q++) {
        side[q]->present = 1;
        side[q]->cpu_ns = x[q];
        side[q]->n = side[q]->ok = n;
        side[q]->round = s->round;
      }
    }
    size_t open;
    o.look_share = full_alpha ? 1 : hl_seq_look_share(plan, k);
    CHECK_INT(hl_seq_look(&seq, s->b, SIM_BENCH, &o, k, &t, &open), 0);
    if (open == 0) break;
  }
  hl_seq_free(&seq);
  int fails = 0, found = 0;
  for (int j = 0; j < SIM_BENCH; j++) {
    fails |= s->b[j].timing == HL_GT_SLOWER;
    found |= s->b[j].timing != HL_GT_SAME;
  }
  *any += found;
  return fails;
}

/* `gates` simulated gates with this slowdown: how many failed (and, in
 * *any, how many found any change). */
static int sim_many(int gates, const noise_t *z, double slowdown, const hl_seq_plan_t *plan,
                    const hl_gate_opts_t *o, int full_alpha, int *any) {
  static sim_t s;
  int fails = 0;
  *any = 0;
  for (int g = 0; g < gates; g++) {
    simulate(&s, z, slowdown);
    fails += sim_gate(&s, plan, o, full_alpha, any);
  }
  return fails;
}

/* Each choice of test under the sequential rule with the default options,
 * on the three machines: every choice keeps its false-alarm rate on each.
 * Power: the U test alone fails under drift; the signed-rank test alone is
 * weak on the switching machine, where the biweight test is strong; the
 * default (the two paired tests) has the power on all three. */
static const unsigned sim_tests[] = {HL_GATE_TESTS_PAIRS, HL_GATE_TESTS_BOTH,
                                     HL_GATE_TESTS(HL_GATE_TEST_UTEST),
                                     HL_GATE_TESTS(HL_GATE_TEST_PAIRED),
                                     HL_GATE_TESTS(HL_GATE_TEST_BIWEIGHT)};
enum { NSIM_TESTS = sizeof sim_tests / sizeof *sim_tests };
static const noise_t *const machines[] = {&drifting, &loaded, &switching};
static const char *const machine_names[] = {"drifting", "loaded", "switching"};
enum { NMACHINES = sizeof machines / sizeof *machines };

static void test_sequential_false_alarms(void) {
  const int GATES = sim_scale(2000);
  hl_seq_plan_t plan = {20, 200, 3}; /* the default */
  hl_gate_opts_t o;
  char name[64];
  for (size_t m = 0; m < NMACHINES; m++)
    for (size_t k = 0; k < NSIM_TESTS; k++) {
      hl_gate_opts_default(&o);
      o.tests = sim_tests[k];
      hl_gate_tests_text(o.tests, name, sizeof name);
      int gates = k == 0 ? GATES : GATES / 4; /* the default at full size */
      int any, fails = sim_many(gates, machines[m], 0, &plan, &o, 0, &any);
      double rate = (double)fails / gates, two_sided = (double)any / gates;
      printf("sequential A/A, %s, %s: %d of %d simulated gates failed (%.4f), %d found any "
             "change (%.4f)\n",
             machine_names[m], name, fails, gates, rate, any, two_sided);
      if (!SIM_REDUCED) { /* 50 gates: too few for a rate */
        CHECK(rate <= o.alpha);
        CHECK(two_sided <= o.alpha);
      }
    }
  /* The same kind of data, peeked at 11 times (every 4 rounds) at the full
   * alpha with no effect threshold: the simulation must be able to show the
   * rate the split prevents. */
  hl_gate_opts_default(&o);
  o.tests = HL_GATE_TESTS(HL_GATE_TEST_PAIRED);
  hl_gate_opts_t naive = o;
  naive.threshold = 0;
  hl_seq_plan_t peek = {10, 50, 11};
  int nany;
  sim_many(GATES / 4, &drifting, 0, &peek, &naive, 1, &nany);
  double naive_rate = (double)nany / (GATES / 4);
  printf("naive peeking: %d of %d found a change (%.4f)\n", nany, GATES / 4, naive_rate);
  if (!SIM_REDUCED) CHECK(naive_rate > o.alpha);
}

/* A 10% slowdown on each machine and each choice of test, and 5% on the
 * switching machine (the acceptance's noisy day). */
static void test_sequential_power(void) {
  const int GATES = sim_scale(300);
  hl_seq_plan_t plan = {20, 200, 3}; /* the default */
  int fails[NMACHINES + 1][NSIM_TESTS];
  char name[64];
  for (size_t m = 0; m <= NMACHINES; m++)
    for (size_t k = 0; k < NSIM_TESTS; k++) {
      hl_gate_opts_t o;
      hl_gate_opts_default(&o);
      o.tests = sim_tests[k];
      hl_gate_tests_text(o.tests, name, sizeof name);
      int any;
      double slowdown = m < NMACHINES ? 0.10 : 0.05;
      const noise_t *z = m < NMACHINES ? machines[m] : &switching;
      fails[m][k] = sim_many(GATES, z, slowdown, &plan, &o, 0, &any);
      printf("sequential %.0f%% slowdown, %s, %s: %d of %d simulated gates failed\n",
             100 * slowdown, m < NMACHINES ? machine_names[m] : "switching", name, fails[m][k],
             GATES);
    }
  if (SIM_REDUCED) return;
  for (size_t m = 0; m < NMACHINES; m++) /* the default, 10% */
    CHECK(fails[m][0] >= GATES * 95 / 100);
  CHECK(fails[NMACHINES][0] >= GATES * 80 / 100); /* the default, 5%, switching */
  CHECK(fails[0][2] < GATES / 2);                 /* U, drifting */
  /* 5% on the switching machine in 10..50 rounds: where the tests differ */
  hl_seq_plan_t short_plan = {10, 50, 3};
  int fewer[2];
  for (int k = 0; k < 2; k++) {
    hl_gate_opts_t o;
    hl_gate_opts_default(&o);
    o.tests = HL_GATE_TESTS(k ? HL_GATE_TEST_BIWEIGHT : HL_GATE_TEST_PAIRED);
    int any;
    fewer[k] = sim_many(GATES, &switching, 0.05, &short_plan, &o, 0, &any);
    printf("sequential 5%% slowdown, switching, 10..50 rounds, %s: %d of %d simulated gates "
           "failed\n",
           k ? "biweight" : "paired", fewer[k], GATES);
  }
  CHECK(fewer[0] < fewer[1]); /* signed-rank below biweight */
}

/* ---- instruction counts ---------------------------------------------------- */

static hl_gate_verdict_t instr_gate(const double *a, size_t na, const double *c, size_t nc,
                                    double tolerance, hl_gate_bench_t *b) {
  memset(b, 0, sizeof *b);
  b->name = "x";
  b->base.present = b->new_.present = 1;
  b->base.ok = na;
  b->new_.ok = nc;
  b->base.instr = a;
  b->base.ninstr = na;
  b->new_.instr = c;
  b->new_.ninstr = nc;
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  o.instr_tolerance = tolerance;
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(b, 1, &o, &t), 0);
  return b->verdict;
}

static void test_instructions(void) {
  hl_gate_bench_t b;
  double base[2] = {232.60625, 232.60625}, same[2] = {232.60625, 232.60625};
  CHECK_INT(instr_gate(base, 2, same, 2, 0, &b), HL_GATE_SAME);
  CHECK_INT(b.instr.verdict, HL_GI_SAME);
  CHECK_NEAR(b.instr.change, 0, 0);
  CHECK_INT(b.timing, HL_GT_UNTESTED); /* counted, not timed */
  CHECK(strstr(b.note, "not timed") != NULL);
  double one_more[2] = {232.60625, 232.60626}; /* tolerance 0: exact, any change counts */
  CHECK_INT(instr_gate(base, 2, one_more, 2, 0, &b), HL_GATE_REGRESSION);
  double more[2] = {232.60626, 232.60626};
  CHECK_INT(instr_gate(base, 2, more, 2, 0, &b), HL_GATE_REGRESSION);
  CHECK_INT(b.instr.verdict, HL_GI_MORE);
  double two_pct[1] = {232.60625 * 1.02};
  CHECK_INT(instr_gate(base, 2, two_pct, 1, 0.005, &b), HL_GATE_REGRESSION);
  CHECK_NEAR(b.instr.change, 0.02, 1e-12);
  double within[1] = {232.60625 * 1.004};
  CHECK_INT(instr_gate(base, 2, within, 1, 0.005, &b), HL_GATE_SAME);
  double fewer[1] = {232.60625 * 0.9};
  CHECK_INT(instr_gate(base, 2, fewer, 1, 0.005, &b), HL_GATE_FASTER);
  /* a base that varies by 1% between repetitions widens its own tolerance */
  double wobbly[2] = {100, 101}, plus1[1] = {101.5};
  CHECK_INT(instr_gate(wobbly, 2, plus1, 1, 0.005, &b), HL_GATE_SAME);
  CHECK_NEAR(b.instr.tolerance, 0.005 + 1 / 100.5, 1e-12);
  /* on one side only: not comparable */
  memset(&b, 0, sizeof b);
  CHECK_INT(instr_gate(base, 2, NULL, 0, 0, &b), HL_GATE_NOT_COMPARABLE);
  CHECK_INT(b.instr.verdict, HL_GI_ONE_SIDE);
  CHECK(strstr(b.note, "instructions_per_iter missing in new") != NULL);
}

/* --measure cache: the same instructions, the simulated misses compared as
 * they are, within the tolerance plus the base's spread. */
static void test_cache_misses(void) {
  double instr[2] = {232.5, 232.5}, l1[2] = {4.00, 4.02}, ll_same[2] = {0.50, 0.50};
  double l1_more[2] = {4.30, 4.31}, ll_fewer[2] = {0.40, 0.40};
  hl_gate_bench_t b;
  memset(&b, 0, sizeof b);
  b.name = "x";
  b.base.present = b.new_.present = 1;
  b.base.ok = b.new_.ok = 2;
  b.base.instr = b.new_.instr = instr;
  b.base.ninstr = b.new_.ninstr = 2;
  b.base.misses[HL_GM_l1_misses_per_iter] = l1;
  b.base.misses[HL_GM_ll_misses_per_iter] = ll_same;
  b.new_.misses[HL_GM_l1_misses_per_iter] = l1;
  b.new_.misses[HL_GM_ll_misses_per_iter] = ll_same;
  for (int k = 0; k < HL_GATE_NMISSES; k++)
    b.base.nmisses[k] = b.new_.nmisses[k] = 2;
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_SAME);
  CHECK_INT(b.misses[HL_GM_l1_misses_per_iter].verdict, HL_GI_SAME);
  CHECK_NEAR(b.misses[HL_GM_l1_misses_per_iter].tolerance, 0.01 + 0.02 / 4.01, 1e-12);
  b.new_.misses[HL_GM_l1_misses_per_iter] = l1_more; /* +7.4%: more than 1.5% */
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_REGRESSION);
  CHECK(strstr(b.note, "l1_misses_per_iter +7.36%") != NULL);
  b.new_.misses[HL_GM_l1_misses_per_iter] = l1;
  b.new_.misses[HL_GM_ll_misses_per_iter] = ll_fewer;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_FASTER);
  CHECK_STR(hl_gate_miss_name(HL_GM_ll_misses_per_iter), "ll_misses_per_iter");
}

int main(void) {
  test_signed_rank_exact();
  test_signed_rank_zeros_ties();
  test_paired_figures();
  test_pairing_cancels_drift();
  test_biweight();
  test_biweight_sees_the_peak();
  test_look_schedule();
  test_sequential_false_alarms();
  test_sequential_power();
  test_instructions();
  test_cache_misses();
  printf("test_gate_power: %d checks, %d failed\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
