/* The default comparison figures of `heaplab plot`: one panel per workload
 * (a workload with its parameter values), one bar per backend.
 *
 *   time: CPU time per iteration as a ratio to a baseline backend (glibc
 *         unless --baseline says otherwise; the group's fastest when the
 *         baseline has no ok repetition there), the absolute median printed
 *         at each bar, error bars from the fastest to the slowest
 *         repetition. A ratio axis per workload, so a 4x difference inside a
 *         workload shows even when workloads differ by five decades.
 *   rss:  peak RSS in MiB on a linear axis from 0, heaplab's own resident
 *         set (the median rss_start_bytes) marked with a dashed line.
 *
 * A cell with no ok repetition keeps its place: a cross and how its
 * repetitions ended ("oom-kill 5/5") instead of a bar. The context (date,
 * host, repetitions, load average) is the subtitle. The canvas is sized by
 * the panels: three columns, a row height from the number of backends.
 *
 * Sweeps: when the groups of a workload differ in exactly one parameter or
 * knob (-p live=16M,32M, --gogc 50,100,200) with numeric values, a line
 * figure per workload as well (sweep-WORKLOAD-KEY): the swept value on x,
 * CPU time and peak RSS in two panels, a line per backend, the constant
 * parts of the names in the title, dead points as crosses on the x axis.
 *
 * Every string reaches the script through hl_gp_quote() (labels, titles,
 * tics); the data files hold numbers only, one block per panel, and a block
 * is written (and indexed) only when it has a row. */
#ifndef HL_CHARTS_H
#define HL_CHARTS_H

#include "output.h"
#include "view.h"

#include <stddef.h>

typedef struct hl_charts_opts {
  const char *baseline; /* backend the time ratios divide by; NULL: glibc */
  const char *terminal; /* "pngcairo", "svg" */
  const char *ext;      /* "png", "svg" */
  const char *folder;   /* where in the set ("figures/run1"); NULL: its top */
} hl_charts_opts_t;

/* Stages time.EXT and rss.EXT (and a sweep-*.EXT per swept workload), each
 * with its .gp and .dat, in set. names (may be NULL) receives the image
 * names, one per line, for the command to print. 0, or HL_E* with why. */
int hl_charts_draw(const hl_results_t *v, const hl_charts_opts_t *o, hl_output_set_t *set,
                    FILE *names, char *why, size_t len);

#endif
