/* `heaplab plot FILE.json -o DIR`: gnuplot bar charts of a results file.
 *
 * One chart per metric (CPU time per iteration, peak RSS): a cluster per
 * workload and parameter set, a bar per backend at the median of the ok
 * repetitions, error bars from their minimum to their maximum, log scale
 * (workloads differ by orders of magnitude). Beside each image the filled
 * gnuplot script and its data file are kept, so a figure can be redrawn by
 * hand (gnuplot.h). Reads only the results file's view (view.h); writes
 * through an output set, so a plot that fails leaves no file behind. */
#ifndef HL_PLOT_H
#define HL_PLOT_H

int hl_plot_main(int argc, char **argv);

#include "output.h"
#include "view.h"

#include <stddef.h>

/* A box plot of one numeric key over the repetitions of every cell
 * (`heaplab report`): a box per cell from the first to the third quartile,
 * the median, whiskers to the extremes, the repetitions as dots; one colour
 * per backend, a cluster per workload and parameter set. Log scale when the
 * values span more than a factor of 20. */
typedef struct hl_plot_spec {
  const char *key;  /* results field: "cpu_time", "rss_peak_bytes", "allocs" */
  const char *file; /* base name of the outputs in dir */
  const char *title;
  const char *unit; /* y axis label, with the unit */
  double scale;     /* value / scale is plotted */
} hl_plot_spec_t;

/* Stages FOLDER/FILE.png (or .svg) in set, with FILE.dat, FILE.points.dat
 * and the filled gnuplot script FILE.png.gp beside it (gnuplot.h). 0, or
 * HL_E* with why. */
int hl_plot_box(const hl_results_t *v, const hl_plot_spec_t *spec, hl_output_set_t *set,
                const char *folder, int svg, char *why, size_t len);

#endif
