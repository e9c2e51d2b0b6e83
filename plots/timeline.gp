# heaplab OOM timeline: one run of one cell under a memory limit, as the
# parent and the worker saw it. x: seconds since the worker was spawned;
# y: MiB. Lines: the worker's resident set as the parent sampled it, the
# backend's live heap and the collector's heap goal (the worker's own
# samples), the limit (and the soft limit, GOMEMLIMIT, when set); points:
# each GC cycle at the heap its marking ended with; a cross where the run
# ended, when it did not end ok. `heaplab oom-report` fills in the @NAMES@
# (the plot command too: one clause per series the run has) and keeps the
# filled script and the data beside the image. Data blocks (gnuplot
# `index`): 0 RSS, 1 heap live, 2 heap goal, 3 GC cycles, 4 the end.
set terminal @TERMINAL@ size 1000,560 noenhanced font "sans,10"
set output @OUTPUT@
set title @TITLE@ font "sans,12"
set xlabel 'time since the worker was spawned (s)'
set ylabel 'MiB'
set datafile separator "\t"
set xrange [0:@XMAX@]
set yrange [0:@YMAX@]
set grid xtics ytics
set key outside right top vertical samplen 3 spacing 1.2
set rmargin 36
@LABELS@
@PLOT@
