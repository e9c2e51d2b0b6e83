# heaplab grouped bar chart: one cluster per workload (with its parameters),
# one bar per backend, error bars from the smallest to the largest of the
# repetitions. `heaplab plot` fills in the @NAMES@ and keeps a copy of the
# filled script and its data beside each PNG, so a figure can be redrawn or
# restyled with plain gnuplot (`gnuplot time.gp` in that folder). Every
# string in it is an escaped literal (harness/gnuplot.h), the cluster labels
# and the backends' titles included; the data file holds numbers (its first
# column names the cluster for people, and is not read).
set terminal @TERMINAL@ size @WIDTH@,560 noenhanced font "sans,10"
set output @OUTPUT@
set title @TITLE@ font "sans,12"
set ylabel @YLABEL@
set datafile separator "\t"
set datafile missing "-"
set style data histogram
set style histogram errorbars gap 1 lw 1
set style fill solid 0.85 border -1
set boxwidth 0.9
set logscale y
set format y "%g"
set yrange [@YMIN@:@YMAX@]
set xrange [-0.6:@NGROUPS@-0.4]
set grid ytics mytics
set key outside right top vertical samplen 2
set xtics (@XTICS@) nomirror rotate by -25 left
set bmargin 9
set rmargin 16
@PLOT@
