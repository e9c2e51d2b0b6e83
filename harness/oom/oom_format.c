/* Numbers, words and tables of the out-of-memory report (oom_md.h). */
#include "oom_md.h"

#include "error.h"
#include "size.h"
#include "stats.h"
#include "util.h"
#include "workload.h"

#include <ctype.h>
#include <math.h>
#include <stdio.h>
#include <string.h>

#define CELL_FILE_MAX 120

/* ---- words and numbers ------------------------------------------------------ */

void oom_fmt_mib(double bytes, char *buf, size_t len) {
  if (bytes > 0)
    hl_size_format_human((uint64_t)bytes, buf, len);
  else
    snprintf(buf, len, "-");
}

void oom_fmt_seconds(double s, char *buf, size_t len) {
  if (s >= 0 && isfinite(s))
    snprintf(buf, len, "%.3g s", s);
  else
    snprintf(buf, len, "-");
}

/* "0.0274 s (0.024 .. 0.088 s)" or "41.6 MiB (41.5 .. 41.6 MiB)": median and
 * range of n values; "-" without any. */
void oom_fmt_median_range(const double *v, size_t n, int bytes, char *buf, size_t len) {
  char med[32], lo[32], hi[32];
  void (*f)(double, char *, size_t) = bytes ? oom_fmt_mib : oom_fmt_seconds;
  f(n ? hl_stats_median(v, n) : -1, med, sizeof med);
  f(n ? hl_stats_min(v, n) : -1, lo, sizeof lo);
  f(n ? hl_stats_max(v, n) : -1, hi, sizeof hi);
  if (n < 2)
    snprintf(buf, len, "%s", med);
  else
    snprintf(buf, len, "%s (%s .. %s)", med, lo, hi);
}

void oom_fmt_survival(const oom_cell_t *c, char *buf, size_t len) {
  if (c->runs)
    snprintf(buf, len, "%.0f%% (95%% CI %.0f-%.0f%%)",
             100.0 * (double)c->survived / (double)c->runs, 100 * c->ci_lo, 100 * c->ci_hi);
  else
    snprintf(buf, len, "- (no run ran)");
}

/* "3 oom-kill" or "2 ok, 1 oom-kill, 1 error". */
void oom_fmt_outcomes(const oom_cell_t *c, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i <= HL_OUTCOME_COUNT && off < len; i++)
    if (c->count[i])
      off += (size_t)snprintf(buf + off, len - off, "%s%zu %s", off ? ", " : "", c->count[i],
                              i < HL_OUTCOME_COUNT ? hl_outcome_name((hl_outcome_t)i) : "other");
}

void oom_fmt_limit(const oom_doc_t *d, uint64_t limit, char *buf, size_t len) {
  char b[32];
  oom_fmt_mib((double)limit, b, sizeof b);
  if (limit >= OOM_UNLIMITED_BYTES)
    snprintf(buf, len, "none (watched)");
  else if (limit)
    snprintf(buf, len, "%s (%s)", b, d->limit_mode ? d->limit_mode : "limit");
  else
    snprintf(buf, len, "none");
}

/* A knob's value for people: GOMEMLIMIT in MiB, a workload parameter as
 * benchmark names spell it. */
void oom_fmt_knob(const hl_row_t *row, const char *key, const json_t *v, char *buf, size_t len) {
  const hl_workload_t *w = hl_workload_find(row->workload ? row->workload : "");
  int p = w ? hl_workload_param_index(w, key) : -1;
  uint64_t bytes;
  if (p >= 0 && json_is_integer(v))
    hl_param_format(&w->params[p], (uint64_t)json_integer_value(v), buf, len);
  else if (!strcmp(key, "memlimit") && json_is_string(v) &&
           hl_parse_count(json_string_value(v), 1, UINT64_MAX, &bytes) == 0)
    hl_size_format_human(bytes, buf, len);
  else if (json_is_string(v))
    snprintf(buf, len, "%s", json_string_value(v));
  else if (json_is_number(v))
    snprintf(buf, len, "%g", json_number_value(v));
  else
    snprintf(buf, len, "-");
}

/* Base name of a cell's files: cellNN-<name with anything but letters,
 * digits and .=- as _>, cut at CELL_FILE_MAX bytes (cellNN keeps it unique). */
void oom_cell_file(size_t index, const char *name, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "cell%02zu-", index + 1);
  if (len > CELL_FILE_MAX) len = CELL_FILE_MAX; /* well under NAME_MAX with the suffixes */
  for (const char *p = name; *p && off + 1 < len; p++)
    buf[off++] = isalnum((unsigned char)*p) || strchr(".=-", *p) ? *p : '_';
  buf[off] = '\0';
}

/* ---- Markdown ---------------------------------------------------------------- */

/* Prints the table when rc is 0, frees it either way; returns rc. */
int oom_md_table(FILE *md, hl_table_t *t, int rc) {
  if (rc == 0) {
    hl_table_print(t, md, 1);
    fputs("\n", md);
  }
  hl_table_free(t);
  return rc;
}

/* A two-column table, one row per pair; a pair whose value is NULL is left
 * out. */
int oom_md_what_value(FILE *md, const char *const (*pairs)[2], size_t n) {
  static const char *const headers[] = {"what", "value"};
  hl_table_t *t = hl_table_new(headers, 2, "ll");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (pairs[i][1]) rc = hl_table_add(t, pairs[i]);
  return oom_md_table(md, t, rc);
}
