/* The typed view of a results document (view.h): a row's identity, outcome,
 * times and metrics read once, with what an absent key means; the machines
 * of a merged file, one host across heaplab revisions, and the split by
 * machine. */
#include "rows.h"
#include "view.h"

#include "error.h"
#include "th.h"

static json_t *doc_of(const char *text) {
  json_error_t err;
  json_t *doc = json_loads(text, 0, &err);
  if (!doc) fprintf(stderr, "bad test JSON: %s (line %d)\n", err.text, err.line);
  return doc;
}

static void test_rows(void) {
  json_t *doc = doc_of(
      "{\"context\": {\"fingerprint\": {\"id\": \"aaa\", \"cpu_model\": \"X\"}},"
      " \"benchmarks\": ["
      "  {\"name\": \"w/glibc\", \"run_name\": \"w/glibc\", \"run_type\": \"iteration\","
      "   \"cell_id\": \"c1\", \"repetition_index\": 1, \"outcome\": \"ok\", \"cpu_time\": 12.5,"
      "   \"real_time\": 13, \"allocs\": 40, \"num_gc\": 3, \"rss_peak_bytes\": 4096,"
      "   \"workload\": \"w\", \"backend\": \"glibc\"},"
      "  {\"name\": \"w/glibc\", \"outcome\": \"oom-kill\", \"error_message\": \"killed\"},"
      "  {\"name\": \"gb\", \"error_occurred\": true},"
      "  {\"name\": \"w/glibc_mean\", \"run_name\": \"w/glibc\", \"run_type\": \"aggregate\","
      "   \"aggregate_name\": \"mean\"},"
      "  {\"name\": \"odd\", \"outcome\": \"exploded\"},"
      "  7]}");
  hl_results_t v;
  CHECK_INT(hl_results_view(doc, &v), 0);
  CHECK_INT(v.n, 5); /* the number is no row */
  const hl_row_t *r = &v.row[0];
  CHECK_STR(r->name, "w/glibc");
  CHECK_STR(r->cell_id, "c1");
  CHECK_INT(r->run_type, HL_RUN_ITERATION);
  CHECK_INT(r->repetition, 1);
  CHECK_INT(r->outcome_id, HL_OUTCOME_OK);
  CHECK(r->ok);
  CHECK_NEAR(r->cpu_ns, 12.5, 0);
  double x = 0;
  CHECK_INT(hl_row_metric(r, HL_CF_allocs, &x), 0);
  CHECK_NEAR(x, 40, 0);
  CHECK_INT(hl_row_number(r, "num_gc", &x), 0);
  CHECK_NEAR(x, 3, 0);
  CHECK_INT(hl_row_number(r, "real_time", &x), 0);
  CHECK_NEAR(x, 13, 0);
  CHECK(hl_row_number(r, "frees", &x) != 0);
  CHECK_STR(r->machine->id, "aaa");
  /* absent keys: run_name is the name, no repetition, no times */
  r = &v.row[1];
  CHECK_STR(r->run_name, "w/glibc");
  CHECK_INT(r->repetition, -1);
  CHECK_INT(r->outcome_id, HL_OUTCOME_OOM_KILL);
  CHECK(!r->ok);
  CHECK_STR(r->error_message, "killed");
  CHECK(r->cpu_ns < 0 && hl_row_number(r, "cpu_time", &x) != 0);
  /* Google Benchmark's error flag: not ok, "error" for people, no outcome */
  r = &v.row[2];
  CHECK(!r->ok && !r->outcome && r->outcome_id == HL_OUTCOME_COUNT);
  CHECK_STR(hl_row_outcome_word(r), "error");
  CHECK_STR(r->error_message, "");
  r = &v.row[3];
  CHECK_INT(r->run_type, HL_RUN_AGGREGATE);
  CHECK_STR(r->aggregate, "mean");
  CHECK(!r->ok);
  r = &v.row[4]; /* a word heaplab does not know: not ok, kept as written */
  CHECK(!r->ok && r->outcome_id == HL_OUTCOME_COUNT);
  CHECK_STR(hl_row_outcome_word(r), "exploded");
  /* the index groups iteration rows by cell, the ok ones apart */
  hl_row_index_t ix;
  CHECK_INT(hl_row_index_build(&v, hl_row_key_run_name, &ix), 0);
  const hl_row_group_t *g = hl_row_index_find(&ix, "w/glibc");
  CHECK(g && g->n == 2 && g->nok == 1 && g->ok[0] == &v.row[0]);
  CHECK(hl_row_index_find(&ix, "w/glibc_mean") == NULL);
  hl_row_index_free(&ix);
  hl_results_view_free(&v);
  json_decref(doc);
}

static void test_machines(void) {
  /* a merged file: two rows on aaa, one on bbb (another revision of aaa's
   * host), one on ccc (another CPU), one naming no machine */
  json_t *doc =
      doc_of("{\"context\": {\"machines\": {"
             "   \"aaa\": {\"id\": \"aaa\", \"cpu_model\": \"X\", \"heaplab_revision\": \"r1\","
             "             \"allocators\": {\"glibc\": \"2.36\"}},"
             "   \"bbb\": {\"id\": \"bbb\", \"cpu_model\": \"X\", \"heaplab_revision\": \"r2\","
             "             \"allocators\": {\"glibc\": \"2.37\"}},"
             "   \"ccc\": {\"id\": \"ccc\", \"cpu_model\": \"Y\", \"heaplab_revision\": \"r1\"}}},"
             " \"benchmarks\": [{\"name\": \"a\", \"machine\": \"aaa\"}, {\"name\": \"b\", "
             "\"machine\": \"aaa\"},"
             "  {\"name\": \"c\", \"machine\": \"bbb\"}, {\"name\": \"d\", \"machine\": \"ccc\"},"
             "  {\"name\": \"e\"}]}");
  hl_results_t v;
  CHECK_INT(hl_results_view(doc, &v), 0);
  CHECK_INT(v.nmachines, 3);
  CHECK(v.row[0].machine == v.row[1].machine && v.row[4].machine == NULL);
  CHECK_INT(hl_row_same_host(&v.row[0], &v.row[1]), 1);
  CHECK_INT(hl_row_same_host(&v.row[0], &v.row[2]), 1); /* revision, libraries: one host */
  CHECK_INT(hl_row_same_host(&v.row[0], &v.row[3]), 0);
  CHECK_INT(hl_row_same_host(&v.row[0], &v.row[4]), -1);
  char text[256];
  hl_machine_describe(v.row[3].machine, text, sizeof text);
  CHECK(strstr(text, "ccc: Y") == text);
  hl_results_t *by;
  size_t n;
  CHECK_INT(hl_results_by_machine(&v, &by, &n), 0);
  CHECK_INT(n, 4); /* aaa, bbb, ccc, and the row that names none */
  CHECK(n == 4 && by[0].n == 2 && by[1].n == 1 && by[2].n == 1 && by[3].n == 1);
  CHECK(n == 4 && by[3].machine == NULL && !strcmp(by[3].row[0].name, "e"));
  CHECK(n == 4 && by[0].machine == v.row[0].machine);
  hl_results_groups_free(by, n);
  hl_results_view_free(&v);
  json_decref(doc);

  /* one machine: one group, every row */
  doc = doc_of("{\"context\": {\"fingerprint\": {\"id\": \"aaa\"}},"
               " \"benchmarks\": [{\"name\": \"a\"}, {\"name\": \"b\"}]}");
  CHECK_INT(hl_results_view(doc, &v), 0);
  CHECK_INT(hl_results_by_machine(&v, &by, &n), 0);
  CHECK(n == 1 && by[0].n == 2);
  hl_results_groups_free(by, n);
  hl_results_view_free(&v);
  json_decref(doc);
  /* not a results document */
  doc = doc_of("[1]");
  CHECK_INT(hl_results_view(doc, &v), HL_EPARSE);
  hl_results_view_free(&v);
  json_decref(doc);
}

int main(void) {
  test_rows();
  test_machines();
  return th_done("test_view");
}
