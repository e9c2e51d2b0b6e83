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
for f in time rss; do
  P="$T/rep/figures/run1/$f.png" S="$T/rep/figures/run1/$f.svg"
  expect_py "open('$P','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  expect_py "(lambda b: int.from_bytes(b[16:20], 'big') >= 900 and int.from_bytes(b[20:24], 'big') >= 150)(open('$P','rb').read(24))"
  expect_py "__import__('os').path.getsize('$P') > 10000"
  expect_py "'<svg' in open('$S').read() and open('$S').read().rstrip().endswith('</svg>')"
  expect_in "$MD" "](figures/run1/$f.png)"
done
# The allocation counts are a table (one value per cell), not a figure.
expect_not_in "$T/out" "allocs.png"
[[ ! -e $T/rep/figures/run1/allocs.png ]] || fail "an allocations figure was drawn"
expect_in "$MD" "Objects allocated from the backend:"
# Every baseline cell of the normalised tables in its unit, never a bare
# number in exponent form; the ratio cells classed, with the legend.
python3 - "$HTML" >"$T/check" <<'PY'
import re, sys
html = open(sys.argv[1]).read()
tables = re.findall(r'<table>.*?</table>', html, re.S)
bad = [c for t in tables for c in re.findall(r'<td[^>]*>([^<]*)</td>', t) if re.search(r'\de[-+]\d', c)]
base = [re.findall(r'<td[^>]*>([^<]*)</td>', row)[1] for t in tables if '<th class="r">glibc</th>' in t
        for row in re.findall(r'<tr>(.*?)</tr>', t)[1:]]
units = all(re.fullmatch(r'[\d.]+ (ns|KiB|MiB|GiB)|\d+|-', c) for c in base)
print('exp:', bad, 'base:', len(base), units and any(c.endswith(' ns') for c in base)
      and any(c.endswith('MiB') for c in base))
PY
expect_in "$T/check" "exp: [] base:"
expect_in "$T/check" " True"
expect_not_in "$T/check" "base: 0 "
expect_in "$HTML" 'class="legend"'
expect_py "'class=\"r better\"' in open('$HTML').read() or 'class=\"r worse\"' in open('$HTML').read() or 'class=\"r same\"' in open('$HTML').read()"
# A contents list linking every run's sections.
expect_in "$HTML" '<nav><b>Contents</b>'
expect_py "(lambda t: all(('href=\"#' + i + '\"') in t for i in __import__('re').findall(r'<h[23] id=\"(s\\d+)\"', t)))(open('$HTML').read())"

# Every cell, its outcome, context, normalised tables, counters.
for cell in "steady-service/glibc/live=4M/churn=32M" "pool-reuse/span/ops=100000" \
  "fault-inject/glibc/kind=crash"; do
  expect_in "$MD" "| $cell"
  expect_in "$HTML" "<td>$cell</td>"
done
expect_in "$MD" "| 3/3 ok"
expect_in "$MD" "2/2 crash"
# The two crashed repetitions: one row for the kind, naming the cell once.
expect_in "$MD" "2 repetition(s) did not end ok; each kind of failure once:"
grep -F "| crash " "$MD" >"$T/line"
expect_py "open('$T/line').read().count('fault-inject/glibc/kind=crash') == 1 and open('$T/line').read().count('\\n') == 1"
expect_in "$T/line" "|           2 |"
expect_in "$MD" "CPU time per iteration, as a ratio to glibc:"
expect_in "$MD" "| topology"
expect_in "$MD" "| kernel"
grep -E "^\| perf::MINOR-FAULTS +\| counted" "$MD" >"$T/line"
expect_in "$T/line" "counted"
grep -E "^\| perf::NO-SUCH-EVENT-X +\| unavailable: " "$MD" >"$T/line"
expect_in "$T/line" "unknown to libpfm4"
expect_in "$MD" "## Run 2: $C"
# The HTML stands alone: inline SVG, no external images or scripts.
expect_py "open('$HTML').read().count('<svg') >= 2" # run 1's time and rss
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
