#!/usr/bin/env bash
# A matrix on a cluster, as far as one machine can try it: the plan is stable
# (same options, same ids), its shards cover every cell exactly once for
# N = 1..7, the three deployment examples of ci/cluster/ parse (YAML by
# python3-yaml, the Slurm script by bash -n) and hold the same heaplab
# command, their four shard command lines run here and merge into what one
# run of the same plan gives in every deterministic field; merge refuses two
# plans and a duplicated cell and reports a missing one.
. "$(dirname "$0")/lib.sh"
CLUSTER="$(cd "$(dirname "$0")/../../ci/cluster" && pwd)"
/usr/bin/python3 -c "import yaml" 2>/dev/null || { echo "SKIP: python3-yaml not installed"; exit 77; }

OPTS=(-w pool-reuse,escape-return -b glibc,span --quick --reps 2 --counters none)

# ---- the plan: stable, and its shards cover it
expect_exit 0 "$HEAPLAB" plan "${OPTS[@]}"
cp "$T/out" "$T/plan1"
expect_exit 0 "$HEAPLAB" plan "${OPTS[@]}"
checks=$((checks + 1))
cmp -s "$T/plan1" "$T/out" || fail "the same options gave two plans"
expect_in "$T/out" '"cells":4,"repetitions":2,"runs":8'
for n in 1 2 3 4 5 6 7; do
  "$HEAPLAB" plan "${OPTS[@]}" --shards $n >"$T/p$n" 2>/dev/null
  expect_py "(lambda L: sorted(l['id'] for l in L if 'id' in l) == sorted(l['id'] for l in map(__import__('json').loads, open('$T/plan1')) if 'id' in l) and all(0 <= l['shard'] < $n for l in L if 'id' in l) and L[-1]['cells_per_shard'] == [4 * (k + 1) // $n - 4 * k // $n for k in range($n)])([__import__('json').loads(x) for x in open('$T/p$n')])"
done

# ---- the three engines' files hold the same command
bash -n "$CLUSTER/slurm-array.sh" || fail "slurm-array.sh does not parse"
checks=$((checks + 1))
/usr/bin/python3 - "$CLUSTER" "$T" >"$T/commands" <<'PY' || fail "cannot read the deployment examples"
import json, re, shlex, sys, yaml
cluster, tmp = sys.argv[1:]
job = yaml.safe_load(open(cluster + '/kubernetes-job.yaml'))
spec = job['spec']
assert spec['completionMode'] == 'Indexed' and spec['completions'] == 4, spec
k8s = spec['template']['spec']['containers'][0]['command']
gh = yaml.safe_load(open(cluster + '/github-matrix.yaml'))
steps = gh['jobs']['shard']['steps']
assert gh['jobs']['shard']['strategy']['matrix']['shard'] == [0, 1, 2, 3]
line = [s['run'] for s in steps if 'heaplab run' in s.get('run', '')][0].split('&&')[-1]
gh_args = shlex.split(line.replace('./build/harness/heaplab', 'heaplab').replace('${{ matrix.shard }}', 'K'))
slurm = open(cluster + '/slurm-array.sh').read()
assert '#SBATCH --array=0-3' in slurm
s_line = [l for l in slurm.splitlines() if l.startswith('srun heaplab')][0]
s_args = shlex.split(s_line[len('srun '):])
def plan_args(args):  # the command without the shard and output
    out, skip = [], 0
    for a in args:
        if skip: skip -= 1; continue
        if a in ('-o', '--shard', '--shard-from-env'): skip = 1; continue
        out.append(a)
    return out
assert plan_args(k8s) == plan_args(gh_args) == plan_args(s_args), (k8s, gh_args, s_args)
# the four shard commands, as the engines would run them, for this machine
for k in range(4):
    cmd = [a.replace('$(JOB_COMPLETION_INDEX)', str(k)).replace('/results', tmp) for a in k8s]
    print(json.dumps(cmd))
PY
[[ $(wc -l <"$T/commands") -eq 4 ]] || fail "expected four shard commands"

# ---- run the shards (JOB_COMPLETION_INDEX set as the Job sets it), merge
k=0
while read -r line; do
  mapfile -t args < <(/usr/bin/python3 -c 'import json,sys; print("\n".join(json.loads(sys.argv[1])[1:]))' "$line")
  expect_exit 0 env JOB_COMPLETION_INDEX=$k "$HEAPLAB" "${args[@]}"
  k=$((k + 1))
done <"$T/commands"
expect_exit 0 "$HEAPLAB" merge "$T"/shard-{0,1,2,3}.json -o "$T/all.json"
expect_exit 0 "$HEAPLAB" run "${OPTS[@]}" -o "$T/single.json"
/usr/bin/python3 - "$T/all.json" "$T/single.json" >"$T/same" <<'PY'
import json, sys
def fields(path):
    rows = [r for r in json.load(open(path))['benchmarks'] if r['run_type'] == 'iteration']
    keys = ('name', 'outcome', 'cell_id', 'repetition_index', 'params', 'allocs', 'alloc_bytes',
            'frees', 'free_bytes', 'stack_allocs', 'stack_alloc_bytes')
    return sorted(json.dumps([r.get(k) for k in keys]) for r in rows)
a, b = fields(sys.argv[1]), fields(sys.argv[2])
print('same' if a == b and len(a) == 8 else 'differ: %s vs %s' % (a, b))
PY
expect_in "$T/same" "same"
expect_py "d['context']['plan']['id'] == d2['context']['plan']['id'] and len(d['context']['merged_from']) == 4" "$T/all.json" "$T/single.json"
expect_py "all(r['machine'] == d['context']['merged_from'][0]['machine'] for r in d['benchmarks'])" "$T/all.json"

# ---- merge refuses what is not one plan's shards
expect_exit 2 "$HEAPLAB" merge "$T/shard-0.json" "$T/shard-0.json" -o "$T/dup.json"
expect_in "$T/err" "is in $T/shard-0.json and in $T/shard-0.json: one cell runs in one shard"
expect_exit 0 "$HEAPLAB" run -w pool-reuse -b glibc -p ops=500 --reps 1 --counters none -o "$T/other.json"
expect_exit 2 "$HEAPLAB" merge "$T/shard-0.json" "$T/other.json" -o "$T/mixed.json"
expect_in "$T/err" "not shards of one plan"
expect_exit 1 "$HEAPLAB" merge "$T/shard-0.json" "$T/other.json" -o "$T/mixed.json" --allow-mixed
expect_exit 1 "$HEAPLAB" merge "$T/shard-0.json" "$T/shard-2.json" -o "$T/part.json"
expect_in "$T/err" "missing: cell"
expect_py "len([c for c in d['context']['plan']['plan_cells']]) == 4 and len({r['cell_id'] for r in rows}) == 2" "$T/part.json"
# a shard index from the environment that is not there, or out of range
expect_exit 2 env -u JOB_COMPLETION_INDEX -u SLURM_ARRAY_TASK_ID "$HEAPLAB" run "${OPTS[@]}" --shard-from-env 4
expect_in "$T/err" "neither JOB_COMPLETION_INDEX nor SLURM_ARRAY_TASK_ID"
expect_exit 2 env SLURM_ARRAY_TASK_ID=4 "$HEAPLAB" run "${OPTS[@]}" --shard-from-env 4
expect_exit 2 "$HEAPLAB" run "${OPTS[@]}" --shard 4/4
done_checks
