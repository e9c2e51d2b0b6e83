/* The summary table of a results file: one row per benchmark (cell), with
 * how its repetitions ended, its median CPU time per iteration and spread,
 * and its memory figures. Printed by `heaplab run` at the end and by
 * `heaplab show`. Reads only the results JSON. */
#ifndef HL_SUMMARY_H
#define HL_SUMMARY_H

#include "table.h"

#include <jansson.h>

hl_table_t *hl_summary_table(const json_t *root);

/* The benchmark name without its backend: "W/B/k=v" -> "W/k=v" (the same
 * cell on every backend). */
void hl_entry_group(const json_t *e, char *buf, size_t len);

/* Iteration rows of run_name whose outcome is "ok", in file order; returns
 * how many were found (at most max). */
size_t hl_summary_ok_rows(const json_t *benchmarks, const char *run_name, const json_t **rows,
                          size_t max);

#endif
