/* Run summary tables (summary.h). */
#include "summary.h"

#include "results.h"
#include "rows.h"
#include "size.h"
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "3/3 ok" or "1 ok, 2 oom". */
static void outcomes_text(const hl_row_group_t *cell, char *buf, size_t len) {
  const char *names[8];
  size_t counts[8], nnames = 0, total = 0;
  for (size_t i = 0; i < cell->n; i++) {
    const char *o = hl_row_outcome_word(cell->row[i]);
    size_t k = 0;
    while (k < nnames && strcmp(names[k], o) != 0)
      k++;
    if (k == nnames && nnames < 8) {
      names[nnames] = o;
      counts[nnames++] = 0;
    }
    if (k < nnames) counts[k]++;
    total++;
  }
  if (nnames == 1) {
    snprintf(buf, len, "%zu/%zu %s", counts[0], total, names[0]);
    return;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < nnames && off < len; k++)
    off += (size_t)snprintf(buf + off, len - off, "%s%zu %s", k ? ", " : "", counts[k], names[k]);
}

/* Median of key over rows, or -1 when some row lacks it. */
static double median_of(const hl_row_t **rows, size_t n, const char *key, double *scratch) {
  for (size_t i = 0; i < n; i++)
    if (hl_row_number(rows[i], key, &scratch[i]) != 0) return -1;
  return n ? hl_stats_median(scratch, n) : -1;
}

static void fmt_ns(double ns, char *buf, size_t len) {
  if (ns < 0)
    snprintf(buf, len, "-");
  else if (ns < 10)
    snprintf(buf, len, "%.2f", ns);
  else if (ns < 1000)
    snprintf(buf, len, "%.1f", ns);
  else
    snprintf(buf, len, "%.0f", ns);
}

static void fmt_bytes(double v, char *buf, size_t len) {
  if (v < 0)
    snprintf(buf, len, "-");
  else
    hl_size_format_human((uint64_t)v, buf, len);
}

static void fmt_count(double v, char *buf, size_t len) {
  if (v < 0)
    snprintf(buf, len, "-");
  else
    snprintf(buf, len, "%.0f", v);
}

static int add_row(hl_table_t *t, const hl_row_group_t *cell, double *scratch) {
  char outcome[96], cpu[32], spread[32], rss[32], allocs[32], bytes[32], gcs[32];
  outcomes_text(cell, outcome, sizeof outcome);
  const hl_row_t **rows = cell->ok;
  size_t n = cell->nok;
  double med = median_of(rows, n, "cpu_time", scratch);
  fmt_ns(med, cpu, sizeof cpu);
  if (n >= 2 && med > 0)
    snprintf(spread, sizeof spread, "%.1f%%",
             100.0 * (hl_stats_max(scratch, n) - hl_stats_min(scratch, n)) / med);
  else
    snprintf(spread, sizeof spread, "-");
  fmt_bytes(median_of(rows, n, "rss_peak_bytes", scratch), rss, sizeof rss);
  fmt_count(median_of(rows, n, "allocs", scratch), allocs, sizeof allocs);
  fmt_bytes(median_of(rows, n, "alloc_bytes", scratch), bytes, sizeof bytes);
  fmt_count(median_of(rows, n, "num_gc", scratch), gcs, sizeof gcs);
  const char *cells[] = {cell->key, outcome, cpu, spread, rss, allocs, bytes, gcs};
  return hl_table_add(t, cells);
}

hl_table_t *hl_summary_table(const hl_results_t *v) {
  static const char *const headers[] = {"benchmark",  HL_VIEW_OUTCOME_TITLE, "cpu ns/iter",
                                        "spread",     "peak RSS",            "allocs",
                                        "alloc bytes", "GCs"};
  hl_row_index_t ix;
  if (hl_row_index_build(v, hl_row_key_run_name, &ix) != 0) return NULL;
  size_t most = 1;
  for (size_t g = 0; g < ix.n; g++)
    if (ix.group[g].nok > most) most = ix.group[g].nok;
  hl_table_t *t = hl_table_new(headers, 8, "llrrrrrr");
  double *scratch = calloc(most, sizeof *scratch);
  if (!t || !scratch) goto fail;
  for (size_t g = 0; g < ix.n; g++)
    if (add_row(t, &ix.group[g], scratch) != 0) goto fail;
  free(scratch);
  hl_row_index_free(&ix);
  return t;
fail:
  free(scratch);
  hl_row_index_free(&ix);
  hl_table_free(t);
  return NULL;
}
