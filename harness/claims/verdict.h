/* Verdicts and the rules that give them.
 *
 * A rule compares a measured figure with what a claim says and answers
 * holds / does not hold, or depends when the figure sits inside a stated
 * margin around the claim's bound (a borderline figure is not a coin flip:
 * it is reported as such, with the condition). Each rule is a pure function
 * of numbers, unit-tested (tests/unit/test_claims.c).
 */
#ifndef HL_VERDICT_H
#define HL_VERDICT_H

#include <stddef.h>

typedef enum hl_verdict {
  HL_HOLDS,
  HL_DOES_NOT_HOLD,
  HL_DEPENDS,
  HL_NOT_MEASURABLE,
} hl_verdict_t;

const char *hl_verdict_name(hl_verdict_t v); /* "holds", "does not hold", ... */

/* value >= bound: holds when value >= bound * (1 + margin), does not hold
 * when value <= bound * (1 - margin), depends in between (margin >= 0, a
 * fraction; bound > 0). */
hl_verdict_t hl_rule_at_least(double value, double bound, double margin);
/* value <= bound, the same margin around the bound. */
hl_verdict_t hl_rule_at_most(double value, double bound, double margin);

/* A ratio measured with a range (min..max over repetitions or rounds) is
 * above 1: holds when even the smallest exceeds 1 + margin, does not hold
 * when even the largest is below 1, depends when the range straddles. */
hl_verdict_t hl_rule_ratio_above_one(double lo, double hi, double margin);

/* A figure within a factor of the article's value: holds when value lies in
 * [target / factor, target * factor], depends within [target / factor^2,
 * target * factor^2], does not hold beyond (an order-of-magnitude figure
 * such as "~100 ns"). */
hl_verdict_t hl_rule_within_factor(double value, double target, double factor);

/* A claim made of parts: holds when every part holds, does not hold when
 * every part does not, not measurable when no part could be measured (or
 * n == 0), depends otherwise (some hold and some do not, or some could not
 * be measured). */
hl_verdict_t hl_verdict_all(const hl_verdict_t *part, size_t n);

#endif
