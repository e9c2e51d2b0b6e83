/* The figures an experiment reads from its results files.
 *
 * A selection names cells as a claim thinks of them (the workload, the
 * backend, a few KEY=VALUE conditions on parameters and knobs) rather than by
 * their names, which depend on what was swept. Values come from the ok
 * iteration rows only (resultsdoc/view.h decides what those are); an
 * experiment counts the others itself (hl_fig_count) when deaths are what it
 * measures.
 */
#ifndef HL_FIGURES_H
#define HL_FIGURES_H

#include <jansson.h>
#include <stddef.h>

#define HL_SEL_MAX_WHERE 4

/* workload, backend: NULL for any. where: "KEY=VALUE" conditions, NULL
 * ended: KEY is a parameter (params.KEY) or a key of the row or oom cell
 * itself (gogc, memlimit, escape, threads); numbers and sizes compare as
 * numbers (VALUE "32K" matches 32768, memlimit "56M" matches "58720256"),
 * words as text. */
typedef struct hl_sel {
  const char *workload, *backend;
  const char *where[HL_SEL_MAX_WHERE + 1];
} hl_sel_t;

typedef struct hl_fig {
  double median, min, max;
  size_t n;
} hl_fig_t;

/* Whether a row (or an oom cell) is in the selection. */
int hl_sel_match(const hl_sel_t *s, const json_t *row);

/* The metric of each ok iteration row of the selection, file order, into
 * out (at most max). metric: a numeric key of the row, or "KEY/iter" (the key
 * divided by the row's iterations). Returns how many. */
size_t hl_fig_values(const json_t *doc, const hl_sel_t *s, const char *metric, double *out,
                     size_t max);
/* Median, min, max of those values. 0, or HL_ENOENT when there are none. */
int hl_fig_get(const json_t *doc, const hl_sel_t *s, const char *metric, hl_fig_t *out);
/* Per-repetition ratio a / b (rows paired by repetition_index, as the runs
 * interleave them): median, min, max over the pairs. 0 or HL_ENOENT. */
int hl_fig_ratio(const json_t *doc, const hl_sel_t *a, const hl_sel_t *b, const char *metric,
                 hl_fig_t *out);
/* Iteration rows of the selection, whatever their outcome; *nok: the ok ones. */
size_t hl_fig_count(const json_t *doc, const hl_sel_t *s, size_t *nok);

/* The first ok iteration row of the selection, or NULL. */
const json_t *hl_fig_row(const json_t *doc, const hl_sel_t *s);
/* The nth iteration row of the selection (any outcome), or NULL. */
const json_t *hl_fig_any_row(const json_t *doc, const hl_sel_t *s, size_t nth);

/* An `oom` results file: the survivors and runs of the selection's cell.
 * 0, or HL_ENOENT when no cell matches. */
int hl_fig_survival(const json_t *doc, const hl_sel_t *s, unsigned *survived, unsigned *runs);

/* "3/5" style text of survival. */
void hl_fig_format_survival(unsigned survived, unsigned runs, char *buf, size_t len);

#endif
