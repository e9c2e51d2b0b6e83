#!/usr/bin/env bash
# Interrupting a run (SIGINT, as Ctrl-C does) stops the current cell, keeps
# every finished repetition in a complete results file marked interrupted,
# and leaves no temporary file. A killed parent (SIGKILL) leaves the results
# of the last finished cell, never half a file.
. "$(dirname "$0")/lib.sh"

# obj=88 marks this test's workers apart from those of tests running beside it.
R="$T/r.json"
"$HEAPLAB" run -w fault-inject -b glibc -p kind=none,hang -p after=10 -p obj=88 --reps 3 --timeout 60 \
  -o "$R" >"$T/out" 2>"$T/err" &
pid=$!
# Wait until the first repetition of the ok cell is in the file.
for _ in $(seq 1 200); do
  [[ -s $R ]] && grep -q '"outcome": "ok"' "$R" && break
  sleep 0.05
done
sleep 0.3
kill -INT $pid
wait $pid
rc=$?
checks=$((checks + 1))
[[ $rc -eq 130 ]] || fail "interrupted run exited $rc, want 130"
expect_py "d['context']['interrupted'] is True" "$R"
expect_py "1 <= len(rows) < 6 and rows[0]['outcome'] == 'ok'" "$R"
checks=$((checks + 1))
[[ -z $(ls "$T" | grep '\.tmp\.') ]] || fail "temporary file left: $(ls "$T")"
checks=$((checks + 1))
pgrep -f "__worker -wfault-inject .*-pobj=88" >/dev/null && fail "a worker outlived its parent"

# SIGKILL of the parent: the file on disk is the last complete version.
R2="$T/r2.json"
"$HEAPLAB" run -w fault-inject -b glibc -p kind=none,hang -p after=10 -p obj=88 --reps 3 --timeout 60 \
  -o "$R2" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 1 200); do
  [[ -s $R2 ]] && grep -q '"outcome": "ok"' "$R2" && break
  sleep 0.05
done
kill -KILL $pid
wait $pid 2>/dev/null
expect_py "rows[0]['outcome'] == 'ok' and d['context']['interrupted'] is False" "$R2"
# The worker that was running dies with its parent.
for _ in $(seq 1 40); do pgrep -f "__worker -wfault-inject .*-pobj=88" >/dev/null || break; sleep 0.05; done
checks=$((checks + 1))
pgrep -f "__worker -wfault-inject .*-pobj=88" >/dev/null && fail "a worker outlived its killed parent"
done_checks
