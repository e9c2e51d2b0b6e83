/* The claims' decide functions, by chapter of the article, and what they
 * share. The table that ties each to its claim and its commands is
 * claims_table.c. */
#ifndef HL_EXPERIMENTS_H
#define HL_EXPERIMENTS_H

#include "claims.h"
#include "figures.h"

/* "1.73x (1.51-1.90, 5 pairs)" */
const char *hl_fmt_ratio(const hl_fig_t *f, char *buf, size_t len);
/* "12.3 ns (11.9-13.1, n=5)": median, range, count, values times scale. */
const char *hl_fmt_fig(const hl_fig_t *f, double scale, const char *unit, char *buf, size_t len);
/* The confidence line of an experiment made of repetitions. */
void hl_claim_confidence_reps(const hl_claim_input_t *in, hl_claim_result_t *r,
                              const char *what);

/* Chapter 1 and 2: escapes, pools, GOGC, the method (exp_escape.c, exp_gc.c). */
int hl_decide_c1(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c2(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c3(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c4(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c5(const hl_claim_input_t *in, hl_claim_result_t *r);
/* The Go compiler as referee (exp_gocompiler.c). */
int hl_decide_c6(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c7(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c8(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c9(const hl_claim_input_t *in, hl_claim_result_t *r);
/* Chapter 3: the allocator (exp_alloc.c). */
int hl_decide_c10(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c11(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c12(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c13(const hl_claim_input_t *in, hl_claim_result_t *r);
/* Chapter 4: the collector and OOMs (exp_gc.c, exp_goruntime.c). */
int hl_decide_c14(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c15(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c16(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c17(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c18(const hl_claim_input_t *in, hl_claim_result_t *r);
int hl_decide_c19(const hl_claim_input_t *in, hl_claim_result_t *r);

#endif
