#!/usr/bin/env bash
# A heaplab matrix as a Slurm job array: one shard per array task. Each task
# gets its index in SLURM_ARRAY_TASK_ID, runs its shard of the plan on a
# node of its own and writes results/shard-INDEX.json; after the array,
#   heaplab merge results/shard-*.json -o results/all.json
# joins them. Submit with: sbatch ci/cluster/slurm-array.sh
#SBATCH --job-name=heaplab-matrix
#SBATCH --array=0-3
#SBATCH --cpus-per-task=2
#SBATCH --mem=2G
#SBATCH --exclusive
set -euo pipefail
mkdir -p results
srun heaplab run -w pool-reuse,escape-return -b glibc,span --quick --reps 2 --counters none --shard-from-env 4 -o results/shard-${SLURM_ARRAY_TASK_ID}.json
