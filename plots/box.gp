# heaplab box plot: one box per cell (workload with its parameters, one
# colour per backend) over the repetitions of the cell: the box spans the
# quartiles, the thick bar is the median, the whiskers reach the smallest and
# largest repetition, and the dots are the repetitions themselves.
# `heaplab report` fills in the @NAMES@ (the plot command too, one clause
# per backend) and keeps the filled script and data beside each image.
set terminal @TERMINAL@ size @WIDTH@,600 noenhanced font "sans,10"
set output @OUTPUT@
set title @TITLE@ font "sans,12"
set ylabel @YLABEL@
set datafile separator "\t"
@LOGSCALE@
set format y "%g"
set yrange [@YMIN@:@YMAX@]
set xrange [-0.6:@NGROUPS@-0.4]
set xtics (@XTICS@) nomirror rotate by -25 left
set grid ytics mytics
set key outside right top vertical samplen 2
set style fill solid 0.45 border -1
set boxwidth @BOXWIDTH@ absolute
set bmargin 10
set rmargin 16
@PLOT@
