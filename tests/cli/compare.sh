#!/usr/bin/env bash
# heaplab compare on real results and on edited copies with known answers;
# Google Benchmark's own compare.py reading heaplab results files.
. "$(dirname "$0")/lib.sh"

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,escape-return,pool-reuse -b glibc,jemalloc \
  --quick --reps 4 -o "$R"
expect_py "len(rows) == 24 and len(d['benchmarks']) == 24 + 6 * 4" "$R"

SS=steady-service/glibc/live=4M/churn=32M

expect_exit 0 "$HEAPLAB" compare "$R" "$R"
expect_in "$T/out" "6 compared: 0 regressions, 0 changed metrics, 0 faster, 0 not comparable"
expect_not_in "$T/out" "cannot reach"

# Known samples for one benchmark (the measured ones are as noisy as the
# machine): base 100.0..100.3 ns, then edited copies of it.
edit "$R" "$T/base.json" "r['cpu_time'] = 100 + 0.1 * r['repetition_index'] if r['name'] == '$SS' else r['cpu_time']"
at() { # at FACTOR FILE: the base samples of $SS times FACTOR
  edit "$T/base.json" "$2" "r['cpu_time'] *= $1 if r['name'] == '$SS' else 1"
}

# 50% slower: a regression, p = 2/70 (4 vs 4, no overlap).
at 1.5 "$T/slow.json"
expect_exit 1 "$HEAPLAB" compare "$T/base.json" "$T/slow.json"
expect_in "$T/out" "6 compared: 1 regressions, 0 changed metrics"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "REGRESSION"
expect_in "$T/line" "+50.0%"
expect_in "$T/line" "0.0286"

# Twice as fast: reported, not a failure.
at 0.5 "$T/fast.json"
expect_exit 0 "$HEAPLAB" compare "$T/base.json" "$T/fast.json"
expect_in "$T/out" "1 faster"

# Significant but under the threshold: same at 5%, a regression at 1%.
at 1.02 "$T/bit.json"
expect_exit 0 "$HEAPLAB" compare "$T/base.json" "$T/bit.json" --threshold 5
expect_in "$T/out" "+2.0%      0.0286   4/4  same"
expect_exit 1 "$HEAPLAB" compare "$T/base.json" "$T/bit.json" --threshold 1

# A deterministic metric changed: always reported, exit 1.
edit "$R" "$T/allocs.json" "r['allocs'] += 1 if r['name'] == '$SS' else 0"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/allocs.json"
expect_in "$T/out" "METRIC CHANGED: allocs 36864 -> 36865"

# A metric missing on one side is not comparable, not a regression.
edit "$R" "$T/noallocs.json" "r.pop('allocs') if r['name'] == '$SS' else None"
expect_exit 0 "$HEAPLAB" compare "$R" "$T/noallocs.json"
expect_in "$T/out" "allocs missing"

# Benchmarks only on one side.
python3 -c "
import json,sys
d=json.load(open('$R')); d['benchmarks']=[b for b in d['benchmarks'] if not b['name'].startswith('pool-reuse/jemalloc')]
json.dump(d, open('$T/fewer.json','w'))"
expect_exit 0 "$HEAPLAB" compare "$R" "$T/fewer.json"
expect_in "$T/out" "not comparable: only in base"
expect_exit 0 "$HEAPLAB" compare "$T/fewer.json" "$R"
expect_in "$T/out" "not comparable: only in new"

# Three repetitions cannot make a U test significant at 0.05: say so.
python3 -c "
import json
d=json.load(open('$R')); d['benchmarks']=[b for b in d['benchmarks'] if b.get('repetition_index', 0) < 3 and b['run_type'] == 'iteration']
json.dump(d, open('$T/three.json','w'))"
expect_exit 0 "$HEAPLAB" compare "$T/three.json" "$T/three.json"
expect_in "$T/out" "with 3 repetitions a side the U test cannot reach p < 0.05"

expect_exit 0 "$HEAPLAB" compare --markdown "$R" "$R"
expect_in "$T/out" "| benchmark"

# Google Benchmark's compare.py reads heaplab results as its own.
CPY=/usr/share/benchmark/compare.py
if [[ -f $CPY ]] && /usr/bin/python3 -c 'import scipy' 2>/dev/null; then
  expect_exit 0 /usr/bin/python3 "$CPY" benchmarks "$R" "$R"
  expect_in "$T/out" "$SS"
  expect_in "$T/out" "OVERALL_GEOMEAN"
  expect_in "$T/out" "U Test, Repetitions: 4 vs 4"
  expect_not_in "$T/err" "Traceback"
else
  echo "note: $CPY or scipy missing; compare.py check skipped (ci/deps --test installs them)" >&2
fi
done_checks
