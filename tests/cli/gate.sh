#!/usr/bin/env bash
# heaplab gate: bad input, results files with known answers (edited copies of
# a real run), the decision JSON and Markdown, and two binaries run
# interleaved (the same binary twice: an A/A check of the plumbing, with
# --quick cells and few rounds; no timing is asserted).
. "$(dirname "$0")/lib.sh"

# ---- bad input: exit 2 with a clear message ----
expect_exit 0 "$HEAPLAB" gate --help
expect_in "$T/out" "Holm"
expect_in "$T/out" "--save-baseline"
expect_exit 2 "$HEAPLAB" gate
expect_in "$T/err" "heaplab: gate: --new BIN|FILE.json is required"
expect_exit 2 "$HEAPLAB" gate --new "$HEAPLAB"
expect_in "$T/err" "--base BIN|FILE.json is required"
expect_exit 2 "$HEAPLAB" gate --base "$T/nothere.json" --new "$HEAPLAB" -w escape-return
expect_in "$T/err" "heaplab: gate: --base $T/nothere.json: cannot open: No such file or directory"
echo "hello" >"$T/text.txt"
expect_exit 2 "$HEAPLAB" gate --base "$T/text.txt" --new "$HEAPLAB" -w escape-return
expect_in "$T/err" "neither a results file (JSON) nor an executable heaplab"
echo '{"context": {}, "benchmarks": [' >"$T/broken.json"
expect_exit 2 "$HEAPLAB" gate --base "$T/broken.json" --new "$HEAPLAB" -w escape-return
expect_in "$T/err" "not valid JSON"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB"
expect_in "$T/err" "a binary side needs the cells to run: give -w and -b"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w escape-return --rounds 0
expect_in "$T/err" "--rounds '0': expected an integer from 1 to 1000"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" --alpha 2
expect_in "$T/err" "--alpha '2': expected a number between 0 and 1"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" --threshold -3
expect_in "$T/err" "--threshold '-3': expected a percentage"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" --bogus
expect_in "$T/err" "unknown option or missing value '--bogus'"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w escape-return \
  --save-baseline "$T/b.json"
expect_in "$T/err" "--save-baseline writes a baseline from --new alone"
# The binary's own run rejects the cells: the gate says so and exits 2.
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w no-such-workload --rounds 1
expect_in "$T/err" "heaplab: gate: $HEAPLAB run failed"
expect_in "$T/err" "unknown workload 'no-such-workload'"

# ---- results files with known answers ----
R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w steady-service,pool-reuse -b glibc,span --quick --reps 5 \
  --counters none -o "$R"
SS=steady-service/glibc/live=4M/churn=32M
# base: 100.0 .. 100.4 ns for $SS, the other cells as measured.
edit "$R" "$T/base.json" "r['cpu_time'] = 100 + 0.1 * r['repetition_index'] if r['name'] == '$SS' else r['cpu_time']"

expect_exit 0 "$HEAPLAB" gate --base "$T/base.json" --new "$T/base.json" --json "$T/d.json" \
  --markdown "$T/d.md"
expect_in "$T/out" "gate: PASS: 4 benchmarks, 0 regressions, 0 changed metrics"
expect_py "d['verdict'] == 'pass' and d['exit_status'] == 0 and d['counts']['same'] == 4" "$T/d.json"
expect_py "d['annotations'] == [] and len(d['benchmarks']) == 4" "$T/d.json"
expect_in "$T/d.md" "### heaplab gate: PASS"
expect_in "$T/d.md" "| $SS"

# 30% slower (5 vs 5 disjoint: exact p = 2/252, Holm over 4 benchmarks = 0.0317).
edit "$T/base.json" "$T/slow.json" "r['cpu_time'] *= 1.3 if r['name'] == '$SS' else 1"
expect_exit 1 "$HEAPLAB" gate --base "$T/base.json" --new "$T/slow.json" --json "$T/d.json" \
  --markdown "$T/d.md"
expect_in "$T/out" "gate: FAIL: 4 benchmarks, 1 regressions"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "+30.0%"
expect_in "$T/line" "0.0317"
expect_in "$T/line" "REGRESSION"
expect_py "[a['title'] for a in d['annotations']] == ['$SS'] and d['annotations'][0]['level'] == 'error'" "$T/d.json"
expect_py "[b['timing']['result'] for b in d['benchmarks'] if b['name'] == '$SS'] == ['slower']" "$T/d.json"
expect_in "$T/d.md" "### heaplab gate: FAIL"
# With a fixed threshold above the slowdown it passes.
expect_exit 0 "$HEAPLAB" gate --base "$T/base.json" --new "$T/slow.json" --threshold 40
expect_in "$T/out" "threshold 40.0%"

# A changed allocation count fails, whatever the timings say.
edit "$R" "$T/allocs.json" "r['allocs'] += 1 if r['name'] == '$SS' else 0"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/allocs.json"
expect_in "$T/out" "METRIC CHANGED: allocs 36864 -> 36865"
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$T/allocs.json" --tolerance 0.01
# A metric missing on one side: not comparable, reported, not a failure.
edit "$R" "$T/nobytes.json" "r.pop('alloc_bytes') if r['name'] == '$SS' else None"
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$T/nobytes.json" --json "$T/d.json"
expect_in "$T/out" "not comparable: alloc_bytes missing in new"
expect_py "d['counts']['not_comparable'] == 1 and d['annotations'][0]['level'] == 'warning'" "$T/d.json"
# A crash on the new side only is a regression.
edit "$R" "$T/crash.json" "r.update(outcome='crash') if r['name'] == '$SS' and r['repetition_index'] == 0 else None"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/crash.json"
expect_in "$T/out" "1 repetitions not ok in new"

# ---- two binaries, interleaved; baselines ----
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse,escape-return \
  -b glibc --quick --rounds 4 --save-runs "$T" --json "$T/d.json"
expect_py "sorted(b['name'] for b in d['benchmarks']) == ['escape-return/glibc/calls=200000', 'pool-reuse/glibc/ops=100000']" "$T/d.json"
expect_py "all(b['base_reps'] == 4 and b['new_reps'] == 4 for b in d['benchmarks'])" "$T/d.json"
expect_py "sorted(r['repetition_index'] for r in rows if r['name'].startswith('pool')) == [0, 1, 2, 3]" "$T/base.json"
expect_py "d['base']['kind'] == 'binary' and d['options']['rounds'] == 4" "$T/d.json"

expect_exit 0 "$HEAPLAB" gate --new "$HEAPLAB" -w escape-return,pool-reuse -b glibc,span --quick \
  --save-baseline "$T/bl.json"
expect_py "len(rows) == 4 and all('cpu_time' not in r and 'allocs' in r for r in rows)" "$T/bl.json"
expect_py "[r['allocs'] for r in rows if r['name'].startswith('pool')] == [5, 5]" "$T/bl.json"
expect_exit 0 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return,pool-reuse \
  -b glibc,span --quick --rounds 1
expect_in "$T/out" "no timing compared"
expect_in "$T/out" "gate: PASS: 4 benchmarks"
# The same cells allocating differently: without escape analysis the
# value-returning constructor allocates too (the names do not change).
expect_exit 1 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return,pool-reuse \
  -b glibc,span --quick --rounds 1 --escape off
expect_in "$T/out" "METRIC CHANGED: allocs 100000 -> 200000"
# A cell the baseline lacks is reported, not failed.
expect_exit 0 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return,pool-reuse \
  -b glibc,span,span-malloc --quick --rounds 1
expect_in "$T/out" "not comparable: only in new"
done_checks
