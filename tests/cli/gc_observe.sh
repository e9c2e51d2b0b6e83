#!/usr/bin/env bash
# Collector knobs and observability: HEAPLAB_GOGC / HEAPLAB_MEMLIMIT give
# --gogc / --memlimit when those are absent (the results context says where
# each came from), and a collector's per-cycle timeline (gc_cycles), its
# totals (num_gc, gc_pause_total_ns, gc_cpu_fraction, heap_peak_bytes) and
# its --gctrace lines agree with each other, on every collector this machine
# has (bdwgc, span-gc). Nothing here asserts a timing.
. "$(dirname "$0")/lib.sh"

# ---- environment defaults, overridden by options --------------------------
O="$T/env.json"
small=(-w pool-reuse -b glibc -p ops=1000 --reps 1 --counters none -o "$O")
opt() { py "d['context']['options']['$1']" "$O"; }
expect_exit 0 env HEAPLAB_GOGC=50 HEAPLAB_MEMLIMIT=64MiB "$HEAPLAB" run "${small[@]}" &&
  expect_py "d['context']['options']['gogc'] == '50' and d['context']['options']['gogc_from'] == 'HEAPLAB_GOGC'" "$O" &&
  expect_py "d['context']['options']['memlimit_bytes'] == 67108864 and d['context']['options']['memlimit_from'] == 'HEAPLAB_MEMLIMIT'" "$O"
expect_exit 0 env HEAPLAB_GOGC=50 HEAPLAB_MEMLIMIT=64MiB "$HEAPLAB" run "${small[@]}" --gogc 200 --memlimit off &&
  expect_py "(d['context']['options']['gogc'], d['context']['options']['gogc_from']) == ('200', '--gogc')" "$O" &&
  expect_py "d['context']['options']['memlimit'] == 'off' and 'memlimit_bytes' not in d['context']['options'] and d['context']['options']['memlimit_from'] == '--memlimit'" "$O"
expect_exit 0 env HEAPLAB_GOGC= HEAPLAB_MEMLIMIT=1GB "$HEAPLAB" run "${small[@]}" --pacer-model go119 &&
  expect_py "(d['context']['options']['gogc'], d['context']['options']['gogc_from']) == ('100', 'default')" "$O" &&
  expect_py "d['context']['options']['memlimit_bytes'] == 1000000000" "$O" &&
  expect_py "d['context']['options']['pacer_model'] == 'go119' and d['context']['options']['gctrace'] is False" "$O"
# Sizes read back: --memlimit and HEAPLAB_MEMLIMIT take what --limit and -p
# take, so the value a cell name prints (memlimit=100M) is accepted as given.
expect_exit 0 env HEAPLAB_MEMLIMIT=64M "$HEAPLAB" run "${small[@]}" &&
  expect_py "d['context']['options']['memlimit_bytes'] == 64 << 20" "$O"
O2="$T/sweep.json"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b span-gc -p ops=1000 --reps 1 --counters none \
  --memlimit off,100M -o "$O2" &&
  expect_py "sorted(r['name'] for r in rows) == ['pool-reuse/span-gc/ops=1000/memlimit=100M', 'pool-reuse/span-gc/ops=1000/memlimit=off']" "$O2"
printed=$(py "[r['name'].rsplit('=', 1)[1] for r in rows if not r['name'].endswith('off')][0]" "$O2")
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b span-gc -p ops=1000 --reps 1 --counters none \
  --memlimit "$printed" -o "$O2" &&
  expect_py "rows[0]['memlimit'] == str(100 << 20) and d['context']['options']['memlimit_bytes'] == 100 << 20" "$O2"
# malloc backends have no collector: no GC figures in their rows
expect_py "all('gc_cycles' not in r and 'num_gc' not in r and 'gc_cpu_fraction' not in r for r in rows)" "$O"

# ---- collectors: the timeline ------------------------------------------------
"$HEAPLAB" list backends >"$T/list" 2>&1

# timeline B: steady-service on collector B (16 MiB live, 256 MiB churn), two
# repetitions with --gctrace: the cycles, totals and trace lines agree.
timeline() {
  local B=$1 G="$T/gc-$1.json"
  expect_exit 0 "$HEAPLAB" run -w steady-service -b "$B" -p live=16M -p churn=256M --reps 2 \
    --counters none --gctrace --memlimit 100MiB -o "$G" || return
  cp "$T/err" "$T/trace-$B"
  expect_py "len(rows) == 2 and all(r['outcome'] == 'ok' for r in rows)" "$G"
  expect_py "all(len(r['gc_cycles']) > 0 for r in rows)" "$G"
  expect_py "all(r['num_gc'] == len(r['gc_cycles']) + r['gc_cycles_dropped'] for r in rows)" "$G"
  expect_py "all([c['num'] for c in r['gc_cycles']] == list(range(1, r['num_gc'] + 1)) for r in rows)" "$G"
  expect_py "all(r['gc_pause_total_ns'] == sum(c['pause_ns'] for c in r['gc_cycles']) for r in rows)" "$G"
  expect_py "all(r['gc_pause_max_ns'] == max(c['pause_ns'] for c in r['gc_cycles']) > 0 for r in rows)" "$G"
  expect_py "all(a['start_ns'] < b['start_ns'] for r in rows for a, b in zip(r['gc_cycles'], r['gc_cycles'][1:]))" "$G"
  expect_py "all(0 < c['heap_marked_bytes'] and c['heap_start_bytes'] <= c['heap_end_bytes'] for r in rows for c in r['gc_cycles'])" "$G"
  # A precise collector marks nothing it did not count as live: what the
  # heap held at mark end (concurrent: objects allocated while it marks are
  # marked too, so the start bound is the stop-the-world one's);
  # libgc can: a stale word on a stack may reach an object its lazy sweep has
  # not yet reclaimed, neither marked last cycle nor allocated since (seen
  # once in CI).
  case $B in
  span-gc:mode=concurrent)
    expect_py "all(c['heap_marked_bytes'] <= c['heap_end_bytes'] for r in rows for c in r['gc_cycles'])" "$G" ;;
  span-gc)
    expect_py "all(c['heap_marked_bytes'] <= c['heap_start_bytes'] for r in rows for c in r['gc_cycles'])" "$G" ;;
  esac
  expect_py "all(0 < r['gc_cpu_fraction'] <= 1 and 0 < c['gc_cpu_fraction'] <= 1 for r in rows for c in r['gc_cycles'])" "$G"
  expect_py "all(r['gc_cpu_fraction'] == r['gc_cycles'][-1]['gc_cpu_fraction'] for r in rows)" "$G"
  expect_py "all(r['heap_peak_bytes'] == max(c['heap_end_bytes'] for c in r['gc_cycles']) for r in rows)" "$G"
  expect_py "all(len(c['clock_ns']) == 3 and len(c['cpu_ns']) == 5 and c['procs'] >= 1 and c['forced'] is False for r in rows for c in r['gc_cycles'])" "$G"
  # the live set, 16 MiB of 1 KiB objects, is marked once setup is over
  expect_py "all(c['heap_marked_bytes'] >= 16 << 20 for r in rows for c in r['gc_cycles'][2:])" "$G"
  case $B in
  bdwgc)
    # stop-the-world: the pause is the whole cycle, its three clock phases
    expect_py "all(c['pause_ns'] == sum(c['clock_ns']) for r in rows for c in r['gc_cycles'])" "$G"
    # no soft limit: it ran, and says it ignored the limit
    expect_in "$G" "GOMEMLIMIT=104857600 ignored"
    ;;
  span-gc*)
    expect_py "all(c['heap_goal_bytes'] > 0 for r in rows for c in r['gc_cycles'])" "$G"
    expect_in "$G" "GOMEMLIMIT=104857600B"
    ;;
  esac

  # --gctrace: one line per recorded cycle, "[CELL] " and then Go's format,
  # with its figures
  checks=$((checks + 1))
  python3 - "$G" "$T/trace-$B" "$B" <<'PY' || fail "$B: gctrace lines do not match the results"
import json, re, sys
d = json.load(open(sys.argv[1]))
rows = [b for b in d['benchmarks'] if b.get('run_type') == 'iteration']
ms = r'\d+(?:\.\d+)?'
pat = re.compile(r'^gc (\d+) @\d+\.\d{3}s \d+%: ' + r'\+'.join([ms] * 3) + r' ms clock, '
                 + ms + r'\+' + ms + '/' + ms + '/' + ms + r'\+' + ms + r' ms cpu, '
                 r'(\d+)->(\d+)->(\d+) MB, (\d+) MB goal, \d+ MB stacks, \d+ MB globals, \d+ P'
                 r'( \(forced\))?$')
traced = [l for l in open(sys.argv[2]).read().splitlines() if ' gc ' in l and '@' in l]
prefix = '[steady-service/%s] ' % sys.argv[3]
unnamed = [l for l in traced if not l.startswith(prefix)]
if unnamed:
    sys.exit('a trace line without its cell %r: %r' % (prefix, unnamed[:3]))
lines = [l[len(prefix):] for l in traced]
bad = [l for l in lines if not pat.match(l)]
if bad:
    sys.exit('malformed: %r' % bad[:3])
want = sum(r['num_gc'] for r in rows)
if len(lines) != want:
    sys.exit('%d lines, num_gc %d' % (len(lines), want))
cycles = [c for r in rows for c in r['gc_cycles']]
for l, c in zip(lines, cycles):
    got = tuple(int(x) for x in pat.match(l).groups()[:5])
    if got != (c['num'], c['heap_start_bytes'] >> 20, c['heap_end_bytes'] >> 20,
               c['heap_marked_bytes'] >> 20, c['heap_goal_bytes'] >> 20):
        sys.exit('line %r disagrees with %r' % (l, c))
PY

  # GOGC=off and no limit: never collects (bdwgc: GC_disable() stops even
  # explicit collections)
  expect_exit 0 "$HEAPLAB" run -w steady-service -b "$B" --quick --reps 1 --counters none \
    --gogc off --gctrace -o "$G" || return
  expect_py "rows[0]['num_gc'] == 0 and rows[0]['gc_cycles'] == [] and rows[0]['gc_cycles_dropped'] == 0" "$G"
  expect_py "rows[0]['gc_pause_total_ns'] == 0 and rows[0]['gc_pause_max_ns'] == 0 and rows[0]['gc_cpu_fraction'] == 0 and rows[0]['heap_peak_bytes'] > 4 << 20" "$G"
  expect_not_in "$T/err" "gc 1 @"
}

ran=0
for B in bdwgc span-gc span-gc:mode=concurrent; do
  if grep -q "^${B%%:*} .* available:" "$T/list"; then
    timeline "$B"
    ran=1
  else
    echo "SKIP ($B part): $(grep "^${B%%:*} " "$T/list")"
  fi
done

if grep -q "^bdwgc .* available:" "$T/list"; then
  G="$T/gc.json"
  # the context carries the settings the workers used, not the probe's
  expect_exit 0 "$HEAPLAB" run -w steady-service -b bdwgc --quick --reps 1 --counters none \
    --gogc off -o "$G" &&
    expect_py "d['context']['backends']['bdwgc']['settings'] == 'GOGC=off: GC_disable()'" "$G"
  expect_exit 0 "$HEAPLAB" run -w steady-service -b bdwgc --quick --reps 1 --counters none \
    --gogc 50 -o "$G" &&
    expect_py "d['context']['backends']['bdwgc']['settings'] == 'GOGC=50: free_space_divisor=4'" "$G"
fi
[[ $ran -eq 1 ]] || echo "SKIP: no collector available"
done_checks
