#!/usr/bin/env bash
# heaplab oom-report: from a real run under a limit where one cell dies in
# every run and the others survive every run (span-gc steady-service with a
# 16 MiB live set peaks near 33 MiB at GOGC 50, near 33 MiB at GOGC 200 with
# a 28 MiB soft limit, and near 60 MiB at GOGC 200 without one; glibc near
# 23 MiB; the watchdog holds them to 44 MiB), the tables agree with the
# rows, the report says what killed the cell and which single setting saved
# it (the seed's steps: GOGC, GOMEMLIMIT, the allocator), and the timelines
# are real PNGs drawn from the rows' samples. glibc has no GOGC or
# GOMEMLIMIT: it runs once, not once per value, and says the knobs do not
# apply where a collector's cell names their values. Edited copies of the
# same results give known answers for mixed outcomes, a limit search, the
# "oom" summary and unsampled runs; then bad input.
. "$(dirname "$0")/lib.sh"
command -v gnuplot >/dev/null || { echo "SKIP: gnuplot not installed"; exit 77; }

R="$T/r.json"
expect_exit 1 "$HEAPLAB" run -w steady-service -b glibc,span-gc -p live=16M --gogc 50,200 \
  --memlimit off,28MiB --limit 44M --sample-ms 5 --reps 5 --counters none -o "$R"
DEAD=steady-service/span-gc/gogc=200/memlimit=off
expect_py "[r['outcome'] for r in rows if r['run_name'] == '$DEAD'] == ['oom-kill'] * 5" "$R"
expect_py "all(r['outcome'] == 'ok' for r in rows if r['run_name'] != '$DEAD')" "$R"
expect_py "sorted(set(r['run_name'] for r in rows if r['backend'] == 'glibc')) == ['steady-service/glibc']" "$R"
expect_py "len(rows) == 25 and all(r['knobs_not_applicable'] == ['gogc', 'memlimit'] and 'gogc' not in r and 'memlimit' not in r for r in rows if r['backend'] == 'glibc')" "$R"
expect_py "all('knobs_not_applicable' not in r and r['gogc'] in ('50', '200') for r in rows if r['backend'] == 'span-gc')" "$R"

expect_exit 0 "$HEAPLAB" oom-report "$R" -o "$T/rep"
MD="$T/rep/oom-report.md"
expect_in "$T/out" "$MD"

# The summary table, recomputed from the rows: runs, survivals, the Wilson
# interval, outcomes, median time to death and median peak RSS, as printed.
python3 - "$R" "$MD" >"$T/check" <<'PY'
import json, math, statistics, sys
d = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read().splitlines()
rows = [r for r in d['benchmarks'] if r['run_type'] == 'iteration']
def mib(b): return '%.1f MiB' % (b / 1048576)
def wilson(k, n, z=1.959963984540054):
    p = k / n; den = 1 + z * z / n; c = (p + z * z / (2 * n)) / den
    h = z / den * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return (0 if k == 0 else c - h), (1 if k == n else c + h)
ok = True
for name in dict.fromkeys(r['run_name'] for r in rows):
    rs = [r for r in rows if r['run_name'] == name]
    n, s = len(rs), sum(r['outcome'] == 'ok' for r in rs)
    lo, hi = wilson(s, n)
    dead = [r['end_s'] for r in rs if r['outcome'] != 'ok']
    ttd = '%.3g s' % statistics.median(dead) if dead else '-'
    outs = '%d ok' % n if s == n else '%d oom-kill' % n
    want = [name, '44.0 MiB (watchdog)', str(n), str(s),
            '%.0f%% (95%% CI %.0f-%.0f%%)' % (100 * s / n, 100 * lo, 100 * hi), outs, ttd,
            mib(statistics.median(r['rss_peak_bytes'] for r in rs)), '-']
    line = [l for l in md if l.startswith('| %s ' % name)][0]
    got = [c.strip() for c in line.strip('|').split('|')]
    if got != want:
        print('row %s: got %s want %s' % (name, got, want)); ok = False
print(ok)
PY
expect_in "$T/check" "True"
expect_in "$MD" "| $DEAD | 44.0 MiB (watchdog) |    5 |        0 | 0% (95% CI 0-43%) "

# What moved it: one setting at a time, 0/5 against 5/5 (intervals apart).
expect_in "$MD" "- GOGC 200 -> 50: steady-service/span-gc/memlimit=off survived 5/5 instead of 0/5 under the 44.0 MiB limit (watchdog)."
expect_in "$MD" "- GOMEMLIMIT (--memlimit) off -> 28.0 MiB: steady-service/span-gc/gogc=200 survived 5/5 instead of 0/5 under the 44.0 MiB limit (watchdog)."
expect_in "$MD" "- backend span-gc -> glibc: steady-service/gogc=200/memlimit=off survived 5/5 instead of 0/5 under the 44.0 MiB limit (watchdog)."
expect_py "open('$MD').read().count('\n- ') == 3" "$R"
expect_in "$MD" "5 other pair(s) differing in one setting survived alike."
expect_in "$MD" "| settings                      | GOGC does not apply, GOMEMLIMIT (--memlimit) does not apply, escape analysis on, threads 1, live=16M"
expect_py "sum(l.startswith('| settings ') and 'GOGC 200,' in l for l in open('$MD')) == 2" "$R"
expect_not_in "$MD" "Not yet a clear difference"
# What killed it, with the medians of the dead rows.
want=$(py "'All 5 runs: killed by the watchdog when its RSS reached %.1f MiB at %.3g s (medians over 5 deaths).' % (__import__('statistics').median(r['rss_peak_bytes'] for r in rows if r['outcome'] != 'ok') / 1048576, __import__('statistics').median(r['end_s'] for r in rows if r['outcome'] != 'ok'))" "$R")
expect_in "$MD" "$want"
expect_in "$MD" "**What killed it.** Nothing: all 5 runs survived, with a median peak RSS of"
expect_in "$MD" "| memory limit     | 44.0 MiB, watchdog: the parent reads the worker's resident set"
expect_in "$MD" "| GC cycles "

# One timeline per cell: a real PNG of the template's size (taller with the
# GC CPU panel of a collector), linked from the Markdown, with its script and
# data; the dead cell's data are the first dead run's RSS samples, and its
# end is at its end_s with the last of them; every block a script indexes
# is there and has points.
n=0
for f in "$T"/rep/timelines/cell*.png; do
  n=$((n + 1))
  expect_py "open('$f','rb').read(8) == b'\\x89PNG\\r\\n\\x1a\\n'"
  expect_py "(lambda b: (int.from_bytes(b[16:20], 'big'), int.from_bytes(b[20:24], 'big')) in ((1000, 560), (1000, 760)))(open('$f','rb').read(24))"
  expect_py "__import__('os').path.getsize('$f') > 15000"
  expect_in "$MD" "](timelines/$(basename "$f"))"
  [[ -s "${f%.png}.dat" && -s "$f.gp" ]] || fail "no script or data beside $f"
done
[[ $n -eq 5 ]] || fail "$n timelines, want 5"
expect_exit 0 python3 "$(dirname "$0")/gpblocks.py" "$T/rep/timelines"
DAT="$T/rep/timelines/cell04-steady-service_span-gc_gogc=200_memlimit=off.dat"
python3 - "$R" "$DAT" >"$T/check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
r = [r for r in d['benchmarks'] if r['run_type'] == 'iteration' and r['outcome'] != 'ok'][0]
blocks = {}
for b in open(sys.argv[2]).read().split('\n\n\n'):
    head = [l for l in b.splitlines() if l.startswith('# block ')][0].split(': ', 1)[1]
    blocks[head] = [l.split('\t') for l in b.splitlines() if l and not l.startswith('#')]
tl = r['rss_timeline']
rss = [(float(x), float(y)) for x, y in blocks['rss_bytes']]
want = [(t / 1e9, b / 1048576) for t, b in zip(tl['t_ns'], tl['rss_bytes'])]
gcs = blocks['heap_end_bytes of each GC cycle']
n = len(r['gc_marks'])
step = -(-n // 120) if n > 120 else 1
end = [float(v) for v in blocks['the end of a run that died'][0]]
checks = {
    'rss block is rss_timeline': len(rss) == len(want) >= 2 and all(
        abs(a - c) < 1e-6 and abs(b - e) < 1e-5 for (a, b), (c, e) in zip(rss, want)),
    'end at end_s, the last rss sample': len(blocks['the end of a run that died']) == 1 and
        abs(end[0] - r['end_s']) < 1e-6 and end[1] == rss[-1][1],
    'a point per gc mark (thinned to 120)': len(gcs) == len([i for i in range(n) if i % step == 0 or i == n - 1]),
    'heap live per sample': len(blocks['heap_alloc_bytes']) == sum(s.get('heap_alloc_bytes', 0) > 0 for s in r['samples']),
}
print(all(checks.values()) or [k for k, v in checks.items() if not v])
PY
expect_in "$T/check" "True"
expect_in "${DAT%.dat}.png.gp" "44.000000 with lines"
expect_in "${DAT%.dat}.png.gp" 'set label 1 "oom-kill, ended at'
expect_not_in "${DAT%.dat}.png.gp" "title 'GOMEMLIMIT"
SOFT="$T/rep/timelines/cell05-steady-service_span-gc_gogc=200_memlimit=28M.png.gp"
expect_in "$SOFT" "28.000000 with lines lw 1.5 dt 4 lc rgb '#8c564b' title 'GOMEMLIMIT 28.0 MiB (soft)'"
expect_not_in "${SOFT%.png.gp}.dat" "the end of a run that died"

# Mixed outcomes (known answers from edited rows): two of GOGC 50's runs
# fail an allocation at 0.5 s, so it survives 3/5 (Wilson 23-88%), and the
# GOGC statement must say the intervals overlap; one glibc run crashes and
# one soft-limited run ends as gc-thrash, each explained in its own words.
edit "$R" "$T/mixed.json" "
n, i = r['run_name'], r['repetition_index']
if n == 'steady-service/span-gc/gogc=50/memlimit=off' and i < 2:
    r.update(outcome='oom-alloc', error_message='span: out of memory allocating 1024 bytes', end_s=0.5)
if n == 'steady-service/glibc' and i == 4:
    r.update(outcome='crash', error_message='SEGV (Segmentation fault)', end_s=0.25)
if n == 'steady-service/span-gc/gogc=200/memlimit=28M' and i == 0:
    r.update(outcome='gc-thrash', error_message='gc-thrash: 62% of the CPU collecting for 1 s.', end_s=1.5)"
expect_exit 0 "$HEAPLAB" oom-report "$T/mixed.json" -o "$T/mixed"
M="$T/mixed/oom-report.md"
expect_in "$M" "| survived                      | 3 of 5: 60% (95% CI 23-88%)"
expect_in "$M" "| outcomes                      | 3 ok, 2 oom-alloc"
expect_in "$M" "3 of 5 runs survived. 2 of 5 runs: an allocation failed inside the worker at 0.5 s"
expect_in "$M" "it said: span: out of memory allocating 1024 bytes."
expect_in "$M" "- GOGC 200 -> 50: steady-service/span-gc/memlimit=off survived 3/5 instead of 0/5 under the 44.0 MiB limit (watchdog). Not yet a clear difference: the 95% intervals (0-43% and 23-88%) overlap"
expect_in "$M" "(repetition 1, oom-alloc)"
expect_in "$M" "4 of 5 runs survived. 1 of 5 runs: crashed at 0.25 s (one death): SEGV (Segmentation fault)."
expect_in "$M" "1 of 5 runs: stopped as gc-thrash at 1.5 s, its collector's death spiral"
expect_in "$M" "gc-thrash: 62% of the CPU collecting for 1 s."
expect_not_in "$M" "for 1 s.."

# A limit search in the rows (each run's own limit_bytes) and the "oom"
# summary's answer: the summary counts the runs at the run's limit (44M),
# the search is listed limit by limit, and "oom" gives the smallest limit.
edit "$R" "$T/search.json" "
if r['run_name'] == '$DEAD':
    r['limit_bytes'] = 46137344 if r['repetition_index'] < 3 else 67108864
    if r['repetition_index'] >= 3: r.update(outcome='ok')"
expect_exit 0 "$HEAPLAB" oom-report "$T/search.json" -o "$T/search"
S="$T/search/oom-report.md"
expect_in "$S" "The search for the smallest limit, limit by limit:"
expect_in "$S" "| 44.00 MiB | -    |    3 |        0 |"
expect_in "$S" "| 64.00 MiB | -    |    2 |        2 |"
expect_in "$S" "| smallest limit that survived every run | 64.0 MiB"
python3 - "$T/search.json" "$T/oomobj.json" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
d['oom'] = {'limit_bytes': 46137344, 'limit_mode': 'watchdog', 'cells': [
    {'name': 'steady-service/span-gc/gogc=200/memlimit=off', 'min_limit_bytes': 62914560}]}
json.dump(d, open(sys.argv[2], 'w'))
PY
expect_exit 0 "$HEAPLAB" oom-report "$T/oomobj.json" -o "$T/oomobj"
expect_in "$T/oomobj/oom-report.md" "| smallest limit that survived every run | 60.0 MiB"
expect_in "$T/oomobj/oom-report.md" "|  60.0 MiB |"

# A real search (heaplab oom --find-min-limit): the report takes the limits
# and steps from the "oom" object, counts each cell at the limit found, and
# says how far GOGC moved the limit.
expect_exit 0 "$HEAPLAB" oom -w steady-service -b span-gc -p live=16M --gogc 50,200 \
  --find-min-limit --runs 3 --counters none -o "$T/fm.json"
expect_exit 0 "$HEAPLAB" oom-report "$T/fm.json" -o "$T/fm"
F="$T/fm/oom-report.md"
python3 - "$T/fm.json" "$F" >"$T/check" <<'PY'
import json, sys
d = json.load(open(sys.argv[1]))
md = open(sys.argv[2]).read()
lim = {c['name']: c['min_limit_bytes'] for c in d['oom']['cells']}
a, b = lim['steady-service/span-gc/gogc=200'], lim['steady-service/span-gc/gogc=50']
want = ('- GOGC 200 -> 50: the smallest limit at which steady-service/span-gc survived every run '
        'fell from %.1f MiB to %.1f MiB (%+.0f%%).' % (a / 1048576, b / 1048576, 100 * (b / a - 1)))
steps = d['oom']['cells'][0]['search']
rows = ['| %.2f MiB | %s' % (s['limit_bytes'] / 1048576, s['step']) for s in steps]
ok = want in md and all(r in md for r in rows) and md.count('step by step') == 2
runs = [r for r in d['benchmarks'] if r['run_type'] == 'iteration'
        and r['limit_bytes'] == b and r['name'].endswith('gogc=50')]
ok = ok and '| %d of %d: ' % (sum(r['outcome'] == 'ok' for r in runs), len(runs)) in md
print(ok or (want, rows))
PY
expect_in "$T/check" "True"
expect_in "$F" "| peak RSS without a limit (the search's first run) |"
expect_in "$F" "MiB (watchdog)"

# Runs without samples still get their tables, and say why there is no
# timeline.
edit "$R" "$T/bare.json" "
for k in ('rss_timeline', 'samples', 'gc_marks'): r.pop(k, None)"
expect_exit 0 "$HEAPLAB" oom-report "$T/bare.json" -o "$T/bare"
expect_in "$T/bare/oom-report.md" "(No timeline: the run has no timeline samples (run with --sample-ms).)"
expect_in "$T/bare/oom-report.md" "All 5 runs: killed by the watchdog"
expect_py "open('$T/bare/oom-report.md').read().count('(No timeline: ') == 5" "$R"

# Without gnuplot the command fails with the renderer's message and, as every
# command that fails, leaves nothing behind: not the Markdown, not the folder.
expect_exit 2 env PATH=/nonexistent "$HEAPLAB" oom-report "$R" -o "$T/nognuplot"
expect_in "$T/err" "heaplab: oom-report: $R: cannot run gnuplot"
checks=$((checks + 1))
[[ ! -e "$T/nognuplot" ]] || fail "a failed oom-report left $(ls -R "$T/nognuplot")"

# Bad input: one message, exit 2.
one_line() { [[ $(wc -l <"$T/err") -eq 1 ]] || fail "want one line on stderr: $(cat "$T/err")"; }
expect_exit 2 "$HEAPLAB" oom-report "$T/none.json" -o "$T/x"
expect_in "$T/err" "heaplab: oom-report: $T/none.json: cannot read: no such file"
one_line
echo '{"context": {}, "benchmarks": [' >"$T/broken.json"
expect_exit 2 "$HEAPLAB" oom-report "$T/broken.json" -o "$T/x"
expect_in "$T/err" "heaplab: oom-report: $T/broken.json: not valid JSON"
one_line
echo '{"context": {}, "benchmarks": []}' >"$T/empty.json"
expect_exit 2 "$HEAPLAB" oom-report "$T/empty.json" -o "$T/x"
expect_in "$T/err" "heaplab: oom-report: $T/empty.json: no iteration rows: nothing ran"
one_line
python3 -c "import json; d = json.load(open('$R')); d['oom'] = 5; json.dump(d, open('$T/badoom.json', 'w'))"
expect_exit 2 "$HEAPLAB" oom-report "$T/badoom.json" -o "$T/x"
expect_in "$T/err" "heaplab: oom-report: $T/badoom.json: \"oom\" is not an object"
one_line
expect_exit 2 "$HEAPLAB" oom-report "$R"
expect_in "$T/err" "heaplab: oom-report: expected one results file and -o DIR"
expect_exit 2 "$HEAPLAB" oom-report "$R" -o "$T/x" --bogus
expect_exit 0 "$HEAPLAB" oom-report --help
expect_in "$T/out" "Usage: heaplab oom-report FILE.json -o DIR"
expect_exit 0 "$HEAPLAB" --help
expect_in "$T/out" "oom-report"
done_checks
