#!/usr/bin/env bash
# Interrupting a run (SIGINT, as Ctrl-C does) stops the current cell, keeps
# every finished repetition in a complete results file marked interrupted,
# and leaves no temporary file. A killed parent (SIGKILL) leaves the results
# of the last finished cell, never half a file.
. "$(dirname "$0")/lib.sh"

# obj=88 marks this test's workers apart from those of tests running beside it.
# SIGINT (Ctrl-C) exits 130 and SIGTERM (a CI runner's cancel) 143, as if
# heaplab had died of the signal; both write what was measured first.
interrupt() { # SIGNAL WANT-EXIT
  local R="$T/r-$1.json"
  "$HEAPLAB" run -w fault-inject -b glibc -p kind=none,hang -p after=10 -p obj=88 --reps 3 \
    --timeout 60 -o "$R" >"$T/out" 2>"$T/err" &
  local pid=$!
  # Wait until the first repetition of the ok cell is in the file.
  for _ in $(seq 1 200); do
    [[ -s $R ]] && grep -q '"outcome": "ok"' "$R" && break
    sleep 0.05
  done
  sleep 0.3
  kill -"$1" $pid
  wait $pid
  local rc=$?
  checks=$((checks + 1))
  [[ $rc -eq $2 ]] || fail "run interrupted by SIG$1 exited $rc, want $2"
  expect_py "d['context']['interrupted'] is True" "$R"
  expect_py "1 <= len(rows) < 6 and rows[0]['outcome'] == 'ok'" "$R"
  # Nothing but the results file: no temporary, no lock file.
  checks=$((checks + 1))
  [[ $(ls -A "$T" | grep -c "^\.r-$1\.json") -eq 0 ]] || fail "left behind: $(ls -A "$T")"
  checks=$((checks + 1))
  pgrep -f "__worker .*\"workload\":\"fault-inject\".*\"obj\":\"88\"" >/dev/null && fail "a worker outlived its parent"
}
interrupt INT 130
interrupt TERM 143

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
for _ in $(seq 1 40); do pgrep -f "__worker .*\"workload\":\"fault-inject\".*\"obj\":\"88\"" >/dev/null || break; sleep 0.05; done
checks=$((checks + 1))
pgrep -f "__worker .*\"workload\":\"fault-inject\".*\"obj\":\"88\"" >/dev/null && fail "a worker outlived its killed parent"
done_checks
