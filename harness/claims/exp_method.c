/* The claims about the method as a whole (C1, C5: conjunctions of the
 * measured mechanisms) and those heaplab cannot measure (C9, C19). */
#include "error.h"
#include "experiments.h"

#include <stdio.h>
#include <string.h>

/* The verdict of claims parts[] (decided before this one), the parts
 * listed in the condition. */
static int conjunction(const hl_claim_input_t *in, hl_claim_result_t *r,
                       const char *const *parts, size_t n, const char *what) {
  hl_verdict_t v[8];
  size_t len = 0;
  for (size_t i = 0; i < n; i++) {
    const hl_claim_result_t *p = in->result_of(parts[i], in->ctx);
    v[i] = p && p->ran ? p->verdict : HL_NOT_MEASURABLE;
    hl_claim_row(r, parts[i], "%s", p && p->ran ? hl_verdict_name(v[i]) : "not run");
    len += (size_t)snprintf(r->figure + len, len < sizeof r->figure ? sizeof r->figure - len : 0,
                            "%s%s %s", i ? ", " : "", parts[i], hl_verdict_name(v[i]));
  }
  r->verdict = hl_verdict_all(v, n);
  snprintf(r->condition, sizeof r->condition, "%s", what);
  snprintf(r->confidence, sizeof r->confidence, "as the claims it is made of");
  return 0;
}

int hl_decide_c1(const hl_claim_input_t *in, hl_claim_result_t *r) {
  static const char *const parts[] = {"C2", "C4", "C17"};
  return conjunction(in, r, parts, 3,
                     "the mechanisms measured: escapes put objects on the heap (C2), GOGC "
                     "mismatched with the limit kills (C4), lifetimes that never end kill "
                     "whatever the collector (C17); the share of real OOMs they explain is not "
                     "measurable");
}

int hl_decide_c5(const hl_claim_input_t *in, hl_claim_result_t *r) {
  static const char *const parts[] = {"C2", "C3", "C4", "C18"};
  return conjunction(in, r, parts, 4,
                     "each step of the loop, measured: escapes (C2), pools (C3), GOGC (C4), "
                     "the soft limit (C18); \"90% of OOM cases\" is a figure about production "
                     "incidents, not measurable here");
}

static int not_measurable(hl_claim_result_t *r, const char *why) {
  r->verdict = HL_NOT_MEASURABLE;
  snprintf(r->figure, sizeof r->figure, "-");
  snprintf(r->condition, sizeof r->condition, "%s", why);
  snprintf(r->confidence, sizeof r->confidence, "no experiment");
  return 0;
}

int hl_decide_c9(const hl_claim_input_t *in, hl_claim_result_t *r) {
  (void)in;
  return not_measurable(r, "a proposal for a Java-style CI check (escape on 85% of call paths); "
                           "Go's compiler makes one decision per site, not per path. heaplab's "
                           "gate checks the exact heap allocation counts instead");
}

int hl_decide_c19(const hl_claim_input_t *in, hl_claim_result_t *r) {
  (void)in;
  return not_measurable(r, "figures from unnamed production systems; heaplab measures the "
                           "mechanisms they rely on (C2-C4, C17, C18)");
}
