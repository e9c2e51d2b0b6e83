/* Experiments on the allocator's layout, measured on span (heaplab's
 * allocator built after Go's): C10 (the cost of each level), C11 (size
 * class waste), C12 (large objects skip the caches), C13 (TLB misses of
 * large objects, where the machine has a PMU). */
#include "error.h"
#include "experiments.h"

#include <stdio.h>
#include <string.h>

/* ---- C10 ----------------------------------------------------------------- */

typedef struct level {
  const char *name;
  double target_ns; /* the article's figure */
  double ns, lo, hi;
} level_t;

static void c10_row(hl_claim_result_t *r, const level_t *l, const char *how) {
  char label[96];
  snprintf(label, sizeof label, "%s (article ~%.0f ns)", l->name, l->target_ns);
  hl_claim_row_value(r, label, l->ns, "%.3g ns (%.3g-%.3g): %s", l->ns, l->lo, l->hi, how);
}

int hl_decide_c10(const hl_claim_input_t *in, hl_claim_result_t *r) {
  const json_t *doc = in->doc[0];
  hl_sel_t ptr = {"escape-return", "span", {"ptr_pct=100", NULL}};
  hl_sel_t val = {"escape-return", "span", {"ptr_pct=0", NULL}};
  hl_sel_t pc = {"producer-consumer", "span", {NULL}};
  hl_sel_t big = {"large-objects", "span", {NULL}};
  hl_fig_t fp, fv, fc, fh;
  if (hl_fig_get(doc, &ptr, "cpu_time", &fp) || hl_fig_get(doc, &val, "cpu_time", &fv) ||
      hl_fig_get(doc, &pc, "cpu_time", &fc) || hl_fig_get(doc, &big, "cpu_time", &fh))
    return HL_EINVAL;
  /* The cache level: what a pointer-returning call costs over a value one,
   * a malloc and a free from the thread's cache. */
  level_t lv[3] = {
      {"mcache (malloc + free, same thread)", 1, fp.median - fv.median, fp.min - fv.max,
       fp.max - fv.min},
      {"mcentral (object freed by another thread)", 100, fc.median, fc.min, fc.max},
      {"mheap (40 KiB object, pages untouched)", 1000, fh.median, fh.min, fh.max},
  };
  c10_row(r, &lv[0], "escape-return, pointer minus value constructor");
  c10_row(r, &lv[1], "producer-consumer, per object, the ring's hand-over included");
  c10_row(r, &lv[2], "large-objects, per object: a span from the page heap and back");
  hl_verdict_t part[3];
  for (size_t i = 0; i < 3; i++)
    part[i] = hl_rule_within_factor(lv[i].ns, lv[i].target_ns, 3.0);
  r->verdict = hl_verdict_all(part, 3);
  snprintf(r->value_unit, sizeof r->value_unit, "ns");
  snprintf(r->figure, sizeof r->figure, "mcache %.3g ns, mcentral %.3g ns, mheap %.3g ns",
           lv[0].ns, lv[1].ns, lv[2].ns);
  snprintf(r->condition, sizeof r->condition,
           "within 3x of the article's figure: %s, %s, %s (a level is one path through span, "
           "heaplab's model of Go's allocator, CPU time on this machine)",
           hl_verdict_name(part[0]), hl_verdict_name(part[1]), hl_verdict_name(part[2]));
  hl_claim_confidence_reps(in, r, "span, one workload per level");
  return 0;
}

/* ---- C11 ----------------------------------------------------------------- */

int hl_decide_c11(const hl_claim_input_t *in, hl_claim_result_t *r) {
  hl_sel_t all = {"sizeclass-sweep", "span", {"min=1", NULL}};
  hl_sel_t over = {"sizeclass-sweep", "span", {"min=129", NULL}};
  hl_fig_t worst_all, worst_over, mean;
  if (hl_fig_get(in->doc[0], &all, "max_frag_pct", &worst_all) ||
      hl_fig_get(in->doc[0], &over, "max_frag_pct", &worst_over) ||
      hl_fig_get(in->doc[0], &all, "internal_frag_pct", &mean))
    return HL_EINVAL;
  hl_claim_row_value(r, "worst request, 1 B .. 32 KiB", worst_all.median, "%.1f%%",
                     worst_all.median);
  hl_claim_row_value(r, "worst request, 129 B .. 32 KiB", worst_over.median, "%.1f%%",
                     worst_over.median);
  hl_claim_row_value(r, "all requests, bytes-weighted", mean.median, "%.1f%%", mean.median);
  snprintf(r->value_unit, sizeof r->value_unit, "%% wasted");
  hl_verdict_t v = hl_rule_at_most(worst_all.median, 12.5, 0.02);
  if (v != HL_HOLDS && hl_rule_at_most(worst_over.median, 12.5, 0.02) == HL_HOLDS) {
    v = HL_DEPENDS;
    snprintf(r->condition, sizeof r->condition,
             "at most 12.5%% for requests over 128 B; small requests waste more");
  } else if (v != HL_HOLDS) {
    v = HL_DOES_NOT_HOLD;
    snprintf(r->condition, sizeof r->condition,
             "the bound holds on average (%.1f%%), not per request: the worst request over "
             "128 B wastes %.1f%% (Go's own size-class table has classes over 12.5%% too)",
             mean.median, worst_over.median);
  }
  r->verdict = v;
  snprintf(r->figure, sizeof r->figure, "worst round-up %.1f%% (%.1f%% over 128 B), mean %.1f%%",
           worst_all.median, worst_over.median, mean.median);
  snprintf(r->confidence, sizeof r->confidence,
           "exact (the size classes decide), every %s request size", in->quick ? "8th" : "");
  return 0;
}

/* ---- C12 ----------------------------------------------------------------- */

/* Objects span allocated of one class size (0: large spans) in a row. */
static double class_mallocs(const json_t *row, double object_bytes) {
  size_t i;
  const json_t *c;
  json_array_foreach(json_object_get(row, "heap_classes"), i, c) {
    if (json_number_value(json_object_get(c, "object_bytes")) == object_bytes)
      return json_number_value(json_object_get(c, "mallocs"));
  }
  return 0;
}

int hl_decide_c12(const hl_claim_input_t *in, hl_claim_result_t *r) {
  hl_sel_t at = {"sizeclass-sweep", "span", {"min=32768", NULL}};
  hl_sel_t over = {"sizeclass-sweep", "span", {"min=32776", NULL}};
  const json_t *ra = hl_fig_row(in->doc[0], &at), *ro = hl_fig_row(in->doc[1], &over);
  if (!ra || !ro)
    return HL_EINVAL;
  double at_small = class_mallocs(ra, 32768), at_large = class_mallocs(ra, 0);
  double over_small = class_mallocs(ro, 32768), over_large = class_mallocs(ro, 0);
  hl_claim_row(r, "requests of 32768 B (32 KiB)", "%.0f from the 32 KiB size class, %.0f large",
               at_small, at_large);
  hl_claim_row(r, "requests of 32776 B", "%.0f from a size class, %.0f large", over_small,
               over_large);
  int over_skips = over_large > 0 && over_small == 0;
  int at_skips = at_large > 0 && at_small == 0;
  r->verdict = !over_skips ? HL_DOES_NOT_HOLD : at_skips ? HL_HOLDS : HL_DEPENDS;
  snprintf(r->figure, sizeof r->figure, "32 KiB: %s; over 32 KiB: %s",
           at_skips ? "large span" : "size class (cached)",
           over_skips ? "large span (no cache)" : "size class");
  if (r->verdict == HL_DEPENDS)
    snprintf(r->condition, sizeof r->condition,
             "objects over 32 KiB skip the caches; an object of exactly 32 KiB is the largest "
             "small size class (Go's maxSmallSize is 32768 and its test is size <= it)");
  snprintf(r->confidence, sizeof r->confidence, "exact (span's per-class counts)");
  return 0;
}

/* ---- C13 ----------------------------------------------------------------- */

#define C13_EVENT "perf::DTLB-LOAD-MISSES"

int hl_decide_c13(const hl_claim_input_t *in, hl_claim_result_t *r) {
  const json_t *counters = json_object_get(json_object_get(in->doc[0], "context"), "counters");
  const char *state = json_string_value(json_object_get(counters, C13_EVENT));
  snprintf(r->confidence, sizeof r->confidence, "hardware counter %s", C13_EVENT);
  if (!state || strcmp(state, "counted") != 0) {
    r->verdict = HL_NOT_MEASURABLE;
    snprintf(r->figure, sizeof r->figure, "-");
    snprintf(r->condition, sizeof r->condition, "dTLB misses cannot be counted here: %s",
             state ? state : "the counter was not asked for");
    return 0;
  }
  hl_sel_t small = {"large-objects", "glibc", {"min=32K", NULL}};
  hl_sel_t huge = {"large-objects", "glibc", {"min=1M", NULL}};
  hl_fig_t fs, fh;
  if (hl_fig_get(in->doc[0], &small, "counter." C13_EVENT "/iter", &fs) ||
      hl_fig_get(in->doc[1], &huge, "counter." C13_EVENT "/iter", &fh))
    return HL_EINVAL;
  /* per 4 KiB page written: 8 pages per 32 KiB object, 256 per 1 MiB one */
  double per_page_small = fs.median / 8, per_page_huge = fh.median / 256;
  hl_claim_row_value(r, "32 KiB objects: dTLB misses per page", per_page_small, "%.3g",
                     per_page_small);
  hl_claim_row_value(r, "1 MiB objects: dTLB misses per page", per_page_huge, "%.3g",
                     per_page_huge);
  double rise = per_page_small > 0 ? 100.0 * (per_page_huge / per_page_small - 1) : 0;
  snprintf(r->figure, sizeof r->figure, "1 MiB objects: %+.0f%% dTLB misses per page vs 32 KiB",
           rise);
  /* The article: +12% at 32 KiB, +67% at 1 MiB, over an unnamed base; what
   * can be checked is the rise from one to the other (about 1.67 / 1.12). */
  r->verdict = hl_rule_within_factor(per_page_huge / per_page_small, 1.67 / 1.12, 1.25);
  snprintf(r->condition, sizeof r->condition,
           "the article's base is unnamed; compared: the rise from 32 KiB to 1 MiB objects "
           "(about 1.49x from its figures), within 1.25x");
  return 0;
}
