/* The context of a results file as a two-column table for `heaplab
 * report` (report.c): date, host, command, options, versions, kernel, CPUs,
 * topology, load, backends; every string from the file, escaped where the
 * table is printed (table.h). */
#ifndef HL_REPORT_CONTEXT_H
#define HL_REPORT_CONTEXT_H

#include "table.h"

#include <jansson.h>

/* NULL when out of memory. */
hl_table_t *hl_report_context_table(const json_t *ctx);

#endif
