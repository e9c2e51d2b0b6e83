#!/usr/bin/env bash
# The drd run of the collector's tests (ci/test, meson test --setup drd)
# must still be able to fail: `test_gc_barrier unbarriered` stores into a
# grey object's pointer slot without the write barrier while the mark runs,
# and drd must report the marker's load of that slot (in gc_drain) as
# conflicting. A drd run that is clean because drd was told too much about
# the collected heap fails here.
# Usage: drd_canary.sh VALGRIND TEST_GC_BARRIER (VALGRIND empty: skipped).
set -euo pipefail
valgrind=$1
exe=$2
if [[ -z "$valgrind" ]]; then
  echo "valgrind not found: skipped"
  exit 77
fi
log=$(mktemp)
trap 'rm -f "$log"' EXIT
rc=0
"$valgrind" --tool=drd --error-exitcode=3 --fair-sched=yes "$exe" unbarriered >"$log" 2>&1 || rc=$?
fail() {
  cat "$log"
  echo "drd canary: $*" >&2
  exit 1
}
grep -q '^unbarriered: [0-9]* checks, 0 failed' "$log" || fail "the program's own checks did not pass"
[[ $rc -eq 3 ]] || fail "drd reported no error (exit $rc, expected 3)"
grep -q 'Conflicting load' "$log" || fail "no conflicting load reported"
# the load is the marker's scan of the object's slots, the store the thread's
awk '/Conflicting load/ {c = 1; n = 0} c && n++ < 8 && /gc_drain/ {found = 1} END {exit !found}' \
  "$log" || fail "the conflicting load is not the marker's (gc_drain)"
grep -q 'unbarriered_store' "$log" || fail "the conflict does not name the storing thread's function"
echo "drd reports the store without the barrier: $(grep -c 'Conflicting' "$log") conflicts"
