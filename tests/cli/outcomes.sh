#!/usr/bin/env bash
# Outcome classification: a cell that crashes, aborts, hangs or runs out of
# memory (allocation failing under RLIMIT_DATA: oom-alloc; killed by the
# RSS watchdog: oom-kill) is reported as such, the other cells are not
# disturbed, the parent exits normally (status 1: some cell not ok) and the
# results file is complete and valid.
. "$(dirname "$0")/lib.sh"

O="$T/faults.json"
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=none,crash,abort,hang,oom \
  -p after=100 --limit 256M --limit-mode rlimit --timeout 3 --reps 2 -o "$O"
expect_py "len(rows) == 10" "$O"
outcome() { py "sorted(set(r['outcome'] for r in rows if r['params']['kind'] == '$1'))" "$O"; }
checks=$((checks + 5))
[[ $(outcome none) == "['ok']" ]] || fail "kind=none: $(outcome none)"
[[ $(outcome crash) == "['crash']" ]] || fail "kind=crash: $(outcome crash)"
[[ $(outcome abort) == "['crash']" ]] || fail "kind=abort: $(outcome abort)"
[[ $(outcome hang) == "['timeout']" ]] || fail "kind=hang: $(outcome hang)"
[[ $(outcome oom) == "['oom-alloc']" ]] || fail "kind=oom: $(outcome oom)"
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
expect_exit 1 "$HEAPLAB" run -w steady-service -p live=512M -p churn=1M --limit 96M \
  --limit-mode rlimit --reps 1 --timeout 60 -o "$O"
expect_py "len(rows) >= 1 and all(r['outcome'] == 'oom-alloc' for r in rows)" "$O"
expect_py "all('allocation of 1024 bytes failed at site buildLiveSet' in r['error_message'] for r in rows)" "$O"
expect_py "d['context']['options']['limit_bytes'] == 96 << 20" "$O"
expect_py "d['context']['options']['limit_mode'] == 'rlimit'" "$O"

# The same under the RSS watchdog (the default mode): killed at the limit
# (oom-kill), with the parent's RSS samples up to the kill in the row.
O="$T/watchdog.json"
expect_exit 1 "$HEAPLAB" run -w steady-service -p live=512M -p churn=1M --limit 96M --reps 1 \
  --timeout 60 -o "$O"
expect_py "len(rows) >= 1 and all(r['outcome'] == 'oom-kill' for r in rows)" "$O"
expect_py "all('killed by the watchdog' in r['error_message'] for r in rows)" "$O"
expect_py "all(r['rss_timeline']['rss_bytes'][-1] >= 96 << 20 for r in rows)" "$O"
expect_py "all(len(r['rss_timeline']['t_ns']) >= 1 and r['end_s'] > 0 for r in rows)" "$O"
expect_py "d['context']['options']['limit_mode'] == 'watchdog'" "$O"

# A collector held under a soft limit below its live set collects back to
# back; with --thrash-window the cell ends as gc-thrash instead of hanging
# on, and its streamed cycles and samples are in the row.
O="$T/thrash.json"
expect_exit 1 "$HEAPLAB" run -w steady-service -b span-gc -p live=32M -p churn=64G --gogc off \
  --memlimit 16MiB --thrash-window 1 --sample-ms 20 --reps 1 --timeout 60 -o "$O"
expect_py "rows[0]['outcome'] == 'gc-thrash'" "$O"
expect_py "'of the CPU over the last 1000 ms' in rows[0]['error_message'] or 'limiter' in rows[0]['error_message']" "$O"
expect_py "rows[0]['num_gc'] == len(rows[0]['gc_marks']) > 10 and len(rows[0]['samples']) >= 2" "$O"
expect_py "[g['num'] for g in rows[0]['gc_marks']] == list(range(1, rows[0]['num_gc'] + 1))" "$O"
expect_py "d['context']['options']['thrash_window_s'] == 1" "$O"

# Who killed the worker: a SIGKILL from outside (kill -9) under a generous
# limit is a crash that says heaplab did not send it, not oom-kill, under the
# watchdog (which knows it did not fire) and under RLIMIT_DATA. obj=72 marks
# this test's workers apart from those of tests running beside it.
for mode in watchdog rlimit; do
  O="$T/killed-$mode.json"
  "$HEAPLAB" run -w fault-inject -b glibc -p kind=hang -p after=10 -p obj=72 --limit 500M \
    --limit-mode $mode --reps 1 --timeout 60 -o "$O" >"$T/out" 2>"$T/err" &
  pid=$!
  worker=
  for _ in $(seq 1 200); do
    worker=$(pgrep -P $pid -f "__worker .*\"workload\":\"fault-inject\".*\"obj\":\"72\"") && break
    sleep 0.05
  done
  checks=$((checks + 1))
  [[ -n $worker ]] || fail "$mode: no worker found"
  kill -KILL $worker
  expect_wait $pid 1 "$mode: worker killed from outside"
  expect_py "[(r['outcome'], r['signal']) for r in rows] == [('crash', 'KILL')]" "$O"
  expect_py "rows[0]['error_message'].startswith('KILL (not sent by heaplab)')" "$O"
  expect_in "$T/err" "fault-inject/glibc/kind=hang/after=10/obj=72 (repetition 1): crash: KILL (not sent by heaplab)"
done

# kind=oom runs under any limit mode below the machine's available memory
# (the watchdog's too, which the worker cannot see), and refuses to run
# without one or above it (bad_input.sh) instead of exhausting the machine.
O="$T/oom-watchdog.json"
expect_exit 1 "$HEAPLAB" run -w fault-inject -b glibc -p kind=oom -p after=10 --limit 64M \
  --reps 1 -o "$O"
expect_py "[r['outcome'] for r in rows] == ['oom-kill'] and rows[0]['rss_timeline']['rss_bytes'][-1] >= 64 << 20" "$O"
expect_exit 2 "$HEAPLAB" run -w fault-inject -b glibc -p kind=oom --reps 1 -o "$T/nolimit.json"
expect_in "$T/err" "fault-inject: kind=oom allocates until the backend refuses or the process is killed; refused without a memory limit"
checks=$((checks + 1))
[[ ! -e "$T/nolimit.json" ]] || fail "kind=oom without a limit wrote results"
done_checks
