/* One run's timeline as a gnuplot PNG, for the out-of-memory report
 * (oom_report.h): x the seconds since the worker was spawned, y MiB; the
 * worker's RSS as the parent sampled it (rss_timeline; the worker's own
 * samples when the parent took none), the backend's live heap and the
 * collector's heap goal (samples; the goal of each GC cycle when samples
 * lack it), each GC cycle as a point at the heap its marking ended with
 * (gc_marks), the limit and the soft limit (GOMEMLIMIT) as lines, and a
 * cross at the last sample of a run that died. Reads one results row;
 * draws through gnuplot.c's renderer with plots/timeline.gp. */
#ifndef HL_OOM_TIMELINE_H
#define HL_OOM_TIMELINE_H

#include "output.h"
#include "view.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct hl_oom_timeline {
  const hl_row_t *row;    /* the run: an iteration row of a results file */
  int died;               /* it died: its end is marked */
  const char *cell_name;  /* for the title */
  size_t cell_runs;       /* for the title: "repetition 2 of 5" */
  uint64_t limit_bytes;   /* the limit it ran under; 0: none */
  const char *limit_mode; /* "watchdog", "cgroup", "rlimit"; NULL: unknown */
} hl_oom_timeline_t;

/* Stages timelines/FILE.png in set, with FILE.dat (the data) and
 * FILE.png.gp (the filled script) beside it. 0; HL_ENOENT when the run has
 * no sample to draw (why says so); HL_EIO, HL_ENOMEM, HL_ERANGE, or
 * hl_plot_render's codes (HL_EUNAVAIL: no gnuplot), why filled. */
int hl_oom_timeline_draw(const hl_oom_timeline_t *tl, hl_output_set_t *set, const char *file,
                         char *why, size_t len);

#endif
