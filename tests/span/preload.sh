#!/usr/bin/env bash
# preload.sh LIBRARY: real programs give the same output with and without
# LD_PRELOAD=LIBRARY (a malloc replacement such as libheaplab-span.so).
#
# Four cases, each in its own temporary directory; each runs its commands
# twice, at the same time (the reference under `env -u LD_PRELOAD`, the other
# with the library), and compares exit codes, stdout and stderr byte for
# byte: (a) python3 workout.py with PYTHONMALLOC=malloc (dicts, sorts, JSON,
# string churn; prints a digest); (b) sort, sort -n, sort -u and a
# small-buffer external sort of 300k generated lines; (c) gcc -O2 -c of a
# generated C file of a few hundred functions (objects compared with cmp),
# and a compile with errors (exit code and diagnostics); (d) git
# init/add/commit/mv/rm/repack over a few hundred files with fixed
# identities and dates, then log --stat and fsck. Inputs are generated with
# awk from fixed seeds, so the runs are deterministic.
#
# It checks that the programs work and agree, not how fast or how much
# memory they use. Exit: 0 all agree, 1 a case differs (named, with a diff
# excerpt), 77 skip (no library given, or a program missing), 99 harness
# error. Takes 8-12 s on 2 cores (jemalloc, or heaplab's span allocator).
set -uo pipefail
export LC_ALL=C TZ=UTC

so=${1:-}
if [[ -z $so || ! -f $so ]]; then
  echo "preload: skip: no malloc library to preload ('$so')" >&2
  exit 77
fi
for prog in python3 sort awk gcc git cmp diff realpath; do
  if ! command -v "$prog" >/dev/null; then
    echo "preload: skip: '$prog' is not installed" >&2
    exit 77
  fi
done
so=$(realpath "$so") || exit 99
here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd) || exit 99
# ld.so only warns when a preload cannot be loaded, then runs without it.
if [[ -n $(LD_PRELOAD="$so" /bin/true 2>&1) ]]; then
  echo "preload: FAIL: $so cannot be preloaded:" >&2
  LD_PRELOAD="$so" /bin/true
  exit 1
fi

T=$(mktemp -d /tmp/heaplab-preload.XXXXXX) || exit 99
trap 'rm -rf "$T"' EXIT
failures=0

# both NAME CMD...: runs CMD in the current directory twice at once, without
# and with the library: NAME.{ref,pre}.{out,err,rc}. HL_RUN (ref or pre)
# tells a command that writes files which run it is.
both() {
  local name=$1
  shift
  (
    env -u LD_PRELOAD HL_RUN=ref "$@" >"$name.ref.out" 2>"$name.ref.err"
    echo $? >"$name.ref.rc"
  ) &
  (
    env LD_PRELOAD="$so" HL_RUN=pre "$@" >"$name.pre.out" 2>"$name.pre.err"
    echo $? >"$name.pre.rc"
  ) &
  wait
}

# differs CASE WHAT REF PRE: compares two files; on a difference reports it
# with an excerpt and counts a failure.
differs() {
  local case=$1 what=$2 ref=$3 pre=$4
  cmp -s "$ref" "$pre" && return 1
  echo "preload: FAIL: case $case: $what differs without/with LD_PRELOAD=$so" >&2
  if grep -qI . "$ref" "$pre" 2>/dev/null; then
    diff "$ref" "$pre" | head -20 | sed 's/^/  /' >&2
  else
    cmp "$ref" "$pre" 2>&1 | head -3 | sed 's/^/  /' >&2
  fi
  failures=$((failures + 1))
  return 0
}

# same CASE NAME: exit code, stdout and stderr of `both NAME` agree.
same() {
  local case=$1 name=$2 s
  for s in rc out err; do
    differs "$case" "$name: ${s/rc/exit code}" "$name.ref.$s" "$name.pre.$s" && return 1
  done
  return 0
}

# expect_rc CASE NAME RC: the reference run of NAME exited RC (else the
# harness itself is broken: the case proves nothing).
expect_rc() {
  if [[ $(cat "$2.ref.rc") != "$3" ]]; then
    echo "preload: harness error: case $1: $2 exited $(cat "$2.ref.rc") without preload," \
      "want $3" >&2
    sed 's/^/  /' "$2.ref.err" | head -5 >&2
    exit 99
  fi
}

# newdir CASE: a fresh directory for the case, made current.
newdir() {
  mkdir -p "$T/$1" && cd "$T/$1" || exit 99
}

# ---- (a) python ------------------------------------------------------------------
case_python() {
  newdir python
  both workout env PYTHONHASHSEED=0 PYTHONMALLOC=malloc PYTHONDONTWRITEBYTECODE=1 \
    "$(command -v python3)" "$here/workout.py"
  expect_rc python workout 0
  same python workout
}

# ---- (b) sort --------------------------------------------------------------------
# gen_lines N SEED: N lines "number<TAB>word-number<TAB>fraction".
gen_lines() {
  awk -v n="$1" -v seed="$2" 'BEGIN {
    srand(seed)
    split("alpha beta gamma delta epsilon zeta eta theta iota kappa lambda mu", w, " ")
    for (i = 0; i < n; i++)
      printf "%d\t%s-%d\t%.6f\n", int(rand() * 1000000) - 500000, w[1 + int(rand() * 12)],
        int(rand() * 3000), rand()
  }'
}

case_sort() {
  newdir sort
  gen_lines 300000 42 >lines || exit 99
  both plain sort lines
  both numeric sort -n lines
  both unique sort -u -t "$(printf '\t')" -k2,2 lines
  both external sort -S 1M -T . --parallel=2 -t "$(printf '\t')" -k3,3 -k1,1n lines
  local name
  for name in plain numeric unique external; do
    expect_rc sort "$name" 0
    same sort "$name"
  done
}

# ---- (c) gcc ---------------------------------------------------------------------
# gen_c N: N functions with loops, switches and calls to earlier ones.
gen_c() {
  awk -v n="$1" 'BEGIN {
    print "struct pt { int x, y; long w; };"
    for (f = 0; f < n; f++) {
      printf "int f%d(int n, const int *a, struct pt *p) {\n  int acc = %d;\n", f, f * 7 + 1
      print "  for (int i = 0; i < n; i++) {"
      printf "    switch ((a[i] ^ i) %% %d) {\n", 3 + f % 9
      for (c = 0; c < 3 + f % 9; c++)
        printf "    case %d: acc += a[i] * %d - (p->x >> %d); p->w += acc; break;\n",
          c, c + f, c % 5
      print "    default: acc ^= i; break;\n    }"
      if (f > 0) printf "    if (acc %% %d == 0) acc += f%d(n / 2, a + 1, p);\n", 17 + f % 5, f - 1
      print "  }\n  p->y = acc;\n  return acc;\n}"
    }
  }'
}

case_gcc() {
  newdir gcc
  gen_c 400 >big.c || exit 99
  printf 'int main(void) {\n  undeclared = 3;\n  struct nope x;\n  return "s" * 2;\n}\n' >bad.c
  local flags='-O2 -fdiagnostics-color=never -frandom-seed=heaplab -c'
  both ok sh -c "gcc $flags big.c -o big.\$HL_RUN.o"
  expect_rc gcc ok 0
  same gcc ok && differs gcc "object file" big.ref.o big.pre.o
  both bad sh -c "gcc $flags bad.c -o bad.\$HL_RUN.o"
  expect_rc gcc bad 1
  same gcc bad
}

# ---- (d) git ---------------------------------------------------------------------
# The repository work, run as `sh git.sh` in a directory named after HL_RUN.
write_git_script() {
  cat <<'SCRIPT'
set -e
rm -rf "$HL_RUN" && mkdir "$HL_RUN" && cd "$HL_RUN"
git init -q -b main .
for d in 0 1 2 3 4 5 6 7 8 9; do mkdir "d$d"; done
awk 'BEGIN { srand(7)
  for (i = 0; i < 300; i++) {
    f = sprintf("d%d/f%03d.txt", i % 10, i)
    lines = 20 + int(rand() * 180)
    for (l = 0; l < lines; l++) printf "line %d of %d: %x\n", l, i, int(rand() * 2^30) > f
    close(f) } }'
git add -A && git commit -q -m "300 files"
awk 'BEGIN { srand(8)
  for (i = 0; i < 300; i += 3) {
    f = sprintf("d%d/f%03d.txt", i % 10, i)
    printf "appended %x\n", int(rand() * 2^30) >> f
    close(f) } }'
git rm -qf d0/f0[0-4]0.txt
git mv d1 moved1
for i in 0 1 2 3 4 5 6 7 8 9; do echo "new $i" >"new$i.txt"; done
git add -A && git commit -q -m "edit, delete, move, add"
git -c pack.threads=1 repack -adq
git log --stat --format=fuller
git fsck --strict --no-progress
git status --porcelain
SCRIPT
}

case_git() {
  newdir git
  write_git_script >git.sh
  export HOME="$T/git" GIT_CONFIG_NOSYSTEM=1 GIT_AUTHOR_NAME=heaplab GIT_COMMITTER_NAME=heaplab \
    GIT_AUTHOR_EMAIL=heaplab@example.invalid GIT_COMMITTER_EMAIL=heaplab@example.invalid \
    GIT_AUTHOR_DATE='2024-01-01T00:00:00Z' GIT_COMMITTER_DATE='2024-01-01T00:00:00Z'
  both repo sh git.sh
  expect_rc git repo 0
  same git repo
}

case_python
case_sort
case_gcc
case_git
if ((failures)); then
  echo "preload: $failures difference(s) with LD_PRELOAD=$so" >&2
  exit 1
fi
echo "preload: ok: python, sort, gcc and git agree with LD_PRELOAD=$so"
