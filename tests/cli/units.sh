#!/usr/bin/env bash
# Results files in other time units and with bad values, through every
# command that reads them: times in ms (tests/cli/data/units-ms.json, a
# hand-made file) read as the same nanoseconds as their ns twin; a negative
# time, an unknown unit, a negative count or a count that is not a number
# is an error (exit 2) naming the row, in show, show --ratio, compare, gate,
# plot, report and oom-report.
. "$(dirname "$0")/lib.sh"
D="$(dirname "$0")/data"
MS="$D/units-ms.json"
NS="$T/units-ns.json"
edit "$MS" "$NS" "r.update(cpu_time=r['cpu_time'] * 1e6, real_time=r['real_time'] * 1e6, time_unit='ns')"

# show: ms rows print as ns (125.3, not 0.00).
same_as_ns() { # ARGS...: heaplab ARGS on the ms file prints what it prints on the ns twin
  "$HEAPLAB" "$@" "$NS" >"$T/ns.txt"
  "$HEAPLAB" "$@" "$MS" >"$T/ms.txt"
  expect_exit 0 cmp "$T/ms.txt" "$T/ns.txt"
}
expect_exit 0 "$HEAPLAB" show "$MS"
grep -F "escape-return/glibc " "$T/out" >"$T/line"
expect_in "$T/line" "4/4 ok         125.3"
expect_exit 0 "$HEAPLAB" show "$MS" --ratio glibc
expect_in "$T/out" "125.3 ns" # the base column: its median, in its unit
expect_in "$T/out" "0.80 (0.80-0.80)"
same_as_ns show
same_as_ns show --ratio span

# compare and gate: the same times are the same.
expect_exit 0 "$HEAPLAB" compare "$NS" "$MS"
grep -F "escape-return/glibc " "$T/out" >"$T/line"
expect_in "$T/line" "125.25      125.25   +0.0%"
expect_exit 0 "$HEAPLAB" gate --base "$NS" --new "$MS"
expect_in "$T/out" "gate: PASS: 2 benchmarks, 2 compared"

# plot and report draw nanoseconds.
if command -v gnuplot >/dev/null; then
  expect_exit 0 "$HEAPLAB" plot "$MS" -o "$T/plot"
  expect_in "$T/plot/time.gp" '"125 ns"' # the median at glibc's bar, from 125.251 us/1000
  expect_in "$T/plot/time.dat" "	1	0.985"   # its ratio to itself, and its fastest (123.4 / 125.251)
  expect_exit 0 "$HEAPLAB" report "$MS" -o "$T/report"
  expect_in "$T/report/report.md" "| escape-return/glibc | 4/4 ok  |       125.3 |"
else
  echo "note: gnuplot missing; plot and report checks skipped" >&2
fi

# Bad values: exit 2 in every command, the row and the reason named.
check_bad() { # FILE REASON
  local f="$D/$1" why=$2
  local cmds=("show $f" "show $f --ratio glibc" "compare $NS $f" "compare $f $NS"
              "gate --base $NS --new $f" "gate --base $f --new $NS" "plot $f -o $T/p"
              "report $f -o $T/r" "oom-report $f -o $T/o")
  for c in "${cmds[@]}"; do
    # shellcheck disable=SC2086
    expect_exit 2 "$HEAPLAB" $c
    expect_in "$T/err" "$f: benchmarks[2] (escape-return/glibc): $why"
  done
}
check_bad negative-time.json "cpu_time -5 is negative"
check_bad unknown-unit.json "time_unit 'fortnights' is not one of ns, us, ms, s"
check_bad negative-count.json "allocs -1 is negative"
check_bad string-count.json '"alloc_bytes" is not a number'
done_checks
