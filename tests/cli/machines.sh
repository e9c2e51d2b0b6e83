#!/usr/bin/env bash
# Rows from different machines (fingerprints) are different machines:
# compare and gate compare timings and peak memory only within one machine
# (a fingerprint that differs only in heaplab's revision is the same
# machine, two builds on it), say so, and let the deterministic metrics
# decide; show and report give each machine of a merged file its own table
# and section. Edited copies of a real run, with known answers.
. "$(dirname "$0")/lib.sh"

R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w escape-return -b glibc,jemalloc --quick --reps 6 --counters none \
  -o "$R"
expect_py "len(rows) == 12 and len(d['context']['fingerprint']['id']) == 12" "$R"
A=$(py "d['context']['fingerprint']['id']" "$R")
B=0123456789ab

# refit SRC DST FP-STATEMENT ROW-STATEMENT: a copy of SRC whose context
# fingerprint (as f) and iteration rows (as r) the statements change.
refit() {
  python3 - "$@" <<'PY'
import json, sys
src, dst, fstmt, rstmt = sys.argv[1:]
d = json.load(open(src))
f = d['context']['fingerprint']
exec(fstmt)
for r in d['benchmarks']:
    if r.get('run_type') == 'iteration':
        exec(rstmt)
json.dump(d, open(dst, 'w'))
PY
}
SLOWER="r['cpu_time'] *= 3; r['rss_peak_bytes'] *= 3"
OTHER="f['cpu_model'] = 'Other CPU'; f['id'] = '$B'"

# Three times slower with three times the peak RSS, on this machine: regressions.
refit "$R" "$T/slow.json" "" "$SLOWER"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/slow.json"
expect_in "$T/out" "2 compared: 2 regressions"
expect_not_in "$T/out" "different machines"

# The same figures from another machine: nothing to compare but the metrics,
# which agree; said, with both machines.
refit "$R" "$T/other.json" "$OTHER" "$SLOWER"
expect_exit 0 "$HEAPLAB" compare "$R" "$T/other.json"
expect_in "$T/out" "2 compared: 0 regressions, 0 changed metrics"
expect_in "$T/out" "note: 2 benchmarks ran on different machines in base and new"
expect_in "$T/out" "base: $A: "
expect_in "$T/out" "new: $B: Other CPU"
expect_in "$T/out" "ran on different machines: timings and peaks not compared"
expect_not_in "$T/out" "no timing compared"

# Another heaplab revision on this machine (gate of two builds): one machine.
refit "$R" "$T/rev.json" "f['heaplab_revision'] = 'another'; f['id'] = 'fedcba987654'" "$SLOWER"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/rev.json"
expect_in "$T/out" "2 compared: 2 regressions"
expect_not_in "$T/out" "different machines"

# The metrics still decide across machines.
refit "$R" "$T/other-allocs.json" "$OTHER" "r['allocs'] += 1"
expect_exit 1 "$HEAPLAB" compare "$R" "$T/other-allocs.json"
expect_in "$T/out" "2 changed metrics"

# gate on two results files: the same rule, and the decision JSON says which.
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$T/other.json" --json "$T/gate.json"
expect_in "$T/out" "2 benchmarks ran on different machines"
expect_py "all(b['other_machines'] and b['timing']['result'] == 'untested' for b in d['benchmarks'])" \
  "$T/gate.json"
expect_exit 1 "$HEAPLAB" gate --base "$R" --new "$T/slow.json" --json "$T/gate.json"
expect_py "not any('other_machines' in b for b in d['benchmarks'])" "$T/gate.json"

# A merged file (heaplab merge of shards): glibc's cells ran here, jemalloc's
# on another machine; each row names its machine, the context has both.
python3 - "$R" "$T/merged.json" "$B" <<'PY'
import copy, json, sys
src, dst, other = sys.argv[1:]
d = json.load(open(src))
fp = d['context'].pop('fingerprint')
fp2 = dict(copy.deepcopy(fp), cpu_model='Other CPU', id=other)
d['context']['machines'] = {fp['id']: fp, other: fp2}
d['benchmarks'] = [r for r in d['benchmarks'] if r['run_type'] == 'iteration']
for r in d['benchmarks']:
    r['machine'] = fp['id'] if r['backend'] == 'glibc' else other
json.dump(d, open(dst, 'w'))
PY
M="$T/merged.json"

# show: a table per machine, each with its own rows only.
expect_exit 0 "$HEAPLAB" show "$M"
expect_in "$T/out" "machine $A: "
expect_in "$T/out" "machine $B: Other CPU"
expect_py "(lambda t: 'escape-return/glibc' in t[0] and 'jemalloc' not in t[0].split('\\n', 1)[1] and 'escape-return/jemalloc' in t[1] and 'glibc' not in t[1].split('\\n', 1)[1])(open('$T/out').read().split('machine $B'))"
# --ratio divides within a machine: the other machine has no glibc to divide by.
expect_exit 0 "$HEAPLAB" show "$M" --ratio glibc
expect_in "$T/out" "backend 'glibc' has no ok repetition on this machine"
expect_py "open('$T/out').read().count('escape-return') == 1"
# A file of one machine shows as before: one table, no machine line.
expect_exit 0 "$HEAPLAB" show "$R"
expect_not_in "$T/out" "machine "

# compare within a machine of a merged file: jemalloc slower on machine B in
# both files is a regression; against the one-machine file, only glibc's
# timings compare.
edit "$M" "$T/merged-slow.json" "r['cpu_time'] *= 3 if r['backend'] == 'jemalloc' else 1"
expect_exit 1 "$HEAPLAB" compare "$M" "$T/merged-slow.json"
expect_in "$T/out" "2 compared: 1 regressions"
expect_not_in "$T/out" "different machines"
expect_exit 0 "$HEAPLAB" compare "$R" "$T/merged-slow.json"
expect_in "$T/out" "note: 1 benchmarks ran on different machines"
expect_in "$T/out" "0 regressions"

# report: a section per machine, its figures apart.
if command -v gnuplot >/dev/null; then
  expect_exit 0 "$HEAPLAB" report "$M" -o "$T/rep"
  MD="$T/rep/report.md"
  expect_in "$MD" "ran on 2 machines"
  expect_in "$MD" "### Machine $A: "
  expect_in "$MD" "### Machine $B: Other CPU"
  expect_py "open('$MD').read().count('#### Every cell and how it ended') == 2"
  expect_py "(lambda t: 'escape-return/jemalloc' not in t[0] and 'escape-return/glibc' not in t[1])(open('$MD').read().split('### Machine $B'))"
  for k in 1 2; do
    expect_py "open('$T/rep/figures/run1/machine$k/time.png','rb').read(4) == b'\\x89PNG'"
  done
  expect_exit 0 "$HEAPLAB" report "$R" -o "$T/rep1"
  expect_not_in "$T/rep1/report.md" "### Machine"
fi

done_checks
