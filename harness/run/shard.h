/* Shards of a plan, for a matrix that runs on many machines (a Kubernetes
 * Indexed Job, a Slurm job array, a CI matrix): shard K of N is a
 * contiguous, balanced block of the plan's cells, every repetition of a
 * cell in the same shard, so a cell's repetitions stay interleaved with its
 * neighbours (the same workload on the other backends) on one machine. The
 * plan is the same on every machine given the same options, and so is each
 * shard: each cell has a stable id, the hash of its spec (plan.h). heaplab
 * dispatches nothing: the engine runs `heaplab run ... --shard K/N` and
 * `heaplab merge` joins the results. */
#ifndef HL_SHARD_H
#define HL_SHARD_H

#include <stddef.h>

typedef struct hl_shard {
  unsigned index, count; /* 0-based; count 0: the whole plan */
} hl_shard_t;

#define HL_MAX_SHARDS 65536

/* "K/N", 0 <= K < N (shards count from 0, as the engines do). 0, or
 * HL_EINVAL with why. */
int hl_shard_parse(const char *text, hl_shard_t *out, char *why, size_t why_len);

/* "N" or "N:VAR": the count N, the index from VAR, else from
 * JOB_COMPLETION_INDEX (Kubernetes), else SLURM_ARRAY_TASK_ID (Slurm). 0,
 * or HL_EINVAL with why. */
int hl_shard_from_env(const char *text, hl_shard_t *out, char *why, size_t why_len);

/* The cells [*first, *end) of shard s of a plan of ncells. */
void hl_shard_range(size_t ncells, const hl_shard_t *s, size_t *first, size_t *end);

#endif
