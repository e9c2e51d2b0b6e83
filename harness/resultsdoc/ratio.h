/* Ratio tables: every backend's figure divided by one base backend's, cell
 * by cell and repetition by repetition.
 *
 * heaplab runs repetitions interleaved, so repetition i of every backend
 * was measured within moments of the others: the ratio of two rows with
 * the same repetition index cancels most of the machine's drift, which a
 * ratio of medians would not. Each table cell shows the median of those
 * per-repetition ratios and their range, "0.62 (0.55-0.71)"; the base
 * column shows the base's own median. Reads only the document's view. */
#ifndef HL_RATIO_H
#define HL_RATIO_H

#include "table.h"
#include "view.h"

#include <stddef.h>

/* base: the backend divided by. metric: a numeric key of the rows ("cpu_time", "rss_peak_bytes", ...).
 * NULL with a reason when the base backend is not in the file (or, for one
 * machine's rows, hl_results_select(), not on that machine). */
hl_table_t *hl_ratio_table(const hl_results_t *v, const char *base, const char *metric, char *why,
                           size_t why_len);

/* The same grid with every backend's own median of metric, in its unit
 * (deterministic counts, such as allocs, that a figure would not add to). */
hl_table_t *hl_value_table(const hl_results_t *v, const char *metric, char *why, size_t why_len);

#endif
