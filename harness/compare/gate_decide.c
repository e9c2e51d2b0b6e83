/* The regression gate's decision (gate_decide.h): pure, no I/O.
 *
 * Order of work: presence (missing, only in new), deterministic metrics
 * (cheap, and a changed count outranks any timing verdict), peak memory,
 * then one U test per benchmark whose sides both have timings, then Holm
 * over all of those p-values at once (the family is every benchmark tested
 * in this gate run, so adding benchmarks does not raise the false-alarm
 * rate), then the effect-size threshold. */
#include "gate_decide.h"

#include "gate_timing.h"

#include "error.h"
#include "size.h"
#include "stats.h"

#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* sqrt(pi / 2): the asymptotic standard error of a sample median is this
 * times that of the mean (normal data). */
#define MEDIAN_SE_FACTOR 1.2533141373155
/* MAD x this estimates the standard deviation of normal data. */
#define MAD_TO_SD 1.4826

static const char *const metric_names[] = {
#define HL_X(k) #k,
    HL_GATE_METRICS(HL_X)
#undef HL_X
};

static const char *const peak_names[] = {
#define HL_X(k) #k,
    HL_GATE_PEAKS(HL_X)
#undef HL_X
};

static const char *const miss_names[] = {
#define HL_X(k) #k,
    HL_GATE_MISSES(HL_X)
#undef HL_X
};

const char *hl_gate_miss_name(int k) {
  return k >= 0 && k < HL_GATE_NMISSES ? miss_names[k] : "?";
}

const char *hl_gate_metric_name(int metric) {
  return metric >= 0 && metric < HL_GATE_NMETRICS ? metric_names[metric] : "?";
}

const char *hl_gate_peak_name(int peak) {
  return peak >= 0 && peak < HL_GATE_NPEAKS ? peak_names[peak] : "?";
}

const char *hl_gate_verdict_name(hl_gate_verdict_t v) {
  switch (v) {
  case HL_GATE_SAME: return "same";
  case HL_GATE_FASTER: return "faster";
  case HL_GATE_NOT_COMPARABLE: return "not comparable";
  case HL_GATE_REGRESSION: return "REGRESSION";
  case HL_GATE_CHANGED: return "METRIC CHANGED";
  case HL_GATE_MISSING: return "MISSING in new";
  case HL_GATE_NVERDICTS: break;
  }
  return "?";
}

void hl_gate_opts_default(hl_gate_opts_t *o) {
  o->alpha = 0.05;
  o->threshold = -1;
  o->min_threshold = 0.02;
  o->noise_z = 2;
  o->tolerance = 0;
  o->mem_threshold = -1;
  o->mem_min_threshold = 0.02;
  o->mem_min_bytes = 256 * 1024;
  o->allow_missing = 0;
  o->tests = HL_GATE_TESTS(HL_GATE_TEST_UTEST);
  o->looks = 1;
  o->look_share = 1;
  /* A cell's count is not always one number: pool-reuse on glibc counts
   * 26607936 or 26747936 instructions (0.52% apart) in processes of the same
   * binary, with or without address randomisation. */
  o->instr_tolerance = 0.01;
}

void hl_gate_value_add(hl_gate_value_t *v, double x) {
  if (v->state == HL_GV_ABSENT) {
    v->state = HL_GV_CONST;
    v->lo = v->hi = x;
    return;
  }
  if (x < v->lo) v->lo = x;
  if (x > v->hi) v->hi = x;
  if (v->lo != v->hi) v->state = HL_GV_VARIES;
}

double hl_gate_robust_cv(const double *x, size_t n) {
  if (!x || n < 2) return 0;
  double med = hl_stats_median(x, n);
  double *dev = malloc(n * sizeof *dev);
  if (!dev || !(med > 0)) {
    free(dev);
    return 0;
  }
  for (size_t i = 0; i < n; i++)
    dev[i] = fabs(x[i] - med);
  double mad = hl_stats_median(dev, n);
  free(dev);
  return MAD_TO_SD * mad / med;
}

/* ---- deterministic metrics ---------------------------------------------- */

__attribute__((format(printf, 2, 3))) static void append_note(hl_gate_bench_t *b, const char *fmt,
                                                              ...) {
  size_t used = strlen(b->note);
  if (used + 3 >= sizeof b->note) return;
  if (used) {
    memcpy(b->note + used, "; ", 3);
    used += 2;
  }
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(b->note + used, sizeof b->note - used, fmt, ap);
  va_end(ap);
}

/* The base decides whether a metric is deterministic for the cell: varying
 * there, it is not gated; constant there, every new repetition must match. */
static hl_gate_metric_verdict_t metric_verdict(const hl_gate_value_t *a, const hl_gate_value_t *c,
                                               double tolerance) {
  if (a->state == HL_GV_ABSENT && c->state == HL_GV_ABSENT) return HL_GM_NONE;
  if (a->state == HL_GV_ABSENT || c->state == HL_GV_ABSENT) return HL_GM_ONE_SIDE;
  if (a->state == HL_GV_VARIES) return HL_GM_NOT_EXACT;
  double allowed = tolerance * fabs(a->lo);
  return fabs(c->lo - a->lo) <= allowed && fabs(c->hi - a->lo) <= allowed ? HL_GM_EQUAL
                                                                          : HL_GM_CHANGED;
}

/* Returns 1 when a metric changed, -1 when one is on one side only. */
static int decide_metrics(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  int changed = 0, one_side = 0;
  for (int m = 0; m < HL_GATE_NMETRICS; m++) {
    const hl_gate_value_t *a = &b->base.metric[m], *c = &b->new_.metric[m];
    b->metric[m] = metric_verdict(a, c, o->tolerance);
    if (b->metric[m] == HL_GM_CHANGED && c->state == HL_GV_CONST) {
      append_note(b, "%s %.0f -> %.0f", metric_names[m], a->lo, c->lo);
      changed = 1;
    } else if (b->metric[m] == HL_GM_CHANGED) {
      append_note(b, "%s %.0f -> %.0f..%.0f (differs between repetitions)", metric_names[m], a->lo,
                  c->lo, c->hi);
      changed = 1;
    } else if (b->metric[m] == HL_GM_ONE_SIDE) {
      append_note(b, "%s missing in %s", metric_names[m],
                  a->state == HL_GV_ABSENT ? "base" : "new");
      one_side = 1;
    }
  }
  return changed ? 1 : one_side ? -1 : 0;
}

/* ---- peak memory -------------------------------------------------------- */

/* Robust CV pooled over the sides that have a spread (two or more values). */
static double pooled_cv(const double *a, size_t na, const double *c, size_t nc) {
  double sum = 0;
  int sides = 0;
  if (na >= 2) sum += pow(hl_gate_robust_cv(a, na), 2), sides++;
  if (nc >= 2) sum += pow(hl_gate_robust_cv(c, nc), 2), sides++;
  return sides ? sqrt(sum / sides) : 0;
}

static double peak_tolerance(const hl_gate_peak_t *p, size_t na, size_t nc,
                             const hl_gate_opts_t *o) {
  double base = p->base_median_bytes;
  if (o->mem_threshold >= 0) return o->mem_threshold * base;
  double se = MEDIAN_SE_FACTOR * p->noise_cv * sqrt(1.0 / (double)na + 1.0 / (double)nc);
  double t = o->noise_z * se * base;
  if (t < o->mem_min_threshold * base) t = o->mem_min_threshold * base;
  return t > o->mem_min_bytes ? t : o->mem_min_bytes;
}

static int check_values(const double *x, size_t n) {
  for (size_t i = 0; i < n; i++)
    if (!isfinite(x[i]) || x[i] < 0) return HL_EINVAL;
  return 0;
}

/* Decides one peak; returns 1 when it grew past its tolerance. */
static int decide_peak(hl_gate_bench_t *b, int k, const hl_gate_opts_t *o) {
  hl_gate_peak_t *p = &b->peak[k];
  const double *a = b->base.peak_bytes[k], *c = b->new_.peak_bytes[k];
  size_t na = a ? b->base.npeak[k] : 0, nc = c ? b->new_.npeak[k] : 0;
  memset(p, 0, sizeof *p);
  if (!na || !nc) {
    p->verdict = na || nc ? HL_GP_ONE_SIDE : HL_GP_NONE;
    return 0;
  }
  p->base_median_bytes = hl_stats_median(a, na);
  p->new_median_bytes = hl_stats_median(c, nc);
  double diff = p->new_median_bytes - p->base_median_bytes;
  p->change = p->base_median_bytes > 0 ? diff / p->base_median_bytes : 0;
  p->noise_cv = pooled_cv(a, na, c, nc);
  p->tolerance_bytes = peak_tolerance(p, na, nc, o);
  p->verdict = diff > p->tolerance_bytes    ? HL_GP_GREW
               : -diff > p->tolerance_bytes ? HL_GP_SHRANK
                                            : HL_GP_SAME;
  if (p->verdict == HL_GP_SAME) return 0;
  char d[40], tol[32];
  hl_size_format_change(diff, d, sizeof d);
  hl_size_format_human((uint64_t)p->tolerance_bytes, tol, sizeof tol);
  append_note(b, "%s %s (%+.1f%%, tolerance %s)", peak_names[k], d, 100 * p->change, tol);
  return p->verdict == HL_GP_GREW;
}

/* Returns 1 when a peak grew, HL_EINVAL on a bad sample. */
static int decide_peaks(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  int grew = 0;
  for (int k = 0; k < HL_GATE_NPEAKS; k++) {
    const hl_gate_side_t *s[2] = {&b->base, &b->new_};
    for (int j = 0; j < 2; j++)
      if (s[j]->peak_bytes[k] && check_values(s[j]->peak_bytes[k], s[j]->npeak[k]))
        return HL_EINVAL;
    grew |= decide_peak(b, k, o);
  }
  return grew;
}

/* ---- timing ------------------------------------------------------------- */

static int timing_testable(const hl_gate_bench_t *b) {
  return b->base.cpu_ns && b->new_.cpu_ns && b->base.n >= 1 && b->new_.n >= 1;
}

static int check_samples(const hl_gate_side_t *s) {
  return check_values(s->cpu_ns, s->n);
}

/* What the first pass found about one benchmark, for its overall verdict. */
typedef struct found {
  int metrics; /* 1 changed, -1 not comparable, 0 fine */
  int grew;    /* a peak grew past its tolerance */
} found_t;

/* The simulated misses (--measure cache): one grew, or, when none did, one
 * fell. */
static int misses_were(const hl_gate_bench_t *b, hl_gate_instr_verdict_t v) {
  for (int k = 0; k < HL_GATE_NMISSES; k++)
    if (b->misses[k].verdict == v) return 1;
  return 0;
}

static hl_gate_verdict_t overall(const hl_gate_bench_t *b, const found_t *f,
                                 const hl_gate_opts_t *o) {
  if (!b->base.present) return HL_GATE_NOT_COMPARABLE;
  if (!b->new_.present) return o->allow_missing ? HL_GATE_NOT_COMPARABLE : HL_GATE_MISSING;
  if (f->metrics > 0) return HL_GATE_CHANGED;
  if (b->timing == HL_GT_SLOWER || f->grew || b->instr.verdict == HL_GI_MORE ||
      misses_were(b, HL_GI_MORE))
    return HL_GATE_REGRESSION;
  if (b->new_.failed > 0 && b->base.failed == 0) return HL_GATE_REGRESSION;
  if (f->metrics < 0) return HL_GATE_NOT_COMPARABLE;
  if (b->timing == HL_GT_FASTER || b->instr.verdict == HL_GI_FEWER || misses_were(b, HL_GI_FEWER))
    return HL_GATE_FASTER;
  return HL_GATE_SAME;
}

static void reset(hl_gate_bench_t *x) {
  x->note[0] = '\0';
  x->timing = HL_GT_UNTESTED;
  x->base_median_ns = x->new_median_ns = x->change = x->noise_cv = x->threshold = 0;
  x->p_value = x->p_holm = 1;
  memset(x->test, 0, sizeof x->test);
  x->used = HL_GATE_TEST_UTEST;
  x->undecided = 0;
  x->rounds = 0;
  memset(&x->instr, 0, sizeof x->instr);
  memset(x->misses, 0, sizeof x->misses);
  memset(x->metric, 0, sizeof x->metric);
  memset(x->peak, 0, sizeof x->peak);
}

/* Everything but Holm and the timing verdict. Returns 1 when the timing is
 * to be tested, 0 when not, HL_E* on bad samples. */
static int first_pass(hl_gate_bench_t *x, const hl_gate_opts_t *o, found_t *f) {
  reset(x);
  if (!x->base.present || !x->new_.present) {
    snprintf(x->note, sizeof x->note, "only in %s", x->base.present ? "base" : "new");
    return 0;
  }
  f->metrics = decide_metrics(x, o);
  if (x->base.ok == 0 || x->new_.ok == 0) {
    append_note(x, "no ok repetition in %s", x->base.ok == 0 ? "base" : "new");
    f->metrics = f->metrics > 0 ? f->metrics : -1;
  }
  if (x->new_.failed > 0 && x->base.failed == 0)
    append_note(x, "%zu repetitions not ok in new (crash, oom, timeout or error)", x->new_.failed);
  int rc = hl_gate_instr_decide(x, o);
  if (rc) return rc;
  if (x->instr.verdict == HL_GI_ONE_SIDE) {
    append_note(x, "instructions_per_iter missing in %s (--measure instructions on one side)",
                x->base.instr ? "new" : "base");
    f->metrics = f->metrics > 0 ? f->metrics : -1;
  }
  if (x->other_machines)
    append_note(x, "ran on different machines: timings and peaks not compared");
  int callgrind = x->instr.verdict >= HL_GI_SAME && !x->base.instr_pmu;
  if (callgrind)
    append_note(x, "peak memory not gated: it is valgrind's");
  else if ((f->grew = decide_peaks(x, o)) < 0)
    return f->grew;
  if (callgrind) {
    append_note(x, "instructions %+.2f%% (tolerance %.2f%%; counted under callgrind, not timed)",
                100 * x->instr.change, 100 * x->instr.tolerance);
    for (int k = 0; k < HL_GATE_NMISSES; k++)
      if (x->misses[k].verdict >= HL_GI_SAME)
        append_note(x, "%s %+.2f%% (tolerance %.2f%%, simulated)", miss_names[k],
                    100 * x->misses[k].change, 100 * x->misses[k].tolerance);
    return 2;
  }
  if (x->instr.verdict >= HL_GI_SAME)
    append_note(x, "PMU instructions %+.2f%% (tolerance %.2f%%)", 100 * x->instr.change,
                100 * x->instr.tolerance);
  if (x->frozen) {
    hl_gate_timing_thaw(x);
    return 2;
  }
  if (!timing_testable(x)) return 0;
  if (check_samples(&x->base) || check_samples(&x->new_)) return HL_EINVAL;
  rc = hl_gate_timing_measure(x, o);
  return rc ? rc : 1;
}

static void count(const hl_gate_bench_t *b, size_t n, hl_gate_tally_t *t) {
  for (size_t i = 0; i < n; i++) {
    t->count[b[i].verdict]++;
    if (b[i].peak[HL_GP_rss_peak_bytes].verdict >= HL_GP_SAME) t->mem_tested++;
    t->other_machines += b[i].other_machines != 0;
  }
  t->benchmarks = n;
  t->compared = n - t->count[HL_GATE_NOT_COMPARABLE] - t->count[HL_GATE_MISSING];
}

/* Counts a benchmark whose timing (or instruction count) was decided. */
static void count_tested(const hl_gate_bench_t *x, hl_gate_tally_t *t) {
  t->tested++;
  t->undecided += x->undecided;
  t->instr_tested += x->instr.verdict >= HL_GI_SAME;
  size_t reps = x->instr.verdict >= HL_GI_SAME ? (x->base.ninstr < x->new_.ninstr ? x->base.ninstr
                                                                                  : x->new_.ninstr)
                                              : x->rounds;
  if (!t->min_reps || reps < t->min_reps) t->min_reps = reps;
}

int hl_gate_decide(hl_gate_bench_t *b, size_t n, const hl_gate_opts_t *o, hl_gate_tally_t *t) {
  memset(t, 0, sizeof *t);
  size_t *idx = calloc(n ? n : 1, sizeof *idx);
  found_t *f = calloc(n ? n : 1, sizeof *f);
  int rc = idx && f ? 0 : HL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int tested = first_pass(&b[i], o, &f[i]);
    if (tested < 0) rc = tested;
    if (tested == 1) idx[m++] = i;
  }
  if (rc == 0) rc = hl_gate_timing_decide(b, idx, m, o);
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int decided = b[i].timing != HL_GT_UNTESTED || b[i].instr.verdict >= HL_GI_SAME;
    if (decided) count_tested(&b[i], t);
    b[i].verdict = overall(&b[i], &f[i], o);
  }
  if (rc == 0) count(b, n, t);
  free(idx);
  free(f);
  return rc;
}

int hl_gate_exit_status(const hl_gate_tally_t *t) {
  return t->count[HL_GATE_REGRESSION] || t->count[HL_GATE_CHANGED] || t->count[HL_GATE_MISSING] ||
                 t->compared == 0
             ? 1
             : 0;
}

void hl_gate_verdict_line(const hl_gate_tally_t *t, const hl_gate_opts_t *o, char *buf,
                          size_t len) {
  char thr[320], words[128];
  if (o->threshold >= 0)
    snprintf(thr, sizeof thr, "threshold %.1f%%", 100 * o->threshold);
  else
    snprintf(thr, sizeof thr, "threshold from noise, at least %.1f%%", 100 * o->min_threshold);
  hl_gate_tests_words(o->tests, words, sizeof words);
  if (o->tests != HL_GATE_TESTS(HL_GATE_TEST_UTEST) || o->looks > 1)
    snprintf(thr + strlen(thr), sizeof thr - strlen(thr), "; %s", words);
  if (o->looks > 1)
    snprintf(thr + strlen(thr), sizeof thr - strlen(thr), ", alpha split over %u looks by their rounds", o->looks);
  if (t->instr_tested)
    snprintf(thr + strlen(thr), sizeof thr - strlen(thr),
             "; instructions of %zu within %.2f%% plus the base's spread", t->instr_tested,
             100 * o->instr_tolerance);
  snprintf(buf, len,
           "gate: %s: %zu benchmarks, %zu compared, %zu regressions, %zu changed metrics, "
           "%zu faster, %zu missing in new, %zu not comparable (timing tested on %zu, peak "
           "memory on %zu; Holm alpha %g, %s)",
           hl_gate_exit_status(t) ? "FAIL" : "PASS", t->benchmarks, t->compared,
           t->count[HL_GATE_REGRESSION], t->count[HL_GATE_CHANGED], t->count[HL_GATE_FASTER],
           t->count[HL_GATE_MISSING], t->count[HL_GATE_NOT_COMPARABLE], t->tested, t->mem_tested,
           o->alpha, thr);
}
