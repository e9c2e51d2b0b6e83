#!/usr/bin/env bash
# sizeclass-sweep on the span backend reports one row per size class, and
# every row equals Go's size-class table (allocators/span/data): object
# size, objects per span, span bytes and the "max waste" column (round-up
# of the smallest request plus the span's tail).
. "$(dirname "$0")/lib.sh"
CSV=${1:?path to go_sizeclasses.csv}

expect_exit 0 "$HEAPLAB" run -w sizeclass-sweep -b span -p step=1 -p passes=1 --reps 1 -o "$T/r.json"
python3 - "$T/r.json" "$CSV" >"$T/check" 2>&1 <<'PY'
import csv, json, sys
row = [b for b in json.load(open(sys.argv[1]))['benchmarks'] if b['run_type'] == 'iteration'][0]
got = row['size_classes']
want = list(csv.DictReader(open(sys.argv[2])))
bad = []
if len(got) != len(want):
    bad.append('%d classes reported, %d in the table' % (len(got), len(want)))
prev = 0
for g, w in zip(got, want):
    if (g['object_bytes'], g['objects'], g['span_bytes']) != (int(w['bytes_obj']), int(w['objects']), int(w['bytes_span'])):
        bad.append('class %s: %r' % (w['class'], g))
    if g['min_request_bytes'] != prev + 1 or g['max_request_bytes'] != int(w['bytes_obj']):
        bad.append('class %s: requests %d..%d' % (w['class'], g['min_request_bytes'], g['max_request_bytes']))
    if abs(g['max_waste_pct'] - float(w['max_waste_pct'])) > 0.006:
        bad.append('class %s: max waste %.4f, table %s' % (w['class'], g['max_waste_pct'], w['max_waste_pct']))
    prev = int(w['bytes_obj'])
print('\n'.join(bad) if bad else 'ok')
PY
checks=$((checks + 1))
[[ $(cat "$T/check") == ok ]] || fail "size classes differ from the table: $(head -5 "$T/check")"
expect_py "0 < rows[0]['internal_frag_pct'] < 12.5 and rows[0]['max_frag_pct'] == 87.5" "$T/r.json"
done_checks
