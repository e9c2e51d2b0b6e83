#!/usr/bin/env bash
# heaplab list: one line per item with its kind and whether it works here.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$HEAPLAB" list backends
expect_py "all(len(l.split()) >= 3 for l in open('$T/out'))"
for b in glibc jemalloc mimalloc tcmalloc span span-malloc bdwgc; do
  checks=$((checks + 1))
  grep -Eq "^$b +(malloc|gc) +(available: $b [0-9]|unavailable: .+)" "$T/out" || fail "no line for $b"
done
expect_in "$T/out" "glibc        malloc  available: glibc "

expect_exit 0 "$HEAPLAB" list workloads
for w in escape-return pool-reuse sizeclass-sweep large-objects steady-service fault-inject; do
  checks=$((checks + 1))
  grep -Eq "^$w +(bench|selftest) " "$T/out" || fail "no line for $w"
done
# The escape-pattern catalogue, each with its claim ids.
for w in "closure-capture C2,C7" "interface-boxing C7" "slice-growth C7" "string-build C7" \
  "struct-layout C8" "producer-consumer C10" "pool-reuse C3"; do
  set -- $w
  checks=$((checks + 1))
  grep -Eq "^$1 +bench +$2 " "$T/out" || fail "no line for $1 with claim $2"
done
for w in leak spike fragmentation retention; do
  checks=$((checks + 1))
  grep -Eq "^$w +oom " "$T/out" || fail "no oom line for $w"
done

expect_exit 0 "$HEAPLAB" list params
for key in "closure-capture" "  captured   size    default 64" "  escape_pct percent default 50" \
  "interface-boxing" "  mix        word    default all" "  struct_bytes size    default 40" \
  "slice-growth" "  prealloc   word    default 0" "string-build" "  method     word    default concat" \
  "struct-layout" "  layout     word    default padded" "producer-consumer" \
  "  depth      count   default 256" "  fanout     count   default 0" "  garbage    size    default 0"; do
  expect_in "$T/out" "$key"
done

expect_exit 0 "$HEAPLAB" list params steady-service
expect_in "$T/out" "live       size    default 16M      --quick 4M"
expect_in "$T/out" "churn"

expect_exit 0 "$HEAPLAB" list counters
expect_in "$T/out" "perf::PAGE-FAULTS"
expect_in "$T/out" "software  available (default)"
# Hardware events either count or say why not; never a bare failure.
expect_py "all(('available' in l) for l in open('$T/out') if l.startswith('perf::'))"
checks=$((checks + 1))
if grep -q "^perf::CYCLES .*unavailable" "$T/out"; then
  grep -Eq "^perf::CYCLES +hardware +unavailable: [A-Z]+: .+" "$T/out" || fail "CYCLES unavailable without a reason"
fi
done_checks
