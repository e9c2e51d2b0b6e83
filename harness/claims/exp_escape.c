/* Experiments on allocation placement: C2 (a pointer return puts the value
 * on the heap, a value return costs no heap) and C8 (the stack removes
 * malloc's cost; ordering fields removes padding), on heaplab's workloads. */
#include "error.h"
#include "experiments.h"

#include <stdio.h>

/* C2, per backend: heap objects per call of the pointer-returning and the
 * value-returning constructor (ptr_pct 100 and 0, escape analysis on), and
 * their CPU time ratio. The heap counts decide; the time says whether the
 * cost shows. */
static hl_verdict_t c2_backend(const json_t *doc, const char *b, hl_claim_result_t *r,
                               double *ratio) {
  hl_sel_t ptr = {"escape-return", b, {"ptr_pct=100", "escape=on", NULL}};
  hl_sel_t val = {"escape-return", b, {"ptr_pct=0", "escape=on", NULL}};
  hl_fig_t ap, av, t;
  if (hl_fig_get(doc, &ptr, "allocs/iter", &ap) || hl_fig_get(doc, &val, "allocs/iter", &av) ||
      hl_fig_ratio(doc, &ptr, &val, "cpu_time", &t))
    return HL_NOT_MEASURABLE;
  char label[96], buf[96];
  snprintf(label, sizeof label, "%s: heap objects per call, pointer / value", b);
  hl_claim_row(r, label, "%.2f / %.2f", ap.median, av.median);
  snprintf(label, sizeof label, "%s: CPU time per call, pointer / value", b);
  hl_claim_row_value(r, label, t.median, "%s", hl_fmt_ratio(&t, buf, sizeof buf));
  *ratio = t.median;
  if (ap.min < 0.99 || av.max != 0)
    return HL_DOES_NOT_HOLD;
  return hl_rule_ratio_above_one(t.min, t.max, 0.0) == HL_HOLDS ? HL_HOLDS : HL_DEPENDS;
}

int hl_decide_c2(const hl_claim_input_t *in, hl_claim_result_t *r) {
  static const char *const backends[] = {"glibc", "span"};
  hl_verdict_t part[2];
  double ratio[2] = {0, 0};
  for (size_t i = 0; i < 2; i++)
    if ((part[i] = c2_backend(in->doc[0], backends[i], r, &ratio[i])) == HL_NOT_MEASURABLE)
      return HL_EINVAL;
  r->verdict = hl_verdict_all(part, 2);
  snprintf(r->value_unit, sizeof r->value_unit, "CPU time ratio");
  snprintf(r->figure, sizeof r->figure,
           "pointer return: 1 heap object per call, value return: 0; CPU %.2fx (glibc), "
           "%.2fx (span)",
           ratio[0], ratio[1]);
  if (r->verdict == HL_DEPENDS)
    snprintf(r->condition, sizeof r->condition,
             "the heap objects are as claimed; the time it costs stays within the noise of "
             "the repetitions on one backend (its ratio range includes 1)");
  hl_claim_confidence_reps(in, r, "escape-return, 2 backends x 2 constructors");
  return 0;
}

/* C8 part 1: the same records padded (declaration order) and packed (by
 * decreasing size): bytes per record and peak RSS. */
static hl_verdict_t c8_layout(const json_t *doc, hl_claim_result_t *r, double *saved_pct) {
  hl_sel_t padded = {"struct-layout", "glibc", {"layout=padded", "escape=on", NULL}};
  hl_sel_t packed = {"struct-layout", "glibc", {"layout=packed", "escape=on", NULL}};
  hl_fig_t bpad, bpack, rpad, rpack;
  if (hl_fig_get(doc, &padded, "alloc_bytes/iter", &bpad) ||
      hl_fig_get(doc, &packed, "alloc_bytes/iter", &bpack) ||
      hl_fig_get(doc, &padded, "rss_peak_bytes", &rpad) ||
      hl_fig_get(doc, &packed, "rss_peak_bytes", &rpack))
    return HL_NOT_MEASURABLE;
  hl_claim_row(r, "struct-layout: heap bytes per record, padded / packed", "%.0f / %.0f",
               bpad.median, bpack.median);
  hl_claim_row(r, "struct-layout: peak RSS, padded / packed", "%.1f / %.1f MiB",
               rpad.median / 1048576.0, rpack.median / 1048576.0);
  *saved_pct = 100.0 * (1.0 - bpack.median / bpad.median);
  return bpack.median < bpad.median ? HL_HOLDS : HL_DOES_NOT_HOLD;
}

/* C8 part 2: a short-lived value on the stack (escape analysis on) or from
 * malloc (off): malloc calls per use and the CPU time ratio off / on. */
static hl_verdict_t c8_stack(const json_t *doc, hl_claim_result_t *r, double *ratio) {
  hl_sel_t heap = {"escape-return", "glibc", {"ptr_pct=0", "escape=off", NULL}};
  hl_sel_t stack = {"escape-return", "glibc", {"ptr_pct=0", "escape=on", NULL}};
  hl_fig_t ah, as, t;
  if (hl_fig_get(doc, &heap, "allocs/iter", &ah) || hl_fig_get(doc, &stack, "allocs/iter", &as) ||
      hl_fig_ratio(doc, &heap, &stack, "cpu_time", &t))
    return HL_NOT_MEASURABLE;
  char buf[96];
  hl_claim_row(r, "escape-return (glibc): malloc calls per use, malloc / stack", "%.2f / %.2f",
               ah.median, as.median);
  hl_claim_row_value(r, "escape-return (glibc): CPU time, malloc / stack", t.median, "%s",
                     hl_fmt_ratio(&t, buf, sizeof buf));
  *ratio = t.median;
  if (as.max != 0 || ah.min < 0.99)
    return HL_DOES_NOT_HOLD;
  return hl_rule_ratio_above_one(t.min, t.max, 0.0);
}

int hl_decide_c8(const hl_claim_input_t *in, hl_claim_result_t *r) {
  double saved = 0, ratio = 0;
  hl_verdict_t part[2] = {c8_layout(in->doc[0], r, &saved), c8_stack(in->doc[0], r, &ratio)};
  if (part[0] == HL_NOT_MEASURABLE || part[1] == HL_NOT_MEASURABLE)
    return HL_EINVAL;
  r->verdict = hl_verdict_all(part, 2);
  snprintf(r->value_unit, sizeof r->value_unit, "CPU time ratio");
  snprintf(r->figure, sizeof r->figure,
           "ordering fields saves %.0f%% of the heap bytes; malloc instead of the stack costs "
           "%.2fx CPU",
           saved, ratio);
  if (r->verdict != HL_HOLDS)
    snprintf(r->condition, sizeof r->condition,
             "padding: %s; the stack's saving in time: %s (its ratio range %s 1)",
             hl_verdict_name(part[0]), hl_verdict_name(part[1]),
             part[1] == HL_DEPENDS ? "includes" : "is clear of");
  hl_claim_confidence_reps(in, r, "struct-layout and escape-return on glibc");
  return 0;
}
