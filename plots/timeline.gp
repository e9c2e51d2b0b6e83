# heaplab OOM timeline: one run of one cell under a memory limit, as the
# parent and the worker saw it. x: seconds since the worker was spawned, to
# the end of the run. Top panel, MiB: the worker's resident set as the parent
# sampled it (a gap where the samples paused), the backend's live heap and
# the collector's heap goal (the worker's own samples), the limit (and the
# soft limit, GOMEMLIMIT, when set; a limit far above the data is a note at
# the top instead of a line that would squash it); points: GC cycles at the
# heap their marking ended with (thinned to a readable density); a cross
# where the run ended, when it did not end ok. Bottom panel, for a
# collector: its GC CPU share at each cycle, which shows a death spiral.
# `heaplab oom-report` fills in the names in at-signs (the plot commands
# too: a clause per series the run has, each naming its block by the index
# it has in the data file, where only blocks with points are written) and
# keeps the filled script and the data beside the image.
set terminal @TERMINAL@ size 1000,@HEIGHT@ noenhanced font "sans,10"
set output @OUTPUT@
set datafile separator "\t"
set xrange [0:@XMAX@]
set grid xtics ytics lc rgb "#e0e0e0"
set key outside right top vertical samplen 3 spacing 1.2 font ",9"
set lmargin 10
set rmargin 34
set multiplot
set origin 0,@TOP_ORIGIN@
set size 1,@TOP_SIZE@
set title @TITLE@ font "sans,12"
set ylabel 'MiB'
set yrange [0:@YMAX@]
@XLABEL_TOP@
@LABELS@
@PLOT@
@GC_PANEL@
unset multiplot
