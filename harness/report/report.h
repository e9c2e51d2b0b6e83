/* `heaplab report FILE.json... -o DIR`: a report a person can read without
 * the JSON, as Markdown (DIR/report.md, figures as PNG files beside it) and
 * as one self-contained HTML file (DIR/report.html, figures inline as SVG).
 * Per results file: the context (machine, topology, versions, options),
 * every cell and how it ended (each kind of failure once), CPU time and
 * peak RSS normalised to one backend, the allocation counts as tables, the
 * figures of heaplab plot (charts.h), and the counters that were and were
 * not available. Reads results files only. */
#ifndef HL_REPORT_H
#define HL_REPORT_H

int hl_report_main(int argc, char **argv);

#endif
