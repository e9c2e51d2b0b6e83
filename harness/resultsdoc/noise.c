/* The noise note (noise.h). */
#include "noise.h"

#include "results.h"
#include "rows.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct noisy {
  size_t cells, timed;  /* cells over the spread, cells with a spread */
  double worst;         /* the largest spread */
  char worst_name[160]; /* its cell */
} noisy_t;

/* The cells' spreads of cpu_time over their ok repetitions. */
static int spreads(const hl_results_t *v, noisy_t *z) {
  hl_row_index_t ix;
  if (hl_row_index_build(v, hl_row_key_run_name, &ix) != 0) return -1;
  for (size_t g = 0; g < ix.n; g++) {
    const hl_row_group_t *c = &ix.group[g];
    if (c->nok < 2) continue;
    double *x = calloc(c->nok, sizeof *x);
    size_t n = 0;
    for (size_t i = 0; x && i < c->nok; i++)
      if (c->ok[i]->cpu_ns >= 0) x[n++] = c->ok[i]->cpu_ns;
    double med = n >= 2 ? hl_stats_median(x, n) : 0;
    if (med > 0) {
      double spread = (hl_stats_max(x, n) - hl_stats_min(x, n)) / med;
      z->timed++;
      if (spread > HL_NOISE_SPREAD) z->cells++;
      if (spread > z->worst) {
        z->worst = spread;
        snprintf(z->worst_name, sizeof z->worst_name, "%s", c->key);
      }
    }
    free(x);
  }
  hl_row_index_free(&ix);
  return 0;
}

/* The higher of the 1-minute load averages at the start and the end. */
static double load_1m(const json_t *ctx) {
  double most = -1;
  const char *keys[] = {"load_avg", "load_avg_end"};
  for (size_t k = 0; k < 2; k++) {
    const json_t *la = json_object_get(ctx, keys[k]);
    if (json_is_array(la) && json_is_number(json_array_get(la, 0))) {
      double v = json_number_value(json_array_get(la, 0));
      if (v > most) most = v;
    }
  }
  return most;
}

int hl_noise_note(const hl_results_t *v, char *buf, size_t len) {
  noisy_t z = {0};
  if (spreads(v, &z) != 0 || z.timed == 0) return 0;
  const json_t *ctx = v->context;
  double load = load_1m(ctx);
  json_int_t cpus = json_integer_value(json_object_get(ctx, "num_cpus"));
  int loaded = cpus > 0 && load > (double)cpus;
  if (!z.cells && !loaded) return 0;
  char spread[256] = "", busy[96] = "";
  if (z.cells)
    snprintf(spread, sizeof spread, "%zu of %zu cells spread over %.0f%% (%s: %.0f%%)", z.cells,
             z.timed, 100 * HL_NOISE_SPREAD, z.worst_name, 100 * z.worst);
  if (loaded) snprintf(busy, sizeof busy, "load average %.1f on %d CPUs", load, (int)cpus);
  snprintf(buf, len,
           "noisy timings: %s%s%s; for CPU times use more --reps, a quieter machine, "
           "or heaplab gate",
           spread, z.cells && loaded ? "; " : "", busy);
  return 1;
}
