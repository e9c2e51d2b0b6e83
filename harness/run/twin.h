/* heaplab's workloads on backend go: each through its Go twin
 * (workloads/go), the same operations under the real Go runtime.
 *
 * A workload's cell on go is planned as a program cell (cellspec.h) whose
 * command runs the twin built with heaplab (meson, when the go tool was
 * found) with the cell's resolved parameters, threads and seed; the
 * worker runs it as it runs any Go program (GOGC and GOMEMLIMIT from
 * --gogc and --memlimit, gctrace parsed into the GC timeline), and the
 * parent merges the twin's one JSON line from its stdout into the row:
 * allocs, alloc_bytes and heap_classes in span's words, iterations and
 * times of the timed loop as a workload's row has them, and the line
 * itself as "twin". So a table holds span-gc and Go side by side. */
#ifndef HL_TWIN_H
#define HL_TWIN_H

#include "cellspec.h"

#include <jansson.h>
#include <stddef.h>

/* NULL when the twins can run here; otherwise why not (not built: no go
 * tool at build time; or the binary is gone). */
const char *hl_twin_unavailable(void);

/* The built binary ("" when not built). */
const char *hl_twin_path(void);

/* Whether workload w has a twin. */
int hl_twin_has(const hl_workload_t *w);

/* "escape-return, closure-capture, ..." for messages and list. */
void hl_twin_names(char *buf, size_t len);

/* Makes s (a workload's cell, backend go) the program cell that runs its
 * twin. 0, or HL_EINVAL with why (no twin, or the twins are unavailable). */
int hl_twin_cell(hl_cell_spec_t *s, char *why, size_t why_len);

/* Whether s is a twin's cell (a program cell of a heaplab workload). */
int hl_twin_is_cell(const hl_cell_spec_t *s);

/* The twin's JSON line (the file at the row's stdout_path) into the row of
 * a finished repetition; a line that is missing or unreadable is said in
 * the row as twin_error. */
void hl_twin_merge(json_t *row);

#endif
