# heaplab figure of panels: one panel per workload (the bar charts of
# `heaplab plot`) or per figure of a sweep. `heaplab plot` writes the body below:
# the multiplot layout and, per panel, its settings and plot command. Every
# string in it is an escaped literal (harness/report/gnuplot.h): the panel
# titles, the backends' names on the tics, the labels at the bars; the data
# file holds numbers only, a block per panel (gnuplot's `index`), and a
# block is there only when it has a row. Kept beside the image with its data,
# so `gnuplot NAME.gp` in that folder redraws it.
set terminal @TERMINAL@ size @WIDTH@,@HEIGHT@ noenhanced font "sans,10"
set output @OUTPUT@
set datafile separator "\t"
set style fill solid 0.85 border -1
set linetype 1 lc rgb "#1f77b4" lw 1.5 pt 7
set linetype 2 lc rgb "#ff7f0e" lw 1.5 pt 5
set linetype 3 lc rgb "#2ca02c" lw 1.5 pt 9
set linetype 4 lc rgb "#d62728" lw 1.5 pt 11
set linetype 5 lc rgb "#9467bd" lw 1.5 pt 13
set linetype 6 lc rgb "#8c564b" lw 1.5 pt 7
set linetype 7 lc rgb "#e377c2" lw 1.5 pt 5
set linetype 8 lc rgb "#7f7f7f" lw 1.5 pt 9
set linetype 9 lc rgb "#bcbd22" lw 1.5 pt 11
set linetype 10 lc rgb "#17becf" lw 1.5 pt 13
set linetype cycle 10
set grid xtics ytics lc rgb "#e0e0e0" lw 1
set border 3
set tics nomirror
@BODY@
unset multiplot
