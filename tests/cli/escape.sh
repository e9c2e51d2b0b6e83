#!/usr/bin/env bash
# The escape model: escape-return run with --escape on and off. The heap
# allocations escape analysis removes are exactly the calls of the sites the
# site table marks as not escaping, on a malloc backend and on a collector.
. "$(dirname "$0")/lib.sh"

backends=glibc
"$HEAPLAB" list backends 2>&1 | grep -q "^bdwgc .* available:" && backends=glibc,bdwgc
run() { # run ESCAPE FILE extra...
  local e=$1 f=$2
  shift 2
  expect_exit 0 "$HEAPLAB" run -w escape-return -b "$backends" -p calls=30000 -p ptr_pct=30,100 \
    --escape "$e" --reps 1 -o "$f" "$@"
}
run on "$T/on.json"
run off "$T/off.json"

# Same cells, same site calls: only the placement differs.
expect_py "[r['name'] for r in rows] == [r['name'] for r in d2['benchmarks'] if r['run_type'] == 'iteration']" "$T/on.json" "$T/off.json"
expect_py "all(a['sites'] == b['sites'] for a, b in zip(rows, d2['benchmarks']))" "$T/on.json" "$T/off.json"
expect_py "d['context']['options']['escape'] == 'on' and d2['context']['options']['escape'] == 'off'" "$T/on.json" "$T/off.json"
# The site table: newVal does not escape, newPtr does.
expect_py "all({s['name']: s['escapes'] for s in r['sites']} == {'newPtr': True, 'newVal': False} for r in rows)" "$T/on.json"
# 30% pointer calls: 9000 heap objects with escape analysis, 30000 without.
expect_py "sorted(set(r['allocs'] for r in rows if r['params']['ptr_pct'] == 30)) == [9000]" "$T/on.json"
expect_py "sorted(set(r['allocs'] for r in rows if r['params']['ptr_pct'] == 30)) == [30000]" "$T/off.json"
# allocs(off) - allocs(on) = calls of non-escaping sites = stack_allocs(on); same for bytes.
predict="all(b['allocs'] - a['allocs'] == sum(s['calls'] for s in a['sites'] if not s['escapes']) == a['stack_allocs'] and b['alloc_bytes'] - a['alloc_bytes'] == sum(s['bytes'] for s in a['sites'] if not s['escapes']) == a['stack_alloc_bytes'] and b['stack_allocs'] == 0 for a, b in zip(rows, [r for r in d2['benchmarks'] if r['run_type'] == 'iteration']))"
expect_py "$predict" "$T/on.json" "$T/off.json"
# All pointer calls: nothing to remove.
expect_py "all(r['stack_allocs'] == 0 and r['allocs'] == 30000 for r in rows if r['params']['ptr_pct'] == 100)" "$T/on.json"
# On a malloc backend every heap object of a non-escaping site is freed when
# its frame ends; a collector frees nothing explicitly.
expect_py "[r['frees'] for r in rows if r['backend'] == 'glibc' and r['params']['ptr_pct'] == 30] == [30000]" "$T/off.json"

# The catalogue's workloads that have stack sites: the same prediction, for
# each of them, on a malloc backend and on a collector.
cat_run() { # cat_run ESCAPE FILE
  expect_exit 0 "$HEAPLAB" run -w closure-capture,interface-boxing,slice-growth,string-build,struct-layout \
    -b "$backends" -p calls=7000 -p ops=300 -p objects=3000 -p prealloc=const -p len=100 \
    -p method=bytes --escape "$1" --reps 1 -o "$2"
}
cat_run on "$T/cat-on.json"
cat_run off "$T/cat-off.json"
expect_py "len(rows) == 5 * len('$backends'.split(','))" "$T/cat-on.json"
expect_py "$predict" "$T/cat-on.json" "$T/cat-off.json"
expect_py "all(r['stack_allocs'] > 0 for r in rows)" "$T/cat-on.json"

# compare sees the change in allocation behaviour and says so.
expect_exit 1 "$HEAPLAB" compare "$T/on.json" "$T/off.json"
expect_in "$T/out" "METRIC CHANGED: allocs 9000 -> 30000"
done_checks
