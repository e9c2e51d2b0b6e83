/* heaplab claims: every testable claim of the article heaplab grew from,
 * measured here, with a verdict.
 *
 * A claim is one entry of a table (claims_table.c): its id (C1..C19), the
 * article's statement in one line, the experiment in one line, the heaplab
 * commands that measure it (ordinary `heaplab run` / `heaplab oom` command
 * lines, a full and a --quick variant, whose results files are kept), and a
 * decide function that reads those files and turns figures into a verdict
 * by a rule of verdict.h. Claims that the Go compiler or runtime referees
 * (C6, C7, C14) build and run small Go programs instead (gotool.h). C1 and
 * C5 are conjunctions of other claims' verdicts.
 *
 * The command (claims.c) runs the experiments one after the other, each
 * command in its own heaplab process, prints a line per claim and writes
 * DIR/claims.md and DIR/claims.html (claims_doc.c).
 */
#ifndef HL_CLAIMS_H
#define HL_CLAIMS_H

#include "verdict.h"

#include <jansson.h>
#include <stddef.h>

#define HL_CLAIM_MAX_RUNS 4
#define HL_CLAIM_MAX_ROWS 16

/* One heaplab command line of an experiment, split into words as a shell
 * would (core/argsplit.h). NULL quick: the full one. */
typedef struct hl_claim_cmd {
  const char *full, *quick;
} hl_claim_cmd_t;

/* A row of the table that decided a claim: what, the measured text, and
 * (value_ok) a number the claim's figure draws. */
typedef struct hl_claim_row {
  char label[96];
  char measured[160];
  double value;
  int value_ok;
} hl_claim_row_t;

typedef struct hl_claim_result {
  hl_verdict_t verdict;
  int ran;             /* every command ran and its results could be read */
  char figure[240];    /* the one figure the console line shows */
  char condition[320]; /* depends: the condition; not measurable: why; else a note */
  char confidence[200];
  char value_unit[32]; /* the unit of the rows' values, for the figure */
  hl_claim_row_t row[HL_CLAIM_MAX_ROWS];
  size_t nrows;
} hl_claim_result_t;

/* What a decide function reads. */
typedef struct hl_claim_input {
  json_t *doc[HL_CLAIM_MAX_RUNS]; /* the results of each command, in order */
  size_t ndocs;
  const char *dir;  /* the output directory (Go experiments write there) */
  int quick;
  /* the verdicts of the claims decided before (for conjunctions) */
  const hl_claim_result_t *(*result_of)(const char *id, void *ctx);
  void *ctx;
} hl_claim_input_t;

typedef struct hl_claim {
  const char *id;
  const char *statement;  /* the article's claim, one line */
  const char *experiment; /* what heaplab runs to test it, one line */
  hl_claim_cmd_t cmd[HL_CLAIM_MAX_RUNS];
  size_t ncmds;
  const char *needs; /* the claims a conjunction is made of, "C2,C4"; NULL: none */
  /* Fills out (zeroed by the caller) from in: verdict, figure, rows. 0, or
   * HL_EINVAL when the results lack what the rule needs (the claim then
   * "could not run"). */
  int (*decide)(const hl_claim_input_t *in, hl_claim_result_t *out);
} hl_claim_t;

/* The table, in id order. */
extern const hl_claim_t hl_claims[];
extern const size_t hl_nclaims;
const hl_claim_t *hl_claim_find(const char *id);

/* Adds a row (printf-style measured text). Returns the row, or NULL when the
 * table is full. */
hl_claim_row_t *hl_claim_row(hl_claim_result_t *r, const char *label, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* The same, with a value for the figure. */
hl_claim_row_t *hl_claim_row_value(hl_claim_result_t *r, const char *label, double value,
                                   const char *fmt, ...) __attribute__((format(printf, 4, 5)));

/* heaplab claims [ID...|all] [--quick] [-o DIR] */
int hl_claims_main(int argc, char **argv);

#endif
