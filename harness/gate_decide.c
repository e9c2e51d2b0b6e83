/* The regression gate's decision (gate_decide.h): pure, no I/O.
 *
 * Order of work: deterministic metrics first (cheap, and a changed count
 * outranks any timing verdict), then one U test per benchmark whose sides
 * both have timings, then Holm over all of those p-values at once (the
 * family is every benchmark tested in this gate run, so adding benchmarks
 * does not raise the false-alarm rate), then the effect-size threshold. */
#include "gate_decide.h"

#include "error.h"
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

const char *hl_gate_metric_name(int metric) {
  return metric >= 0 && metric < HL_GATE_NMETRICS ? metric_names[metric] : "?";
}

const char *hl_gate_verdict_name(hl_gate_verdict_t v) {
  switch (v) {
  case HL_GATE_SAME: return "same";
  case HL_GATE_FASTER: return "faster";
  case HL_GATE_NOT_COMPARABLE: return "not comparable";
  case HL_GATE_REGRESSION: return "REGRESSION";
  case HL_GATE_CHANGED: return "METRIC CHANGED";
  }
  return "?";
}

void hl_gate_opts_default(hl_gate_opts_t *o) {
  o->alpha = 0.05;
  o->threshold = -1;
  o->min_threshold = 0.02;
  o->noise_z = 2;
  o->tolerance = 0;
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

static hl_gate_metric_verdict_t metric_verdict(const hl_gate_value_t *a, const hl_gate_value_t *c,
                                               double tolerance) {
  if (a->state == HL_GV_ABSENT && c->state == HL_GV_ABSENT) return HL_GM_NONE;
  if (a->state == HL_GV_ABSENT || c->state == HL_GV_ABSENT) return HL_GM_ONE_SIDE;
  if (a->state == HL_GV_VARIES || c->state == HL_GV_VARIES) return HL_GM_NOT_EXACT;
  double allowed = tolerance * fabs(a->lo);
  return fabs(c->lo - a->lo) <= allowed ? HL_GM_EQUAL : HL_GM_CHANGED;
}

/* Returns 1 when a metric changed, -1 when one is on one side only. */
static int decide_metrics(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  int changed = 0, one_side = 0;
  for (int m = 0; m < HL_GATE_NMETRICS; m++) {
    const hl_gate_value_t *a = &b->base.metric[m], *c = &b->new_.metric[m];
    b->metric[m] = metric_verdict(a, c, o->tolerance);
    if (b->metric[m] == HL_GM_CHANGED) {
      append_note(b, "%s %.0f -> %.0f", metric_names[m], a->lo, c->lo);
      changed = 1;
    } else if (b->metric[m] == HL_GM_ONE_SIDE) {
      append_note(b, "%s missing in %s", metric_names[m],
                  a->state == HL_GV_ABSENT ? "base" : "new");
      one_side = 1;
    }
  }
  return changed ? 1 : one_side ? -1 : 0;
}

/* ---- timing ------------------------------------------------------------- */

static int timing_testable(const hl_gate_bench_t *b) {
  return b->base.cpu_ns && b->new_.cpu_ns && b->base.n >= 1 && b->new_.n >= 1;
}

static int check_samples(const hl_gate_side_t *s) {
  for (size_t i = 0; i < s->n; i++)
    if (!isfinite(s->cpu_ns[i]) || s->cpu_ns[i] < 0) return HL_EINVAL;
  return 0;
}

static double derived_threshold(const hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  if (o->threshold >= 0) return o->threshold;
  double se =
      MEDIAN_SE_FACTOR * b->noise_cv * sqrt(1.0 / (double)b->base.n + 1.0 / (double)b->new_.n);
  double t = o->noise_z * se;
  return t > o->min_threshold ? t : o->min_threshold;
}

/* Medians, change, noise, threshold and raw p of one benchmark. */
static int measure_timing(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  if (check_samples(&b->base) || check_samples(&b->new_)) return HL_EINVAL;
  b->base_median_ns = hl_stats_median(b->base.cpu_ns, b->base.n);
  b->new_median_ns = hl_stats_median(b->new_.cpu_ns, b->new_.n);
  if (!isfinite(b->base_median_ns) || !isfinite(b->new_median_ns)) return HL_ENOMEM;
  b->change =
      b->base_median_ns > 0 ? (b->new_median_ns - b->base_median_ns) / b->base_median_ns : 0;
  double ca = hl_gate_robust_cv(b->base.cpu_ns, b->base.n);
  double cb = hl_gate_robust_cv(b->new_.cpu_ns, b->new_.n);
  b->noise_cv = sqrt((ca * ca + cb * cb) / 2);
  b->threshold = derived_threshold(b, o);
  hl_utest_t u;
  int rc = hl_mann_whitney(b->base.cpu_ns, b->base.n, b->new_.cpu_ns, b->new_.n, &u);
  if (rc) return rc;
  b->p_value = u.p_value;
  return 0;
}

static void decide_timing(hl_gate_bench_t *b, const hl_gate_opts_t *o) {
  int significant = b->p_holm < o->alpha;
  if (significant && b->change > b->threshold)
    b->timing = HL_GT_SLOWER;
  else if (significant && b->change < -b->threshold)
    b->timing = HL_GT_FASTER;
  else
    b->timing = HL_GT_SAME;
}

static hl_gate_verdict_t overall(const hl_gate_bench_t *b, int metrics) {
  if (!b->base.present || !b->new_.present) return HL_GATE_NOT_COMPARABLE;
  if (metrics > 0) return HL_GATE_CHANGED;
  if (b->timing == HL_GT_SLOWER) return HL_GATE_REGRESSION;
  if (b->new_.failed > 0 && b->base.failed == 0) return HL_GATE_REGRESSION;
  if (metrics < 0) return HL_GATE_NOT_COMPARABLE;
  if (b->timing == HL_GT_FASTER) return HL_GATE_FASTER;
  return HL_GATE_SAME;
}

int hl_gate_decide(hl_gate_bench_t *b, size_t n, const hl_gate_opts_t *o, hl_gate_tally_t *t) {
  memset(t, 0, sizeof *t);
  double *p = calloc(n ? n : 1, sizeof *p);
  size_t *idx = calloc(n ? n : 1, sizeof *idx);
  int *metrics = calloc(n ? n : 1, sizeof *metrics);
  int rc = p && idx && metrics ? 0 : HL_ENOMEM;
  size_t m = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    hl_gate_bench_t *x = &b[i];
    x->note[0] = '\0';
    x->timing = HL_GT_UNTESTED;
    x->base_median_ns = x->new_median_ns = x->change = x->noise_cv = x->threshold = 0;
    x->p_value = x->p_holm = 1;
    if (!x->base.present || !x->new_.present) {
      snprintf(x->note, sizeof x->note, "only in %s", x->base.present ? "base" : "new");
      continue;
    }
    metrics[i] = decide_metrics(x, o);
    if (x->base.ok == 0 || x->new_.ok == 0) {
      append_note(x, "no ok repetition in %s", x->base.ok == 0 ? "base" : "new");
      metrics[i] = metrics[i] > 0 ? metrics[i] : -1;
    }
    if (x->new_.failed > 0 && x->base.failed == 0)
      append_note(x, "%zu repetitions not ok in new (crash, oom, timeout or error)",
                  x->new_.failed);
    if (!timing_testable(x)) continue;
    if ((rc = measure_timing(x, o)) != 0) break;
    p[m] = x->p_value;
    idx[m++] = i;
  }
  if (rc == 0) hl_holm(p, m, p);
  for (size_t j = 0; rc == 0 && j < m; j++) {
    hl_gate_bench_t *x = &b[idx[j]];
    x->p_holm = p[j];
    decide_timing(x, o);
    size_t reps = x->base.n < x->new_.n ? x->base.n : x->new_.n;
    if (!t->min_reps || reps < t->min_reps) t->min_reps = reps;
  }
  for (size_t i = 0; rc == 0 && i < n; i++) {
    b[i].verdict = overall(&b[i], metrics[i]);
    t->count[b[i].verdict]++;
  }
  t->benchmarks = rc == 0 ? n : 0;
  t->tested = m;
  free(p);
  free(idx);
  free(metrics);
  return rc;
}

int hl_gate_exit_status(const hl_gate_tally_t *t) {
  return t->count[HL_GATE_REGRESSION] || t->count[HL_GATE_CHANGED] ? 1 : 0;
}

void hl_gate_verdict_line(const hl_gate_tally_t *t, const hl_gate_opts_t *o, char *buf,
                          size_t len) {
  char thr[64];
  if (o->threshold >= 0)
    snprintf(thr, sizeof thr, "threshold %.1f%%", 100 * o->threshold);
  else
    snprintf(thr, sizeof thr, "threshold from noise, at least %.1f%%", 100 * o->min_threshold);
  snprintf(buf, len,
           "gate: %s: %zu benchmarks, %zu regressions, %zu changed metrics, %zu faster, "
           "%zu not comparable (timing tested on %zu; Holm alpha %g, %s)",
           hl_gate_exit_status(t) ? "FAIL" : "PASS", t->benchmarks, t->count[HL_GATE_REGRESSION],
           t->count[HL_GATE_CHANGED], t->count[HL_GATE_FASTER], t->count[HL_GATE_NOT_COMPARABLE],
           t->tested, o->alpha, thr);
}
