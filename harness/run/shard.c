/* Shards of a plan (shard.h). */
#include "shard.h"

#include "error.h"
#include "size.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int hl_shard_parse(const char *text, hl_shard_t *out, char *why, size_t why_len) {
  const char *slash = strchr(text, '/');
  uint64_t k, n;
  char kt[32];
  if (!slash || (size_t)(slash - text) >= sizeof kt) goto bad;
  snprintf(kt, sizeof kt, "%.*s", (int)(slash - text), text);
  if (hl_parse_count(kt, 0, HL_MAX_SHARDS - 1, &k) != 0 ||
      hl_parse_count(slash + 1, 1, HL_MAX_SHARDS, &n) != 0 || k >= n)
    goto bad;
  out->index = (unsigned)k;
  out->count = (unsigned)n;
  return 0;
bad:
  snprintf(why, why_len,
           "expected K/N with 0 <= K < N <= %d (shards count from 0, as "
           "JOB_COMPLETION_INDEX and SLURM_ARRAY_TASK_ID do)",
           HL_MAX_SHARDS);
  return HL_EINVAL;
}

int hl_shard_from_env(const char *text, hl_shard_t *out, char *why, size_t why_len) {
  static const char *const engines[] = {"JOB_COMPLETION_INDEX", "SLURM_ARRAY_TASK_ID"};
  char count[32];
  const char *colon = strchr(text, ':'), *var = colon ? colon + 1 : NULL, *v = NULL;
  snprintf(count, sizeof count, "%.*s", colon ? (int)(colon - text) : (int)strlen(text), text);
  uint64_t n;
  if (hl_parse_count(count, 1, HL_MAX_SHARDS, &n) != 0 || (var && !*var)) {
    snprintf(why, why_len,
             "expected N or N:VARIABLE (the number of shards, and where the "
             "index is)");
    return HL_EINVAL;
  }
  if (var) {
    v = getenv(var);
  } else {
    for (size_t i = 0; i < sizeof engines / sizeof engines[0] && !(v && *v); i++)
      v = getenv(var = engines[i]);
  }
  if (!v || !*v) {
    snprintf(why, why_len, "no shard index: %s is not set",
             colon ? var
                   : "neither JOB_COMPLETION_INDEX "
                     "nor SLURM_ARRAY_TASK_ID");
    return HL_EINVAL;
  }
  char text_kn[80];
  snprintf(text_kn, sizeof text_kn, "%s/%s", v, count);
  if (hl_shard_parse(text_kn, out, why, why_len) != 0) {
    snprintf(why, why_len, "%s=%s is not a shard index below %s", var, v, count);
    return HL_EINVAL;
  }
  return 0;
}

void hl_shard_range(size_t ncells, const hl_shard_t *s, size_t *first, size_t *end) {
  if (!s->count) {
    *first = 0;
    *end = ncells;
    return;
  }
  *first = ncells * s->index / s->count;
  *end = ncells * (s->index + 1) / s->count;
}
