/* `heaplab plot FILE.json -o DIR`: gnuplot bar charts of a results file.
 *
 * One chart per metric (CPU time per iteration, peak RSS): a cluster per
 * workload and parameter set, a bar per backend at the median of the ok
 * repetitions, error bars from their minimum to their maximum, log scale
 * (workloads differ by orders of magnitude). Beside each image the filled
 * gnuplot script and its data file are kept, so a figure can be redrawn by
 * hand. Reads only the results file. */
#ifndef HL_PLOT_H
#define HL_PLOT_H

int hl_plot_main(int argc, char **argv);

#endif
