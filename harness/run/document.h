/* The results document of a run (results/README.md): the context, then per
 * cell its iteration rows in repetition order and, in the final document,
 * Google Benchmark's aggregates of every cell with two or more ok
 * repetitions; then any top-level keys a command adds (oom's "oom").
 *
 * The document only refers to the rows the cells hold; building it costs a
 * reference per row. Writing it costs time in proportion to its size (a
 * collector's rows carry up to 4096 cycles each, oom rows their timelines),
 * so while cells run the file is rewritten at most once a second; the
 * first and the final writes always happen. A killed heaplab loses at most
 * that much finished work, and never leaves half a file (core/output.h). */
#ifndef HL_DOCUMENT_H
#define HL_DOCUMENT_H

#include "plan.h"

#include <jansson.h>
#include <stdint.h>

typedef struct hl_document {
  const char *path; /* -o, or NULL: nothing is written */
  json_t *context;  /* borrowed */
  json_t *extra;    /* top-level keys a command adds; owned */
  uint64_t saved_ns;
} hl_document_t;

/* The document now (a new reference), or NULL when out of memory. */
json_t *hl_document_build(const hl_document_t *d, const hl_plan_t *plan, int with_aggregates);

/* Rewrites the file once a second has passed since the last write (or at
 * the first call). 0, or HL_E* after one message. */
int hl_document_save(hl_document_t *d, const hl_plan_t *plan);
/* Writes doc to the file now. 0, or HL_E* after one message. */
int hl_document_write(hl_document_t *d, const json_t *doc);

#endif
