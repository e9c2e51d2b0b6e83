/* The gate's looks (sequential.h) over rounds of two binaries: run the
 * rounds a look needs, load both sides, decide the look, stop when every
 * benchmark is decided, at the last look, or when the time budget would be
 * exceeded. Internal to compare/. */
#ifndef HL_GATE_LOOKS_H
#define HL_GATE_LOOKS_H

#include "gate.h"
#include "sequential.h"

typedef struct hl_gate_looks {
  hl_seq_plan_t plan;
  double budget_s; /* 0: none */
  /* runs rounds [from, to) of every binary side, seq the looks so far
   * (which benchmarks are still open); 0 or HL_E* */
  int (*run_rounds)(void *ctx, unsigned from, unsigned to, const hl_seq_t *seq);
  /* the views of the two sides' documents so far (valid until the next
   * call); 0 or HL_ENOMEM */
  int (*views)(void *ctx, const hl_results_t **base, const hl_results_t **new_);
  hl_row_key_fn key; /* how rows pair up (hl_gate_set_load_keyed); NULL: by run_name */
  void *ctx;
} hl_gate_looks_t;

/* On success set, tally and seq hold the last look taken and *rounds the
 * rounds run. HL_EINVAL (bad samples or documents, why says), HL_ENOMEM, or
 * what run_rounds returned. */
int hl_gate_run_looks(const hl_gate_looks_t *l, const hl_gate_opts_t *o, hl_gate_set_t *set,
                      hl_gate_tally_t *tally, hl_seq_t *seq, unsigned *rounds, char *why,
                      size_t why_len);

#endif
