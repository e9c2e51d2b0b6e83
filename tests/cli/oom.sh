#!/usr/bin/env bash
# heaplab oom: cells under a memory limit end as they should (oom-kill under
# the watchdog, oom-alloc under RLIMIT_DATA), the parent exits normally with
# a complete results file whose "oom" summary agrees with the rows, every
# dead run keeps its timeline up to the end, and --find-min-limit finds
# limits that rise with GOGC, with the runs 5% below dying.
. "$(dirname "$0")/lib.sh"

# A live set four times the limit: every run dies, quickly.
O="$T/dies.json"
expect_exit 0 "$HEAPLAB" oom -w steady-service -b glibc,span-gc -p live=256M -p churn=1M \
  --limit 64M --runs 3 -o "$O" --report "$T/rep"
expect_in "$T/err" "report written to $T/rep/oom-report.md"
checks=$((checks + 2))
grep -q "killed by the watchdog" "$T/rep/oom-report.md" || fail "report: no cause of death"
[[ $(ls "$T/rep/timelines/"*.png | wc -l) -eq 2 ]] || fail "report: $(ls "$T/rep/timelines")"
expect_py "len(rows) == 6 and all(r['outcome'] == 'oom-kill' for r in rows)" "$O"
expect_py "all(r['end_s'] < 30 and r['rss_timeline']['rss_bytes'][-1] >= 64 << 20 for r in rows)" "$O"
expect_py "all(len(r['samples']) >= 1 and r['samples'][-1]['t_ns'] <= r['end_s'] * 1e9 for r in rows)" "$O"
expect_py "[c['survived'] for c in d['oom']['cells']] == [0, 0] and all(c['runs'] == 3 for c in d['oom']['cells'])" "$O"
expect_py "all(c['outcomes'] == {'oom-kill': 3} and c['survival_ci95'][0] == 0 for c in d['oom']['cells'])" "$O"
expect_py "d['oom']['limit_mode'] == 'watchdog' and d['oom']['limit_bytes'] == 64 << 20" "$O"
expect_in "$T/out" "0/3"

# The same under RLIMIT_DATA: the allocation fails inside the worker.
O="$T/alloc.json"
expect_exit 0 "$HEAPLAB" oom -w steady-service -b glibc -p live=256M -p churn=1M --limit 64M \
  --limit-mode rlimit --runs 2 -o "$O"
expect_py "len(rows) == 2 and all(r['outcome'] == 'oom-alloc' for r in rows)" "$O"

# Survivors and deaths side by side: GOGC moves the cell across the limit.
O="$T/gogc.json"
expect_exit 0 "$HEAPLAB" oom -w steady-service -b span-gc -p live=16M --gogc 25,400 --limit 48M \
  --runs 2 -o "$O"
expect_py "[c['name'] for c in d['oom']['cells']] == ['steady-service/span-gc/gogc=25', 'steady-service/span-gc/gogc=400']" "$O"
expect_py "[c['survived'] for c in d['oom']['cells']] == [2, 0]" "$O"
expect_py "all(c['gogc'] in ('25', '400') and c['memlimit'] == 'off' for c in d['oom']['cells'])" "$O"

# The search: the limit found rises with GOGC; 5% below it, runs die.
O="$T/min.json"
expect_exit 0 "$HEAPLAB" oom -w steady-service -b span-gc -p live=16M --gogc 50,200 \
  --find-min-limit --runs 2 -o "$O"
expect_py "len(d['oom']['cells']) == 2 and all('min_limit_bytes' in c for c in d['oom']['cells'])" "$O"
expect_py "d['oom']['cells'][0]['min_limit_bytes'] < d['oom']['cells'][1]['min_limit_bytes']" "$O"
expect_py "all(c['survived'] == c['runs'] >= 2 for c in d['oom']['cells'])" "$O"
expect_py "all(c['below']['survived'] < c['below']['runs'] for c in d['oom']['cells'])" "$O"
expect_py "all(abs(c['below']['limit_bytes'] - 0.95 * c['min_limit_bytes']) < 8192 for c in d['oom']['cells'])" "$O"

# C17: a leak dies at the limit, quickly, its timeline up to the kill.
O="$T/leak.json"
expect_exit 0 "$HEAPLAB" oom -w leak -b glibc --limit 64M --runs 2 -o "$O"
expect_py "[r['outcome'] for r in rows] == ['oom-kill', 'oom-kill'] and all(r['end_s'] < 30 for r in rows)" "$O"
expect_py "all(max(r['rss_timeline']['rss_bytes']) >= 64 << 20 for r in rows)" "$O"

# The death spiral: a slow leak under a soft limit with GOGC=off. The
# stop-the-world collector spends over half the CPU before the leak passes
# the limit and ends as gc-thrash (its CPU limiter turns on), not as a hang.
# The concurrent one marks beside the program (a quarter of the CPU and
# assists that end the marks), so the leak passes the limit, and from then on
# the goal is the live heap (Go's floor for a limit below it): cycles back
# to back, each goal at the heap the cycle before marked, as in Go's spiral;
# marking pointer-free buffers costs it under half the CPU (about a sixth
# here), so no CPU rule stops it and the leak runs into the hard limit.
O="$T/spiral.json"
expect_exit 0 "$HEAPLAB" oom -w leak -b span-gc -p buf=1M -p garbage=16M --gogc off \
  --memlimit 64MiB --limit 1G --runs 1 -o "$O"
echo "death spiral: $(py "rows[0]['backend'], rows[0]['outcome'], rows[0]['num_gc'], rows[0].get('message')" "$O")" >&2
expect_py "rows[0]['outcome'] == 'gc-thrash' and rows[0]['num_gc'] > 100" "$O"
expect_py "rows[0]['gc_marks'][-1]['heap_goal_bytes'] < 64 << 20" "$O"
expect_exit 0 "$HEAPLAB" oom -w leak -b span-gc:mode=concurrent -p buf=1M -p garbage=16M --gogc off \
  --memlimit 64MiB --limit 1G --runs 1 -o "$O"
echo "death spiral: $(py "rows[0]['backend'], rows[0]['outcome'], rows[0]['num_gc'], rows[0].get('message')" "$O")" >&2
expect_py "rows[0]['outcome'] in ('gc-thrash', 'oom-kill') and rows[0]['num_gc'] > 100" "$O"
expect_py "all(b['heap_goal_bytes'] <= a['heap_marked_bytes'] for a, b in zip(rows[0]['gc_marks'][-50:], rows[0]['gc_marks'][-49:]))" "$O"
expect_py "all(m['heap_goal_bytes'] < 64 << 20 or m['heap_goal_bytes'] <= m['heap_start_bytes'] for m in rows[0]['gc_marks'])" "$O"

# fragmentation's settled RSS: read after the loop, with every thread's live
# set still held (also on a stop-the-world collector, whose threads sleep
# blocked between the small requests).
O="$T/settle.json"
expect_exit 0 "$HEAPLAB" run -w fragmentation -b glibc,span-gc --quick --threads 2 \
  -p settle_ms=30 --reps 1 -o "$O"
expect_py "len(rows) == 2 and all(r['outcome'] == 'ok' and r['rss_settled_bytes'] > 1 << 20 for r in rows)" "$O"

# Bad input
expect_exit 2 "$HEAPLAB" oom -w steady-service -b glibc -o "$T/x.json"
expect_in "$T/err" "give a memory limit (--limit SIZE) or --find-min-limit"
expect_exit 2 "$HEAPLAB" oom -w steady-service -b glibc --limit 64M --runs 0
expect_exit 0 "$HEAPLAB" oom --help
expect_in "$T/out" "--find-min-limit"
done_checks
