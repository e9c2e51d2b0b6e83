#!/usr/bin/env bash
# heaplab compare on real results and on edited copies with known answers
# (the gate's decision: Holm over all benchmarks, counts in every
# repetition, peak memory, units, nothing compared); Google Benchmark's own
# compare.py reading heaplab results files.
. "$(dirname "$0")/lib.sh"

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,escape-return,pool-reuse -b glibc,jemalloc \
  --quick --reps 6 -o "$R"
expect_py "len(rows) == 36 and len(d['benchmarks']) == 36 + 6 * 4" "$R"

SS=steady-service/glibc/live=4M/churn=32M

expect_exit 0 "$HEAPLAB" compare "$R" "$R"
expect_in "$T/out" "6 compared: 0 regressions, 0 changed metrics, 0 faster, 0 not comparable"
expect_not_in "$T/out" "cannot reach"

# Known samples for one benchmark (the measured ones are as noisy as the
# machine): base 100.0..100.5 ns, then edited copies of it.
edit "$R" "$T/base.json" "r['cpu_time'] = 100 + 0.1 * r['repetition_index'] if r['name'] == '$SS' else r['cpu_time']"
at() { # at FACTOR FILE: the base samples of $SS times FACTOR
  edit "$T/base.json" "$2" "r['cpu_time'] *= $1 if r['name'] == '$SS' else 1"
}

# 50% slower: a regression, p = 2/924 (6 vs 6, no overlap), Holm over the
# six benchmarks 0.0130.
at 1.5 "$T/slow.json"
expect_exit 1 "$HEAPLAB" compare "$T/base.json" "$T/slow.json"
expect_in "$T/out" "6 compared: 1 regressions, 0 changed metrics"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "REGRESSION"
expect_in "$T/line" "+50.0%"
expect_in "$T/line" "0.0130"

# Twice as fast: reported, not a failure.
at 0.5 "$T/fast.json"
expect_exit 0 "$HEAPLAB" compare "$T/base.json" "$T/fast.json"
expect_in "$T/out" "1 faster"

# Significant but under the threshold: same at 5%, a regression at 1%.
at 1.02 "$T/bit.json"
expect_exit 0 "$HEAPLAB" compare "$T/base.json" "$T/bit.json" --threshold 5
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "+2.0%"
expect_in "$T/line" "same"
expect_exit 1 "$HEAPLAB" compare "$T/base.json" "$T/bit.json" --threshold 1

# One decision rule (the gate's): Holm over every benchmark. Two benchmarks
# 50% slower on 4 repetitions a side (raw p = 2/70 = 0.029 each) are not
# regressions among six (Holm: 0.17); the gate says the same.
python3 -c "
import json
d=json.load(open('$T/base.json')); d['benchmarks']=[b for b in d['benchmarks'] if b.get('repetition_index', 0) < 4 and b['run_type'] == 'iteration']
json.dump(d, open('$T/four.json','w'))"
edit "$T/four.json" "$T/four-slow.json" "r['cpu_time'] *= 1.5 if r['name'].startswith('steady-service/') else 1"
expect_exit 0 "$HEAPLAB" compare "$T/four.json" "$T/four-slow.json"
expect_in "$T/out" "6 compared: 0 regressions"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "0.1714"
expect_exit 0 "$HEAPLAB" gate --base "$T/four.json" --new "$T/four-slow.json"

# A deterministic metric changed: always reported, exit 1.
edit "$R" "$T/allocs.json" "r['allocs'] += 1 if r['name'] == '$SS' else 0"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/allocs.json"
expect_in "$T/out" "METRIC CHANGED: allocs 36864 -> 36865"

# ... in every repetition: one repetition off by one is a change.
edit "$R" "$T/allocs1.json" "r['allocs'] += 1 if r['name'] == '$SS' and r['repetition_index'] == 3 else 0"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/allocs1.json"
expect_in "$T/out" "METRIC CHANGED: allocs 36864 -> 36864..36865"

# Peak memory: 1 MiB more is a regression.
edit "$R" "$T/rss.json" "r['rss_peak_bytes'] += 1048576 if r['name'] == '$SS' else 0"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/rss.json"
expect_in "$T/out" "REGRESSION: rss_peak_bytes +1.0 MiB"

# Units: the same times in ms or s are the same times; bad values are errors.
edit "$T/base.json" "$T/ms.json" "r.update(cpu_time=r['cpu_time'] / 1e6, real_time=r['real_time'] / 1e6, time_unit='ms')"
expect_exit 0 "$HEAPLAB" compare "$T/base.json" "$T/ms.json"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "100.25      100.25   +0.0%"
edit "$T/slow.json" "$T/slow-s.json" "r.update(cpu_time=r['cpu_time'] / 1e9, real_time=r['real_time'] / 1e9, time_unit='s')"
expect_exit 1 "$HEAPLAB" compare "$T/base.json" "$T/slow-s.json"
expect_in "$T/out" "+50.0%"
edit "$R" "$T/neg.json" "r.update(cpu_time=-5) if r['name'] == '$SS' else None"
expect_exit 2 "$HEAPLAB" compare "$R" "$T/neg.json"
expect_in "$T/err" "heaplab: compare: $T/neg.json: benchmarks[0] ($SS): cpu_time -5 is negative"

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

# Nothing comparable: exit 1, saying so (renamed cells, a foreign file).
edit "$R" "$T/renamed.json" "r.update(name=r['name'] + '/v2', run_name=r['run_name'] + '/v2')"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/renamed.json"
expect_in "$T/err" "heaplab: compare: nothing compared"
expect_in "$T/out" "0 compared"
expect_exit 1 "$HEAPLAB" compare "$R" "$(dirname "$0")/data/gbench-foreign.json"
expect_in "$T/err" "nothing compared"
python3 -c "
import json
d = json.load(open('$R')); d['benchmarks'] = []; json.dump(d, open('$T/empty.json', 'w'))"
expect_exit 1 "$HEAPLAB" compare "$T/empty.json" "$T/empty.json"
expect_in "$T/out" "0 compared"
expect_in "$T/err" "nothing compared"

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
  expect_in "$T/out" "U Test, Repetitions: 6 vs 6"
  expect_not_in "$T/err" "Traceback"
else
  echo "note: $CPY or scipy missing; compare.py check skipped (ci/deps --test installs them)" >&2
fi
done_checks
