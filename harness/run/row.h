/* The results row of one repetition, from what its worker reported and what
 * the parent saw (child.h), for the cell it ran (plan.h): the identity
 * (resultsdoc/view.h), the worker's measurements or Google Benchmark's error
 * row shape when it produced none, the cell's parameters and knobs, and,
 * under a limit or with --sample-ms, its timeline up to its last moment. */
#ifndef HL_ROW_H
#define HL_ROW_H

#include "child.h"
#include "plan.h"

#include <jansson.h>

typedef struct hl_rep_context {
  const hl_cell_t *cell;
  size_t family_index; /* the cell's index */
  unsigned rep, reps, threads;
  uint64_t hard_limit_bytes; /* what this repetition ran under; 0: none */
  int with_timeline;         /* --sample-ms or a limit: keep the samples */
} hl_rep_context_t;

/* The row (a new reference), or NULL when out of memory. result: the
 * worker's "result" record, or NULL when it sent none. */
json_t *hl_rep_row(const hl_rep_context_t *rc, const hl_child_result_t *res, const json_t *result);

#endif
