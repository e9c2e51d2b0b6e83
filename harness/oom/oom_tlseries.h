/* The data of one run's timeline (oom_timeline.h), in the blocks gnuplot's
 * `index` selects: each series in its own block, written only when it has
 * a point and numbered in the order written, so that an index in the script
 * always names a block that exists and is not empty (a run without a goal
 * or without cycles, bdwgc's, used to leave empty blocks that shifted every
 * index after them, and its GC points and cross vanished).
 *
 * Within a block, a pause in the samples longer than five of their usual
 * intervals is written as one blank line, which gnuplot draws as a gap
 * instead of a straight ramp. GC cycles are thinned to at most
 * HL_TL_MAX_GC_POINTS points (every k-th and the last), so hundreds of
 * cycles do not merge into a bar over the heap lines. */
#ifndef HL_OOM_TLSERIES_H
#define HL_OOM_TLSERIES_H

#include "view.h"

#include <stddef.h>
#include <stdio.h>

#define HL_TL_MAX_GC_POINTS 120

enum { HL_TL_RSS, HL_TL_LIVE, HL_TL_GOAL, HL_TL_GC, HL_TL_END, HL_TL_GC_CPU, HL_TL_COUNT };

typedef struct hl_tl_series {
  FILE *f[HL_TL_COUNT];
  char *text[HL_TL_COUNT];
  size_t len[HL_TL_COUNT], points[HL_TL_COUNT];
  int index[HL_TL_COUNT]; /* the block's index in the file; -1: not written */
  double xmax_s, ymax_mib, end_s, end_mib;
} hl_tl_series_t;

/* Reads the row's series (RSS, heap live, goal, GC cycles, the end of a
 * run that died, GC CPU %). 0 or HL_ENOMEM. */
int hl_tl_series_read(hl_tl_series_t *s, const hl_row_t *row, int died);
/* Writes the blocks that have points into out, numbering them. */
void hl_tl_series_write(hl_tl_series_t *s, FILE *out);
void hl_tl_series_free(hl_tl_series_t *s);

#endif
