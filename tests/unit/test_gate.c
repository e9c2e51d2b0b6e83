/* The gate's decision rule (harness/compare/gate_decide.c) on synthetic samples whose
 * answers are known: no regression, a clear regression, a noisy run that must
 * not fail, a metric missing on one side, Holm's correction, tolerances,
 * benchmarks missing from the new side, a count that differs in one
 * repetition, peak memory. */
#include "error.h"
#include "gate_decide.h"
#include "th.h"

#define N 10

/* Ten samples around `center` with a fixed relative wiggle of +-w. */
static void samples(double *x, double center, double w) {
  static const double shape[N] = {0, 0.5, -0.5, 1, -1, 0.25, -0.25, 0.75, -0.75, 0.1};
  for (int i = 0; i < N; i++)
    x[i] = center * (1 + w * shape[i]);
}

static void set_metric(hl_gate_side_t *s, int m, double v) {
  s->metric[m].state = HL_GV_ABSENT;
  hl_gate_value_add(&s->metric[m], v);
}

static void side(hl_gate_side_t *s, const double *x, size_t n, double allocs) {
  memset(s, 0, sizeof *s);
  s->present = 1;
  s->cpu_ns = x;
  s->n = s->ok = n;
  set_metric(s, HL_GM_allocs, allocs);
  set_metric(s, HL_GM_alloc_bytes, allocs * 32);
}

/* One benchmark, base samples around base_ns and new ones around new_ns
 * (both wiggling by +-w), with the given allocation counts; not decided. */
typedef struct pair {
  double a[N], c[N];
  hl_gate_bench_t b;
  hl_gate_tally_t t;
} pair_t;

static void pair(pair_t *p, double base_ns, double new_ns, double w, double allocs_base,
                 double allocs_new) {
  samples(p->a, base_ns, w);
  samples(p->c, new_ns, w);
  memset(&p->b, 0, sizeof p->b);
  p->b.name = "x";
  side(&p->b.base, p->a, N, allocs_base);
  side(&p->b.new_, p->c, N, allocs_new);
}

static hl_gate_verdict_t decide1(hl_gate_bench_t *b, hl_gate_tally_t *t) {
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  CHECK_INT(hl_gate_decide(b, 1, &o, t), 0);
  return b->verdict;
}

static void test_no_regression(void) {
  pair_t p;
  pair(&p, 100, 100.5, 0.02, 1000, 1000);
  hl_gate_bench_t b = p.b;
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_SAME);
  CHECK_INT(b.timing, HL_GT_SAME);
  CHECK_INT(b.metric[HL_GM_allocs], HL_GM_EQUAL);
  CHECK_INT(b.metric[HL_GM_frees], HL_GM_NONE);
  CHECK_INT(hl_gate_exit_status(&t), 0);
  CHECK_NEAR(b.change, 0.005, 1e-9);
}

static void test_clear_regression(void) {
  pair_t p;
  pair(&p, 100, 120, 0.02, 1000, 1000);
  hl_gate_bench_t b = p.b;
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_REGRESSION);
  CHECK_INT(b.timing, HL_GT_SLOWER);
  CHECK_NEAR(b.change, 0.2, 1e-9);
  CHECK(b.p_holm < 0.001);
  CHECK_NEAR(b.threshold, 0.02, 1e-12); /* quiet run: the floor */
  CHECK_INT(hl_gate_exit_status(&t), 1);
  CHECK_INT(t.count[HL_GATE_REGRESSION], 1);
  CHECK_INT(t.tested, 1);
  char line[512];
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_verdict_line(&t, &o, line, sizeof line);
  CHECK(strstr(line, "gate: FAIL: 1 benchmarks, 1 compared, 1 regressions") == line);

  /* The same data the other way round: faster, and the gate passes. */
  side(&b.base, p.c, N, 1000);
  side(&b.new_, p.a, N, 1000);
  CHECK_INT(decide1(&b, &t), HL_GATE_FASTER);
  CHECK_INT(hl_gate_exit_status(&t), 0);
}

/* A noisy machine: repetitions wander by +-40%; the new side's median is 8%
 * higher. Neither the U test nor the noise-derived threshold may call that a
 * regression. */
static void test_noisy_no_regression(void) {
  pair_t p;
  pair(&p, 100, 108, 0.4, 1000, 1000);
  hl_gate_bench_t b = p.b;
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_SAME);
  CHECK(b.p_value > 0.05);
  CHECK(b.threshold > 0.08); /* derived from the noise, above the 2% floor */
  CHECK(b.noise_cv > 0.1);
}

/* The derived threshold, by hand: samples 90 95 100 105 110 on both sides:
 * median 100, MAD 5, cv = 1.4826 * 5 / 100; se = sqrt(pi/2) * cv * sqrt(2/5);
 * threshold = 2 se. */
static void test_threshold_formula(void) {
  double a[5] = {90, 95, 100, 105, 110}, c[5] = {110, 90, 105, 95, 100};
  hl_gate_bench_t b = {.name = "x"};
  side(&b.base, a, 5, 1);
  side(&b.new_, c, 5, 1);
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_SAME);
  double cv = 1.4826 * 5 / 100;
  CHECK_NEAR(b.noise_cv, cv, 1e-12);
  CHECK_NEAR(b.threshold, 2 * 1.2533141373155 * cv * sqrt(2.0 / 5), 1e-9);
  CHECK_NEAR(hl_gate_robust_cv(a, 5), cv, 1e-12);
  double one = 5;
  CHECK_NEAR(hl_gate_robust_cv(&one, 1), 0, 0);

  /* A fixed threshold replaces the derived one. */
  double slow[5];
  for (int i = 0; i < 5; i++)
    slow[i] = a[i] * 1.3 + 40; /* disjoint from a: exact p = 2/252 */
  side(&b.new_, slow, 5, 1);
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  o.threshold = 0.9;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_SAME);
  CHECK_NEAR(b.p_value, 2.0 / 252, 1e-9);
  o.threshold = 0.5;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_REGRESSION);
}

static void test_metric_missing_one_side(void) {
  pair_t p, q;
  pair(&p, 100, 100, 0.02, 1000, 1000);
  pair(&q, 100, 100, 0.02, 1000, 1000);
  hl_gate_bench_t b[2] = {p.b, q.b};
  b[0].new_.metric[HL_GM_alloc_bytes].state = HL_GV_ABSENT;
  hl_gate_tally_t t;
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  CHECK_INT(hl_gate_decide(b, 2, &o, &t), 0);
  CHECK_INT(b[0].verdict, HL_GATE_NOT_COMPARABLE);
  CHECK_INT(b[0].metric[HL_GM_alloc_bytes], HL_GM_ONE_SIDE);
  CHECK_STR(b[0].note, "alloc_bytes missing in new");
  CHECK_INT(t.count[HL_GATE_NOT_COMPARABLE], 1);
  CHECK_INT(t.compared, 1);
  CHECK_INT(hl_gate_exit_status(&t), 0); /* a warning: the other one was compared */
  /* Alone, nothing was compared: that is not a pass. */
  CHECK_INT(decide1(&b[0], &t), HL_GATE_NOT_COMPARABLE);
  CHECK_INT(t.compared, 0);
  CHECK_INT(hl_gate_exit_status(&t), 1);
}

/* A base benchmark the new side lacks fails unless allowed; one only in the
 * new side is not comparable; a gate that compared nothing fails. */
static void test_missing(void) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 1000, 1000);
  hl_gate_bench_t b[3] = {p.b, {.name = "only-base"}, {.name = "only-new"}};
  side(&b[1].base, p.a, N, 1);
  side(&b[2].new_, p.c, N, 1);
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(b, 3, &o, &t), 0);
  CHECK_INT(b[0].verdict, HL_GATE_SAME);
  CHECK_INT(b[1].verdict, HL_GATE_MISSING);
  CHECK_STR(b[1].note, "only in base");
  CHECK_INT(b[2].verdict, HL_GATE_NOT_COMPARABLE);
  CHECK_STR(b[2].note, "only in new");
  CHECK_INT(t.compared, 1);
  CHECK_INT(t.count[HL_GATE_MISSING], 1);
  CHECK_INT(hl_gate_exit_status(&t), 1);
  char line[512];
  hl_gate_verdict_line(&t, &o, line, sizeof line);
  CHECK(strstr(line, "gate: FAIL: 3 benchmarks, 1 compared, 0 regressions") == line);
  CHECK(strstr(line, "1 missing in new, 1 not comparable") != NULL);
  CHECK_STR(hl_gate_verdict_name(HL_GATE_MISSING), "MISSING in new");

  o.allow_missing = 1;
  CHECK_INT(hl_gate_decide(b, 3, &o, &t), 0);
  CHECK_INT(b[1].verdict, HL_GATE_NOT_COMPARABLE);
  CHECK_INT(hl_gate_exit_status(&t), 0);
  /* Renamed cells: nothing in common, nothing compared, even when allowed. */
  CHECK_INT(hl_gate_decide(b + 1, 2, &o, &t), 0);
  CHECK_INT(t.compared, 0);
  CHECK_INT(hl_gate_exit_status(&t), 1);
  /* An empty new side. */
  o.allow_missing = 0;
  CHECK_INT(hl_gate_decide(b + 1, 1, &o, &t), 0);
  CHECK_INT(hl_gate_exit_status(&t), 1);
}

/* Within a stated tolerance (0.1%) a changed count is equal. */
static void check_within_tolerance(hl_gate_bench_t *b) {
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  o.tolerance = 0.001;
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(b, 1, &o, &t), 0);
  CHECK_INT(b->verdict, HL_GATE_SAME);
}

static void test_metric_changed(void) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 36864, 36865);
  hl_gate_bench_t b = p.b;
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_CHANGED);
  CHECK_STR(b.note, "allocs 36864 -> 36865; alloc_bytes 1179648 -> 1179680");
  CHECK_INT(hl_gate_exit_status(&t), 1);

  check_within_tolerance(&b);

  /* Metrics only, no timings on the base (a committed baseline). */
  b.base.cpu_ns = NULL;
  b.base.n = 0;
  CHECK_INT(decide1(&b, &t), HL_GATE_CHANGED);
  CHECK_INT(b.timing, HL_GT_UNTESTED);
  CHECK_INT(t.tested, 0);
}

/* num_gc of a conservative collector differs between repetitions: not a
 * deterministic metric for that cell, so it is not gated. */
static void test_metric_varies(void) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 10, 10);
  hl_gate_bench_t b = p.b;
  hl_gate_value_add(&b.base.metric[HL_GM_num_gc], 31);
  hl_gate_value_add(&b.base.metric[HL_GM_num_gc], 33);
  hl_gate_value_add(&b.new_.metric[HL_GM_num_gc], 40);
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_SAME);
  CHECK_INT(b.metric[HL_GM_num_gc], HL_GM_NOT_EXACT);
  CHECK_INT(b.base.metric[HL_GM_num_gc].state, HL_GV_VARIES);
}

/* A count constant in the base must hold in every repetition of the new
 * side: one repetition off by one is a change, whatever the others say. */
static void test_metric_differs_in_one_repetition(void) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 36864, 36864);
  hl_gate_bench_t b = p.b;
  b.new_.metric[HL_GM_allocs].state = HL_GV_ABSENT;
  for (int i = 0; i < N; i++)
    hl_gate_value_add(&b.new_.metric[HL_GM_allocs], i == 3 ? 36865 : 36864);
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_CHANGED);
  CHECK_INT(b.metric[HL_GM_allocs], HL_GM_CHANGED);
  CHECK_STR(b.note, "allocs 36864 -> 36864..36865 (differs between repetitions)");
  CHECK_INT(hl_gate_exit_status(&t), 1);
  check_within_tolerance(&b);
}

/* Peak memory: equal to the page in every repetition (glibc, span), a 1 MiB
 * or a 5% growth fails and 100 KiB does not; a noisy side's own spread
 * widens its tolerance; one repetition a side (a baseline) still gates. */
static void set_peak(hl_gate_side_t *s, const double *x, size_t n) {
  s->peak_bytes[HL_GP_rss_peak_bytes] = x;
  s->npeak[HL_GP_rss_peak_bytes] = n;
}

static hl_gate_verdict_t peak_case(const double *a, size_t na, const double *c, size_t nc,
                                   hl_gate_bench_t *b) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 1000, 1000);
  *b = p.b;
  b->base.cpu_ns = b->new_.cpu_ns = NULL; /* metrics and peaks only */
  b->base.n = b->new_.n = 0;
  set_peak(&b->base, a, na);
  set_peak(&b->new_, c, nc);
  hl_gate_tally_t t;
  return decide1(b, &t);
}

static void test_peak_memory(void) {
  const double mib = 1048576, base = 7 * mib;
  double a[N], grown[N], five[N], little[N], noisy_a[N], noisy_c[N];
  for (int i = 0; i < N; i++) {
    a[i] = base;
    grown[i] = base + mib;
    five[i] = base * 1.05;
    little[i] = base + 100 * 1024;
  }
  samples(noisy_a, base, 0.4);
  samples(noisy_c, base * 1.05, 0.4);
  hl_gate_bench_t b;
  CHECK_INT(peak_case(a, N, grown, N, &b), HL_GATE_REGRESSION);
  CHECK_INT(b.peak[HL_GP_rss_peak_bytes].verdict, HL_GP_GREW);
  CHECK_NEAR(b.peak[HL_GP_rss_peak_bytes].tolerance_bytes, 256 * 1024, 1e-12);
  CHECK_STR(b.note, "rss_peak_bytes +1.0 MiB (+14.3%, tolerance 256.0 KiB)");
  CHECK_INT(peak_case(a, N, five, N, &b), HL_GATE_REGRESSION);
  CHECK_INT(peak_case(a, N, little, N, &b), HL_GATE_SAME);
  CHECK_INT(b.peak[HL_GP_rss_peak_bytes].verdict, HL_GP_SAME);
  CHECK_INT(peak_case(grown, N, a, N, &b), HL_GATE_SAME); /* smaller: noted */
  CHECK_INT(b.peak[HL_GP_rss_peak_bytes].verdict, HL_GP_SHRANK);
  CHECK_INT(peak_case(a, 1, grown, 2, &b), HL_GATE_REGRESSION); /* a baseline */
  CHECK_INT(peak_case(noisy_a, N, noisy_c, N, &b), HL_GATE_SAME);
  /* The tolerance by hand: cv = 1.4826 x MAD / median of each side, pooled,
   * tolerance = 2 x 1.2533 x cv x sqrt(2 / N) x base median. */
  double cv = hl_gate_robust_cv(noisy_a, N), cc = hl_gate_robust_cv(noisy_c, N);
  double pooled = sqrt((cv * cv + cc * cc) / 2);
  CHECK_NEAR(b.peak[HL_GP_rss_peak_bytes].noise_cv, pooled, 1e-12);
  CHECK_NEAR(b.peak[HL_GP_rss_peak_bytes].tolerance_bytes,
             2 * 1.2533141373155 * pooled * sqrt(2.0 / N) * b.peak[0].base_median_bytes, 1e-9);
  /* A peak on one side only is noted, not gated. */
  CHECK_INT(peak_case(a, N, NULL, 0, &b), HL_GATE_SAME);
  CHECK_INT(b.peak[HL_GP_rss_peak_bytes].verdict, HL_GP_ONE_SIDE);
  /* A fixed tolerance replaces the derived one. */
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  o.mem_threshold = 0.2;
  hl_gate_tally_t t;
  peak_case(a, N, grown, N, &b);
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), 0);
  CHECK_INT(b.verdict, HL_GATE_SAME);
  CHECK_INT(t.mem_tested, 1);
  CHECK_STR(hl_gate_peak_name(HL_GP_heap_peak_bytes), "heap_peak_bytes");
}

/* Twenty benchmarks, each 4 vs 4 disjoint (raw p = 2/70 = 0.029) and 50%
 * slower: without correction all twenty would fail; Holm over twenty makes
 * every one insignificant. One of them with 10 vs 10 disjoint samples (p
 * about 0.0002) still fails. */
static void test_holm(void) {
  enum { NB = 20 };
  static double a[4] = {100, 101, 102, 103}, c[4] = {150, 151, 152, 153};
  double big_a[N], big_c[N];
  samples(big_a, 100, 0.02);
  samples(big_c, 150, 0.02);
  hl_gate_bench_t b[NB];
  memset(b, 0, sizeof b);
  for (int i = 0; i < NB; i++) {
    side(&b[i].base, a, 4, 1);
    side(&b[i].new_, c, 4, 1);
  }
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(b, NB, &o, &t), 0);
  CHECK_INT(t.count[HL_GATE_REGRESSION], 0);
  CHECK_NEAR(b[0].p_value, 2.0 / 70, 1e-9);
  CHECK_NEAR(b[0].p_holm, 20 * 2.0 / 70, 1e-9);
  side(&b[7].base, big_a, N, 1);
  side(&b[7].new_, big_c, N, 1);
  CHECK_INT(hl_gate_decide(b, NB, &o, &t), 0);
  CHECK_INT(t.count[HL_GATE_REGRESSION], 1);
  CHECK_INT(b[7].verdict, HL_GATE_REGRESSION);
  CHECK(b[7].p_holm < 0.05);
  CHECK_INT(t.min_reps, 4);
}

static void test_failed_repetitions(void) {
  pair_t p;
  pair(&p, 100, 100, 0.02, 1, 1);
  hl_gate_bench_t b = p.b;
  b.new_.n = b.new_.ok = N - 2;
  b.new_.failed = 2;
  hl_gate_tally_t t;
  CHECK_INT(decide1(&b, &t), HL_GATE_REGRESSION);
  CHECK(strstr(b.note, "2 repetitions not ok in new") != NULL);

  /* Every repetition failed on both sides: nothing to compare. */
  memset(&b.base, 0, sizeof b.base);
  memset(&b.new_, 0, sizeof b.new_);
  b.base.present = b.new_.present = 1;
  b.base.failed = b.new_.failed = 3;
  CHECK_INT(decide1(&b, &t), HL_GATE_NOT_COMPARABLE);
  CHECK_STR(b.note, "no ok repetition in base");
}

static void test_bad_samples(void) {
  double a[3] = {1, 2, NAN};
  hl_gate_bench_t b = {.name = "x"};
  side(&b.base, a, 3, 1);
  side(&b.new_, a, 2, 1);
  hl_gate_opts_t o;
  hl_gate_opts_default(&o);
  hl_gate_tally_t t;
  CHECK_INT(hl_gate_decide(&b, 1, &o, &t), HL_EINVAL);
  CHECK_STR(hl_gate_verdict_name(HL_GATE_CHANGED), "METRIC CHANGED");
  CHECK_STR(hl_gate_metric_name(HL_GM_num_gc), "num_gc");
}

int main(void) {
  test_no_regression();
  test_clear_regression();
  test_noisy_no_regression();
  test_threshold_formula();
  test_metric_missing_one_side();
  test_metric_changed();
  test_metric_varies();
  test_metric_differs_in_one_repetition();
  test_missing();
  test_peak_memory();
  test_holm();
  test_failed_repetitions();
  test_bad_samples();
  printf("test_gate: %d checks, %d failed\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
