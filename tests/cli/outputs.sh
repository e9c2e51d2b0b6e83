#!/usr/bin/env bash
# Every file heaplab writes goes through one safe write (harness/core/output.h):
# links planted at the temporary names older versions used are not followed,
# a target that exists and is not a regular file (FIFO, socket, directory,
# dangling link) is refused with exit 2 and left as it was, a link to a
# regular file is written through and stays a link, a results file being
# written by one heaplab is refused to a second, and a command that fails
# leaves nothing behind.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }

# Staging folders go to $TMPDIR: one of this test's own, checked at the end.
export TMPDIR="$T/tmp"
mkdir "$TMPDIR"
R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b glibc,span --quick --reps 2 --counters none -o "$R"

# ---- links planted at the old temporary names: the victim keeps its text.
echo precious >"$T/victim"
victim_intact() {
  checks=$((checks + 1))
  [[ $(cat "$T/victim") == precious ]] || fail "$1 wrote through a planted link: $(head -c 80 "$T/victim")"
}
ln -s "$T/victim" "$T/gm.md.tmp"
ln -s "$T/victim" "$T/gj.json.tmp"
expect_exit 0 "$HEAPLAB" gate --base "$R" --new "$R" --markdown "$T/gm.md" --json "$T/gj.json"
victim_intact "gate --markdown/--json"
expect_in "$T/gm.md" "heaplab gate"
mkdir -p "$T/rep"
ln -s "$T/victim" "$T/rep/report.md.tmp"
ln -s "$T/victim" "$T/rep/report.html.tmp"
expect_exit 0 "$HEAPLAB" report "$R" -o "$T/rep"
victim_intact report
mkdir -p "$T/plot"
ln -s "$T/victim" "$T/plot/.time.png.tmp"
ln -s "$T/victim" "$T/plot/time.gp.tmp.$$"
expect_exit 0 "$HEAPLAB" plot "$R" -o "$T/plot"
victim_intact plot
expect_py "open('$T/plot/time.png','rb').read(4) == b'\\x89PNG'"

# ---- targets that are not regular files: refused, named, left alone.
mkfifo "$T/fifo.json"
refused() { # WHAT-IN-MESSAGE CMD...
  local what=$1
  shift
  expect_exit 2 "$@" && expect_in "$T/err" "$what"
}
refused "fifo.json exists and is a FIFO: refusing to replace it" \
  "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 -o "$T/fifo.json"
checks=$((checks + 1))
[[ -p "$T/fifo.json" ]] || fail "run -o replaced the FIFO"
refused "fifo.json exists and is a FIFO" "$HEAPLAB" gate --base "$R" --new "$R" --json "$T/fifo.json"
refused "fifo.json exists and is a FIFO" "$HEAPLAB" gate --base "$R" --new "$R" --markdown "$T/fifo.json"
python3 -c "import socket,sys; s=socket.socket(socket.AF_UNIX); s.bind(sys.argv[1])" "$T/sock.json"
refused "sock.json exists and is a socket" \
  "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 -o "$T/sock.json"
checks=$((checks + 1))
[[ -S "$T/sock.json" ]] || fail "run -o replaced the socket"
ln -s "$T/nowhere.json" "$T/dangling.json"
refused "dangling.json is a symbolic link to nothing" \
  "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 -o "$T/dangling.json"
checks=$((checks + 1))
[[ -L "$T/dangling.json" && ! -e "$T/nowhere.json" ]] || fail "run -o followed or replaced a dangling link"
# A figure whose name is taken by a FIFO: the whole plot is refused before a
# file is written (the rss figure beside it is not replaced either).
mkdir "$T/p2"
mkfifo "$T/p2/time.png"
refused "time.png exists and is a FIFO" "$HEAPLAB" plot "$R" -o "$T/p2"
checks=$((checks + 1))
[[ -p "$T/p2/time.png" && $(ls -A "$T/p2") == time.png ]] || fail "plot wrote beside a refused target: $(ls -A "$T/p2")"

# ---- a link to a regular file is written through and stays a link.
echo '{}' >"$T/real.json"
ln -s real.json "$T/link.json"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 --counters none -o "$T/link.json"
checks=$((checks + 1))
[[ -L "$T/link.json" && $(readlink "$T/link.json") == real.json ]] || fail "run -o replaced the link"
expect_py "len(rows) == 1" "$T/real.json"
checks=$((checks + 1))
[[ -z $(ls -A "$T" | grep -E '^\.(real|link)\.json\.') ]] || fail "temporary or lock left: $(ls -A "$T")"

# ---- two heaplabs, one results file: the second is refused, the first's
# cells are all kept.
L="$T/locked.json"
"$HEAPLAB" run -w fault-inject -b glibc -p kind=hang -p after=10 -p obj=77 --reps 1 --timeout 60 \
  --counters none -o "$L" >/dev/null 2>&1 &
first=$!
# wait until its cell's worker runs (the lock is taken before the backends are
# probed, which can take seconds on a loaded machine)
for _ in $(seq 1 600); do pgrep -P $first -f __worker >/dev/null && break; sleep 0.05; done
refused "locked.json is being written by another heaplab (pid $first)" \
  "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 -o "$L"
kill -TERM $first
wait $first
rc=$?
checks=$((checks + 1))
[[ $rc -eq 143 ]] || fail "SIGTERM: exit $rc, want 143"
expect_py "d['context']['interrupted'] is True and len(rows) == 1 and rows[0]['workload'] == 'fault-inject'" "$L"
checks=$((checks + 1))
[[ ! -e "$T/.locked.json.lock" ]] || fail "the lock file outlived the run"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b glibc --quick --reps 1 --counters none -o "$L"

# ---- a command that fails leaves nothing behind.
# No rss_peak_bytes to plot: the time figure was made, then the rss one failed.
edit "$R" "$T/norss.json" "r.pop('rss_peak_bytes', None)"
expect_exit 2 "$HEAPLAB" plot "$T/norss.json" -o "$T/failed-plot"
expect_in "$T/err" "no rss_peak_bytes values to plot"
checks=$((checks + 1))
[[ ! -e "$T/failed-plot" ]] || fail "a failed plot left $(ls -A "$T/failed-plot")"
mkdir "$T/failed-plot2"
expect_exit 2 "$HEAPLAB" plot "$T/norss.json" -o "$T/failed-plot2"
checks=$((checks + 1))
[[ -z $(ls -A "$T/failed-plot2") ]] || fail "a failed plot left $(ls -A "$T/failed-plot2")"
# A report whose second file cannot be read writes nothing.
expect_exit 2 "$HEAPLAB" report "$R" "$T/missing.json" -o "$T/failed-rep"
checks=$((checks + 1))
[[ ! -e "$T/failed-rep" ]] || fail "a failed report left $(ls -AR "$T/failed-rep")"
# oom-report on a run without any memory limit: exit 2 saying so, nothing written.
expect_exit 2 "$HEAPLAB" oom-report "$R" -o "$T/failed-oom"
expect_in "$T/err" "no run in this file had a memory limit"
checks=$((checks + 1))
[[ ! -e "$T/failed-oom" ]] || fail "a failed oom-report left $(ls -AR "$T/failed-oom")"
# Nothing staged is left in the temporary directory either.
checks=$((checks + 1))
[[ -z $(ls -A "$TMPDIR") ]] || fail "staging left in TMPDIR: $(ls -A "$TMPDIR")"
done_checks
