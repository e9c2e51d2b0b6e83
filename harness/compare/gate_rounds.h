/* The gate's rounds of two binaries (gate_rounds.c): each side's `run`,
 * cell by cell or suite by suite, merged into one document a side.
 * Internal to compare/. */
#ifndef HL_GATE_ROUNDS_H
#define HL_GATE_ROUNDS_H

#include "gate.h"
#include "gate_cmd.h"
#include "results.h"
#include "sequential.h"

#include <jansson.h>
#include <limits.h>

typedef struct gate_side {
  hl_gate_source_t src;
  const char *role; /* "base" or "new" */
  char exe[PATH_MAX];
  json_t *doc;        /* results: loaded, or merged from the rounds */
  hl_results_t view; /* of doc, as of the last look */
} gate_side_t;

typedef struct gate_cell {
  char **key; /* the benchmarks of its rows */
  size_t nkey;
} gate_cell_t;

/* The cells of both sides' plans, learnt from the first round. */
typedef struct gate_cells {
  size_t n; /* 0: whole-suite rounds */
  gate_cell_t *cell;
} gate_cells_t;

typedef struct sides {
  const gate_opts_t *o;
  gate_side_t *base, *new_;
  gate_cells_t cells;
} sides_t;

void hl_gate_cells_free(gate_cells_t *c);

/* How rows pair up into benchmarks: by cell name, or by the cell without its
 * backend when each side has its own (--base-backend). */
hl_row_key_fn hl_gate_row_key(const gate_opts_t *o);

/* Rounds [from, to) of the binary sides (s->base NULL: the new side alone),
 * seq the looks so far (NULL: none). 0, or HL_E* after a message. */
int hl_gate_run_sides(sides_t *s, unsigned from, unsigned to, const hl_seq_t *seq);

#endif
