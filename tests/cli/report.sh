#!/usr/bin/env bash
# heaplab report: the Markdown and the self-contained HTML are written, the
# images are real PNG and SVG files, the tables hold every cell (a crashing
# one too, with its outcome), the context and counters are there; bad input.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,pool-reuse -b glibc,span --quick --reps 3 \
  --counters perf::MINOR-FAULTS,perf::NO-SUCH-EVENT-X -o "$R"
C="$T/c.json"
expect_exit 1 "$HEAPLAB" run -w fault-inject -p kind=crash -b glibc --reps 2 --counters none -o "$C"

expect_exit 0 "$HEAPLAB" report "$R" "$C" -o "$T/rep"
MD="$T/rep/report.md" HTML="$T/rep/report.html"
expect_in "$T/out" "$MD"
for f in time rss allocs; do
  P="$T/rep/figures/run1/$f.png" S="$T/rep/figures/run1/$f.svg"
  expect_py "open('$P','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  expect_py "(lambda b: int.from_bytes(b[16:20], 'big') >= 900 and int.from_bytes(b[20:24], 'big') >= 500)(open('$P','rb').read(24))"
  expect_py "__import__('os').path.getsize('$P') > 10000"
  expect_py "'<svg' in open('$S').read() and open('$S').read().rstrip().endswith('</svg>')"
  expect_in "$MD" "](figures/run1/$f.png)"
done
# The box data are the quartiles of the repetitions (3 here: min, median, max).
python3 - "$R" "$T/rep/figures/run1/rss.dat" >"$T/check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
vals = sorted(r['rss_peak_bytes'] / 1048576 for r in d['benchmarks']
              if r['run_type'] == 'iteration' and r['name'].startswith('pool-reuse/span'))
block = open(sys.argv[2]).read().split('\n\n\n')[1].splitlines()
row = [float(x) for x in block[-1].split('\t')]
print(all(abs(a - b) < 1e-4 * b for a, b in zip(row[1:], [vals[0], (vals[0] + vals[1]) / 2, vals[1], (vals[1] + vals[2]) / 2, vals[2]])))
PY
expect_in "$T/check" "True"

# Every cell, its outcome, context, normalised tables, counters.
for cell in "steady-service/glibc/live=4M/churn=32M" "pool-reuse/span/ops=100000" \
  "fault-inject/glibc/kind=crash"; do
  expect_in "$MD" "| $cell"
  expect_in "$HTML" "<td>$cell</td>"
done
expect_in "$MD" "| 3/3 ok"
expect_in "$MD" "2/2 crash"
expect_in "$MD" "fault-inject/glibc/kind=crash, repetition 1: crash: SEGV"
expect_in "$MD" "no figure (no successful repetition to plot)"
expect_in "$MD" "CPU time per iteration, as a ratio to glibc:"
expect_in "$MD" "| topology"
expect_in "$MD" "| kernel"
grep -E "^\| perf::MINOR-FAULTS +\| counted" "$MD" >"$T/line"
expect_in "$T/line" "counted"
grep -E "^\| perf::NO-SUCH-EVENT-X +\| unavailable: " "$MD" >"$T/line"
expect_in "$T/line" "unknown to libpfm4"
expect_in "$MD" "## Run 2: $C"
# The HTML stands alone: inline SVG, no external images or scripts.
expect_py "open('$HTML').read().count('<svg') == 3" # run 1's figures; run 2 has no ok repetition
expect_not_in "$HTML" "<img"
expect_not_in "$HTML" "<script"
expect_py "(lambda t: t.count('<table>') == t.count('</table>') > 5)(open('$HTML').read())"

expect_exit 0 "$HEAPLAB" report "$R" -o "$T/rep2" --baseline-backend span --title "span & co"
expect_in "$T/rep2/report.md" "as a ratio to span:"
expect_in "$T/rep2/report.html" "<title>span &amp; co</title>"
expect_exit 0 "$HEAPLAB" report "$R" -o "$T/rep3" --baseline-backend jemalloc
expect_in "$T/rep3/report.md" "Backend jemalloc is not in this file"

expect_exit 2 "$HEAPLAB" report "$R"
expect_in "$T/err" "heaplab: report: expected one or more results files and -o DIR"
expect_exit 2 "$HEAPLAB" report "$T/none.json" -o "$T/rep4"
expect_in "$T/err" "heaplab: report: $T/none.json: cannot read: no such file"
expect_exit 2 "$HEAPLAB" report "$R" -o "$T/rep5" --bogus
expect_exit 0 "$HEAPLAB" report --help
done_checks
