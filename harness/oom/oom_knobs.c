/* The settings of the OOM report's cells, and which single setting moved a
 * cell from death to survival (oom_md.h). */
#include "oom_md.h"

#include "escape.h"

#include <stdio.h>
#include <string.h>

/* The settings two cells of one workload can differ in, in the order the
 * statements are listed: the seed's steps first. */
static const char *const knobs[][2] = {
    {"gogc", "GOGC"},       {"memlimit", "GOMEMLIMIT (--memlimit)"},
    {"backend", "backend"}, {"escape", "escape analysis"},
    {"threads", "threads"},
};
#define NKNOBS (sizeof knobs / sizeof knobs[0])

typedef struct diff {
  size_t knob;     /* index in knobs, or NKNOBS for a workload parameter */
  const char *key; /* the parameter's key */
  char from[64], to[64];
} diff_t;

static int same_json(const json_t *a, const json_t *b) {
  return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* Whether knob key applies to the row's backend: a backend that ignores a
 * knob (glibc's GOGC, bdwgc's GOMEMLIMIT) ran once in a sweep of it, and
 * its rows list it in knobs_not_applicable (runner.c) instead of a value.
 * Such a knob is no difference between two cells. */
static int knob_applies(const hl_row_t *row, const char *key, size_t key_len) {
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(row->json, "knobs_not_applicable"), i, v) {
    const char *name = json_string_value(v);
    if (name && strlen(name) == key_len && !strncmp(name, key, key_len)) return 0;
  }
  return 1;
}

static size_t knobs_not_applicable(const oom_cell_t *c) {
  return json_array_size(json_object_get(c->rows[0]->json, "knobs_not_applicable"));
}

/* How many settings cells a and b differ in (-1: another workload); d describes the difference when
 * it is exactly one, from a's value to b's. */
static int cell_diff(const oom_cell_t *a, const oom_cell_t *b, diff_t *d) {
  const hl_row_t *ra = a->rows[0], *rb = b->rows[0];
  if (strcmp(oom_str(ra->json, "workload"), oom_str(rb->json, "workload"))) return -1;
  int n = 0;
  for (size_t k = 0; k < NKNOBS; k++) {
    const char *key = knobs[k][0];
    const json_t *va = json_object_get(ra->json, key), *vb = json_object_get(rb->json, key);
    if (same_json(va, vb) || !knob_applies(ra, key, strlen(key)) ||
        !knob_applies(rb, key, strlen(key)))
      continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = k, .key = knobs[k][0]};
      oom_fmt_knob(ra, d->key, va, d->from, sizeof d->from);
      oom_fmt_knob(rb, d->key, vb, d->to, sizeof d->to);
    }
  }
  const json_t *pa = json_object_get(ra->json, "params"), *pb = json_object_get(rb->json, "params");
  const char *key;
  const json_t *va;
  json_object_foreach((json_t *)pa, key, va) {
    const json_t *vb = json_object_get(pb, key);
    if (same_json(va, vb)) continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = NKNOBS, .key = key};
      oom_fmt_knob(ra, key, va, d->from, sizeof d->from);
      oom_fmt_knob(rb, key, vb, d->to, sizeof d->to);
    }
  }
  json_object_foreach((json_t *)pb, key, va) {
    if (json_object_get(pa, key)) continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = NKNOBS, .key = key, .from = "-"};
      oom_fmt_knob(rb, key, va, d->to, sizeof d->to);
    }
  }
  return n;
}

/* What the two cells' names share: "steady-service/span-gc/gogc=100" and
 * ".../gogc=50" share "steady-service/span-gc". A knob of one that does not
 * apply to the other counts as shared ("steady-service/span-gc/gogc=200" and
 * "steady-service/glibc" share "steady-service/gogc=200"), so the names are
 * read from the cell with more knobs. */
static void common_name(const oom_cell_t *x, const oom_cell_t *y, char *buf, size_t len) {
  if (knobs_not_applicable(y) < knobs_not_applicable(x)) {
    const oom_cell_t *t = x;
    x = y;
    y = t;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (const char *p = x->name; *p && off < len;) {
    size_t n = strcspn(p, "/");
    int shared = !knob_applies(y->rows[0], p, strcspn(p, "=/"));
    for (const char *q = y->name; *q && !shared;) {
      size_t m = strcspn(q, "/");
      shared = m == n && !strncmp(p, q, n);
      q += m + (q[m] == '/');
    }
    if (shared) off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? "/" : "", (int)n, p);
    p += n + (p[n] == '/');
  }
}

/* One line: "GOGC 100 -> 50: steady-service/span-gc survived 5/5 instead of
 * 0/5 under the 120.0 MiB limit (watchdog)." worse is the cell that
 * survived less; d goes from its setting to better's. */
static void move_line(FILE *md, const oom_doc_t *d, const oom_cell_t *worse,
                      const oom_cell_t *better, const diff_t *df) {
  char common[512], lim[32], key[128], from[128], to[128], name[1100];
  common_name(worse, better, common, sizeof common);
  oom_fmt_mib((double)worse->limit_bytes, lim, sizeof lim);
  fprintf(md, "- %s%s %s -> %s: %s survived %zu/%zu instead of %zu/%zu",
          df->knob < NKNOBS ? "" : "-p ",
          df->knob < NKNOBS ? knobs[df->knob][1] : hl_md_text(df->key, key, sizeof key),
          hl_md_text(df->from, from, sizeof from), hl_md_text(df->to, to, sizeof to),
          hl_md_text(common, name, sizeof name), better->survived, better->runs, worse->survived,
          worse->runs);
  if (worse->limit_bytes)
    fprintf(md, " under the %s limit (%s)", lim, d->limit_mode ? d->limit_mode : "?");
  fputs(".", md);
  if (worse->ci_hi >= better->ci_lo)
    fprintf(md,
            " Not yet a clear difference: the 95%% intervals (%.0f-%.0f%% and %.0f-%.0f%%) "
            "overlap; more runs would settle it.",
            100 * worse->ci_lo, 100 * worse->ci_hi, 100 * better->ci_lo, 100 * better->ci_hi);
  fputs("\n", md);
}

/* "GOGC 200 -> 50: the smallest limit at which steady-service/span-gc
 * survived every run fell from 60.8 MiB to 33.4 MiB (-45%)." worse is the
 * cell that needed more. */
static void limit_line(FILE *md, const oom_cell_t *worse, const oom_cell_t *better,
                       const diff_t *df) {
  char common[512], from[32], to[32];
  common_name(worse, better, common, sizeof common);
  oom_fmt_mib((double)worse->min_limit_bytes, from, sizeof from);
  oom_fmt_mib((double)better->min_limit_bytes, to, sizeof to);
  fprintf(md,
          "- %s%s %s -> %s: the smallest limit at which %s survived every run fell from %s to %s "
          "(%+.0f%%).\n",
          df->knob < NKNOBS ? "" : "-p ", df->knob < NKNOBS ? knobs[df->knob][1] : df->key,
          df->from, df->to, common, from, to,
          100.0 * ((double)better->min_limit_bytes / (double)worse->min_limit_bytes - 1));
}

/* Every pair of cells differing in one setting, by setting: searched cells
 * by the limit each needed, the others by survival under the same limit
 * (rates compared exactly: sa/ra against sb/rb). Each statement runs from
 * the worse setting to the better, so df is reversed when b is worse. */
void oom_moves_section(FILE *md, const oom_doc_t *d) {
  fputs("## What moved it from death to survival\n\n"
        "Pairs of cells of one workload that differ in exactly one setting and survived "
        "differently under the same limit, or needed different limits when searched, from the "
        "setting that did worse to the one that did better.\n\n",
        md);
  size_t moved = 0, alike = 0;
  for (size_t k = 0; k <= NKNOBS; k++)
    for (size_t i = 0; i < d->ncells; i++)
      for (size_t j = i + 1; j < d->ncells; j++) {
        const oom_cell_t *a = &d->cells[i], *b = &d->cells[j];
        diff_t df, back;
        if (cell_diff(a, b, &df) != 1 || df.knob != k) continue;
        back = df;
        snprintf(back.from, sizeof back.from, "%s", df.to);
        snprintf(back.to, sizeof back.to, "%s", df.from);
        uint64_t ma = a->min_limit_bytes, mb = b->min_limit_bytes;
        size_t sa = a->survived * b->runs, sb = b->survived * a->runs;
        if (ma && mb && ma != mb) {
          if (ma > mb)
            limit_line(md, a, b, &df);
          else
            limit_line(md, b, a, &back);
        } else if (!a->runs || !b->runs || a->limit_bytes != b->limit_bytes) {
          continue;
        } else if (sa == sb) {
          alike++;
          continue;
        } else if (sa < sb) {
          move_line(md, d, a, b, &df);
        } else {
          move_line(md, d, b, a, &back);
        }
        moved++;
      }
  if (!moved) fputs("No single setting changed whether a cell survived.\n", md);
  if (alike)
    fprintf(md, "%s%zu other pair(s) differing in one setting survived alike.\n", moved ? "\n" : "",
            alike);
  fputs("\n", md);
}

/* ---- a cell's settings ------------------------------------------------------- */

void oom_settings_text(const hl_row_t *row, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < NKNOBS && off < len; k++) {
    const json_t *v = json_object_get(row->json, knobs[k][0]);
    if (!strcmp(knobs[k][0], "backend")) continue;
    char b[64] = "does not apply";
    if (v)
      oom_fmt_knob(row, knobs[k][0], v, b, sizeof b);
    else if (knob_applies(row, knobs[k][0], strlen(knobs[k][0])))
      continue;
    off += (size_t)snprintf(buf + off, len - off, "%s%s %s", off ? ", " : "", knobs[k][1], b);
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(row->json, "params"), key, v) {
    char b[64];
    oom_fmt_knob(row, key, v, b, sizeof b);
    if (off < len)
      off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? ", " : "", key, b);
  }
}
