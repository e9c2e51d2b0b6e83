#!/usr/bin/env bash
# The golden test: a fixed-seed run, oom, gate, compare, show, report and
# oom-report, reduced to what must not change when heaplab's insides do
# (golden.py: names, outcomes, exact allocation counts, knobs, key sets,
# table headers and layout with the numbers masked, exit codes, the files
# each command writes), against golden/expected.txt. A difference is printed
# as a diff. GOLDEN_UPDATE=1 rewrites the expected file instead: only for a
# change meant to change what a user sees, said in its commit.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }
HERE="$(cd "$(dirname "$0")" && pwd)"
G="$T/golden.txt"
norm() { /usr/bin/python3 "$HERE/golden.py" "$@"; }
step() { # NAME CMD...: records the exit code and the table the command printed
  local name=$1
  shift
  "$@" >"$T/out" 2>"$T/err"
  echo "== $name: exit $?" >>"$G"
  norm text "$T/out" >>"$G"
}
: >"$G"
cd "$T" || exit 99

step run "$HEAPLAB" run -w pool-reuse,escape-return -b glibc,span-gc --quick --reps 2 \
  --counters none --seed 7 --gogc 50,100 -o r.json
norm json r.json >>"$G"
step show "$HEAPLAB" show r.json
step show-ratio "$HEAPLAB" show r.json --ratio glibc
step compare "$HEAPLAB" compare r.json r.json
step gate "$HEAPLAB" gate --base r.json --new r.json --json gate.json --markdown gate.md
/usr/bin/python3 -c "import json,sys; d=json.load(open('gate.json')); print('gate.json keys:', sorted(d)); print([ (b['name'], b['verdict']) for b in d['benchmarks']])" >>"$G"
norm headings gate.md >>"$G"
step report "$HEAPLAB" report r.json -o rep
norm tree rep >>"$G"
norm headings rep/report.md >>"$G"
step plot "$HEAPLAB" plot r.json -o plots
norm tree plots >>"$G"

# the stop-the-world collector: how many cycles a run gets through before
# the kill is exact there, and depends on timing while marking is concurrent
step oom "$HEAPLAB" oom -w leak -b glibc,span-gc:mode=stw -p total=96M --limit 48M --runs 2 --sample-ms 20 \
  --counters none --seed 7 -o oom.json
norm json oom.json >>"$G"
step oom-report "$HEAPLAB" oom-report oom.json -o oomr
norm tree oomr >>"$G"
norm headings oomr/oom-report.md >>"$G"
step bad-input "$HEAPLAB" run -w no-such-workload
sed "s/; available:.*//" err >>"$G" # the list grows with the catalogue

if [[ -n ${GOLDEN_UPDATE:-} ]]; then
  cp "$G" "$HERE/golden/expected.txt"
  echo "golden/expected.txt rewritten" >&2
  exit 0
fi
checks=$((checks + 1))
if ! diff -u "$HERE/golden/expected.txt" "$G" >"$T/diff"; then
  fail "outputs differ from golden/expected.txt:"
  head -80 "$T/diff" >&2
fi
done_checks
