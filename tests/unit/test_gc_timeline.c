/* The GC timeline and Go's gctrace line (harness/worker/gc_timeline.h): Go's own
 * example line reproduced from its fields, Go's number formatting at the
 * edges, and which cycles the timeline keeps, drops and sums. */
#include "error.h"
#include "gc_timeline.h"
#include "th.h"

#include <fcntl.h>
#include <unistd.h>

#define MiB (UINT64_C(1) << 20)

/* A go1.19 gctrace line (as runtime.gcMarkTermination prints it), field by
 * field. */
static void test_go_example(void) {
  hl_gc_cycle_t c = {.num = 7,
                     .start_ns = 171400000,
                     .clock_ns = {55000, 7900000, 18000},
                     .cpu_ns = {160000, 4800000, 4800000, 7400000, 56000},
                     .heap_start_bytes = 27 * MiB + 5,
                     .heap_end_bytes = 28 * MiB + MiB - 1,
                     .heap_marked_bytes = 25 * MiB,
                     .heap_goal_bytes = 28 * MiB,
                     .stack_scan_bytes = 1000,
                     .globals_scan_bytes = 0,
                     .gc_cpu_fraction = 0.0199,
                     .procs = 32};
  char line[512];
  size_t n = hl_gctrace_format(&c, line, sizeof line);
  CHECK_STR(line, "gc 7 @0.171s 1%: 0.055+7.9+0.018 ms clock, 0.16+4.8/4.8/7.4+0.056 ms cpu, "
                  "27->28->25 MB, 28 MB goal, 0 MB stacks, 0 MB globals, 32 P\n");
  CHECK_INT(n, strlen(line));
  c.forced = 1;
  hl_gctrace_format(&c, line, sizeof line);
  CHECK(strstr(line, "32 P (forced)\n") != NULL);
  /* Too small a buffer: cut, NUL-terminated, never overrun. */
  char small[16];
  memset(small, 'x', sizeof small);
  CHECK_INT(hl_gctrace_format(&c, small, 10), 9);
  CHECK_STR(small, "gc 7 @0.1");
  CHECK(small[10] == 'x');
}

/* fmtNSAsMS and itoaDiv as Go prints them. */
static void test_go_numbers(void) {
  static const struct {
    uint64_t ns;
    const char *ms;
  } cases[] = {
      {0, "0"},         {999, "0"},       {1000, "0.001"},    {12345, "0.012"},
      {99999, "0.099"}, {100000, "0.10"}, {999999, "0.99"},   {1000000, "1.0"},
      {9999999, "9.9"}, {10000000, "10"}, {123456789, "123"}, {60000000000, "60000"},
  };
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hl_gc_cycle_t c = {.num = 1, .clock_ns = {cases[i].ns, 0, 0}};
    char line[512], want[64];
    hl_gctrace_format(&c, line, sizeof line);
    snprintf(want, sizeof want, "gc 1 @0.000s 0%%: %s+0+0 ms clock", cases[i].ms);
    if (strncmp(line, want, strlen(want)) != 0)
      TH_FAIL("%" PRIu64 " ns: got '%s'", cases[i].ns, line);
    th_checks++;
  }
  hl_gc_cycle_t c = {.num = 123, .start_ns = 12345678901, .gc_cpu_fraction = 0.999};
  char line[512];
  hl_gctrace_format(&c, line, sizeof line);
  CHECK(strncmp(line, "gc 123 @12.345s 99%: ", 21) == 0);
}

static hl_gc_cycle_t cycle(uint64_t num) {
  hl_gc_cycle_t c = {.num = num, .pause_ns = 1000 * num, .heap_end_bytes = num == 3 ? 99 : num};
  return c;
}

static void test_keep_and_drop(void) {
  hl_gc_timeline_t t;
  CHECK_INT(hl_gc_timeline_init(&t, 4, -1), 0);
  json_t *empty = hl_gc_timeline_json(&t);
  CHECK_INT(json_array_size(empty), 0);
  json_decref(empty);
  uint64_t pause = 0;
  for (uint64_t i = 1; i <= 10; i++) {
    hl_gc_cycle_t c = cycle(i);
    hl_gc_timeline_record(&t, &c);
    pause += c.pause_ns;
  }
  hl_gc_timeline_stop(&t);
  hl_gc_cycle_t late = cycle(11);
  hl_gc_timeline_record(&t, &late); /* after the end: ignored */
  CHECK_U64(t.ncycles, 10);
  CHECK_U64(t.nkept, 4);
  CHECK_U64(hl_gc_timeline_dropped(&t), 5); /* 5..9 */
  CHECK_U64(t.pause_total_ns, pause);
  CHECK_U64(t.heap_peak_bytes, 99);
  json_t *arr = hl_gc_timeline_json(&t);
  CHECK_INT(json_array_size(arr), 5);
  static const int nums[] = {1, 2, 3, 4, 10};
  for (size_t i = 0; i < 5; i++)
    CHECK_INT(json_integer_value(json_object_get(json_array_get(arr, i), "num")), nums[i]);
  json_t *first = json_array_get(arr, 0);
  CHECK_INT(json_array_size(json_object_get(first, "clock_ns")), 3);
  CHECK_INT(json_array_size(json_object_get(first, "cpu_ns")), 5);
  CHECK(json_is_integer(json_object_get(first, "heap_marked_bytes")));
  CHECK(json_is_real(json_object_get(first, "gc_cpu_fraction")));
  CHECK(json_is_boolean(json_object_get(first, "forced")));
  json_decref(arr);
  hl_gc_timeline_free(&t);

  /* Exactly as many cycles as kept: none dropped, the last not repeated. */
  CHECK_INT(hl_gc_timeline_init(&t, 4, -1), 0);
  for (uint64_t i = 1; i <= 4; i++) {
    hl_gc_cycle_t c = cycle(i);
    hl_gc_timeline_record(&t, &c);
  }
  arr = hl_gc_timeline_json(&t);
  CHECK_INT(json_array_size(arr), 4);
  CHECK_U64(hl_gc_timeline_dropped(&t), 0);
  json_decref(arr);
  hl_gc_timeline_free(&t);
}

/* With a trace fd, one line per recorded cycle. */
static void test_trace_lines(void) {
  char path[] = "/tmp/heaplab-test-gctrace-XXXXXX";
  int fd = mkstemp(path);
  if (fd < 0) exit(99);
  hl_gc_timeline_t t;
  CHECK_INT(hl_gc_timeline_init(&t, 2, fd), 0);
  for (uint64_t i = 1; i <= 3; i++) {
    hl_gc_cycle_t c = cycle(i);
    hl_gc_timeline_record(&t, &c);
  }
  hl_gc_timeline_free(&t);
  char text[4096] = "";
  ssize_t n = pread(fd, text, sizeof text - 1, 0);
  close(fd);
  unlink(path);
  CHECK(n > 0);
  int lines = 0;
  for (const char *p = text; *p; p++)
    lines += *p == '\n';
  CHECK_INT(lines, 3);
  CHECK(strncmp(text, "gc 1 @", 6) == 0);
  CHECK(strstr(text, "\ngc 3 @") != NULL);
}

int main(void) {
  test_go_example();
  test_go_numbers();
  test_keep_and_drop();
  test_trace_lines();
  return th_done("test_gc_timeline");
}
