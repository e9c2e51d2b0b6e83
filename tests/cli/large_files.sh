#!/usr/bin/env bash
# Large results files: a generated file of 6,000 cells (12,000 rows, the
# repetitions interleaved as heaplab writes them) read by show, show
# --ratio, compare and gate under a 400 MB address-space limit: the rows
# are indexed by cell once and what is kept per cell is proportional to its
# rows (a reader that reserved room for 10,000 repetitions a cell needed
# about 1 GB here). Checks what they print, not how long they take;
# ci/bench-large times them on a 200 MB file.
. "$(dirname "$0")/lib.sh"
F="$T/large.json"
python3 - "$F" <<'PY'
import json, sys
rows = []
for rep in range(2):
    for i in range(3000):
        for b in ('glibc', 'span'):
            name = f"steady-service/{b}/live={i + 1}K"
            rows.append({"name": name, "run_name": name, "run_type": "iteration",
                         "repetitions": 2, "repetition_index": rep, "threads": 1,
                         "iterations": 1000, "real_time": 110.0 + i, "cpu_time": 100.0 + i + rep,
                         "time_unit": "ns", "rss_peak_bytes": 8 << 20, "allocs": 1000 + i,
                         "alloc_bytes": 1024 * (1000 + i), "outcome": "ok",
                         "workload": "steady-service", "backend": b})
json.dump({"context": {"options": {"reps": 2}}, "benchmarks": rows}, open(sys.argv[1], "w"))
PY
# grep reads all of ldd's output: with -q it could stop first, and pipefail would
# take ldd's SIGPIPE for "no ASan"
if ldd "$HEAPLAB" | grep libasan >/dev/null; then
  limit() { "$@"; } # ASan reserves terabytes of address space
else
  limit() { (ulimit -v 400000 && exec "$@"); }
fi
C=steady-service/glibc/live=2345K

expect_exit 0 limit "$HEAPLAB" show "$F"
[[ $(grep -c "^steady-service/" "$T/out") -eq 6000 ]] || fail "show: $(grep -c "^steady-service/" "$T/out") rows, want 6000"
grep -F "$C " "$T/out" >"$T/line"
expect_in "$T/line" "2/2 ok          2444    0.0%   8.0 MiB    3344"
expect_exit 0 limit "$HEAPLAB" show "$F" --ratio glibc
expect_in "$T/out" "steady-service/live=1K"
expect_exit 0 limit "$HEAPLAB" compare "$F" "$F"
expect_in "$T/out" "6000 compared: 0 regressions, 0 changed metrics, 0 faster, 0 not comparable"
grep -F "$C " "$T/out" >"$T/line"
expect_in "$T/line" "2444.50     2444.50   +0.0%"
expect_exit 0 limit "$HEAPLAB" gate --base "$F" --new "$F"
expect_in "$T/out" "gate: PASS: 6000 benchmarks, 6000 compared, 0 regressions"
done_checks
