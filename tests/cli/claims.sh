#!/usr/bin/env bash
# heaplab claims: every claim's experiment runs (--quick) and gets a verdict
# line, its results files and the two reports are written, each claim's
# section is in them; bad input is refused (exit 2); a claim whose command
# fails "could not run" (exit 1) without stopping the others. The verdicts
# themselves are findings, not asserted here (tests/unit/test_claims.c tests
# the rules).
. "$(dirname "$0")/lib.sh"

ids="C1 C2 C3 C4 C5 C6 C7 C8 C9 C10 C11 C12 C13 C14 C15 C16 C17 C18 C19"
verdict='(holds|does not hold|depends|not measurable here)'

expect_exit 0 "$HEAPLAB" claims all --quick -o "$T/cl"
for id in $ids; do
  checks=$((checks + 1))
  grep -Eq "^$id +$verdict( |\$)" "$T/out" || fail "no verdict line for $id"
  expect_in "$T/cl/claims.md" "## $id: "
  expect_in "$T/cl/claims.html" "<h2 id=\"$id\">"
done
checks=$((checks + 1))
[[ $(wc -l <"$T/out") -eq 19 ]] || fail "want 19 claim lines, got $(wc -l <"$T/out")"
expect_not_in "$T/out" "could not run"
# the experiments' results stay, as ordinary results files
for f in C2-1 C4-1 C4-2 C4-3 C17-1 C18-1; do
  expect_py "len(d['benchmarks']) > 0" "$T/cl/$f.json"
done
expect_py "all(c['runs'] > 0 for c in d['oom']['cells'])" "$T/cl/C18-1.json"
# with go installed (CI installs it) the compiler and runtime decide C6, C7, C14
if command -v go >/dev/null; then
  for id in C6 C7 C14; do
    checks=$((checks + 1))
    grep -Eq "^$id +(holds|does not hold|depends) " "$T/out" || fail "$id not decided by go"
  done
fi

# a conjunction runs the claims it is made of
expect_exit 0 "$HEAPLAB" claims C1 --quick -o "$T/c1"
for id in C1 C2 C4 C17; do
  expect_in "$T/out" "$id "
done
checks=$((checks + 1))
[[ $(wc -l <"$T/out") -eq 4 ]] || fail "claims C1 should run 4 claims"

# bad input
expect_exit 2 "$HEAPLAB" claims C99 -o "$T/x"
expect_in "$T/err" "unknown claim 'C99'"
: >"$T/file"
expect_exit 2 "$HEAPLAB" claims C9 -o "$T/file"
expect_in "$T/err" "not a directory"
expect_exit 2 "$HEAPLAB" claims --bogus
expect_exit 0 "$HEAPLAB" claims --help
expect_in "$T/out" "Usage: heaplab claims"

# a command that fails: its results target is a directory, which run refuses
mkdir -p "$T/fail/C2-1.json"
expect_exit 1 "$HEAPLAB" claims C2 C9 --quick -o "$T/fail"
expect_in "$T/out" "C2   could not run"
expect_in "$T/out" "C9   not measurable here"
expect_in "$T/fail/claims.md" "could not run"

done_checks
