#!/usr/bin/env bash
# Conformance: every workload on one backend ($1) at tiny sizes, one and two
# threads, two repetitions. Every cell must be ok, and the allocation counts
# must be exactly what each workload's definition says (they are
# deterministic), the same in both repetitions, with the backend's own
# statistics present where it can tell them. Skips (77) when the backend is
# not available on this machine.
. "$(dirname "$0")/lib.sh"
B=${1:?backend}

"$HEAPLAB" list backends >"$T/list" 2>&1
grep -q "^$B .* available:" "$T/list" || { echo "SKIP: $B: $(grep "^$B" "$T/list")"; exit 77; }

# Every registered workload, from the registry itself (benchmarks, oom
# patterns and selftests alike), so a new one is in this test by being
# registered. A -p key applies to every chosen workload that has it (ops:
# pool-reuse, large-objects and fault-inject; live: steady-service and
# fragmentation; churn: those and spike); the oom patterns get small sizes
# (leak: 4 buffers of 4 MiB). calls: escape-return, closure-capture and
# interface-boxing; ops also slice-growth and string-build; objects:
# struct-layout and producer-consumer.
"$HEAPLAB" list workloads >"$T/wl" 2>&1 || { echo "cannot list workloads"; exit 99; }
workloads=$(awk '{print $1}' "$T/wl" | paste -sd, -)
nworkloads=$(wc -l <"$T/wl")
params=(-p calls=20000 -p ops=2000 -p step=64 -p passes=1 -p live=1M -p churn=4M -p kind=none
  -p total=16M -p base=2M -p spike=4M -p spikes=2 -p burst=256K -p peak=4M -p again=2M
  -p idle_ms=0 -p objects=20000)
for threads in 1 2; do
  O="$T/conf-$threads.json"
  expect_exit 0 "$HEAPLAB" run -w "$workloads" -b "$B" "${params[@]}" --threads $threads \
    --reps 2 --timeout 120 -o "$O" || continue
  expect_py "len(rows) == 2 * $nworkloads and all(r['outcome'] == 'ok' for r in rows)" "$O"
  expect_py "d['context']['backends']['$B']['status'] == 'available' and d['context']['backends']['$B']['version'] != ''" "$O"
  # Linux sums RSS from per-CPU counters that may lag by a few pages, so the
  # peak read at the end may trail the RSS read at the start by that much.
  expect_py "all(r['threads'] == $threads and r['rss_peak_bytes'] >= 0.95 * r['rss_start_bytes'] > 1 << 20 for r in rows)" "$O"
  expect_py "all(r['rss_peak_bytes'] > r['rss_start_bytes'] + (4 << 20) for r in rows if r['workload'] == 'large-objects')" "$O"
  # The same allocations in both repetitions.
  expect_py "all(a['allocs'] == b['allocs'] and a['alloc_bytes'] == b['alloc_bytes'] for a in rows for b in rows if a['name'] == b['name'])" "$O"
  # Exactly the allocations each workload's definition implies.
  allocs() { py "[r['allocs'] for r in rows if r['workload'] == '$1'][0]" "$O"; }
  t=$threads
  checks=$((checks + 5))
  [[ $(allocs escape-return) -eq $((20000 / 2)) ]] || fail "escape-return allocs $(allocs escape-return)"
  [[ $(allocs pool-reuse) -eq $((5 * t)) ]] || fail "pool-reuse allocs $(allocs pool-reuse) (hold+1 per thread)"
  [[ $(allocs steady-service) -eq $((1024 + 4096)) ]] || fail "steady-service allocs $(allocs steady-service)"
  [[ $(allocs large-objects) -eq 2000 ]] || fail "large-objects allocs $(allocs large-objects)"
  [[ $(allocs sizeclass-sweep) -eq $(( (32768 - 1) / 64 + 1 )) ]] || fail "sizeclass-sweep allocs $(allocs sizeclass-sweep)"
  expect_py "[r['alloc_bytes'] for r in rows if r['workload'] == 'steady-service'][0] == 5120 * 1024" "$O"
  # The oom patterns: leak 4 x 4 MiB; spike a 2 MiB base,
  # 4 MiB of replacements and two 4 MiB bursts of 1 KiB objects; retention
  # 4 MiB of 4 KiB objects, then 2 MiB of 64-byte ones; fragmentation its
  # long-lived set plus churn, in objects of the mean size of its steps.
  checks=$((checks + 4))
  [[ $(allocs leak) -eq 4 ]] || fail "leak allocs $(allocs leak)"
  [[ $(allocs spike) -eq $((2048 + 4096 + 2 * 4096)) ]] || fail "spike allocs $(allocs spike)"
  [[ $(allocs retention) -eq $((1024 + 32768)) ]] || fail "retention allocs $(allocs retention)"
  mean=$(python3 -c 'b, s = 16, []
while b <= 32768: s.append(b); b = (b * 3 // 2 + 7) & ~7
print(sum(s) // len(s))')
  [[ $(allocs fragmentation) -eq $(( ((1 << 20) / mean / t + (4 << 20) / mean / t) * t )) ]] ||
    fail "fragmentation allocs $(allocs fragmentation) (mean object $mean bytes)"
  expect_py "[r['alloc_bytes'] for r in rows if r['workload'] == 'leak'][0] == 16 << 20" "$O"
  # The escape-pattern catalogue, each as its definition says (gomodel.h:
  # Go 1.19's growslice and size classes): closure-capture 2 objects per
  # escaping call (half of them) and 2 in the frame per other call;
  # interface-boxing the escaping int, string, slice and struct conversions
  # (every 7th call of a kind, every other call escaping, per thread);
  # slice-growth 12 arrays per 1000-element slice of 8-byte elements (8,
  # 16, ... 10240 bytes); string-build 15 strings per 16-piece concat;
  # struct-layout one record each and one temporary in the frame;
  # producer-consumer one object per object passed.
  stack() { py "[r['stack_allocs'] for r in rows if r['workload'] == '$1'][0]" "$O"; }
  boxing=$(python3 -c "
n, esc = 20000 // $t, 0
acc = 0
for i in range(n):
    acc += 50
    e = acc >= 100
    if e: acc -= 100
    esc += e and i % 7 in (2, 3, 5, 6)
print(esc * $t)")
  checks=$((checks + 6))
  [[ $(allocs closure-capture) -eq 20000 && $(stack closure-capture) -eq 20000 ]] ||
    fail "closure-capture allocs $(allocs closure-capture) stack $(stack closure-capture)"
  [[ $(allocs interface-boxing) -eq $boxing ]] || fail "interface-boxing allocs $(allocs interface-boxing), want $boxing"
  [[ $(allocs slice-growth) -eq $((2000 * 12)) ]] || fail "slice-growth allocs $(allocs slice-growth)"
  [[ $(allocs string-build) -eq $((2000 * 15)) ]] || fail "string-build allocs $(allocs string-build)"
  [[ $(allocs struct-layout) -eq 20000 && $(stack struct-layout) -eq 20000 ]] ||
    fail "struct-layout allocs $(allocs struct-layout) stack $(stack struct-layout)"
  [[ $(allocs producer-consumer) -eq 20000 ]] || fail "producer-consumer allocs $(allocs producer-consumer)"
  expect_py "[r['alloc_bytes'] for r in rows if r['workload'] == 'slice-growth'][0] == 2000 * 25208" "$O"
  expect_py "[r['alloc_bytes'] for r in rows if r['workload'] == 'struct-layout'][0] == 20000 * 32" "$O"
  # pool-reuse's sync.Pool: with a pool of hold + 1 buffers per thread every
  # get after the first hold + 1 is a hit (no collection ever empties it
  # here: too little is allocated).
  expect_py "all(r['pool_gets'] == 2000 and r['pool_misses'] == 5 * $t and r['pool_hits'] == 2000 - 5 * $t for r in rows if r['workload'] == 'pool-reuse')" "$O"
  # Retention's snapshots: RSS after building 4 MiB and after freeing 90% of it.
  expect_py "all(r['rss_after_build_bytes'] > 4 << 20 and 0 < r['rss_after_free_bytes'] <= r['rss_peak_bytes'] for r in rows if r['workload'] == 'retention')" "$O"
  # Sites: calls per site add up to what was asked for.
  expect_py "all(sum(s['calls'] for s in r['sites']) == r['allocs'] + r['stack_allocs'] for r in rows if r['workload'] != 'fault-inject')" "$O"
  kind=$(py "d['context']['backends']['$B']['kind']" "$O")
  if [[ $kind == malloc ]]; then
    # Every drop is a free(): steady-service replaced churn/obj objects.
    expect_py "[r['frees'] for r in rows if r['workload'] == 'steady-service'][0] == 4096" "$O"
    expect_py "all('num_gc' not in r for r in rows)" "$O"
  else
    expect_py "all(r['frees'] == 0 for r in rows)" "$O"
    expect_py "all(r['num_gc'] >= 1 for r in rows if r['workload'] in ('steady-service', 'large-objects'))" "$O"
  fi
  expect_py "all('heap_sys_bytes' in r or 'heap_alloc_bytes' in r for r in rows)" "$O"
  expect_py "all(r.get('heap_sys_bytes', 1) > 0 for r in rows)" "$O"
  expect_py "all(0 <= r['internal_frag_pct'] < 60 for r in rows if r['workload'] == 'sizeclass-sweep')" "$O"
  # A backend that counts per size class (Go's BySize): the classes add up
  # to its totals, but for tiny objects packed into a block, which count in
  # both totals and in no class (Go's rule), and its pages split into in use
  # and idle.
  expect_py "all(r['backend_allocs'] - sum(c['mallocs'] for c in r['heap_classes']) == r['backend_frees'] - sum(c['frees'] for c in r['heap_classes']) >= 0 for r in rows if 'heap_classes' in r)" "$O"
  expect_py "all(r['heap_idle_bytes'] + r['heap_inuse_bytes'] == r['heap_sys_bytes'] for r in rows if 'heap_idle_bytes' in r)" "$O"
  if [[ $B == span ]]; then # in the worker: only the workload's objects, each one object
    expect_py "all(r['backend_allocs'] == r['allocs'] for r in rows)" "$O"
  fi
  expect_py "all(len(r['cpus_ran']) == $threads for r in rows)" "$O"
done
done_checks
