# Shared helpers for heaplab's command-line tests (sourced, not run).
# $HEAPLAB is the binary under test (set by meson). Each test works in its own
# temporary directory, removed on exit. Exit codes follow meson: 0 pass,
# 1 fail, 77 skip, 99 harness error.
set -uo pipefail

: "${HEAPLAB:?HEAPLAB must name the heaplab binary}"
T=$(mktemp -d /tmp/heaplab-cli.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
failures=0
checks=0

fail() {
  echo "FAIL: $*" >&2
  failures=$((failures + 1))
}

# expect_exit CODE CMD... : runs CMD, stdout in $T/out, stderr in $T/err.
expect_exit() {
  local want=$1
  shift
  checks=$((checks + 1))
  "$@" >"$T/out" 2>"$T/err"
  local got=$?
  if [[ $got -ne $want ]]; then
    fail "exit $got, want $want: $*"
    sed 's/^/  stderr: /' "$T/err" | tail -5 >&2
    return 1
  fi
  return 0
}

# expect_in FILE TEXT : FILE contains TEXT (fixed string).
expect_in() {
  checks=$((checks + 1))
  grep -qF -- "$2" "$1" || { fail "$(basename "$1") lacks '$2'"; sed 's/^/  | /' "$1" | head -5 >&2; }
}

expect_not_in() {
  checks=$((checks + 1))
  ! grep -qF -- "$2" "$1" || fail "$(basename "$1") should not contain '$2'"
}

# py EXPR FILE... : evaluates a Python expression with d = the JSON of FILE
# (and d2 for a second file); prints the result.
py() {
  local expr=$1
  shift
  python3 - "$expr" "$@" <<'PY'
import json, sys
expr, files = sys.argv[1], sys.argv[2:]
d = json.load(open(files[0])) if files else None
d2 = json.load(open(files[1])) if len(files) > 1 else None
rows = [b for b in d['benchmarks'] if b.get('run_type') == 'iteration'] if d else []
print(eval(expr))
PY
}

# expect_py EXPR FILE... : the expression is true.
expect_py() {
  checks=$((checks + 1))
  local got
  got=$(py "$@" 2>&1)
  [[ "$got" == "True" ]] || fail "python: $1 -> $got"
}

# edit SRC DST PYTHON-STATEMENT: copies a results file, running the
# statement on each iteration row (as r): known answers from real results.
edit() {
  python3 - "$1" "$2" "$3" <<'PY'
import json, sys
src, dst, stmt = sys.argv[1:]
d = json.load(open(src))
for r in d['benchmarks']:
    if r.get('run_type') == 'iteration':
        exec(stmt)
json.dump(d, open(dst, 'w'))
PY
}

# expect_wait PID CODE WHAT : the background job PID ends with status CODE.
expect_wait() {
  wait "$1"
  local got=$?
  checks=$((checks + 1))
  [[ $got -eq $2 ]] || fail "$3: exit $got, want $2"
}

done_checks() {
  echo "$(basename "$0"): $checks checks, $failures failed" >&2
  [[ $checks -gt 0 ]] || exit 99
  [[ $failures -eq 0 ]] || exit 1
  exit 0
}
