/* The claims report: DIR/claims.md and DIR/claims.html. Per claim the
 * article's statement, the experiment and its commands, the table that
 * decided it (in HTML with a bar per figure), the verdict with its
 * condition and confidence; above them a summary table and the machine
 * the claims were measured on. Every string is escaped for its format
 * (resultsdoc/escape.h); both files are written safely (core/output.h). */
#ifndef HL_CLAIMS_DOC_H
#define HL_CLAIMS_DOC_H

#include "claims.h"

/* The machine, from the first results file's context (NULL: unknown). */
typedef struct hl_claims_machine {
  char text[320]; /* "vm: AMD EPYC, 2 CPUs, Linux 6.18, THP madvise (fingerprint 70ea9a040338)" */
  char date[64];
  char load[64];
} hl_claims_machine_t;

void hl_claims_machine_from(const json_t *doc, hl_claims_machine_t *m);

/* chosen[i], result[i]: per entry of hl_claims. 0, or HL_E* after a message. */
int hl_claims_write_docs(const char *dir, int quick, const hl_claims_machine_t *m,
                         const int *chosen, const hl_claim_result_t *result);

#endif
