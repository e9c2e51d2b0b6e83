#!/usr/bin/env bash
# ci/gate, the gate that .ci/run runs (through ci/test), against the
# committed baseline: passes on this build, and fails when a workload's
# allocation behaviour changes: a baseline edited as a changed workload
# would leave it, and this build run with escape analysis off (the same
# cells, other allocations); and when a peak grows by 1 MiB. Also: --refresh
# writes a baseline that passes.
# $1 is the source root.
. "$(dirname "$0")/lib.sh"
ROOT=${1:?source root}
GATE="$ROOT/ci/gate"
BL="$ROOT/results/baseline/default.json"
export HEAPLAB GATE_OUT="$T/out.d"

# The committed baseline matches this build (else: bash ci/gate --refresh).
expect_exit 0 env BASELINE="$BL" bash "$GATE"
expect_in "$T/out" "gate: PASS: 10 benchmarks, 10 compared, 0 regressions, 0 changed metrics"
expect_in "$T/out" "peak memory on 10"
expect_py "d['verdict'] == 'pass' and d['counts']['benchmarks'] == 10" "$T/out.d/gate.json"
expect_in "$T/out.d/gate.md" "### heaplab gate: PASS"

# A workload that allocates one object more, or 16 bytes more, fails CI.
python3 - "$BL" "$T/edited.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d['benchmarks']:
    if r['name'].startswith('steady-service/span/'):
        r['allocs'] -= 1
    if r['name'].startswith('sizeclass-sweep/glibc/'):
        r['alloc_bytes'] -= 16
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit 1 env BASELINE="$T/edited.json" bash "$GATE"
expect_in "$T/out" "gate: FAIL: 10 benchmarks, 10 compared, 0 regressions, 2 changed metrics"
grep -F "steady-service/span/" "$T/out" >"$T/line"
expect_in "$T/line" "METRIC CHANGED: allocs 36863 -> 36864"
grep -F "sizeclass-sweep/glibc/" "$T/out" >"$T/line"
expect_in "$T/line" "METRIC CHANGED: alloc_bytes"
expect_in "$T/err" "run 'bash ci/gate --refresh'"
expect_py "sorted(a['title'].split('/')[0] for a in d['annotations']) == ['sizeclass-sweep', 'steady-service']" "$T/out.d/gate.json"

# The committed peaks are gated: a cell that peaks 1 MiB higher than the
# baseline says (here: a baseline 1 MiB lower) fails.
python3 - "$BL" "$T/peak.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
for r in d['benchmarks']:
    if r['name'].startswith('steady-service/glibc/'):
        r['rss_peak_bytes'] -= 1 << 20
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit 1 env BASELINE="$T/peak.json" bash "$GATE"
expect_in "$T/out" "gate: FAIL: 10 benchmarks, 10 compared, 1 regressions, 0 changed metrics"
grep -F "steady-service/glibc/" "$T/out" >"$T/line"
expect_in "$T/line" "REGRESSION: rss_peak_bytes +" # 1 MiB more than today's measure, within the noise
expect_py "all('rss_peak_bytes' in r for r in d['benchmarks'])" "$BL"
# A cell of the baseline that the suite no longer runs fails.
python3 - "$BL" "$T/extra.json" <<'PY'
import copy, json, sys
d = json.load(open(sys.argv[1]))
r = copy.deepcopy(d['benchmarks'][0])
r['name'] = r['run_name'] = r['name'].replace('/glibc/', '/glibc:arena_max=2/')
d['benchmarks'].append(r)
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit 1 env BASELINE="$T/extra.json" bash "$GATE"
expect_in "$T/out" "1 missing in new"

# The same build with other allocation behaviour: escape analysis off sends
# escape-return's value-returning calls to the heap.
expect_exit 1 env BASELINE="$BL" bash "$GATE" --escape off
grep -F "escape-return/glibc/" "$T/out" >"$T/line"
expect_in "$T/line" "METRIC CHANGED: allocs 100000 -> 200000"

# Refreshing on purpose writes a baseline that the gate then passes.
expect_exit 0 env BASELINE="$T/fresh.json" bash "$GATE" --refresh
expect_py "len(d['benchmarks']) == 10 and 'heaplab_baseline' in d['context']" "$T/fresh.json"
expect_exit 0 env BASELINE="$T/fresh.json" bash "$GATE"
done_checks
