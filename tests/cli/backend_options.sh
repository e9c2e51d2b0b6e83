#!/usr/bin/env bash
# Backend options (-b NAME:KEY=V): listed by `list backends`, parsed to a
# canonical name that names the cell beside the plain backend, and carried
# to the worker, which applies them in the backend's init (glibc's
# arena_max: mallopt(M_ARENA_MAX) there, said in its settings). Bad keys
# and values are in bad_input.sh.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$HEAPLAB" list backends
expect_in "$T/out" "option  glibc:arena_max=N (1..1024): at most this many malloc arenas"

# Plain glibc and glibc with two arenas in one run; 02 is spelled 2 in names.
R="$T/r.json"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -p ops=2000 -b glibc,glibc:arena_max=02 --threads 2 \
  --reps 1 --counters none -o "$R"
expect_py "sorted(r['backend'] for r in rows) == ['glibc', 'glibc:arena_max=2']" "$R"
expect_py "sorted(r['name'] for r in rows) == ['pool-reuse/glibc/ops=2000/threads:2', 'pool-reuse/glibc:arena_max=2/ops=2000/threads:2']" "$R"
expect_py "all(r['outcome'] == 'ok' for r in rows)" "$R"
expect_py "d['context']['options']['backends'] == ['glibc', 'glibc:arena_max=2']" "$R"
b="d['context']['backends']"
expect_py "$b['glibc:arena_max=2']['settings'] == 'MALLOC_ARENA_MAX=2 (option arena_max: mallopt(M_ARENA_MAX, 2) in init)'" "$R"
expect_py "$b['glibc:arena_max=2']['options'] == {'arena_max': 2} and $b['glibc:arena_max=2']['backend'] == 'glibc'" "$R"
expect_py "$b['glibc']['settings'].startswith('MALLOC_ARENA_MAX=') and 'options' not in $b['glibc']" "$R"
expect_exit 0 "$HEAPLAB" show "$R"
expect_in "$T/out" "pool-reuse/glibc:arena_max=2/ops=2000/threads:2"

# Knob sweeps cover the backends that honour the knob: glibc has no GOGC and
# no soft limit, so --gogc 50,100 --memlimit off,64M runs it once, its rows
# saying the knobs do not apply; span-gc runs all four combinations; bdwgc
# (GOGC as its free-space divisor, no soft limit) runs once per GOGC.
K="$T/knobs.json"
bs=glibc,span-gc
"$HEAPLAB" list backends 2>&1 | grep -q "^bdwgc .* available:" && bs=$bs,bdwgc
expect_exit 0 "$HEAPLAB" run -w pool-reuse -p ops=1000 -b $bs --gogc 50,100 --memlimit off,64M \
  --reps 1 --counters none -o "$K"
expect_py "[r['name'] for r in rows if r['backend'] == 'glibc'] == ['pool-reuse/glibc/ops=1000']" "$K"
expect_py "all(r['knobs_not_applicable'] == ['gogc', 'memlimit'] and 'gogc' not in r and 'memlimit' not in r for r in rows if r['backend'] == 'glibc')" "$K"
expect_py "sorted(r['name'] for r in rows if r['backend'] == 'span-gc') == ['pool-reuse/span-gc/ops=1000/gogc=%s/memlimit=%s' % (g, m) for g in ('100', '50') for m in ('64M', 'off')]" "$K"
expect_py "all('knobs_not_applicable' not in r for r in rows if r['backend'] == 'span-gc')" "$K"
if [[ $bs == *bdwgc ]]; then
  expect_py "[(r['name'], r['gogc'], r['knobs_not_applicable']) for r in rows if r['backend'] == 'bdwgc'] == [('pool-reuse/bdwgc/ops=1000/gogc=%s' % g, g, ['memlimit']) for g in ('50', '100')]" "$K"
fi

# The worker takes only a cell spec (worker/cellspec.h): it refuses anything
# else with an error record naming the field, and runs nothing.
checks=$((checks + 1))
"$HEAPLAB" __worker '{"workload": "pool-reuse"}' 3>"$T/records" >/dev/null 2>&1 &&
  fail "the worker accepted a spec without its fields"
expect_in "$T/records" '"stage":"spec"'
expect_in "$T/records" 'cell spec: 1 keys, expected'
checks=$((checks + 1))
"$HEAPLAB" __worker -wpool-reuse -bglibc 3>"$T/records" >/dev/null 2>&1 &&
  fail "the worker accepted a command line instead of a spec"
expect_in "$T/records" 'usage: heaplab __worker CELL-SPEC'
done_checks
