/* The decision JSON's detail (gate.h): both timing tests of a benchmark,
 * its figures at every look of a sequential gate, and its instruction
 * counts, its deterministic metrics and peaks. Kept apart from gate_io.c's fixed fields so that the U test's
 * figures stay in the JSON beside the paired test's, whichever decided. */
#include "gate.h"

#include "sequential.h"

#include <string.h>

static json_t *figures_json(const hl_gate_test_figures_t *f) {
  static const char *const words[] = {"untested", "same", "slower", "faster"};
  if (!f->tested) return json_pack("{s:b}", "tested", 0);
  return json_pack("{s:b, s:I, s:f, s:f, s:f, s:f, s:f, s:f, s:s, s:b}", "tested", 1, "n",
                   (json_int_t)f->n, "change_pct", 100 * f->change, "noise_pct", 100 * f->noise,
                   "threshold_pct", 100 * f->threshold, "upper_pct", 100 * f->upper, "p_value",
                   f->p_value, "p_holm", f->p_holm, "result", words[f->timing], "undecided",
                   f->undecided);
}

static json_t *tests_object(const hl_gate_test_figures_t *test) {
  json_t *o = json_object();
  for (int t = 0; t < HL_GATE_NTESTS; t++)
    json_object_set_new(o, hl_gate_test_name((hl_gate_test_t)t), figures_json(&test[t]));
  return o;
}

json_t *hl_gate_tests_json(const hl_gate_bench_t *b, const struct hl_seq *seq) {
  if (b->timing == HL_GT_UNTESTED) return json_null();
  json_t *o = tests_object(b->test);
  json_object_set_new(o, "used", json_string(hl_gate_test_name(b->used)));
  const hl_seq_entry_t *e = seq ? hl_seq_find(seq, b->name) : NULL;
  if (!e) return o;
  json_t *looks = json_array();
  for (size_t k = 0; k < e->nlooks; k++) {
    json_t *x = tests_object(e->looks[k].test);
    json_object_set_new(x, "rounds", json_integer(e->looks[k].rounds));
    json_object_set_new(x, "alpha", json_real(e->looks[k].alpha));
    json_array_append_new(looks, x);
  }
  json_object_set_new(o, "looks", looks);
  return o;
}

void hl_gate_pmu_note(const json_t *doc, const char *role, FILE *out) {
  const json_t *counters = json_object_get(json_object_get(doc, "context"), "counters");
  const char *state = json_string_value(json_object_get(counters, "perf::INSTRUCTIONS"));
  if (!doc || (state && !strcmp(state, "counted"))) return;
  fprintf(out,
          "note: --pmu: perf::INSTRUCTIONS not counted on the %s side (%s): instructions not "
          "gated, CPU time is\n",
          role, state ? state : "no counter status in its results");
}

static json_t *count_json(const hl_gate_instr_t *g, const char *unit) {
  static const char *const words[] = {"none", "one side only", "same", "more", "fewer"};
  json_t *o = json_pack("{s:s, s:s}", "result", words[g->verdict], "unit", unit);
  if (g->verdict >= HL_GI_SAME) {
    json_object_set_new(o, "base_median", json_real(g->base_median));
    json_object_set_new(o, "new_median", json_real(g->new_median));
    json_object_set_new(o, "change_pct", json_real(100 * g->change));
    json_object_set_new(o, "base_spread_pct", json_real(100 * g->base_spread));
    json_object_set_new(o, "tolerance_pct", json_real(100 * g->tolerance));
  }
  return o;
}

json_t *hl_gate_instr_json(const hl_gate_bench_t *b) {
  if (b->instr.verdict == HL_GI_NONE) return NULL;
  json_t *o = count_json(&b->instr, b->base.instr_pmu || b->new_.instr_pmu
                                        ? "instructions per iteration (PMU, perf::INSTRUCTIONS)"
                                        : "instructions per iteration (callgrind), not time");
  json_t *cache = json_object();
  for (int k = 0; k < HL_GATE_NMISSES; k++)
    if (b->misses[k].verdict != HL_GI_NONE)
      json_object_set_new(cache, hl_gate_miss_name(k),
                          count_json(&b->misses[k], "simulated misses per iteration (callgrind)"));
  if (json_object_size(cache))
    json_object_set_new(o, "cache", cache);
  else
    json_decref(cache);
  return o;
}

json_t *hl_gate_metrics_json(const hl_gate_bench_t *b) {
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

json_t *hl_gate_peaks_json(const hl_gate_bench_t *b) {
  static const char *const words[] = {"none", "one side only", "same", "grew", "shrank"};
  json_t *o = json_object();
  for (int k = 0; k < HL_GATE_NPEAKS; k++) {
    const hl_gate_peak_t *p = &b->peak[k];
    if (p->verdict == HL_GP_NONE) continue;
    json_t *x = json_pack("{s:s}", "result", words[p->verdict]);
    if (p->verdict >= HL_GP_SAME) {
      json_object_set_new(x, "base_median_bytes", json_real(p->base_median_bytes));
      json_object_set_new(x, "new_median_bytes", json_real(p->new_median_bytes));
      json_object_set_new(x, "change_pct", json_real(100 * p->change));
      json_object_set_new(x, "noise_cv_pct", json_real(100 * p->noise_cv));
      json_object_set_new(x, "tolerance_bytes", json_real(p->tolerance_bytes));
    }
    json_object_set_new(o, hl_gate_peak_name(k), x);
  }
  return o;
}
