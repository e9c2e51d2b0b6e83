/* `heaplab plot FILE.json -o DIR`: the comparison figures of a results
 * file (charts.h draws them: a panel per workload, a bar per backend, CPU
 * time as a ratio to a baseline and peak RSS in MiB; a line figure per
 * swept parameter). Beside each image the filled gnuplot script and its
 * data file are kept, so a figure can be redrawn by hand (gnuplot.h). Reads
 * only the results file's view (view.h); writes through an output set, so
 * a plot that fails leaves no file behind. */
#ifndef HL_PLOT_H
#define HL_PLOT_H

int hl_plot_main(int argc, char **argv);

#endif
