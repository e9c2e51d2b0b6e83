#!/usr/bin/env bash
# Cells run and print in the order -w and -b gave, not the registries' order.
. "$(dirname "$0")/lib.sh"

expect_exit 0 "$HEAPLAB" run -w pool-reuse,escape-return -b span,glibc --quick --reps 1 \
  -p ops=2000 -p calls=2000 --counters none -o "$T/r.json"
cp "$T/out" "$T/table"
want="pool-reuse/span pool-reuse/glibc escape-return/span escape-return/glibc"
checks=$((checks + 1))
got=$(awk 'NR > 1 { split($1, a, "/"); printf "%s%s/%s", (NR > 2 ? " " : ""), a[1], a[2] }' "$T/table")
[[ $got == "$want" ]] || fail "table order '$got', want '$want'"
expect_py "' '.join('/'.join(r['name'].split('/')[:2]) for r in rows) == '$want'" "$T/r.json"
expect_py "' '.join('/'.join(c['name'].split('/')[:2]) for c in d['context']['plan']['plan_cells']) == '$want'" "$T/r.json"

# The reverse order gives the reverse (so the first check is not the registry's by chance).
expect_exit 0 "$HEAPLAB" plan -w escape-return -b glibc,span --quick
expect_in "$T/out" "escape-return/glibc"
checks=$((checks + 1))
[[ $(grep -n "escape-return/glibc" "$T/out" | cut -d: -f1) -lt \
  $(grep -n "escape-return/span" "$T/out" | cut -d: -f1) ]] || fail "plan: glibc not before span"

echo "$checks checks, $failures failures"
[[ $failures -eq 0 ]]
