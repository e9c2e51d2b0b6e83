/* Results files (harness/resultsdoc/results.h): metric fields, saving and loading with
 * validation, and Google Benchmark-style aggregates. */
#include "error.h"
#include "results.h"
#include "th.h"
#include "util.h"

#include <dirent.h>
#include <unistd.h>

static char dir[] = "/tmp/heaplab-test-results-XXXXXX";

static void path_of(const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", dir, name);
}

static void write_text(const char *name, const char *text) {
  char p[256];
  path_of(name, p, sizeof p);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

static void load_fails(const char *name, const char *text, int want_rc, const char *want_in_why) {
  char p[256], why[512] = "";
  path_of(name, p, sizeof p);
  if (text) write_text(name, text);
  json_t *root = (json_t *)1;
  int rc = hl_results_load(p, &root, why, sizeof why);
  if (rc != want_rc) TH_FAIL("loading %s gave %d, want %d (%s)", name, rc, want_rc, why);
  if (!strstr(why, want_in_why)) TH_FAIL("message '%s' lacks '%s'", why, want_in_why);
  CHECK(strstr(why, name) != NULL); /* names the file */
  CHECK(root == (json_t *)1);       /* untouched */
}

static void test_metrics(void) {
  hl_cell_metrics_t m = {0};
  hl_metrics_set(&m, HL_CF_allocs, 42);
  hl_metrics_set(&m, HL_CF_HEAP_BASE + HL_HS_num_gc, 7);
  json_t *e = json_object();
  CHECK_INT(hl_metrics_to_json(&m, e), 0);
  CHECK_INT(json_object_size(e), 2); /* absent fields stay absent, never 0 */
  CHECK_INT(json_integer_value(json_object_get(e, "allocs")), 42);
  CHECK_INT(json_integer_value(json_object_get(e, "num_gc")), 7);
  CHECK(json_object_get(e, "rss_peak_bytes") == NULL);
  CHECK_INT(hl_metric_index("alloc_bytes"), HL_CF_alloc_bytes);
  CHECK_INT(hl_metric_index("heap_goal_bytes"), HL_CF_HEAP_BASE + HL_HS_heap_goal_bytes);
  CHECK_INT(hl_metric_index("nope"), -1);
  CHECK_STR(hl_metric_name(HL_CF_rss_peak_bytes), "rss_peak_bytes");
  CHECK(hl_metric_name(HL_CF_COUNT) == NULL);
  for (int i = 0; i < HL_CF_COUNT; i++) {
    const char *n = hl_metric_name(i);
    /* units in names: bytes, ns, or a count named for what it counts */
    CHECK(n && hl_metric_help(i) &&
          (strstr(n, "_bytes") || strstr(n, "_ns") || !strcmp(n, "allocs") || !strcmp(n, "frees") ||
           !strcmp(n, "stack_allocs") || !strcmp(n, "backend_allocs") ||
           !strcmp(n, "backend_frees") || !strcmp(n, "num_gc") || !strcmp(n, "gc_cycles_dropped")));
  }
  json_decref(e);
}

static json_t *row(const char *name, int rep, double cpu, double real, json_int_t allocs) {
  return json_pack("{s:s, s:i, s:i, s:s, s:s, s:i, s:i, s:i, s:I, s:f, s:f, s:s, s:I, s:I, s:s}",
                   "name", name, "family_index", 0, "per_family_instance_index", 0, "run_name",
                   name, "run_type", "iteration", "repetitions", 3, "repetition_index", rep,
                   "threads", 1, "iterations", (json_int_t)1000, "real_time", real, "cpu_time", cpu,
                   "time_unit", "ns", "allocs", allocs, "zero_counter", (json_int_t)0, "outcome",
                   "ok");
}

static json_t *find_agg(json_t *arr, const char *which) {
  size_t i;
  json_t *e;
  json_array_foreach(arr, i, e) if (!strcmp(json_string_value(json_object_get(e, "aggregate_name")),
                                            which)) return e;
  return NULL;
}

static void test_aggregate(void) {
  json_t *reps[3] = {row("w/b", 0, 10, 11, 5), row("w/b", 1, 20, 21, 5), row("w/b", 2, 60, 61, 5)};
  json_t *out = json_array();
  CHECK_INT(hl_results_aggregate(reps, 1, out), HL_EINVAL);
  CHECK_INT(hl_results_aggregate(reps, 3, out), 0);
  CHECK_INT(json_array_size(out), 4);
  json_t *mean = find_agg(out, "mean"), *median = find_agg(out, "median");
  json_t *sd = find_agg(out, "stddev"), *cv = find_agg(out, "cv");
  CHECK(mean && median && sd && cv);
  if (!mean || !median || !sd || !cv) return;
  CHECK_STR(json_string_value(json_object_get(mean, "name")), "w/b_mean");
  CHECK_STR(json_string_value(json_object_get(mean, "run_type")), "aggregate");
  CHECK_STR(json_string_value(json_object_get(cv, "aggregate_unit")), "percentage");
  CHECK_STR(json_string_value(json_object_get(sd, "aggregate_unit")), "time");
  CHECK_INT(json_integer_value(json_object_get(mean, "iterations")), 3);
  CHECK_NEAR(json_number_value(json_object_get(mean, "cpu_time")), 30.0, 1e-12);
  CHECK_NEAR(json_number_value(json_object_get(median, "cpu_time")), 20.0, 1e-12);
  CHECK_NEAR(json_number_value(json_object_get(median, "real_time")), 21.0, 1e-12);
  CHECK_NEAR(json_number_value(json_object_get(sd, "cpu_time")), 26.457513110645905, 1e-12);
  CHECK_NEAR(json_number_value(json_object_get(cv, "cpu_time")), 26.457513110645905 / 30, 1e-12);
  CHECK_NEAR(json_number_value(json_object_get(mean, "allocs")), 5.0, 1e-12);
  CHECK_STR(json_string_value(json_object_get(mean, "time_unit")), "ns");
  /* cv of an all-zero counter would be 0/0: left out, not NaN */
  CHECK(json_object_get(cv, "zero_counter") == NULL);
  CHECK(json_object_get(mean, "zero_counter") != NULL);
  CHECK(json_object_get(mean, "outcome") == NULL); /* strings are not aggregated */
  CHECK(json_object_get(mean, "repetition_index") == NULL);
  for (int i = 0; i < 3; i++)
    json_decref(reps[i]);
  json_decref(out);
}

static void test_save_load(void) {
  char p[256], why[512];
  path_of("r.json", p, sizeof p);
  json_t *doc = json_pack("{s:{s:s}, s:[o]}", "context", "host_name", "h", "benchmarks",
                          row("w/b", 0, 1.5, 2.5, 9));
  CHECK_INT(hl_results_save(doc, p, why, sizeof why), 0);
  json_t *back = NULL;
  CHECK_INT(hl_results_load(p, &back, why, sizeof why), 0);
  CHECK(back && json_equal(doc, back));
  json_decref(back);
  /* The write went through a temporary file that is gone now. */
  DIR *d = opendir(dir);
  struct dirent *de;
  int others = 0;
  while ((de = readdir(d)))
    if (strcmp(de->d_name, ".") && strcmp(de->d_name, "..") && strcmp(de->d_name, "r.json"))
      others++;
  closedir(d);
  CHECK_INT(others, 0);
  /* Saving to a directory that does not exist fails and leaves nothing. */
  CHECK(hl_results_save(doc, "/nonexistent-dir/heaplab/r.json", why, sizeof why) != 0);
  CHECK(strstr(why, "/nonexistent-dir/heaplab/r.json") != NULL);
  json_decref(doc);
}

int main(void) {
  if (!mkdtemp(dir)) return 99;
  test_metrics();
  test_aggregate();
  test_save_load();
  load_fails("missing.json", NULL, HL_ENOENT, "no such file");
  load_fails("broken.json", "{\"context\": {}, \"benchmarks\": [", HL_EPARSE, "not valid JSON");
  load_fails("nan.json",
             "{\"context\": {}, \"benchmarks\": [{\"name\": \"a\", \"real_time\": NaN}]}",
             HL_EPARSE, "not valid JSON");
  load_fails("array.json", "[1, 2]", HL_EPARSE, "not a results file");
  load_fails("nobench.json", "{\"context\": {}}", HL_EPARSE, "not a results file");
  load_fails("noname.json", "{\"context\": {}, \"benchmarks\": [{\"real_time\": 1}]}", HL_EPARSE,
             "benchmarks[0] has no string \"name\"");
  load_fails("badtime.json",
             "{\"context\": {}, \"benchmarks\": [{\"name\": \"x\", \"cpu_time\": \"fast\"}]}",
             HL_EPARSE, "\"cpu_time\" is not a number");
  load_fails("badtype.json",
             "{\"context\": {}, \"benchmarks\": [{\"name\": \"x\", \"run_type\": \"warmup\"}]}",
             HL_EPARSE, "run_type 'warmup'");
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 99;
  return th_done("test_results");
}
