/* The claims' verdict rules (harness/claims/verdict.h) and decide functions
 * (experiments.h) on synthetic rows: every verdict is reachable, a
 * borderline figure gives "depends" with its condition, and selections match
 * cells by parameters and knobs as the runs write them. */
#include "error.h"
#include "experiments.h"
#include "figures.h"
#include "th.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void test_rules(void) {
  CHECK_INT(hl_rule_at_least(1.2, 1.0, 0.1), HL_HOLDS);
  CHECK_INT(hl_rule_at_least(1.05, 1.0, 0.1), HL_DEPENDS); /* borderline */
  CHECK_INT(hl_rule_at_least(0.8, 1.0, 0.1), HL_DOES_NOT_HOLD);
  CHECK_INT(hl_rule_at_most(10.0, 12.5, 0.02), HL_HOLDS);
  CHECK_INT(hl_rule_at_most(12.6, 12.5, 0.02), HL_DEPENDS);
  CHECK_INT(hl_rule_at_most(15.8, 12.5, 0.02), HL_DOES_NOT_HOLD);
  CHECK_INT(hl_rule_ratio_above_one(1.1, 1.4, 0.0), HL_HOLDS);
  CHECK_INT(hl_rule_ratio_above_one(0.9, 1.2, 0.0), HL_DEPENDS); /* the range straddles 1 */
  CHECK_INT(hl_rule_ratio_above_one(0.7, 0.95, 0.0), HL_DOES_NOT_HOLD);
  CHECK_INT(hl_rule_within_factor(2.0, 1.0, 3.0), HL_HOLDS);
  CHECK_INT(hl_rule_within_factor(0.4, 1.0, 3.0), HL_HOLDS);
  CHECK_INT(hl_rule_within_factor(5.0, 1.0, 3.0), HL_DEPENDS);
  CHECK_INT(hl_rule_within_factor(20.0, 1.0, 3.0), HL_DOES_NOT_HOLD);
  CHECK_INT(hl_rule_within_factor(0.05, 1.0, 3.0), HL_DOES_NOT_HOLD);
  hl_verdict_t h[] = {HL_HOLDS, HL_HOLDS}, n[] = {HL_DOES_NOT_HOLD, HL_DOES_NOT_HOLD};
  hl_verdict_t mix[] = {HL_HOLDS, HL_DOES_NOT_HOLD}, na[] = {HL_NOT_MEASURABLE};
  hl_verdict_t part[] = {HL_HOLDS, HL_NOT_MEASURABLE};
  CHECK_INT(hl_verdict_all(h, 2), HL_HOLDS);
  CHECK_INT(hl_verdict_all(n, 2), HL_DOES_NOT_HOLD);
  CHECK_INT(hl_verdict_all(mix, 2), HL_DEPENDS);
  CHECK_INT(hl_verdict_all(na, 1), HL_NOT_MEASURABLE);
  CHECK_INT(hl_verdict_all(part, 2), HL_DEPENDS);
  CHECK_INT(hl_verdict_all(NULL, 0), HL_NOT_MEASURABLE);
  CHECK_STR(hl_verdict_name(HL_DEPENDS), "depends");
}

/* ---- synthetic results files ----------------------------------------------- */

static json_t *doc_new(void) { return json_pack("{s:{}, s:[]}", "context", "benchmarks"); }

/* An ok iteration row: extra is a JSON object text of further keys. */
static void add_row(json_t *doc, const char *workload, const char *backend, const char *params,
                    int rep, const char *extra) {
  char text[1024];
  snprintf(text, sizeof text,
           "{\"name\": \"%s/%s\", \"run_type\": \"iteration\", \"repetition_index\": %d, "
           "\"iterations\": 1000, \"outcome\": \"ok\", \"workload\": \"%s\", \"backend\": \"%s\", "
           "\"params\": %s}",
           workload, backend, rep, workload, backend, params);
  json_t *row = json_loads(text, 0, NULL), *more = json_loads(extra, 0, NULL);
  json_object_update(row, more);
  json_decref(more);
  json_array_append_new(json_object_get(doc, "benchmarks"), row);
}

static hl_claim_input_t input_of(json_t *doc) {
  hl_claim_input_t in = {.ndocs = 1};
  in.doc[0] = doc;
  return in;
}

/* C2's rows: allocs per call of each constructor, CPU time per rep. */
static json_t *c2_doc(double value_allocs, const double *ptr_cpu, const double *val_cpu) {
  json_t *doc = doc_new();
  const char *backends[] = {"glibc", "span"};
  for (int b = 0; b < 2; b++)
    for (int rep = 0; rep < 3; rep++) {
      char extra[256];
      snprintf(extra, sizeof extra, "{\"allocs\": 1000, \"cpu_time\": %g, \"escape\": \"on\"}",
               ptr_cpu[rep]);
      add_row(doc, "escape-return", backends[b], "{\"ptr_pct\": 100}", rep, extra);
      snprintf(extra, sizeof extra, "{\"allocs\": %g, \"cpu_time\": %g, \"escape\": \"on\"}",
               value_allocs, val_cpu[rep]);
      add_row(doc, "escape-return", backends[b], "{\"ptr_pct\": 0}", rep, extra);
    }
  return doc;
}

static hl_verdict_t decide(int (*fn)(const hl_claim_input_t *, hl_claim_result_t *), json_t *doc,
                           hl_claim_result_t *r) {
  hl_claim_input_t in = input_of(doc);
  memset(r, 0, sizeof *r);
  int rc = fn(&in, r);
  json_decref(doc);
  CHECK_INT(rc, 0);
  return rc == 0 ? r->verdict : (hl_verdict_t)-1;
}

static void test_c2(void) {
  double slow[] = {20, 21, 22}, fast[] = {10, 10.5, 11}, near[] = {19, 23, 21.5};
  hl_claim_result_t r;
  CHECK_INT(decide(hl_decide_c2, c2_doc(0, slow, fast), &r), HL_HOLDS);
  CHECK(strstr(r.figure, "2.00x") != NULL);
  CHECK_INT(r.nrows, 4);
  /* the heap counts are as claimed, the time within the noise */
  CHECK_INT(decide(hl_decide_c2, c2_doc(0, slow, near), &r), HL_DEPENDS);
  CHECK(strstr(r.condition, "noise") != NULL);
  /* a value constructor that allocates: the claim fails */
  CHECK_INT(decide(hl_decide_c2, c2_doc(1000, slow, fast), &r), HL_DOES_NOT_HOLD);
  /* rows missing: the rule cannot decide */
  hl_claim_input_t in = input_of(doc_new());
  memset(&r, 0, sizeof r);
  CHECK_INT(hl_decide_c2(&in, &r), HL_EINVAL);
  json_decref(in.doc[0]);
}

static json_t *c11_doc(double worst_all, double worst_over) {
  json_t *doc = doc_new();
  char extra[128];
  snprintf(extra, sizeof extra, "{\"max_frag_pct\": %g, \"internal_frag_pct\": 5.1}", worst_all);
  add_row(doc, "sizeclass-sweep", "span", "{\"min\": 1, \"max\": 32768}", 0, extra);
  snprintf(extra, sizeof extra, "{\"max_frag_pct\": %g, \"internal_frag_pct\": 5.0}", worst_over);
  add_row(doc, "sizeclass-sweep", "span", "{\"min\": 129, \"max\": 32768}", 0, extra);
  return doc;
}

static void test_c11(void) {
  hl_claim_result_t r;
  CHECK_INT(decide(hl_decide_c11, c11_doc(11.0, 11.0), &r), HL_HOLDS);
  CHECK_INT(decide(hl_decide_c11, c11_doc(87.5, 11.0), &r), HL_DEPENDS);
  CHECK(strstr(r.condition, "over 128 B") != NULL);
  CHECK_INT(decide(hl_decide_c11, c11_doc(87.5, 15.8), &r), HL_DOES_NOT_HOLD);
  CHECK(strstr(r.figure, "87.5%") != NULL);
}

/* C18: an oom file's cells, memlimit as the runs write it (bytes). */
static json_t *c18_doc(unsigned both, unsigned dflt) {
  json_t *doc = doc_new(), *cells = json_array();
  const char *gogc[] = {"75", "100", "100", "75"}, *mem[] = {"62914560", "off", "62914560", "off"};
  unsigned sv[] = {both, dflt, 5, 5};
  for (int i = 0; i < 4; i++)
    json_array_append_new(cells, json_pack("{s:s, s:s, s:{}, s:s, s:s, s:i, s:i}", "workload",
                                           "steady-service", "backend", "span-gc", "params",
                                           "gogc", gogc[i], "memlimit", mem[i], "survived",
                                           (int)sv[i], "runs", 5));
  json_object_set_new(doc, "oom", json_pack("{s:o}", "cells", cells));
  return doc;
}

static void test_c18(void) {
  hl_claim_result_t r;
  CHECK_INT(decide(hl_decide_c18, c18_doc(5, 0), &r), HL_HOLDS);
  CHECK(strstr(r.condition, "death to survival") != NULL);
  CHECK_INT(decide(hl_decide_c18, c18_doc(5, 5), &r), HL_DEPENDS);
  CHECK(strstr(r.condition, "survives this limit too") != NULL);
  CHECK_INT(decide(hl_decide_c18, c18_doc(2, 0), &r), HL_DOES_NOT_HOLD);
}

/* C12: which class served each request size (span's per-class counts). */
static json_t *c12_doc(const char *classes) {
  json_t *doc = doc_new();
  char extra[256];
  snprintf(extra, sizeof extra, "{\"heap_classes\": %s}", classes);
  add_row(doc, "sizeclass-sweep", "span", "{\"min\": 32768}", 0, extra);
  return doc;
}

static void test_c12(void) {
  const char *small = "[{\"object_bytes\": 32768, \"mallocs\": 16}]";
  const char *large = "[{\"object_bytes\": 0, \"mallocs\": 16}]";
  json_t *over = doc_new();
  add_row(over, "sizeclass-sweep", "span", "{\"min\": 32776}", 0,
          "{\"heap_classes\": [{\"object_bytes\": 0, \"mallocs\": 16}]}");
  hl_claim_result_t r;
  memset(&r, 0, sizeof r); /* as the command hands it over */
  hl_claim_input_t in = {.ndocs = 2};
  in.doc[0] = c12_doc(small);
  in.doc[1] = over;
  CHECK_INT(hl_decide_c12(&in, &r), 0);
  CHECK_INT(r.verdict, HL_DEPENDS); /* exactly 32 KiB is still a size class */
  json_decref(in.doc[0]);
  in.doc[0] = c12_doc(large);
  memset(&r, 0, sizeof r);
  CHECK_INT(hl_decide_c12(&in, &r), 0);
  CHECK_INT(r.verdict, HL_HOLDS);
  json_decref(in.doc[0]);
  json_decref(over);
}

static void test_selection(void) {
  json_t *doc = doc_new();
  add_row(doc, "pool-reuse", "span-gc", "{\"buf\": 1024, \"pool\": 1, \"layout\": \"packed\"}", 0,
          "{\"gogc\": \"50\", \"memlimit\": \"62914560\", \"cpu_time\": 7}");
  hl_sel_t s1 = {"pool-reuse", "span-gc", {"buf=1K", "memlimit=60M", "gogc=50", NULL}};
  hl_sel_t s2 = {"pool-reuse", NULL, {"layout=packed", NULL}};
  hl_sel_t s3 = {"pool-reuse", NULL, {"memlimit=off", NULL}};
  hl_sel_t s4 = {"pool-reuse", "glibc", {NULL}};
  hl_fig_t f;
  CHECK_INT(hl_fig_get(doc, &s1, "cpu_time", &f), 0);
  CHECK(f.median == 7 && f.n == 1);
  CHECK_INT(hl_fig_get(doc, &s2, "cpu_time/iter", &f), 0);
  CHECK(fabs(f.median - 0.007) < 1e-12);
  CHECK_INT(hl_fig_get(doc, &s3, "cpu_time", &f), HL_ENOENT);
  CHECK_INT(hl_fig_get(doc, &s4, "cpu_time", &f), HL_ENOENT);
  json_decref(doc);
}

int main(void) {
  test_rules();
  test_c2();
  test_c11();
  test_c18();
  test_c12();
  test_selection();
  return th_done("test_claims");
}
