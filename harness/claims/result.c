/* A claim's result: its table rows (claims.h) and the formats its figures
 * share (experiments.h). */
#include "claims.h"
#include "experiments.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>

static hl_claim_row_t *add_row(hl_claim_result_t *r, const char *label, const char *fmt,
                               va_list ap) {
  if (r->nrows >= HL_CLAIM_MAX_ROWS)
    return NULL;
  hl_claim_row_t *row = &r->row[r->nrows++];
  memset(row, 0, sizeof *row);
  snprintf(row->label, sizeof row->label, "%s", label);
  vsnprintf(row->measured, sizeof row->measured, fmt, ap);
  return row;
}

hl_claim_row_t *hl_claim_row(hl_claim_result_t *r, const char *label, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hl_claim_row_t *row = add_row(r, label, fmt, ap);
  va_end(ap);
  return row;
}

hl_claim_row_t *hl_claim_row_value(hl_claim_result_t *r, const char *label, double value,
                                   const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hl_claim_row_t *row = add_row(r, label, fmt, ap);
  va_end(ap);
  if (row) {
    row->value = value;
    row->value_ok = 1;
  }
  return row;
}

const char *hl_fmt_ratio(const hl_fig_t *f, char *buf, size_t len) {
  snprintf(buf, len, "%.2fx (%.2f-%.2f, %zu pairs)", f->median, f->min, f->max, f->n);
  return buf;
}

/* A figure's number: whole above 100, three significant digits below. */
static int fmt_num(char *buf, size_t len, double v) {
  return v >= 100 || v <= -100 ? snprintf(buf, len, "%.0f", v) : snprintf(buf, len, "%.3g", v);
}

const char *hl_fmt_fig(const hl_fig_t *f, double scale, const char *unit, char *buf, size_t len) {
  char med[32], lo[32], hi[32];
  fmt_num(med, sizeof med, f->median * scale);
  fmt_num(lo, sizeof lo, f->min * scale);
  fmt_num(hi, sizeof hi, f->max * scale);
  if (f->n > 1)
    snprintf(buf, len, "%s %s (%s-%s, n=%zu)", med, unit, lo, hi, f->n);
  else
    snprintf(buf, len, "%s %s", med, unit);
  return buf;
}

void hl_claim_confidence_reps(const hl_claim_input_t *in, hl_claim_result_t *r,
                              const char *what) {
  snprintf(r->confidence, sizeof r->confidence,
           "%s; medians with min-max over the repetitions, run interleaved%s", what,
           in->quick ? " (--quick: fewer repetitions, smaller parameters)" : "");
}
