#!/usr/bin/env bash
# heaplab plot draws real images from a results file (PNG and SVG): a panel
# per workload, CPU time as a ratio to the baseline with the absolute median
# at each bar, peak RSS in MiB; dead cells as a cross with how they ended;
# a line figure per sweep. It keeps the gnuplot script and data beside
# them, plots exactly the numbers of the results, and every data block a
# script indexes exists and is not empty (gpblocks.py).
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
HERE="$(cd "$(dirname "$0")" && pwd)"

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,pool-reuse -b glibc,jemalloc --quick --reps 3 \
  --counters none -o "$R"
expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plots/png"
for f in time rss; do
  P="$T/plots/png/$f.png"
  checks=$((checks + 1))
  [[ -s $P ]] || { fail "$f.png missing"; continue; }
  # A PNG signature and a sane size (IHDR width/height): two panels in a row
  expect_py "open('$P','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  expect_py "(lambda b: int.from_bytes(b[16:20], 'big') >= 860 and 150 <= int.from_bytes(b[20:24], 'big') <= 400)(open('$P','rb').read(24))"
  expect_py "__import__('os').path.getsize('$P') > 10000"
  expect_in "$T/out" "$P"
  expect_in "$T/plots/png/$f.gp" "plot \"$f.dat\" index 0 using" # by name: redrawn in its folder
  expect_in "$T/plots/png/$f.gp" 'set ytics ("glibc" 2, "jemalloc" 1)'
  expect_in "$T/plots/png/$f.gp" 'set title "pool-reuse/ops=100000" font'
  expect_in "$T/plots/png/$f.gp" "set multiplot layout 1,2 title"
  expect_in "$T/plots/png/$f.dat" "# panel: steady-service/live=4M/churn=32M"
done
expect_in "$T/plots/png/time.gp" 'ratio to glibc'
expect_in "$T/plots/png/rss.gp" 'set format x "%g"'
# The data: per panel the backends' bars (y, value, min, max, colour): the
# RSS in MiB, the CPU time over glibc's median; the labels: the absolute
# medians, formatted as the figure prints them.
python3 - "$R" "$T/plots/png" >"$T/check" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
rows = [b for b in d['benchmarks'] if b['run_type'] == 'iteration']
def vals(backend, key, scale=1):
    return [r[key] / scale for r in rows if r['name'].startswith('pool-reuse/' + backend)]
def block(name, k):
    text = open(sys.argv[2] + '/' + name).read().split('\n\n\n')[k]
    return {int(l.split('\t')[0]): [float(x) for x in l.split('\t')[1:4]]
            for l in text.splitlines() if l and not l.startswith('#')}
def ns(v):
    return '%.2f ns' % v if v < 10 else '%.0f ns' % v if v < 1000 else '%.3g us' % (v / 1e3)
ok = True
rss = block('rss.dat', 1)[1]  # pool-reuse, jemalloc (the second backend: y 1)
v = vals('jemalloc', 'rss_peak_bytes', 1048576)
ok &= all(abs(a - b) < 1e-3 for a, b in zip(rss, (statistics.median(v), min(v), max(v))))
base = statistics.median(vals('glibc', 'cpu_time'))
t = block('time.dat', 1)
v = vals('jemalloc', 'cpu_time')
ok &= all(abs(a - b / base) < 1e-4 for a, b in zip(t[1], (statistics.median(v), min(v), max(v))))
ok &= abs(t[2][0] - 1) < 1e-9  # glibc over itself
gp = open(sys.argv[2] + '/time.gp').read()
ok &= ('"%s"' % ns(statistics.median(v))) in gp and ('"%s"' % ns(base)) in gp
print(ok)
PY
checks=$((checks + 1))
[[ $(cat "$T/check") == True ]] || fail "time.dat, rss.dat or the labels do not hold the results' medians"
expect_exit 0 python3 "$HERE/gpblocks.py" "$T/plots/png"

expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plots/svg" --format svg
expect_in "$T/plots/svg/time.svg" "<svg"
expect_in "$T/plots/svg/time.svg" "jemalloc"
checks=$((checks + 1))
[[ -z $(ls -A "$T/plots/png" | grep '^\.') ]] || fail "temporary files left in the plot directory"

# --baseline: the ratios over jemalloc
expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plots/je" --baseline jemalloc
expect_in "$T/plots/je/time.gp" 'ratio to jemalloc'
expect_py "abs(float(open('$T/plots/je/time.dat').read().split('\n\n\n')[0].splitlines()[-1].split('\t')[1]) - 1) < 1e-9"

# Dead cells keep their place: a cross and how they ended; a sweep draws
# lines against the swept value, the constant parts in the title.
expect_exit 1 "$HEAPLAB" run -w fault-inject,pool-reuse -b glibc,span -p kind=none,crash \
  -p after=0 -p ops=2000,4000,8000 --reps 2 --counters none -o "$T/dead.json"
expect_exit 0 "$HEAPLAB" plot "$T/dead.json" -o "$T/plots/dead"
expect_in "$T/plots/dead/time.gp" '"crash 2/2"'
expect_in "$T/plots/dead/time.gp" 'point pt 2'
expect_in "$T/out" "$T/plots/dead/sweep-pool-reuse-ops.png"
S="$T/plots/dead/sweep-pool-reuse-ops"
expect_py "open('$S.png','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
expect_in "$S.gp" 'title "pool-reuse: ops swept (median of the ok repetitions)".'
expect_in "$S.gp" 'set xlabel "ops"'
expect_in "$S.gp" 'index 0 using 1:2 with linespoints lt 1 title "glibc"'
expect_in "$S.gp" 'index 1 using 1:3 with linespoints lt 2 title "span"'
expect_py "[l.split('\t')[0] for l in open('$S.dat').read().split('\n\n\n')[0].splitlines()] == ['2000', '4000', '8000']"
expect_exit 0 python3 "$HERE/gpblocks.py" "$T/plots/dead"

# Every cell failed: the figure still says how
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=crash -p after=0 --reps 1 -o "$T/bad.json"
expect_exit 0 "$HEAPLAB" plot "$T/bad.json" -o "$T/plots/none"
expect_in "$T/plots/none/time.gp" '"crash 1/1"'
# Nothing at all to plot
python3 -c "import json; d = json.load(open('$T/bad.json')); d['benchmarks'] = []; json.dump(d, open('$T/empty.json', 'w'))"
expect_exit 2 "$HEAPLAB" plot "$T/empty.json" -o "$T/plots/empty"
expect_in "$T/err" "no repetition to plot"
done_checks
