/* Verdicts and their rules (verdict.h). */
#include "verdict.h"

const char *hl_verdict_name(hl_verdict_t v) {
  switch (v) {
  case HL_HOLDS:
    return "holds";
  case HL_DOES_NOT_HOLD:
    return "does not hold";
  case HL_DEPENDS:
    return "depends";
  case HL_NOT_MEASURABLE:
    return "not measurable here";
  }
  return "?";
}

hl_verdict_t hl_rule_at_least(double value, double bound, double margin) {
  if (value >= bound * (1.0 + margin))
    return HL_HOLDS;
  if (value <= bound * (1.0 - margin))
    return HL_DOES_NOT_HOLD;
  return HL_DEPENDS;
}

hl_verdict_t hl_rule_at_most(double value, double bound, double margin) {
  if (value <= bound * (1.0 - margin))
    return HL_HOLDS;
  if (value >= bound * (1.0 + margin))
    return HL_DOES_NOT_HOLD;
  return HL_DEPENDS;
}

hl_verdict_t hl_rule_ratio_above_one(double lo, double hi, double margin) {
  if (lo > 1.0 + margin)
    return HL_HOLDS;
  if (hi < 1.0)
    return HL_DOES_NOT_HOLD;
  return HL_DEPENDS;
}

hl_verdict_t hl_rule_within_factor(double value, double target, double factor) {
  if (value >= target / factor && value <= target * factor)
    return HL_HOLDS;
  double f2 = factor * factor;
  if (value >= target / f2 && value <= target * f2)
    return HL_DEPENDS;
  return HL_DOES_NOT_HOLD;
}

hl_verdict_t hl_verdict_all(const hl_verdict_t *part, size_t n) {
  size_t holds = 0, fails = 0, unmeasurable = 0;
  for (size_t i = 0; i < n; i++) {
    holds += part[i] == HL_HOLDS;
    fails += part[i] == HL_DOES_NOT_HOLD;
    unmeasurable += part[i] == HL_NOT_MEASURABLE;
  }
  if (unmeasurable == n)
    return HL_NOT_MEASURABLE; /* n == 0 too */
  if (holds == n)
    return HL_HOLDS;
  if (fails == n)
    return HL_DOES_NOT_HOLD;
  return HL_DEPENDS;
}
