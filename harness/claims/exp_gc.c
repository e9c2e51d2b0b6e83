/* Experiments on the collector and out-of-memory deaths, on span-gc
 * (heaplab's collector under Go's pacer): C3 (pools), C4 (the GOGC table),
 * C15 and C16 (the concurrent collector's pauses and barrier), C17 (the
 * leak), C18 (the soft limit with GOGC 75). */
#include "error.h"
#include "experiments.h"
#include "stats.h"

#include <stdio.h>
#include <string.h>

#define SPAN_GC_NOTE "span-gc: heaplab's stop-the-world collector under Go's pacer, not Go itself"

/* ---- C3 ------------------------------------------------------------------ */

/* Pool hit rate of one cell (pool on), GCs per 1000 gets. */
static hl_verdict_t c3_cell(const json_t *doc, const char *b, const char *garbage,
                            const char *fanout, hl_claim_result_t *r, char *worst, size_t len,
                            double *worst_hit) {
  hl_sel_t on = {"pool-reuse", b, {"pool=1", garbage, fanout, NULL}};
  hl_sel_t off = {"pool-reuse", b, {"pool=0", garbage, fanout, NULL}};
  hl_fig_t gets, hits, a_on, a_off, gcs = {0};
  if (hl_fig_get(doc, &on, "pool_gets", &gets) || hl_fig_get(doc, &on, "pool_hits", &hits) ||
      hl_fig_get(doc, &on, "allocs", &a_on) || hl_fig_get(doc, &off, "allocs", &a_off))
    return HL_NOT_MEASURABLE;
  hl_fig_get(doc, &on, "num_gc", &gcs); /* malloc backends have none */
  double hit = gets.median > 0 ? hits.median / gets.median : 0;
  double per_k = gets.median > 0 ? 1000.0 * gcs.median / gets.median : 0;
  char label[96];
  snprintf(label, sizeof label, "%s, %s, %s", b, garbage, fanout);
  hl_claim_row_value(r, label, 100 * hit,
                     "hit rate %.1f%%, heap allocations cut %.0f%%, %.2f GCs per 1000 gets",
                     100 * hit, 100 * (1 - a_on.median / a_off.median), per_k);
  if (hit < *worst_hit) {
    *worst_hit = hit;
    snprintf(worst, len, "%s at %.2f GCs per 1000 gets", label, per_k);
  }
  return hit >= 0.9 ? HL_HOLDS : hit >= 0.5 ? HL_DEPENDS : HL_DOES_NOT_HOLD;
}

int hl_decide_c3(const hl_claim_input_t *in, hl_claim_result_t *r) {
  static const char *const backends[] = {"glibc", "span", "span-gc"};
  static const char *const garbage[] = {"garbage=0", "garbage=16K"};
  static const char *const fanout[] = {"fanout=0", "fanout=64"};
  hl_verdict_t part[12];
  size_t n = 0;
  char worst[160] = "";
  double worst_hit = 2;
  for (size_t b = 0; b < 3; b++)
    for (size_t g = 0; g < 2; g++)
      for (size_t f = 0; f < 2; f++)
        if ((part[n++] = c3_cell(in->doc[0], backends[b], garbage[g], fanout[f], r, worst,
                                 sizeof worst, &worst_hit)) == HL_NOT_MEASURABLE)
          return HL_EINVAL;
  r->verdict = hl_verdict_all(part, n);
  snprintf(r->value_unit, sizeof r->value_unit, "%% hit rate");
  snprintf(r->figure, sizeof r->figure, "pool hit rate %.1f%% at worst (%s)", 100 * worst_hit,
           worst);
  if (r->verdict != HL_HOLDS)
    snprintf(r->condition, sizeof r->condition,
             "a pool serves most gets while its buffers survive between uses: the collector "
             "empties it (victim cache) every two cycles, so the hit rate falls with GCs per "
             "get and with bursts (fan-out) that leave buffers idle; worst: %s",
             worst);
  hl_claim_confidence_reps(in, r, "pool-reuse (sync.Pool's model), 3 backends, 4 loads");
  return 0;
}

/* ---- C4 ------------------------------------------------------------------ */

static int survival(const json_t *doc, const char *gogc, double *rate, hl_claim_result_t *r) {
  hl_sel_t s = {"steady-service", "span-gc", {gogc, NULL}};
  unsigned sv, runs;
  if (hl_fig_survival(doc, &s, &sv, &runs) != 0 || runs == 0)
    return HL_EINVAL;
  char label[96];
  snprintf(label, sizeof label, "container under a limit: %s", gogc);
  hl_claim_row_value(r, label, (double)sv / runs, "survived %u/%u", sv, runs);
  *rate = (double)sv / runs;
  return 0;
}

/* (a) memory-limited containers: GOGC 20 and 50 survive where 100 dies. */
static hl_verdict_t c4_container(const json_t *doc, hl_claim_result_t *r) {
  double s20, s50, s100;
  if (survival(doc, "gogc=20", &s20, r) || survival(doc, "gogc=50", &s50, r) ||
      survival(doc, "gogc=100", &s100, r))
    return HL_NOT_MEASURABLE;
  if (s100 == s20 && s100 == s50)
    return HL_DEPENDS; /* this limit does not tell them apart */
  return s20 > s100 && s50 > s100 ? HL_HOLDS : HL_DOES_NOT_HOLD;
}

/* (b) batch jobs with peaks: GOGC 10 trades CPU for memory. */
static hl_verdict_t c4_batch(const json_t *doc, hl_claim_result_t *r) {
  hl_sel_t low = {"spike", "span-gc", {"gogc=10", NULL}};
  hl_sel_t dflt = {"spike", "span-gc", {"gogc=100", NULL}};
  hl_fig_t rss, cpu;
  if (hl_fig_ratio(doc, &low, &dflt, "rss_peak_bytes", &rss) ||
      hl_fig_ratio(doc, &low, &dflt, "cpu_time", &cpu))
    return HL_NOT_MEASURABLE;
  char a[96], b[96];
  hl_claim_row(r, "batch with peaks: GOGC 10 / 100", "peak RSS %s, CPU %s",
               hl_fmt_ratio(&rss, a, sizeof a), hl_fmt_ratio(&cpu, b, sizeof b));
  if (rss.max >= 1)
    return HL_DOES_NOT_HOLD;
  return hl_rule_ratio_above_one(cpu.min, cpu.max, 0.0) == HL_HOLDS ? HL_HOLDS : HL_DEPENDS;
}

/* (c) long-running services: GOGC 150 collects less often than 100. */
static hl_verdict_t c4_service(const json_t *doc, hl_claim_result_t *r) {
  hl_sel_t high = {"steady-service", "span-gc", {"gogc=150", NULL}};
  hl_sel_t dflt = {"steady-service", "span-gc", {"gogc=100", NULL}};
  hl_fig_t g150, g100, p150, p100;
  if (hl_fig_get(doc, &high, "num_gc", &g150) || hl_fig_get(doc, &dflt, "num_gc", &g100) ||
      hl_fig_get(doc, &high, "gc_pause_total_ns", &p150) ||
      hl_fig_get(doc, &dflt, "gc_pause_total_ns", &p100))
    return HL_NOT_MEASURABLE;
  hl_claim_row(r, "long-running service: GOGC 150 / 100",
               "%.0f / %.0f collections, %.1f / %.1f ms paused", g150.median, g100.median,
               p150.median / 1e6, p100.median / 1e6);
  return g150.median < g100.median && p150.median < p100.median ? HL_HOLDS : HL_DOES_NOT_HOLD;
}

int hl_decide_c4(const hl_claim_input_t *in, hl_claim_result_t *r) {
  hl_verdict_t part[3] = {c4_container(in->doc[0], r), c4_batch(in->doc[1], r),
                          c4_service(in->doc[2], r)};
  for (size_t i = 0; i < 3; i++)
    if (part[i] == HL_NOT_MEASURABLE)
      return HL_EINVAL;
  r->verdict = hl_verdict_all(part, 3);
  snprintf(r->value_unit, sizeof r->value_unit, "survival");
  snprintf(r->figure, sizeof r->figure, "containers (20-50): %s; batch (10): %s; services (150): %s",
           hl_verdict_name(part[0]), hl_verdict_name(part[1]), hl_verdict_name(part[2]));
  snprintf(r->condition, sizeof r->condition,
           "the three rows of the table, each on its own scenario (a live set near the limit, "
           "a job with bursts, a service's collections; the service is scaled down from 2 GB)");
  hl_claim_confidence_reps(in, r, SPAN_GC_NOTE);
  return 0;
}

/* ---- C15, C16 ------------------------------------------------------------ */

#define CONCURRENT "span-gc:mode=concurrent"

/* The cycles of every ok row of sel: values of one field (index k of an
 * array field when k >= 0) into out. */
static size_t cycle_values(const json_t *doc, const hl_sel_t *sel, const char *field, int k,
                           double *out, size_t max) {
  size_t n = 0;
  const json_t *row;
  for (size_t r = 0; (row = hl_fig_any_row(doc, sel, r)) != NULL; r++) {
    size_t i;
    const json_t *c;
    json_array_foreach(json_object_get(row, "gc_cycles"), i, c) {
      const json_t *v = json_object_get(c, field);
      if (k >= 0)
        v = json_array_get(v, (size_t)k);
      if (json_is_number(v) && n < max)
        out[n++] = json_number_value(v);
    }
  }
  return n;
}

static int fig_of(const double *v, size_t n, hl_fig_t *f) {
  if (n == 0)
    return HL_ENOENT;
  f->n = n;
  f->median = hl_stats_median(v, n);
  f->min = hl_stats_min(v, n);
  f->max = hl_stats_max(v, n);
  return 0;
}

/* C15: the stop-the-world windows of both modes. The article's figure is
 * Go 1.22's; what is measured is heaplab's model of it (and its stop-the-
 * world shadow), so the verdict stays "not measurable here" with the
 * figures beside it. */
int hl_decide_c15(const hl_claim_input_t *in, hl_claim_result_t *r) {
  hl_sel_t stw = {"steady-service", "span-gc:mode=stw", {NULL}};
  hl_sel_t conc = {"steady-service", CONCURRENT, {NULL}};
  double v[4096];
  hl_fig_t whole, mark_wall, mark_cpu, sweep_wall;
  if (fig_of(v, cycle_values(in->doc[0], &stw, "pause_ns", -1, v, 4096), &whole) ||
      fig_of(v, cycle_values(in->doc[0], &conc, "stw_ns", 1, v, 4096), &mark_wall) ||
      fig_of(v, cycle_values(in->doc[0], &conc, "stw_cpu_ns", 1, v, 4096), &mark_cpu) ||
      fig_of(v, cycle_values(in->doc[0], &conc, "stw_ns", 0, v, 4096), &sweep_wall))
    return HL_EINVAL;
  char buf[96];
  hl_claim_row_value(r, "span-gc (stop-the-world): pause per cycle", whole.median / 1000, "%s",
                     hl_fmt_fig(&whole, 1e-3, "us", buf, sizeof buf));
  hl_claim_row_value(r, "concurrent: sweep termination, wall", sweep_wall.median / 1000, "%s",
                     hl_fmt_fig(&sweep_wall, 1e-3, "us", buf, sizeof buf));
  hl_claim_row_value(r, "concurrent: mark termination, wall", mark_wall.median / 1000, "%s",
                     hl_fmt_fig(&mark_wall, 1e-3, "us", buf, sizeof buf));
  hl_claim_row_value(r, "concurrent: mark termination, the stopping thread's CPU",
                     mark_cpu.median / 1000, "%s",
                     hl_fmt_fig(&mark_cpu, 1e-3, "us", buf, sizeof buf));
  r->verdict = HL_NOT_MEASURABLE;
  snprintf(r->value_unit, sizeof r->value_unit, "us");
  snprintf(r->figure, sizeof r->figure,
           "span-gc's model: mark termination %.0f us (its CPU %.0f us), stop-the-world cycles "
           "%.0f us",
           mark_wall.median / 1000, mark_cpu.median / 1000, whole.median / 1000);
  snprintf(r->condition, sizeof r->condition,
           "the claim is about Go 1.22's runtime, and Debian's Go is 1.19; span-gc's concurrent "
           "model ends each mark on one thread (barrier buffers, stacks still grey, the last "
           "drain) and is not Go, so its figure does not stand for Go's");
  hl_claim_confidence_reps(in, r, "per cycle, every repetition; span-gc's two modes");
  return 0;
}

/* C16: of the pointers the hybrid barrier was handed while marking, the
 * share it did not buffer because the object was already marked, on a live
 * set with one and with four pointer slots per object. */
int hl_decide_c16(const hl_claim_input_t *in, hl_claim_result_t *r) {
  static const char *const ptrs[] = {"ptrs=1", "ptrs=4"};
  hl_verdict_t part[2];
  double share[2];
  for (size_t w = 0; w < 2; w++) {
    hl_sel_t s = {"steady-service", CONCURRENT, {ptrs[w], NULL}};
    double v[4096], calls = 0, buffered = 0, skipped = 0;
    size_t n = cycle_values(in->doc[0], &s, "barrier_calls", -1, v, 4096);
    for (size_t i = 0; i < n; i++)
      calls += v[i];
    n = cycle_values(in->doc[0], &s, "barrier_buffered", -1, v, 4096);
    for (size_t i = 0; i < n; i++)
      buffered += v[i];
    n = cycle_values(in->doc[0], &s, "barrier_skipped", -1, v, 4096);
    for (size_t i = 0; i < n; i++)
      skipped += v[i];
    if (buffered + skipped <= 0)
      return HL_EINVAL;
    share[w] = skipped / (buffered + skipped);
    char label[96];
    snprintf(label, sizeof label, "steady-service, %s per object: pointers skipped as marked",
             ptrs[w]);
    hl_claim_row_value(r, label, 100 * share[w], "%.1f%% of %.0f (%.0f barrier calls)",
                       100 * share[w], buffered + skipped, calls);
    part[w] = hl_rule_within_factor(share[w], 0.37, 1.25);
  }
  r->verdict = hl_verdict_all(part, 2);
  snprintf(r->value_unit, sizeof r->value_unit, "%% skipped");
  snprintf(r->figure, sizeof r->figure,
           "the barrier skipped %.0f%% (1 pointer an object) and %.0f%% (4) of its pointers as "
           "already marked",
           100 * share[0], 100 * share[1]);
  snprintf(r->condition, sizeof r->condition,
           "within 1.25x of the article's 37%%: the share depends on how much of the heap is "
           "marked when the program stores (span-gc's concurrent mode, its hybrid barrier)");
  hl_claim_confidence_reps(in, r, "summed over every cycle of every repetition");
  return 0;
}

/* ---- C17 ----------------------------------------------------------------- */

/* Seconds between the first sample at 90% of the limit and the end of a
 * run (its last sample), or -1 when the run never got there. */
static double warning_s(const json_t *row) {
  const json_t *tl = json_object_get(row, "rss_timeline");
  const json_t *t = json_object_get(tl, "t_ns"), *rss = json_object_get(tl, "rss_bytes");
  double limit = json_number_value(json_object_get(row, "limit_bytes"));
  size_t n = json_array_size(t);
  if (n == 0 || json_array_size(rss) != n || limit <= 0)
    return -1;
  double end = json_number_value(json_array_get(t, n - 1));
  for (size_t i = 0; i < n; i++)
    if (json_number_value(json_array_get(rss, i)) >= 0.9 * limit)
      return (end - json_number_value(json_array_get(t, i))) / 1e9;
  return -1;
}

static hl_verdict_t c17_backend(const json_t *doc, const char *b, hl_claim_result_t *r,
                                double *min_warning) {
  hl_sel_t s = {"leak", b, {NULL}};
  unsigned sv, runs;
  if (hl_fig_survival(doc, &s, &sv, &runs) != 0)
    return HL_NOT_MEASURABLE;
  size_t warned = 0, n = 0;
  const json_t *row;
  for (; (row = hl_fig_any_row(doc, &s, n)) != NULL; n++) {
    double w = warning_s(row);
    if (w < 0)
      continue;
    warned++;
    *min_warning = w < *min_warning ? w : *min_warning;
  }
  char label[64];
  snprintf(label, sizeof label, "leak of 4 MiB buffers on %s", b);
  hl_claim_row(r, label, "survived %u/%u; RSS passed 90%% of the limit before the end in %zu/%zu",
               sv, runs, warned, n);
  return sv == 0 && warned == n && n > 0 ? HL_HOLDS : HL_DOES_NOT_HOLD;
}

int hl_decide_c17(const hl_claim_input_t *in, hl_claim_result_t *r) {
  double min_warning = 1e9;
  hl_verdict_t part[2] = {c17_backend(in->doc[0], "glibc", r, &min_warning),
                          c17_backend(in->doc[0], "span-gc", r, &min_warning)};
  if (part[0] == HL_NOT_MEASURABLE || part[1] == HL_NOT_MEASURABLE)
    return HL_EINVAL;
  r->verdict = hl_verdict_all(part, 2);
  snprintf(r->figure, sizeof r->figure,
           "every run dies at the limit; the 90%% mark comes %.0f ms or more before the end",
           min_warning < 1e9 ? min_warning * 1000 : 0);
  snprintf(r->condition, sizeof r->condition,
           "the leak reproduces the OOM on a malloc backend and a collector alike (a lifetime "
           "no collector can end); how long the 90%% warning lasts depends on the leak's rate");
  hl_claim_confidence_reps(in, r, "oom runs with RSS timelines");
  return 0;
}

/* ---- C18 ----------------------------------------------------------------- */

static int c18_survival(const json_t *doc, const char *gogc, const char *memlimit, double *rate,
                        hl_claim_result_t *r) {
  hl_sel_t s = {"steady-service", "span-gc", {gogc, memlimit, NULL}};
  unsigned sv, runs;
  if (hl_fig_survival(doc, &s, &sv, &runs) != 0 || runs == 0)
    return HL_EINVAL;
  char label[96];
  snprintf(label, sizeof label, "%s, %s", gogc, memlimit);
  hl_claim_row_value(r, label, (double)sv / runs, "survived %u/%u", sv, runs);
  *rate = (double)sv / runs;
  return 0;
}

int hl_decide_c18(const hl_claim_input_t *in, hl_claim_result_t *r) {
  double both, dflt, soft_only, gogc_only;
  const json_t *doc = in->doc[0];
  if (c18_survival(doc, "gogc=75", "memlimit=60M", &both, r) ||
      c18_survival(doc, "gogc=100", "memlimit=off", &dflt, r) ||
      c18_survival(doc, "gogc=100", "memlimit=60M", &soft_only, r) ||
      c18_survival(doc, "gogc=75", "memlimit=off", &gogc_only, r))
    return HL_EINVAL;
  snprintf(r->value_unit, sizeof r->value_unit, "survival");
  if (both < 1)
    r->verdict = HL_DOES_NOT_HOLD;
  else
    r->verdict = dflt < 1 ? HL_HOLDS : HL_DEPENDS;
  snprintf(r->figure, sizeof r->figure,
           "soft limit + GOGC 75 survived %.0f%%, the default %.0f%% under a 72 MiB limit",
           100 * both, 100 * dflt);
  snprintf(r->condition, sizeof r->condition,
           "%s; alone, the soft limit survived %.0f%% and GOGC 75 %.0f%%",
           dflt < 1 ? "the setting moves the cell from death to survival"
                    : "the default survives this limit too",
           100 * soft_only, 100 * gogc_only);
  hl_claim_confidence_reps(in, r, SPAN_GC_NOTE);
  return 0;
}
