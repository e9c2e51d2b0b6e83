#!/usr/bin/env bash
# Outcome classification: a cell that crashes, aborts, hangs or runs out of
# memory under RLIMIT_DATA is reported as such, the other cells are not
# disturbed, the parent exits normally (status 1: some cell not ok) and the
# results file is complete and valid.
. "$(dirname "$0")/lib.sh"

O="$T/faults.json"
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=none,crash,abort,hang,oom \
  -p after=100 --limit 256M --timeout 3 --reps 2 -o "$O"
expect_py "len(rows) == 10" "$O"
outcome() { py "sorted(set(r['outcome'] for r in rows if r['params']['kind'] == '$1'))" "$O"; }
checks=$((checks + 5))
[[ $(outcome none) == "['ok']" ]] || fail "kind=none: $(outcome none)"
[[ $(outcome crash) == "['crash']" ]] || fail "kind=crash: $(outcome crash)"
[[ $(outcome abort) == "['crash']" ]] || fail "kind=abort: $(outcome abort)"
[[ $(outcome hang) == "['timeout']" ]] || fail "kind=hang: $(outcome hang)"
[[ $(outcome oom) == "['oom']" ]] || fail "kind=oom: $(outcome oom)"
expect_py "all(r['signal'] == 'SEGV' for r in rows if r['params']['kind'] == 'crash')" "$O"
expect_py "all(r['signal'] == 'ABRT' for r in rows if r['params']['kind'] == 'abort')" "$O"
expect_py "all('allocation of 1048576 bytes failed at site hogMemory' in r['error_message'] for r in rows if r['params']['kind'] == 'oom')" "$O"
expect_py "all(r['rss_peak_bytes'] > 100 << 20 for r in rows if r['params']['kind'] == 'oom')" "$O"
expect_py "all('--timeout' in r['error_message'] for r in rows if r['outcome'] == 'timeout')" "$O"
expect_py "all(r['error_occurred'] for r in rows if r['outcome'] != 'ok')" "$O"
expect_py "all('error_occurred' not in r and r['iterations'] == 100000 for r in rows if r['outcome'] == 'ok')" "$O"
# the ok cell got its aggregates; failed cells get none
expect_py "sorted(b['name'] for b in d['benchmarks'] if b['run_type'] == 'aggregate' and b['aggregate_name'] == 'mean') == ['fault-inject/glibc/after=100_mean']" "$O"
expect_in "$T/err" "fault-inject/glibc/kind=crash/after=100 (repetition 1): crash: SEGV (Segmentation fault)"
expect_in "$T/out" "2/2 timeout"
checks=$((checks + 1))
[[ -z $(ls "$T" | grep tmp) ]] || fail "temporary files left: $(ls "$T")"

# A real workload whose live set does not fit the limit, on every backend.
O="$T/limit.json"
expect_exit 1 "$HEAPLAB" run -w steady-service -p live=512M -p churn=1M --limit 96M --reps 1 \
  --timeout 60 -o "$O"
expect_py "len(rows) >= 1 and all(r['outcome'] == 'oom' for r in rows)" "$O"
expect_py "all('allocation of 1024 bytes failed at site buildLiveSet' in r['error_message'] for r in rows)" "$O"
expect_py "d['context']['options']['limit_bytes'] == 96 << 20" "$O"

# kind=oom refuses to run without a limit instead of exhausting the machine.
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=oom --reps 1 -o "$T/nolimit.json"
expect_in "$T/err" "kind=oom needs a memory limit"
expect_py "rows[0]['outcome'] == 'error'" "$T/nolimit.json"
done_checks
