#!/usr/bin/env bash
# heaplab gate: bad input, results files with known answers (edited copies of
# a real run), the decision JSON and Markdown, and two binaries run
# interleaved (the same binary twice: an A/A check of the plumbing, with
# --quick cells and few rounds; no timing is asserted). Also: nothing
# compared is not a pass, a count that differs in one repetition, peak
# memory, units.
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
expect_in "$T/err" "unknown option '--bogus'"
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
expect_in "$T/out" "gate: PASS: 4 benchmarks, 4 compared, 0 regressions, 0 changed metrics"
expect_py "d['verdict'] == 'pass' and d['exit_status'] == 0 and d['counts']['same'] == 4" "$T/d.json"
expect_py "d['annotations'] == [] and len(d['benchmarks']) == 4" "$T/d.json"
expect_in "$T/d.md" "### heaplab gate: PASS"
expect_in "$T/d.md" "| $SS"

# 30% slower (5 vs 5 disjoint: exact p = 2/252, Holm over 4 benchmarks = 0.0317).
edit "$T/base.json" "$T/slow.json" "r['cpu_time'] *= 1.3 if r['name'] == '$SS' else 1"
expect_exit 1 "$HEAPLAB" gate --base "$T/base.json" --new "$T/slow.json" --json "$T/d.json" \
  --markdown "$T/d.md"
expect_in "$T/out" "gate: FAIL: 4 benchmarks, 4 compared, 1 regressions"
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
# One repetition's count raised by one: changed, however the others agree.
edit "$R" "$T/allocs1.json" "r['allocs'] += 1 if r['name'] == '$SS' and r['repetition_index'] == 2 else 0"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/allocs1.json" --json "$T/d.json"
expect_in "$T/out" "METRIC CHANGED: allocs 36864 -> 36864..36865 (differs between repetitions)"
expect_py "[b['metrics']['allocs']['verdict'] for b in d['benchmarks'] if b['name'] == '$SS'] == ['changed']" "$T/d.json"
# The base's own spread decides what is deterministic: a count that varies
# between the base's repetitions (as bdwgc's num_gc does) is shown, not gated.
edit "$R" "$T/gcvary.json" "r.update(num_gc=30 + r['repetition_index']) if r['name'] == '$SS' else None"
edit "$R" "$T/gcconst.json" "r.update(num_gc=31) if r['name'] == '$SS' else None"
expect_exit 0 "$HEAPLAB" gate --base "$T/gcvary.json" --new "$T/gcconst.json" --json "$T/d.json"
expect_py "[b['metrics']['num_gc']['verdict'] for b in d['benchmarks'] if b['name'] == '$SS'] == ['not exact']" "$T/d.json"
expect_exit 1 "$HEAPLAB" gate --base "$T/gcconst.json" --new "$T/gcvary.json"
expect_in "$T/out" "num_gc 31 -> 30..34"

# Peak memory: each cell's peaks as measured plus 1 MiB, or plus 5%: both
# fail on every backend whose peaks are equal to the page (glibc, span).
edit "$R" "$T/rss1m.json" "r['rss_peak_bytes'] += 1048576 if r['name'] == '$SS' else 0"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/rss1m.json" --json "$T/d.json"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "REGRESSION: rss_peak_bytes +1.0 MiB"
expect_py "[b['memory']['rss_peak_bytes']['result'] for b in d['benchmarks'] if b['name'] == '$SS'] == ['grew']" "$T/d.json"
expect_py "d['counts']['memory_tested'] == 4 and d['annotations'][0]['title'] == '$SS'" "$T/d.json"
edit "$R" "$T/rss5.json" "r['rss_peak_bytes'] = int(r['rss_peak_bytes'] * 1.05)"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/rss5.json"
expect_in "$T/out" "gate: FAIL: 4 benchmarks, 4 compared, 4 regressions"
# Smaller is not a failure; a few pages more are the machine's wander.
edit "$R" "$T/rss-small.json" "r['rss_peak_bytes'] += 65536 if r['name'] == '$SS' else -1048576"
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$T/rss-small.json"
# A collector's peak heap is gated the same way.
expect_exit 0 "$HEAPLAB" run -w steady-service -b span-gc --quick --reps 3 --counters none -o "$T/gc.json"
edit "$T/gc.json" "$T/gc-heap.json" "r['heap_peak_bytes'] += 4 << 20"
expect_exit 1 "$HEAPLAB" gate --base "$T/gc.json" --new "$T/gc-heap.json"
expect_in "$T/out" "REGRESSION: heap_peak_bytes +4.0 MiB"
expect_exit 0 "$HEAPLAB" gate --base "$T/gc.json" --new "$T/gc-heap.json" --mem-threshold 50

# Nothing compared is not a pass: an empty new side, renamed cells, a
# foreign Google Benchmark file, a subset of the base.
python3 -c "
import json, sys
d = json.load(open('$R')); d['benchmarks'] = []; json.dump(d, open('$T/empty.json', 'w'))"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/empty.json" --json "$T/d.json"
expect_in "$T/out" "gate: FAIL: 4 benchmarks, 0 compared, 0 regressions, 0 changed metrics, 0 faster, 4 missing in new"
expect_in "$T/out" "note: nothing was compared"
expect_py "d['verdict'] == 'fail' and d['counts']['compared'] == 0 and d['counts']['missing'] == 4" "$T/d.json"
expect_py "all(a['level'] == 'error' for a in d['annotations'])" "$T/d.json"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/empty.json" --allow-missing
expect_in "$T/out" "0 compared"
expect_exit 1 "$HEAPLAB" gate --base "$T/empty.json" --new "$T/empty.json"
expect_in "$T/out" "gate: FAIL: 0 benchmarks, 0 compared"
edit "$R" "$T/renamed.json" "r.update(name=r['name'] + '/v2', run_name=r['run_name'] + '/v2')"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/renamed.json"
expect_in "$T/out" "4 benchmarks of the base are missing from the new side"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/renamed.json" --allow-missing
expect_in "$T/out" "note: nothing was compared"
GB="$(dirname "$0")/data/gbench-foreign.json"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$GB"
expect_in "$T/out" "0 compared"
expect_exit 0 "$HEAPLAB" gate --base "$GB" --new "$GB"
expect_in "$T/out" "gate: PASS: 2 benchmarks, 2 compared"
python3 -c "
import json
d = json.load(open('$R')); d['benchmarks'] = [b for b in d['benchmarks'] if b['name'].startswith('pool-reuse/')]
json.dump(d, open('$T/subset.json', 'w'))"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/subset.json"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "MISSING in new: only in base"
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$T/subset.json" --allow-missing
expect_in "$T/out" "gate: PASS: 4 benchmarks, 2 compared"

# Units: the same times in ms are the same times.
edit "$T/base.json" "$T/ms.json" "r.update(cpu_time=r['cpu_time'] / 1e6, real_time=r['real_time'] / 1e6, time_unit='ms')"
expect_exit 0 "$HEAPLAB" gate --base "$T/base.json" --new "$T/ms.json"
grep -F "$SS " "$T/out" >"$T/line"
expect_in "$T/line" "100.20      100.20   +0.0%"
edit "$T/slow.json" "$T/slow-us.json" "r.update(cpu_time=r['cpu_time'] / 1e3, real_time=r['real_time'] / 1e3, time_unit='us')"
expect_exit 1 "$HEAPLAB" gate --base "$T/base.json" --new "$T/slow-us.json"
expect_in "$T/out" "1 regressions"

# A crash on the new side only is a regression.
edit "$R" "$T/crash.json" "r.update(outcome='crash') if r['name'] == '$SS' and r['repetition_index'] == 0 else None"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/crash.json"
expect_in "$T/out" "1 repetitions not ok in new"

# ---- two binaries, interleaved; baselines ----
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse,escape-return \
  -b glibc --quick --rounds 4 --max-rounds 4 --save-runs "$T" --json "$T/d.json"
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
expect_in "$T/out" "gate: PASS: 4 benchmarks, 4 compared"
# The same cells allocating differently: without escape analysis the
# value-returning constructor allocates too (the names do not change).
expect_exit 1 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return,pool-reuse \
  -b glibc,span --quick --rounds 1 --escape off
expect_in "$T/out" "METRIC CHANGED: allocs 100000 -> 200000"
# A cell the baseline lacks is reported, not failed; a baseline cell not
# run fails unless --allow-missing (gating a subset).
expect_exit 0 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return,pool-reuse \
  -b glibc,span,span-malloc --quick --rounds 1
expect_in "$T/out" "not comparable: only in new"
expect_exit 1 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return -b glibc,span \
  --quick --rounds 1
expect_in "$T/out" "MISSING in new"
expect_exit 0 "$HEAPLAB" gate --base "$T/bl.json" --new "$HEAPLAB" -w escape-return -b glibc,span \
  --quick --rounds 1 --allow-missing

# Every run option reaches both binaries' runs as given: a gate under a hard
# limit and a soft one (and sampling) gates the cells as they ran under them.
mkdir "$T/limited"
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc,span-gc \
  -p ops=20000 --rounds 2 --max-rounds 2 --limit 256M --limit-mode watchdog --memlimit 64M --sample-ms 20 \
  --pacer-model go119 --save-runs "$T/limited"
for side in base new; do
  F="$T/limited/$side.json"
  expect_py "all(r['limit_bytes'] == 256 << 20 for r in rows) and len(rows) == 4" "$F"
  expect_py "[r['memlimit'] for r in rows if r['backend'] == 'span-gc'] == ['67108864'] * 2" "$F"
  expect_py "all('rss_timeline' in r for r in rows)" "$F"
  expect_py "d['context']['options']['limit_mode'] == 'watchdog' and d['context']['options']['pacer_model'] == 'go119'" "$F"
done
# Adaptive rounds: --rounds is the minimum, the looks are at 4, 6 and 8
# rounds; each benchmark's verdict line entry says how many it used. With
# two binaries the two paired tests decide by default, each at alpha/2; the
# U test's figures are kept beside them.
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse,escape-return \
  -b glibc --quick --rounds 4 --max-rounds 8 --json "$T/seq.json"
expect_in "$T/out" "; paired signed-rank and biweight sign-flip tests, each at alpha/2, alpha split over 3 looks"
expect_in "$T/out" "; rounds: pool-reuse/glibc/ops=100000 "
expect_py "d['options']['test'] == 'paired+biweight' and d['options']['looks'] == 3 and d['options']['rounds'] in (4, 6, 8)" "$T/seq.json"
expect_py "all(b['timing']['test'] in ('paired', 'biweight') and b['timing']['rounds'] in (4, 6, 8) for b in d['benchmarks'])" "$T/seq.json"
expect_py "all(t['utest']['tested'] and t['paired']['tested'] and t['biweight']['tested'] and len(t['looks']) >= 1 and t['looks'][0]['rounds'] == 4 for t in (b['timing_tests'] for b in d['benchmarks']))" "$T/seq.json"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --rounds 5 \
  --max-rounds 4
expect_in "$T/err" "--max-rounds 4 is below --rounds 5"
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --quick \
  --rounds 3 --max-rounds 3 --test paired --json "$T/paired.json"
expect_in "$T/out" "; paired signed-rank test"
expect_py "all(b['timing']['test'] == 'paired' for b in d['benchmarks'])" "$T/paired.json"
# --save-runs is checked before any round runs.
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc \
  --save-runs "$T/no/such/dir"
expect_in "$T/err" "--save-runs $T/no/such/dir: not a writable directory"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --test t
expect_in "$T/err" "expected utest, paired, biweight, both (utest,paired), pairs (paired,biweight) or a comma-separated list of them"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --test paired,
expect_in "$T/err" "--test 'paired,': expected utest"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --interleave x
expect_in "$T/err" "--interleave 'x': expected cell or suite"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --shard 0/2
expect_in "$T/err" "--shard: the gate runs the plan's cells itself"
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --quick \
  --rounds 3 --max-rounds 3 --test utest,biweight --json "$T/ub.json"
expect_in "$T/out" "; U and biweight sign-flip tests, each at alpha/2"
expect_py "d['options']['test'] == 'utest+biweight' and all(b['timing']['test'] in ('utest', 'biweight') for b in d['benchmarks'])" "$T/ub.json"

# How a round of two binaries runs, seen from the binaries: two wrappers log
# each call. The first round runs each side's suite whole (base, then new);
# after it, cell by cell (--shard c/N), base and new of a cell back to back,
# the order alternating with the round and the cell. --interleave suite:
# whole suites, A B then B A.
for side in base new; do
  printf '#!/bin/sh\nshard=-\nprev=\nfor a in "$@"; do [ "$prev" = --shard ] && shard=$a; prev=$a; done\necho "%s $shard" >>"%s"\nexec "%s" "$@"\n' \
    "$side" "$T/calls.log" "$HEAPLAB" >"$T/$side.sh"
  chmod +x "$T/$side.sh"
done
expect_exit 0 "$HEAPLAB" gate --base "$T/base.sh" --new "$T/new.sh" -w pool-reuse,escape-return \
  -b glibc --quick --rounds 3 --max-rounds 3
expect_calls() { # the wrappers' log, one call a word pair
  checks=$((checks + 1))
  local got
  got=$(tr '\n' ',' <"$T/calls.log")
  [[ "$got" == "$1" ]] || fail "calls: expected $1, got $got"
  rm "$T/calls.log"
}
expect_calls "base -,new -,new 0/2,base 0/2,base 1/2,new 1/2,base 0/2,new 0/2,new 1/2,base 1/2,"
expect_exit 0 "$HEAPLAB" gate --base "$T/base.sh" --new "$T/new.sh" -w pool-reuse,escape-return \
  -b glibc --quick --rounds 3 --max-rounds 3 --interleave suite
expect_calls "base -,new -,new -,base -,base -,new -,"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --budget 0
expect_in "$T/err" "expected seconds > 0"
# --measure instructions: counted under callgrind, compared within the
# tolerance, never timed; the row and the table say so.
if command -v valgrind >/dev/null; then
  expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w escape-return -b glibc \
    -p calls=2000 --measure instructions --json "$T/instr.json" --save-runs "$T/limited"
  expect_in "$T/out" " instr "
  expect_in "$T/out" "counted under callgrind, not timed"
  expect_py "[(b['instructions']['result'], b['instructions']['change_pct'], b['timing']['result']) for b in d['benchmarks']] == [('same', 0, 'untested')]" "$T/instr.json"
  expect_py "all(r['measure'] == 'instructions' and r['instructions_per_iter'] > 0 and 'not time' in r['measure_note'] for r in rows) and len(rows) == 2" "$T/limited/base.json"
  # --measure cache: the simulated misses too, compared the same way.
  expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w escape-return -b glibc \
    -p calls=2000 --measure cache --json "$T/cache.json" --save-runs "$T/limited"
  expect_in "$T/out" "l1_misses_per_iter"
  expect_py "[sorted(b['instructions']['cache']) for b in d['benchmarks']] == [['l1_misses_per_iter', 'll_misses_per_iter']]" "$T/cache.json"
  expect_py "all(c['result'] == 'same' and c['tolerance_pct'] >= 1 for b in d['benchmarks'] for c in b['instructions']['cache'].values())" "$T/cache.json"
  expect_py "all(r['measure'] == 'cache' and r['l1_misses_per_iter'] > 0 and r['ll_misses_per_iter'] >= 0 for r in rows) and len(rows) == 2" "$T/limited/base.json"
  expect_exit 2 "$HEAPLAB" run -w escape-return -b glibc --measure caches
  expect_in "$T/err" "expected time, instructions or cache"
fi
# --pmu: this machine may have no PMU; then the counters are unavailable,
# the gate says so and still tests CPU time. With one, instructions are
# gated too.
mkdir "$T/pmu"
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --quick \
  --rounds 4 --max-rounds 4 --pmu --json "$T/pmu.json" --save-runs "$T/pmu"
expect_py "all('perf::INSTRUCTIONS' in d['context']['counters'] for _ in [0])" "$T/pmu/base.json"
if py "d['context']['counters']['perf::INSTRUCTIONS'] == 'counted'" "$T/pmu/base.json" | grep -q True; then
  expect_py "[b['instructions']['unit'].startswith('instructions per iteration (PMU') for b in d['benchmarks']] == [True]" "$T/pmu.json"
else
  expect_in "$T/out" "note: --pmu: perf::INSTRUCTIONS not counted on the base side (unavailable: "
  expect_py "[('instructions' in b, b['timing']['result'] != 'untested') for b in d['benchmarks']] == [(False, True)]" "$T/pmu.json"
fi
# What the gate sets itself is refused: its rounds are one repetition each.
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -w pool-reuse -b glibc --reps 3
expect_in "$T/err" "--reps is the gate's own"
done_checks
