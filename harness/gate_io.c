/* The gate's input and output (gate.h): results documents to samples, and
 * the decision to a table, JSON and Markdown. Decides nothing itself: that
 * is gate_decide.c. */
#include "gate.h"

#include "error.h"
#include "escape.h"
#include "output.h"
#include "results.h"
#include "summary.h"
#include "table.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS 10000

static const char *run_name_of(const json_t *e) {
  const char *n = json_string_value(json_object_get(e, "run_name"));
  return n ? n : json_string_value(json_object_get(e, "name"));
}

static int is_iteration(const json_t *e) {
  const char *rt = json_string_value(json_object_get(e, "run_type"));
  return !rt || !strcmp(rt, "iteration");
}

static int name_index(char *const *names, size_t n, const char *name) {
  for (size_t i = 0; i < n; i++)
    if (!strcmp(names[i], name)) return (int)i;
  return -1;
}

/* Distinct iteration-row names of doc appended to names (first appearance). */
static int collect_names(const json_t *bench, char ***names, size_t *n, size_t *cap) {
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    const char *name = run_name_of(e);
    if (!is_iteration(e) || !name || name_index(*names, *n, name) >= 0) continue;
    if (*n == *cap) {
      size_t ncap = *cap ? *cap * 2 : 32;
      char **bigger = realloc(*names, ncap * sizeof *bigger);
      if (!bigger) return HL_ENOMEM;
      *names = bigger;
      *cap = ncap;
    }
    if (!((*names)[*n] = strdup(name))) return HL_ENOMEM;
    (*n)++;
  }
  return 0;
}

/* One side of one benchmark. cpu receives up to MAX_REPS samples. */
static int load_side(const json_t *bench, const char *name, hl_gate_side_t *s, double *cpu,
                     char *why, size_t why_len) {
  memset(s, 0, sizeof *s);
  size_t i;
  const json_t *e;
  json_array_foreach(bench, i, e) {
    if (!is_iteration(e) || strcmp(run_name_of(e), name)) continue;
    s->present = 1;
    const char *o = json_string_value(json_object_get(e, "outcome"));
    if (o && strcmp(o, "ok")) s->failed++;
  }
  const json_t **rows = malloc(MAX_REPS * sizeof *rows);
  if (!rows) return HL_ENOMEM;
  size_t n = hl_summary_ok_rows(bench, name, rows, MAX_REPS);
  s->ok = n;
  int timed = n > 0;
  for (size_t k = 0; k < n; k++) {
    double v;
    if (hl_json_number(rows[k], "cpu_time", &v) != 0)
      timed = 0;
    else if (!isfinite(v) || v < 0) {
      snprintf(why, why_len, "%s: cpu_time is not a finite number >= 0", name);
      free(rows);
      return HL_EPARSE;
    } else
      cpu[k] = v;
    for (int m = 0; m < HL_GATE_NMETRICS; m++)
      if (hl_json_number(rows[k], hl_gate_metric_name(m), &v) == 0)
        hl_gate_value_add(&s->metric[m], v);
  }
  /* A metric that some ok rows lack is not there for the side. */
  for (int m = 0; m < HL_GATE_NMETRICS; m++) {
    size_t have = 0;
    double v;
    for (size_t k = 0; k < n; k++)
      have += hl_json_number(rows[k], hl_gate_metric_name(m), &v) == 0;
    if (have != n) s->metric[m].state = HL_GV_ABSENT;
  }
  free(rows);
  if (timed) {
    s->cpu_ns = cpu;
    s->n = n;
  }
  return 0;
}

int hl_gate_set_load(const json_t *base, const json_t *new_, hl_gate_set_t *set, char *why,
                     size_t why_len) {
  memset(set, 0, sizeof *set);
  const json_t *bb = json_object_get(base, "benchmarks"), *nb = json_object_get(new_, "benchmarks");
  size_t cap = 0;
  int rc = collect_names(bb, &set->names, &set->n, &cap);
  if (rc == 0) rc = collect_names(nb, &set->names, &set->n, &cap);
  if (rc == 0 && set->n == 0) {
    snprintf(why, why_len, "no benchmark rows on either side");
    return HL_ENOENT;
  }
  if (rc == 0) {
    set->bench = calloc(set->n, sizeof *set->bench);
    set->storage = calloc(set->n * 2 * (size_t)MAX_REPS, sizeof *set->storage);
    if (!set->bench || !set->storage) rc = HL_ENOMEM;
  }
  for (size_t i = 0; rc == 0 && i < set->n; i++) {
    hl_gate_bench_t *b = &set->bench[i];
    b->name = set->names[i];
    double *cpu = set->storage + i * 2 * MAX_REPS;
    rc = load_side(bb, b->name, &b->base, cpu, why, why_len);
    if (rc == 0) rc = load_side(nb, b->name, &b->new_, cpu + MAX_REPS, why, why_len);
  }
  if (rc == HL_ENOMEM) snprintf(why, why_len, "out of memory");
  return rc;
}

void hl_gate_set_free(hl_gate_set_t *set) {
  for (size_t i = 0; i < set->n; i++)
    free(set->names[i]);
  free(set->names);
  free(set->bench);
  free(set->storage);
  memset(set, 0, sizeof *set);
}

/* ---- the table ---------------------------------------------------------- */

static void pct(char *buf, size_t len, double x, int sign) {
  snprintf(buf, len, sign ? "%+.1f%%" : "%.1f%%", 100 * x);
}

static const char *timing_word(const hl_gate_bench_t *b) {
  switch (b->timing) {
  case HL_GT_SLOWER: return "slower";
  case HL_GT_FASTER: return "faster";
  case HL_GT_SAME: return "same";
  default: return "untested";
  }
}

static void verdict_text(const hl_gate_bench_t *b, char *buf, size_t len) {
  snprintf(buf, len, "%s%s%s", hl_gate_verdict_name(b->verdict), b->note[0] ? ": " : "", b->note);
}

int hl_gate_print_table(const hl_gate_report_t *r, FILE *out, int markdown) {
  static const char *const headers[] = {"benchmark", "base cpu ns", "new cpu ns", "change", "noise",
                                        "threshold", "p (Holm)",    "reps",       "verdict"};
  hl_table_t *t = hl_table_new(headers, 9, "lrrrrrrrl");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < r->set->n; i++) {
    const hl_gate_bench_t *b = &r->set->bench[i];
    char bm[32] = "-", nm[32] = "-", ch[32] = "-", noise[32] = "-", thr[32] = "-", p[32] = "-",
         reps[48], verdict[400];
    if (b->timing != HL_GT_UNTESTED) {
      snprintf(bm, sizeof bm, "%.2f", b->base_median_ns);
      snprintf(nm, sizeof nm, "%.2f", b->new_median_ns);
      pct(ch, sizeof ch, b->change, 1);
      pct(noise, sizeof noise, b->noise_cv, 0);
      pct(thr, sizeof thr, b->threshold, 0);
      snprintf(p, sizeof p, "%.4f", b->p_holm);
    }
    snprintf(reps, sizeof reps, "%zu/%zu", b->base.ok, b->new_.ok);
    verdict_text(b, verdict, sizeof verdict);
    const char *cells[] = {b->name, bm, nm, ch, noise, thr, p, reps, verdict};
    rc = hl_table_add(t, cells);
  }
  if (rc == 0) hl_table_print(t, out, markdown);
  hl_table_free(t);
  return rc;
}

/* ---- decision JSON -------------------------------------------------------- */

static json_t *metric_json(const hl_gate_bench_t *b) {
  static const char *const words[] = {"none", "equal", "changed", "one side only", "not exact"};
  json_t *o = json_object();
  for (int m = 0; m < HL_GATE_NMETRICS; m++) {
    if (b->metric[m] == HL_GM_NONE) continue;
    json_t *x = json_pack("{s:s}", "verdict", words[b->metric[m]]);
    const hl_gate_value_t *v[2] = {&b->base.metric[m], &b->new_.metric[m]};
    const char *side[2] = {"base", "new"};
    for (int k = 0; k < 2; k++) {
      if (v[k]->state == HL_GV_CONST)
        json_object_set_new(x, side[k], json_real(v[k]->lo));
      else if (v[k]->state == HL_GV_VARIES)
        json_object_set_new(x, side[k], json_pack("{s:f, s:f}", "min", v[k]->lo, "max", v[k]->hi));
    }
    json_object_set_new(o, hl_gate_metric_name(m), x);
  }
  return o;
}

static json_t *bench_json(const hl_gate_bench_t *b) {
  json_t *o = json_pack("{s:s, s:s, s:s, s:I, s:I, s:I, s:I}", "name", b->name, "verdict",
                        hl_gate_verdict_name(b->verdict), "note", b->note, "base_reps",
                        (json_int_t)b->base.ok, "new_reps", (json_int_t)b->new_.ok, "base_failed",
                        (json_int_t)b->base.failed, "new_failed", (json_int_t)b->new_.failed);
  json_t *t = json_pack("{s:s}", "result", timing_word(b));
  if (b->timing != HL_GT_UNTESTED) {
    json_object_set_new(t, "base_median_ns", json_real(b->base_median_ns));
    json_object_set_new(t, "new_median_ns", json_real(b->new_median_ns));
    json_object_set_new(t, "change_pct", json_real(100 * b->change));
    json_object_set_new(t, "noise_cv_pct", json_real(100 * b->noise_cv));
    json_object_set_new(t, "threshold_pct", json_real(100 * b->threshold));
    json_object_set_new(t, "p_value", json_real(b->p_value));
    json_object_set_new(t, "p_holm", json_real(b->p_holm));
  }
  json_object_set_new(o, "timing", t);
  json_object_set_new(o, "metrics", metric_json(b));
  return o;
}

static json_t *source_json(const hl_gate_source_t *s) {
  json_t *o = json_pack("{s:s, s:s}", "path", s->path, "kind", s->is_binary ? "binary" : "results");
  if (s->revision) json_object_set_new(o, "heaplab_revision", json_string(s->revision));
  return o;
}

int hl_gate_write_json(const hl_gate_report_t *r, const char *path, char *why, size_t why_len) {
  const hl_gate_tally_t *t = r->tally;
  char line[512];
  hl_gate_verdict_line(t, r->opts, line, sizeof line);
  json_t *doc = json_pack(
      "{s:s, s:i, s:s, s:{s:I, s:I, s:I, s:I, s:I, s:I, s:I}, s:{s:f, s:f, s:f, s:f, s:i}}",
      "verdict", hl_gate_exit_status(t) ? "fail" : "pass", "exit_status", hl_gate_exit_status(t),
      "summary_line", line, "counts", "benchmarks", (json_int_t)t->benchmarks, "timing_tested",
      (json_int_t)t->tested, "regressions", (json_int_t)t->count[HL_GATE_REGRESSION],
      "changed_metrics", (json_int_t)t->count[HL_GATE_CHANGED], "faster",
      (json_int_t)t->count[HL_GATE_FASTER], "not_comparable",
      (json_int_t)t->count[HL_GATE_NOT_COMPARABLE], "same", (json_int_t)t->count[HL_GATE_SAME],
      "options", "alpha", r->opts->alpha, "min_threshold_pct", 100 * r->opts->min_threshold,
      "noise_z", r->opts->noise_z, "tolerance_pct", 100 * r->opts->tolerance, "rounds",
      (int)r->rounds);
  if (!doc) return HL_ENOMEM;
  if (r->opts->threshold >= 0)
    json_object_set_new(json_object_get(doc, "options"), "threshold_pct",
                        json_real(100 * r->opts->threshold));
  json_object_set_new(doc, "base", source_json(&r->base));
  json_object_set_new(doc, "new", source_json(&r->new_));
  json_t *list = json_array(), *notes = json_array();
  for (size_t i = 0; i < r->set->n; i++) {
    const hl_gate_bench_t *b = &r->set->bench[i];
    json_array_append_new(list, bench_json(b));
    if (b->verdict == HL_GATE_SAME || b->verdict == HL_GATE_FASTER) continue;
    char msg[512];
    if (b->verdict == HL_GATE_REGRESSION && b->timing == HL_GT_SLOWER)
      snprintf(msg, sizeof msg, "CPU time %+.1f%% (threshold %.1f%%, Holm p %.4f)%s%s",
               100 * b->change, 100 * b->threshold, b->p_holm, b->note[0] ? "; " : "", b->note);
    else
      snprintf(msg, sizeof msg, "%s", b->note);
    json_array_append_new(notes,
                          json_pack("{s:s, s:s, s:s}", "level",
                                    b->verdict == HL_GATE_NOT_COMPARABLE ? "warning" : "error",
                                    "title", b->name, "message", msg));
  }
  json_object_set_new(doc, "benchmarks", list);
  json_object_set_new(doc, "annotations", notes);
  char *text = json_dumps(doc, JSON_INDENT(2) | JSON_REAL_PRECISION(10));
  json_decref(doc);
  if (!text) return HL_ENOMEM;
  size_t len = strlen(text);
  text[len] = '\n'; /* json_dumps leaves room for the NUL, which we replace */
  int rc = hl_output_write(path, text, len + 1, why, why_len);
  free(text);
  return rc;
}

/* ---- Markdown ------------------------------------------------------------- */

int hl_gate_write_markdown(const hl_gate_report_t *r, const char *path, char *why, size_t why_len) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return HL_ENOMEM;
  char line[512];
  hl_gate_verdict_line(r->tally, r->opts, line, sizeof line);
  int fail = hl_gate_exit_status(r->tally);
  fprintf(f, "### heaplab gate: %s\n\n%s `%s`\n\n", fail ? "FAIL" : "PASS",
          fail ? ":x:" : ":white_check_mark:", line);
  const hl_gate_source_t *side[2] = {&r->base, &r->new_};
  for (int i = 0; i < 2; i++) { /* a path and a revision are text (escape.h) */
    char shown[1100], rev[300];
    fprintf(f, "- %s: %s (%s%s%s)\n", i ? "new" : "base",
            hl_md_text(side[i]->path, shown, sizeof shown),
            side[i]->is_binary ? "binary" : "results file", side[i]->revision ? ", revision " : "",
            side[i]->revision ? hl_md_text(side[i]->revision, rev, sizeof rev) : "");
  }
  if (r->rounds) fprintf(f, "- %u rounds, interleaved A B / B A\n", r->rounds);
  fprintf(f, "\n");
  int rc = hl_gate_print_table(r, f, 1);
  fprintf(f,
          "\nA timing regression needs a Holm-adjusted Mann-Whitney p below %g and a slowdown "
          "of the median CPU time above the threshold (%s); allocation counts and bytes must "
          "match %s.\n",
          r->opts->alpha,
          r->opts->threshold >= 0 ? "fixed"
                                  : "2 standard errors of the run's own noise, at least "
                                    "the floor",
          r->opts->tolerance > 0 ? "within the tolerance" : "exactly");
  if (fclose(f) != 0 && rc == 0) rc = HL_ENOMEM;
  if (rc == 0) rc = hl_output_write(path, text, len, why, why_len);
  free(text);
  return rc;
}

/* ---- baseline ------------------------------------------------------------- */

json_t *hl_gate_baseline_doc(const json_t *results) {
  static const char *const keep[] = {"name",    "run_name", "run_type", "workload",
                                     "backend", "params",   "threads",  "outcome"};
  const json_t *ctx = json_object_get(results, "context");
  json_t *c = json_pack(
      "{s:s}", "heaplab_baseline",
      "deterministic metrics only: written by `bash ci/gate --refresh`, checked by `bash ci/gate`");
  static const char *const ckeys[] = {"heaplab_version", "heaplab_revision", "options"};
  for (size_t i = 0; i < 3; i++)
    if (json_object_get(ctx, ckeys[i]))
      json_object_set(c, ckeys[i], json_object_get(ctx, ckeys[i]));
  json_t *rows = json_array();
  size_t i;
  const json_t *e;
  json_array_foreach(json_object_get(results, "benchmarks"), i, e) {
    if (!is_iteration(e)) continue;
    json_t *row = json_object();
    for (size_t k = 0; k < sizeof keep / sizeof keep[0]; k++)
      if (json_object_get(e, keep[k])) json_object_set(row, keep[k], json_object_get(e, keep[k]));
    for (int m = 0; m < HL_GATE_NMETRICS; m++)
      if (json_object_get(e, hl_gate_metric_name(m)))
        json_object_set(row, hl_gate_metric_name(m), json_object_get(e, hl_gate_metric_name(m)));
    json_array_append_new(rows, row);
  }
  return json_pack("{s:o, s:o}", "context", c, "benchmarks", rows);
}
