#!/usr/bin/env bash
# The table's columns: each workload's own answer (its headline figures, in
# human units, on its rows only), the collectors' GC CPU and pauses on
# theirs, and `show --metric KEY` with and without --ratio; an unknown or
# non-numeric key is an error that lists the numeric keys. Nothing here
# asserts a timing: the figures checked are memory, counts and shares.
. "$(dirname "$0")/lib.sh"
R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w retention,steady-service -b glibc,span-gc --quick --reps 3 \
  --counters none -o "$R"
head -1 "$T/out" >"$T/header"
for h in "peak RSS" "GCs" "GC CPU" "GC pauses" "max pause" "RSS built" "RSS after free"; do
  expect_in "$T/header" "$h"
done
# retention's own answer: what glibc's RSS is after the free, in MiB.
grep -F "retention/glibc/" "$T/out" >"$T/line"
# (the median of 3 repetitions: the middle one)
after=$(py "'%.1f MiB' % (sorted(r['rss_after_free_bytes'] for r in rows if r['name'].startswith('retention/glibc/'))[1] / 1048576)" "$R")
expect_in "$T/line" "$after"
# A collector row: its GC count and its GC CPU share as a percentage; a
# malloc row has none ("-").
grep -F "steady-service/span-gc/" "$T/out" >"$T/gcline"
expect_py "all(r['num_gc'] >= 1 for r in rows if r['backend'] == 'span-gc')" "$R"
grep -Eq ' [0-9]+\.[0-9]%  +[0-9.]+ ms +[0-9.]+ ms ' "$T/gcline" ||
  fail "steady-service/span-gc: no GC CPU % and pauses in ms: $(cat "$T/gcline")"
grep -F "steady-service/glibc/" "$T/out" >"$T/mline"
grep -Eq ' - +- +- +- ' "$T/mline" || fail "steady-service/glibc: collector columns not empty: $(cat "$T/mline")"
# Headline columns belong to their workload: steady-service has no RSS
# after free.
expect_py "all('rss_after_free_bytes' not in r for r in rows if r['workload'] == 'steady-service')" "$R"

# show --metric KEY: one more column, in the key's unit.
expect_exit 0 "$HEAPLAB" show "$R" --metric heap_peak_bytes
head -1 "$T/out" >"$T/header"
expect_in "$T/header" "heap_peak_bytes"
grep -F "steady-service/span-gc/" "$T/out" >"$T/line"
grep -Eq ' [0-9.]+ MiB$' "$T/line" || fail "show --metric heap_peak_bytes: no MiB at the end: $(cat "$T/line")"
# with --ratio: the base's median in its unit, the other backend's ratio.
expect_exit 0 "$HEAPLAB" show "$R" --ratio glibc --metric rss_after_free_bytes
grep -F "retention/" "$T/out" >"$T/line"
expect_in "$T/line" "$after"
grep -Eq ' [0-9]+\.[0-9]{2} \([0-9.]+-[0-9.]+\)' "$T/line" || fail "show --ratio: no ratio for span-gc: $(cat "$T/line")"
# unknown and non-numeric keys: an error listing the numeric keys.
for k in nosuch backend; do
  expect_exit 2 "$HEAPLAB" show "$R" --metric "$k"
  expect_in "$T/err" "no numeric figure '$k' in the rows; numeric keys:"
  expect_in "$T/err" " rss_after_free_bytes "
  expect_exit 2 "$HEAPLAB" show "$R" --ratio glibc --metric "$k"
  expect_in "$T/err" "no numeric figure '$k'"
done
done_checks
