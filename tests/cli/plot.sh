#!/usr/bin/env bash
# heaplab plot draws real images from a results file (PNG and SVG), keeps the
# gnuplot script and data beside them, and plots exactly the numbers of the
# results (medians, min, max per workload and backend).
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,pool-reuse -b glibc,jemalloc --quick --reps 3 -o "$R"
expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plots/png"
for f in time rss; do
  P="$T/plots/png/$f.png"
  checks=$((checks + 1))
  [[ -s $P ]] || { fail "$f.png missing"; continue; }
  # A PNG signature and a sane size (IHDR width/height).
  expect_py "open('$P','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  expect_py "(lambda b: int.from_bytes(b[16:20], 'big') >= 900 and int.from_bytes(b[20:24], 'big') >= 500)(open('$P','rb').read(24))"
  expect_py "__import__('os').path.getsize('$P') > 10000"
  expect_in "$T/out" "$P"
  expect_in "$T/plots/png/$f.gp" "\"$f.dat\" using 2:3:4 title \"glibc\"" # by name: redrawn in its folder
  expect_in "$T/plots/png/$f.gp" "\"pool-reuse/ops=100000\" "
done
# The data file holds the medians/min/max of the results.
expect_in "$T/plots/png/time.dat" "steady-service/live=4M/churn=32M"
expect_in "$T/plots/png/time.dat" "glibc	min	max	jemalloc	min	max"
python3 - "$R" "$T/plots/png/rss.dat" >"$T/check" <<'PY'
import json, statistics, sys
d = json.load(open(sys.argv[1]))
rows = [b for b in d['benchmarks'] if b['run_type'] == 'iteration' and b['name'].startswith('pool-reuse/jemalloc')]
vals = [r['rss_peak_bytes'] / 1048576 for r in rows]
line = [l for l in open(sys.argv[2]) if l.startswith('pool-reuse')][0].split('\t')
med, lo, hi = (float(x) for x in line[4:7])
ok = abs(med - statistics.median(vals)) < 1e-3 and abs(lo - min(vals)) < 1e-3 and abs(hi - max(vals)) < 1e-3
print(ok)
PY
checks=$((checks + 1))
[[ $(cat "$T/check") == True ]] || fail "rss.dat does not hold the medians of the results"

expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plots/svg" --format svg
expect_in "$T/plots/svg/time.svg" "<svg"
expect_in "$T/plots/svg/time.svg" "jemalloc"
checks=$((checks + 1))
[[ -z $(ls -A "$T/plots/png" | grep '^\.') ]] || fail "temporary files left in the plot directory"

# Nothing plottable: every cell failed.
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=crash -p after=0 --reps 1 -o "$T/bad.json"
expect_exit 2 "$HEAPLAB" plot "$T/bad.json" -o "$T/plots/none"
expect_in "$T/err" "no successful repetition to plot"
done_checks
