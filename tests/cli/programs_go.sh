#!/usr/bin/env bash
# Go programs as cells (-x, backend go): tests/programs/go built by the
# suite. The steady-service shape (64 MiB live of 1 KiB objects replaced
# while 1 GiB is allocated) under a 160 MiB limit: GOGC=100 dies, a
# GOMEMLIMIT below the limit survives, and the gctrace lines parsed cycle
# by cycle agree with the program's own runtime.NumGC; a leak under
# GOMEMLIMIT is gc-thrash (its death spiral); the runtime's out-of-memory
# death is oom-alloc.
. "$(dirname "$0")/lib.sh"
if [[ -z "${PROG_GO:-}" ]]; then
  echo "skipped: the go tool was not found at configure time" >&2
  exit 77
fi
cd "$T"

# recognised: the build info, the backend go by default, GOGC/GOMEMLIMIT
# set, gctrace=1 after the user's own GODEBUG settings
GODEBUG=madvdontneed=1 expect_exit 0 "$HEAPLAB" run -x "$PROG_GO env" --gogc 50 --memlimit 300MiB --reps 1 -o env.json
expect_py 'len(rows) == 1 and rows[0]["backend"] == "go" and rows[0]["outcome"] == "ok"' env.json
# without -b only go is probed for a Go program, not every malloc
expect_py 'list(d["context"]["backends"]) == ["go"]' env.json
expect_py 'rows[0]["go_version"].startswith("go1.") and rows[0]["go_module"] == "heaplab.test/goprog"' env.json
expect_py 'open(rows[0]["stdout_path"]).read() == "GOGC=50\nGOMEMLIMIT=314572800\nGODEBUG=madvdontneed=1,gctrace=1\n"' env.json
expect_py 'rows[0]["gogc"] == "50" and rows[0]["memlimit"] == "314572800"' env.json

# the steady-service shape under a 160 MiB watchdog limit
expect_exit 1 "$HEAPLAB" run -x "$PROG_GO steady 64 1024" --name steady --memlimit off,120MiB --limit 160M --reps 1 -o steady.json
expect_py '[r["outcome"] for r in rows] == ["oom-kill", "ok"]' steady.json
expect_py '[r["name"] for r in rows] == ["steady/go/memlimit=off", "steady/go/memlimit=120M"]' steady.json
expect_py 'rows[0]["num_gc"] == len(rows[0]["gc_marks"]) > 0' steady.json
ok='rows[1]'
expect_py "$ok['num_gc'] > 5 and open($ok['stdout_path']).read() == 'num_gc %d\n' % $ok['num_gc']" steady.json
expect_py "len($ok['gc_cycles']) == $ok['num_gc'] and [c['num'] for c in $ok['gc_cycles']] == list(range(1, $ok['num_gc'] + 1))" steady.json
expect_py "$ok['gc_pause_total_ns'] == sum(c['pause_ns'] for c in $ok['gc_cycles']) > 0" steady.json
expect_py "0 < $ok['gc_cpu_fraction'] < 1 and $ok['heap_goal_bytes'] > 64 << 20" steady.json
expect_py "64 << 20 < $ok['rss_peak_bytes'] < 160 << 20" steady.json
# the gctrace lines are heaplab's, not the program's stderr
expect_py "open($ok['stderr_path']).read() == ''" steady.json

# --memlimit-ratio: GOMEMLIMIT a share of each run's hard limit
expect_exit 0 "$HEAPLAB" run -x "$PROG_GO env" --name env --memlimit-ratio 0.5,0.9 --limit 200M --reps 1 -o ratio.json
expect_py '[r["name"] for r in rows] == ["env/go/memlimit=0.5x", "env/go/memlimit=0.9x"]' ratio.json
expect_py '[open(r["stdout_path"]).read().split()[1] for r in rows] == ["GOMEMLIMIT=104857600", "GOMEMLIMIT=188743680"]' ratio.json
expect_py '[r["memlimit_bytes"] for r in rows] == [104857600, 188743680] and rows[0]["memlimit"] == "0.5x"' ratio.json

# a leak under GOMEMLIMIT: its death spiral, reported within the window.
# Go's CPU limiter holds its collector near half the CPU, so the share
# decides nothing; the pacer's state does: once the live heap passes the
# limit, every cycle's goal is the heap the cycle before marked and the
# cycles run back to back. gc-thrash after a second of that, long before
# the 400 MiB hard limit, and the parsed cycles of the last half second
# show the pinned goal.
expect_exit 1 "$HEAPLAB" run -x "$PROG_GO leak" --name leak --memlimit 48MiB --limit 400M --thrash-window 1 --timeout 120 --reps 1 -o leak.json
expect_py 'rows[0]["outcome"] == "gc-thrash" and "the heap goal stayed at the live heap for " in rows[0]["error_message"]' leak.json
expect_py '"GOMEMLIMIT 48 MiB" in rows[0]["error_message"] and "death spiral" in rows[0]["error_message"]' leak.json
expect_py '(lambda m: all(b["heap_goal_bytes"] <= a["heap_marked_bytes"] for a, b in zip(m, m[1:]) if b["start_ns"] >= m[-1]["start_ns"] - 5e8))(rows[0]["gc_marks"])' leak.json
expect_py 'rows[0]["rss_peak_bytes"] < 300 << 20' leak.json
# the same program without GOMEMLIMIT has no spiral to report (no goal at
# the limit): only the hard limit stops it
expect_exit 1 "$HEAPLAB" run -x "$PROG_GO leak" --name leak --limit 64M --thrash-window 1 --timeout 120 --reps 1 -o leaknolimit.json
expect_py 'rows[0]["outcome"] == "oom-kill"' leaknolimit.json

# the runtime's own death: RLIMIT_DATA refuses its heap
expect_exit 1 "$HEAPLAB" run -x "$PROG_GO steady" --name steady --limit 100M --limit-mode rlimit --reps 1 -o rl.json
# (Go says "out of memory" for its heap, "cannot allocate memory" when the
# OS refuses its own metadata: both are the runtime's out-of-memory death)
expect_py 'rows[0]["outcome"] == "oom-alloc" and any("fatal error: runtime: " + w in rows[0]["error_message"] for w in ("out of memory", "cannot allocate memory"))' rl.json

# a Go program under a malloc backend, a C program under go: errors
expect_exit 1 "$HEAPLAB" run -x "$PROG_GO env" -b glibc,go --reps 1 -o mixed.json
expect_py 'rows[0]["outcome"] == "error" and "a Go program" in rows[0]["error_message"] and rows[1]["outcome"] == "ok"' mixed.json
expect_exit 1 "$HEAPLAB" run -x 'true' -b go --reps 1 -o c.json
expect_py 'rows[0]["outcome"] == "error" and "not a Go program" in rows[0]["error_message"]' c.json

done_checks
