/* The "oom" object of a results document (oom_summary.c): per cell, how
 * many runs survived, with a 95% Wilson interval, how the others ended and
 * how fast, the peak RSS, and for a --find-min-limit search the limit found
 * and the steps that found it. Computed from the rows alone, so it can be
 * rebuilt from any results file. */
#ifndef HL_OOM_SUMMARY_H
#define HL_OOM_SUMMARY_H

#include "request.h"
#include "table.h"

#include <jansson.h>

/* searches: heaplab oom's search records (one per cell, by name), or an
 * empty array / NULL. Returns a new object, or NULL when out of memory;
 * with table, also the console table of the same cells (*table, NULL when
 * out of memory). */
json_t *hl_oom_summary(const json_t *doc, const hl_run_request_t *rq, const json_t *searches,
                       hl_table_t **table);

#endif
