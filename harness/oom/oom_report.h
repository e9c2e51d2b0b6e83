/* The out-of-memory report (issue 5, part 7): what `heaplab oom` writes
 * after its runs, and `heaplab oom-report FILE.json -o DIR` for any results
 * file whose rows ran under a memory limit.
 *
 * From the rows alone (the top-level "oom" object only adds what the rows
 * cannot tell: the --find-min-limit answer and its search) it writes
 * DIR/oom-report.md: the context (machine, limit and how it held), a table
 * per cell (runs, survivals with a Wilson 95% interval, outcomes, time to
 * death, peak RSS, the smallest surviving limit when searched), in plain
 * words what killed each cell, and which single setting (backend, GOGC,
 * GOMEMLIMIT, escape analysis, a workload parameter) moved a cell from death
 * to survival. Beside it, DIR/timelines/: one gnuplot PNG per cell of one
 * run (the first that died, else the first) with RSS, live heap, heap goal,
 * the limit, GC cycles and the death, and the filled script and data of
 * each. It reads the document only: it runs nothing and never decides an
 * exit status. */
#ifndef HL_OOM_REPORT_H
#define HL_OOM_REPORT_H

#include <jansson.h>
#include <stddef.h>

/* Writes DIR/oom-report.md (atomically) and DIR/timelines/ (created as
 * needed) from a results document. 0; HL_EPARSE for a document that is not
 * a results file or whose "oom" is not an object, HL_ENOENT when it has no
 * iteration row, HL_EIO when a file cannot be written, with why filled. A
 * timeline gnuplot cannot draw (HL_EUNAVAIL: no gnuplot; HL_ECHILD) does not
 * stop the Markdown: it is written, says so where the figure would be, and
 * the first such error is returned. */
int hl_oom_report_write(const json_t *doc, const char *dir, char *why, size_t why_len);

/* `heaplab oom-report FILE.json -o DIR`: exit 0 written, 2 bad input or a
 * report that cannot be written. */
int hl_oom_report_main(int argc, char **argv);

#endif
