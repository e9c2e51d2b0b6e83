/* The parts of the out-of-memory report's Markdown, internal to the files
 * that write it (oom_ names): oom_report.c the document (context, summary,
 * the order of the sections), oom_cell.c one cell's section, oom_knobs.c
 * the settings of a cell and what moved one from death to survival,
 * oom_format.c the numbers, words and tables they share. The cells are
 * oom_cells.h's. */
#ifndef HL_OOM_MD_H
#define HL_OOM_MD_H

#include "oom_cells.h"
#include "output.h"
#include "table.h"

#include <stdio.h>

/* ---- oom_format.c: numbers and words ------------------------------------------ */

void oom_fmt_mib(double bytes, char *buf, size_t len); /* "41.6 MiB"; "-" when <= 0 */
void oom_fmt_seconds(double s, char *buf, size_t len); /* "0.0274 s"; "-" when < 0 */
/* "0.0274 s (0.024 .. 0.088 s)" or "41.6 MiB (41.5 .. 41.6 MiB)": median and
 * range of n values; "-" without any. */
void oom_fmt_median_range(const double *v, size_t n, int bytes, char *buf, size_t len);
/* "60% (95% CI 23-88%)", or "- (no run ran)". */
void oom_fmt_survival(const oom_cell_t *c, char *buf, size_t len);
/* "3 oom-kill" or "2 ok, 1 oom-kill, 1 error". */
void oom_fmt_outcomes(const oom_cell_t *c, char *buf, size_t len);
/* "48.0 MiB (watchdog)", "none (watched)" or "none". */
void oom_fmt_limit(const oom_doc_t *d, uint64_t limit, char *buf, size_t len);
/* A knob's value v for people: GOMEMLIMIT in MiB, a workload parameter of
 * the row's workload as benchmark names spell it. */
void oom_fmt_knob(const hl_row_t *row, const char *key, const json_t *v, char *buf, size_t len);
/* Base name of a cell's files: cellNN-<name with anything but letters,
 * digits and .=- as _>, short enough for the suffixes (cellNN keeps it
 * unique). */
void oom_cell_file(size_t index, const char *name, char *buf, size_t len);

/* ---- oom_format.c: tables -------------------------------------------------------- */

/* Prints the table when rc is 0, frees it either way; returns rc. */
int oom_md_table(FILE *md, hl_table_t *t, int rc);
/* A two-column table, one row per pair; a pair whose value is NULL is left
 * out. */
int oom_md_what_value(FILE *md, const char *const (*pairs)[2], size_t n);

/* ---- oom_knobs.c ----------------------------------------------------------------- */

/* "GOGC 50, GOMEMLIMIT does not apply, escape analysis on, ops=100000": the
 * settings of a cell's row, workload parameters last. */
void oom_settings_text(const hl_row_t *row, char *buf, size_t len);
/* The section "What moved it from death to survival". */
void oom_moves_section(FILE *md, const oom_doc_t *d);

/* ---- oom_cell.c ------------------------------------------------------------------ */

/* Cell `index`'s section; a figure gnuplot could not draw is said in place
 * and its error kept in *fig_rc (the first one, with why). */
int oom_cell_section(FILE *md, const oom_doc_t *d, size_t index, hl_output_set_t *set, int *fig_rc,
                     char *why, size_t len);

#endif
