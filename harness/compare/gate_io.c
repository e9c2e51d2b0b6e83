/* The gate's input and output (gate.h): results documents to samples, and
 * the decision to a table, JSON and Markdown. Decides nothing itself: that
 * is gate_decide.c. */
#include "gate.h"

#include "error.h"
#include "escape.h"
#include "output.h"
#include "results.h"
#include "size.h"
#include "table.h"
#include "util.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

/* A value of key in every ok row, or the metric is absent for the side. */
static void load_metrics(const hl_row_group_t *g, hl_gate_side_t *s) {
  for (int m = 0; m < HL_GATE_NMETRICS; m++) {
    size_t have = 0;
    for (size_t k = 0; k < g->nok; k++) {
      double v;
      if (hl_row_number(g->ok[k], hl_gate_metric_name(m), &v) == 0) {
        hl_gate_value_add(&s->metric[m], v);
        have++;
      }
    }
    if (have != g->nok) s->metric[m].state = HL_GV_ABSENT;
  }
}

/* Where a benchmark's timings and peaks come from: the ok rows that ran on
 * the host of `host` (NULL: every ok row), or none when its sides ran on
 * different machines. */
typedef struct timed_on {
  const hl_row_t *host;
  int none;
} timed_on_t;

/* key of the ok rows on the host into x; 0 when one of them lacks it. */
static size_t load_samples(const hl_row_group_t *g, timed_on_t on, const char *key, double *x) {
  size_t n = 0;
  for (size_t k = 0; k < g->nok; k++) {
    if (on.host && hl_row_same_host(g->ok[k], on.host) == 0) continue;
    if (hl_row_number(g->ok[k], key, &x[n++]) != 0) return 0;
  }
  return n;
}

/* The PMU's instructions per iteration of every ok row on the host (--pmu:
 * the counter over all threads, per iteration of all threads); 0 when one
 * of them lacks it (no PMU: the counter is unavailable, and absent). */
static size_t load_pmu_instructions(const hl_row_group_t *g, timed_on_t on, double *x) {
  size_t n = 0;
  for (size_t k = 0; k < g->nok; k++) {
    if (on.host && hl_row_same_host(g->ok[k], on.host) == 0) continue;
    double count, iters, threads = 1;
    if (hl_row_number(g->ok[k], "counter.perf::INSTRUCTIONS", &count) != 0 ||
        hl_row_number(g->ok[k], "iterations", &iters) != 0 || !(iters > 0))
      return 0;
    hl_row_number(g->ok[k], "threads", &threads);
    x[n++] = count / (iters * (threads >= 1 ? threads : 1));
  }
  return n;
}

/* The round of each ok row on the host (its repetition_index, else its
 * position), beside its CPU-time sample. */
static void load_rounds(const hl_row_group_t *g, timed_on_t on, unsigned *round) {
  size_t n = 0;
  for (size_t k = 0; k < g->nok; k++) {
    if (on.host && hl_row_same_host(g->ok[k], on.host) == 0) continue;
    long r = g->ok[k]->repetition;
    round[n] = r >= 0 ? (unsigned)r : (unsigned)n;
    n++;
  }
}

/* One side of one benchmark (g NULL: absent there). Takes (2 + peaks) x
 * g->nok samples from *storage and g->nok rounds from *rounds; timings,
 * instructions and peaks only from the rows on the host (none when the
 * sides ran on different machines: an instruction count depends on the
 * CPU's code paths too). */
static void load_side(const hl_row_group_t *g, timed_on_t on, hl_gate_side_t *s,
                      double **storage, unsigned **rounds) {
  memset(s, 0, sizeof *s);
  if (!g) return;
  s->present = 1;
  s->ok = g->nok;
  s->failed = g->n - g->nok;
  load_metrics(g, s);
  double *cpu = *storage;
  *storage += g->nok;
  if (g->nok && !on.none && (s->n = load_samples(g, on, "cpu_time", cpu)) != 0) {
    s->cpu_ns = cpu;
    load_rounds(g, on, *rounds);
    s->round = *rounds;
  }
  *rounds += g->nok;
  double *instr = *storage;
  *storage += g->nok;
  if (g->nok && !on.none && (s->ninstr = load_samples(g, on, "instructions_per_iter", instr)))
    s->instr = instr;
  else if (g->nok && !on.none && (s->ninstr = load_pmu_instructions(g, on, instr)))
    s->instr = instr, s->instr_pmu = 1;
  for (int k = 0; k < HL_GATE_NMISSES; k++) {
    double *x = *storage;
    *storage += g->nok;
    if (g->nok && !on.none &&
        (s->nmisses[k] = load_samples(g, on, hl_gate_miss_name(k), x)) != 0)
      s->misses[k] = x;
  }
  for (int k = 0; k < HL_GATE_NPEAKS; k++) {
    double *x = *storage;
    *storage += g->nok;
    if (g->nok && !on.none && (s->npeak[k] = load_samples(g, on, hl_gate_peak_name(k), x)))
      s->peak_bytes[k] = x;
  }
}

/* The host both sides' timings are taken from: that of the first ok row of
 * the base whose machine the new side has too (the rows of one cell ran on
 * one machine, unless files of several were merged); every row when a side
 * does not know its machines; none when both know them and share none.
 * A run of rows on one machine is looked at once. */
static timed_on_t timed_on(const hl_row_group_t *a, const hl_row_group_t *c) {
  timed_on_t on = {NULL, 0};
  for (size_t i = 0; a && c && i < a->nok; i++)
    for (size_t j = 0; j < c->nok; j++) {
      if ((i && a->ok[i]->machine == a->ok[i - 1]->machine) ||
          (j && c->ok[j]->machine == c->ok[j - 1]->machine))
        continue;
      int same = hl_row_same_host(a->ok[i], c->ok[j]);
      if (same < 0) return (timed_on_t){NULL, 0};
      if (same) return (timed_on_t){a->ok[i], 0};
      on.none = 1;
    }
  return on;
}

static size_t ok_rows(const hl_row_index_t *ix) {
  size_t n = 0;
  for (size_t g = 0; g < ix->n; g++)
    n += ix->group[g].nok;
  return n;
}

/* Pairs the groups of the two indexes: base order, then the new-only ones. */
static int pair_up(hl_gate_set_t *set) {
  const hl_row_index_t *a = &set->ix[0], *c = &set->ix[1];
  set->bench = calloc(a->n + c->n ? a->n + c->n : 1, sizeof *set->bench);
  set->storage = malloc(((ok_rows(a) + ok_rows(c)) * (2 + HL_GATE_NMISSES + HL_GATE_NPEAKS) + 1) * sizeof(double));
  set->rounds = malloc((ok_rows(a) + ok_rows(c) + 1) * sizeof *set->rounds);
  if (!set->bench || !set->storage || !set->rounds) return HL_ENOMEM;
  double *next = set->storage;
  unsigned *next_round = set->rounds;
  for (size_t i = 0; i < a->n + c->n; i++) {
    const hl_row_group_t *ga = i < a->n ? &a->group[i] : NULL;
    const hl_row_group_t *gc = i < a->n ? hl_row_index_find(c, ga->key) : &c->group[i - a->n];
    if (!ga && hl_row_index_find(a, gc->key)) continue; /* paired above */
    hl_gate_bench_t *b = &set->bench[set->n++];
    b->name = ga ? ga->key : gc->key;
    timed_on_t on = timed_on(ga, gc);
    b->other_machines = on.none;
    if (on.none && !set->other[0]) {
      set->other[0] = ga->ok[0]->machine;
      set->other[1] = gc->ok[0]->machine;
    }
    load_side(ga, on, &b->base, &next, &next_round);
    load_side(gc, on, &b->new_, &next, &next_round);
  }
  return 0;
}

int hl_gate_set_load(const hl_results_t *base, const hl_results_t *new_, hl_gate_set_t *set,
                     char *why, size_t why_len) {
  return hl_gate_set_load_keyed(base, new_, NULL, set, why, why_len);
}

int hl_gate_set_load_keyed(const hl_results_t *base, const hl_results_t *new_, hl_row_key_fn key,
                           hl_gate_set_t *set, char *why, size_t why_len) {
  memset(set, 0, sizeof *set);
  const hl_results_t *docs[2] = {base, new_};
  int rc = 0;
  for (int k = 0; k < 2 && rc == 0; k++)
    rc = hl_row_index_build(docs[k], key ? key : hl_row_key_run_name, &set->ix[k]);
  if (rc == 0) rc = pair_up(set);
  if (rc) {
    snprintf(why, why_len, "out of memory");
    hl_gate_set_free(set);
  }
  return rc;
}

void hl_gate_set_free(hl_gate_set_t *set) {
  hl_row_index_free(&set->ix[0]);
  hl_row_index_free(&set->ix[1]);
  free(set->bench);
  free(set->storage);
  free(set->rounds);
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
  static const char *const headers[] = {"benchmark", "base cpu ns", "new cpu ns", "change",
                                        "noise",     "threshold",   "p (Holm)",   "reps",
                                        "peak RSS",  "verdict"};
  hl_table_t *t = hl_table_new(headers, 10, "lrrrrrrrrl");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < r->set->n; i++) {
    const hl_gate_bench_t *b = &r->set->bench[i];
    char bm[32] = "-", nm[32] = "-", ch[32] = "-", noise[32] = "-", thr[32] = "-", p[32] = "-",
         reps[48], rss[40] = "-", verdict[400];
    if (b->timing != HL_GT_UNTESTED) {
      snprintf(bm, sizeof bm, "%.2f", b->base_median_ns);
      snprintf(nm, sizeof nm, "%.2f", b->new_median_ns);
      pct(ch, sizeof ch, b->change, 1);
      pct(noise, sizeof noise, b->noise_cv, 0);
      pct(thr, sizeof thr, b->threshold, 0);
      snprintf(p, sizeof p, "%.4f", b->p_holm);
    } else if (b->instr.verdict >= HL_GI_SAME) { /* counted, not timed: says so */
      snprintf(bm, sizeof bm, "%.1f instr", b->instr.base_median);
      snprintf(nm, sizeof nm, "%.1f instr", b->instr.new_median);
      snprintf(ch, sizeof ch, "%+.2f%%", 100 * b->instr.change);
      snprintf(thr, sizeof thr, "%.2f%%", 100 * b->instr.tolerance);
    }
    const hl_gate_peak_t *pk = &b->peak[HL_GP_rss_peak_bytes];
    if (pk->verdict >= HL_GP_SAME)
      hl_size_format_change(pk->new_median_bytes - pk->base_median_bytes, rss, sizeof rss);
    snprintf(reps, sizeof reps, "%zu/%zu", b->base.ok, b->new_.ok);
    if (r->seq && b->timing != HL_GT_UNTESTED)
      snprintf(reps + strlen(reps), sizeof reps - strlen(reps), " (%u used%s)", b->rounds,
               b->undecided ? ", undecided" : "");
    verdict_text(b, verdict, sizeof verdict);
    const char *cells[] = {b->name, bm, nm, ch, noise, thr, p, reps, rss, verdict};
    rc = hl_table_add(t, cells);
  }
  if (rc == 0) hl_table_print(t, out, markdown);
  hl_table_free(t);
  return rc;
}

/* The smallest two-sided exact p of the U test with n values a side and no
 * overlap: 2 / C(2n, n). */
static double smallest_p(size_t n) {
  double c = 1;
  for (size_t k = 1; k <= n; k++)
    c = c * (double)(n + k) / (double)k;
  return 2.0 / c;
}

/* Which machines the sides of the first such benchmark ran on (a file's
 * strings: cleaned for a terminal). */
static void print_machines(const hl_gate_set_t *set, FILE *out) {
  for (int k = 0; set && set->other[0] && k < 2; k++) {
    char text[1024];
    hl_machine_describe(set->other[k], text, sizeof text);
    char *clean = hl_term_clean(text);
    fprintf(out, "      %s: %s\n", k ? "new" : "base", clean ? clean : "?");
    free(clean);
  }
}

void hl_gate_print_notes(const hl_gate_set_t *set, const hl_gate_tally_t *t,
                         const hl_gate_opts_t *o, FILE *out) {
  if (t->other_machines) {
    fprintf(out,
            "note: %zu benchmarks ran on different machines in base and new (fingerprints "
            "that differ beyond heaplab's revision and the library versions): their timings "
            "and peak memory are not compared, only their deterministic metrics\n",
            t->other_machines);
    print_machines(set, out);
  }
  if (t->compared == 0)
    fprintf(out, "note: nothing was compared: no benchmark is on both sides with an ok "
                 "repetition on each (the same -w, -b, -p and --quick on both?)\n");
  if (t->count[HL_GATE_MISSING])
    fprintf(out,
            "note: %zu benchmarks of the base are missing from the new side "
            "(--allow-missing to gate a subset)\n",
            t->count[HL_GATE_MISSING]);
  if (t->compared && t->tested == 0 && t->other_machines < t->compared)
    fprintf(out, "note: no timing compared (a side has no timings, e.g. a metrics-only "
                 "baseline)\n");
  else if (t->min_reps && smallest_p(t->min_reps) >= o->alpha)
    fprintf(out,
            "note: with %zu repetitions a side the U test cannot reach p < %g: no timing "
            "regression can be detected (use 4 or more repetitions a side; 10 recommended)\n",
            t->min_reps, o->alpha);
}

/* ---- decision JSON -------------------------------------------------------- */

static json_t *bench_json(const hl_gate_bench_t *b, const struct hl_seq *seq) {
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
    json_object_set_new(t, "test", json_string(hl_gate_test_name(b->used)));
    json_object_set_new(t, "rounds", json_integer(b->rounds));
    json_object_set_new(t, "undecided", json_boolean(b->undecided));
  }
  json_object_set_new(o, "timing", t);
  json_object_set_new(o, "timing_tests", hl_gate_tests_json(b, seq));
  json_t *instr = hl_gate_instr_json(b);
  if (instr) json_object_set_new(o, "instructions", instr);
  if (b->other_machines) json_object_set_new(o, "other_machines", json_true());
  json_object_set_new(o, "metrics", hl_gate_metrics_json(b));
  json_object_set_new(o, "memory", hl_gate_peaks_json(b));
  return o;
}

static json_t *source_json(const hl_gate_source_t *s) {
  json_t *o = json_pack("{s:s, s:s}", "path", s->path, "kind", s->is_binary ? "binary" : "results");
  if (s->revision) json_object_set_new(o, "heaplab_revision", json_string(s->revision));
  if (s->backend) json_object_set_new(o, "backend", json_string(s->backend));
  return o;
}

static json_t *counts_json(const hl_gate_tally_t *t) {
  return json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "benchmarks", (json_int_t)t->benchmarks,
      "compared", (json_int_t)t->compared, "timing_tested", (json_int_t)t->tested, "memory_tested",
      (json_int_t)t->mem_tested, "regressions", (json_int_t)t->count[HL_GATE_REGRESSION],
      "changed_metrics", (json_int_t)t->count[HL_GATE_CHANGED], "faster",
      (json_int_t)t->count[HL_GATE_FASTER], "missing", (json_int_t)t->count[HL_GATE_MISSING],
      "not_comparable", (json_int_t)t->count[HL_GATE_NOT_COMPARABLE], "same",
      (json_int_t)t->count[HL_GATE_SAME]);
}

static json_t *options_json(const hl_gate_opts_t *o, unsigned rounds) {
  json_t *x =
      json_pack("{s:f, s:f, s:f, s:f, s:f, s:f, s:b, s:i}", "alpha", o->alpha, "min_threshold_pct",
                100 * o->min_threshold, "noise_z", o->noise_z, "tolerance_pct", 100 * o->tolerance,
                "mem_min_threshold_pct", 100 * o->mem_min_threshold, "mem_min_bytes",
                o->mem_min_bytes, "allow_missing", o->allow_missing, "rounds", (int)rounds);
  char tests[64];
  hl_gate_tests_text(o->tests, tests, sizeof tests);
  if (x) json_object_set_new(x, "test", json_string(tests));
  if (x) json_object_set_new(x, "looks", json_integer(o->looks));
  if (x) json_object_set_new(x, "instr_tolerance_pct", json_real(100 * o->instr_tolerance));
  if (x && o->threshold >= 0)
    json_object_set_new(x, "threshold_pct", json_real(100 * o->threshold));
  if (x && o->mem_threshold >= 0)
    json_object_set_new(x, "mem_threshold_pct", json_real(100 * o->mem_threshold));
  return x;
}

int hl_gate_write_json(const hl_gate_report_t *r, const char *path, char *why, size_t why_len) {
  const hl_gate_tally_t *t = r->tally;
  char line[4096];
  hl_gate_verdict_line(t, r->opts, line, sizeof line);
  if (r->rounds_text && r->rounds_text[0])
    snprintf(line + strlen(line), sizeof line - strlen(line), "; rounds: %s", r->rounds_text);
  json_t *doc =
      json_pack("{s:s, s:i, s:s, s:o, s:o}", "verdict", hl_gate_exit_status(t) ? "fail" : "pass",
                "exit_status", hl_gate_exit_status(t), "summary_line", line, "counts",
                counts_json(t), "options", options_json(r->opts, r->rounds));
  if (!doc) return HL_ENOMEM;
  json_object_set_new(doc, "base", source_json(&r->base));
  json_object_set_new(doc, "new", source_json(&r->new_));
  json_t *list = json_array(), *notes = json_array();
  for (size_t i = 0; i < r->set->n; i++) {
    const hl_gate_bench_t *b = &r->set->bench[i];
    json_array_append_new(list, bench_json(b, r->seq));
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
    char backend[400];
    fprintf(f, "- %s: %s (%s%s%s%s%s)\n", i ? "new" : "base",
            hl_md_text(side[i]->path, shown, sizeof shown),
            side[i]->is_binary ? "binary" : "results file", side[i]->revision ? ", revision " : "",
            side[i]->revision ? hl_md_text(side[i]->revision, rev, sizeof rev) : "",
            side[i]->backend ? ", backend " : "",
            side[i]->backend ? hl_md_text(side[i]->backend, backend, sizeof backend) : "");
  }
  if (r->rounds) fprintf(f, "- %u rounds, interleaved A B / B A\n", r->rounds);
  fprintf(f, "\n");
  int rc = hl_gate_print_table(r, f, 1);
  const hl_gate_opts_t *o = r->opts;
  char mem[96];
  if (o->mem_threshold >= 0)
    snprintf(mem, sizeof mem, "%.1f%%", 100 * o->mem_threshold);
  else
    snprintf(mem, sizeof mem, "a tolerance from the run's own spread, at least %.0f KiB and %.1f%%",
             o->mem_min_bytes / 1024, 100 * o->mem_min_threshold);
  fprintf(f,
          "\nA timing regression needs a Holm-adjusted Mann-Whitney p below %g and a slowdown "
          "of the median CPU time above the threshold (%s); allocation counts and bytes must "
          "match %s in every repetition; the median peak RSS (and a collector's peak heap) may "
          "grow by no more than %s%s.\n",
          o->alpha,
          o->threshold >= 0 ? "fixed"
                            : "2 standard errors of the run's own noise, at least the floor",
          o->tolerance > 0 ? "within the tolerance" : "exactly", mem,
          o->allow_missing ? "" : "; every benchmark of the base must be on the new side");
  if (fclose(f) != 0 && rc == 0) rc = HL_ENOMEM;
  if (rc == 0) rc = hl_output_write(path, text, len, why, why_len);
  free(text);
  return rc;
}

/* ---- baseline ------------------------------------------------------------- */

json_t *hl_gate_baseline_doc(const hl_results_t *results) {
  const json_t *ctx = results->context;
  json_t *c =
      json_pack("{s:s}", "heaplab_baseline",
                "deterministic metrics and peak memory only: written by `bash ci/gate --refresh`, "
                "checked by `bash ci/gate`");
  static const char *const ckeys[] = {"heaplab_version", "heaplab_revision", "options"};
  for (size_t i = 0; i < 3; i++)
    if (json_object_get(ctx, ckeys[i]))
      json_object_set(c, ckeys[i], json_object_get(ctx, ckeys[i]));
  json_t *rows = json_array();
  for (size_t i = 0; i < results->n; i++) {
    const json_t *e = results->row[i].json;
    if (results->row[i].run_type != HL_RUN_ITERATION) continue;
    json_t *row = json_object();
    hl_row_copy_identity(e, row);
    for (int m = 0; m < HL_GATE_NMETRICS + HL_GATE_NPEAKS; m++) {
      const char *key =
          m < HL_GATE_NMETRICS ? hl_gate_metric_name(m) : hl_gate_peak_name(m - HL_GATE_NMETRICS);
      if (json_object_get(e, key)) json_object_set(row, key, json_object_get(e, key));
    }
    json_array_append_new(rows, row);
  }
  return json_pack("{s:o, s:o}", "context", c, "benchmarks", rows);
}
