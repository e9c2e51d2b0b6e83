#!/usr/bin/env bash
# The noise note after a table (run and show): one line when a cell's
# spread exceeds 30% or the load average exceeded the CPU count, none
# otherwise; and run's default repetitions are enough for the U test.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$HEAPLAB" run -w escape-return -b glibc,span -p calls=20000 --counters none \
  -o "$T/r.json"
# the defaults: 5 repetitions (4 or more, or compare could not decide), and
# the load at both ends of the run in the context
expect_py "len(rows) == 10 and d['context']['plan']['repetitions'] == 5" "$T/r.json"
expect_py "len(d['context']['load_avg']) == 3 and len(d['context']['load_avg_end']) == 3" "$T/r.json"
expect_exit 0 "$HEAPLAB" compare "$T/r.json" "$T/r.json"
expect_not_in "$T/out" "cannot reach"

# known answers: cpu_time by repetition, loads by hand
quiet="r['cpu_time'] = 100 + r['repetition_index']"
ctx() { # SRC DST LOAD_START LOAD_END CPUS
  python3 - "$@" <<'PY'
import json, sys
src, dst, a, b, cpus = sys.argv[1:]
d = json.load(open(src))
c = d['context']
c['load_avg'], c['load_avg_end'], c['num_cpus'] = [float(a)] * 3, [float(b)] * 3, int(cpus)
json.dump(d, open(dst, 'w'))
PY
}
edit "$T/r.json" "$T/q0.json" "$quiet"
ctx "$T/q0.json" "$T/quiet.json" 0.5 0.7 2
expect_exit 0 "$HEAPLAB" show "$T/quiet.json"
expect_not_in "$T/err" "noisy"

# one cell spreads 50% of its median: (150 - 100) / 100
edit "$T/r.json" "$T/s0.json" "$quiet
if r['run_name'].startswith('escape-return/span'): r['cpu_time'] = [100, 150, 110, 120, 105][r['repetition_index']]"
ctx "$T/s0.json" "$T/spread.json" 0.5 0.7 2
expect_exit 0 "$HEAPLAB" show "$T/spread.json"
expect_in "$T/err" "heaplab: show: noisy timings: 1 of 2 cells spread over 30% (escape-return/span/calls=20000: 45%); for CPU times use more --reps, a quieter machine, or heaplab gate"
checks=$((checks + 1))
[[ $(wc -l <"$T/err") -eq 1 ]] || fail "the note is not one line: $(cat "$T/err")"
# the table is on stdout, the note after it on stderr
expect_not_in "$T/out" "noisy"

# the load at the end above the CPU count, timings quiet
ctx "$T/q0.json" "$T/load.json" 1.0 5.25 2
expect_exit 0 "$HEAPLAB" show "$T/load.json"
expect_in "$T/err" "noisy timings: load average 5.2 on 2 CPUs; for CPU times"
ctx "$T/s0.json" "$T/both.json" 3.5 1.0 2
expect_exit 0 "$HEAPLAB" show "$T/both.json"
expect_in "$T/err" "(escape-return/span/calls=20000: 45%); load average 3.5 on 2 CPUs;"
# a load equal to the CPU count is not above it
ctx "$T/q0.json" "$T/equal.json" 2.0 2.0 2
expect_exit 0 "$HEAPLAB" show "$T/equal.json"
expect_not_in "$T/err" "noisy"

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
