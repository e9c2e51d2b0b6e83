/* The summary table of a results file: one row per benchmark (cell), with
 * how its repetitions ended, its median CPU time per iteration and spread,
 * and its memory figures. Printed by `heaplab run` at the end and by
 * `heaplab show`. Reads only the document's view (view.h). */
#ifndef HL_SUMMARY_H
#define HL_SUMMARY_H

#include "table.h"
#include "view.h"

hl_table_t *hl_summary_table(const hl_results_t *v);

#endif
