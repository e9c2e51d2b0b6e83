/* Reading gctrace lines back (harness/worker/gctrace.h): fixture lines in
 * both layouts Go prints (<= 1.17 without stacks and globals, >= 1.18
 * with them), a forced cycle, lines that only look alike, and every line
 * heaplab's own formatter writes read back to the same figures. */
#include "gc_timeline.h"
#include "gctrace.h"
#include "th.h"

#define MiB (UINT64_C(1) << 20)

static int parse(const char *line, hl_gc_cycle_t *c) {
  return hl_gctrace_parse(line, strlen(line), c);
}

/* Go >= 1.18 (Debian's 1.19 prints this layout). */
static void test_new_layout(void) {
  hl_gc_cycle_t c;
  CHECK(parse("gc 14 @3.250s 7%: 0.021+12+0.045 ms clock, 0.042+1.5/9.8/0.60+0.090 ms cpu, "
              "70->72->64 MB, 129 MB goal, 0 MB stacks, 1 MB globals, 2 P\n",
              &c));
  CHECK_U64(c.num, 14);
  CHECK_U64(c.start_ns, 3250000000u);
  CHECK_U64(c.clock_ns[0], 21000);
  CHECK_U64(c.clock_ns[1], 12000000);
  CHECK_U64(c.clock_ns[2], 45000);
  CHECK_U64(c.cpu_ns[0], 42000);
  CHECK_U64(c.cpu_ns[1], 1500000);
  CHECK_U64(c.cpu_ns[2], 9800000);
  CHECK_U64(c.cpu_ns[3], 600000);
  CHECK_U64(c.cpu_ns[4], 90000);
  CHECK_U64(c.pause_ns, 21000 + 45000);
  CHECK_U64(c.heap_start_bytes, 70 * MiB);
  CHECK_U64(c.heap_end_bytes, 72 * MiB);
  CHECK_U64(c.heap_marked_bytes, 64 * MiB);
  CHECK_U64(c.heap_goal_bytes, 129 * MiB);
  CHECK_U64(c.stack_scan_bytes, 0);
  CHECK_U64(c.globals_scan_bytes, 1 * MiB);
  CHECK_U64(c.procs, 2);
  CHECK_INT(c.forced, 0);
  CHECK(fabs(c.gc_cpu_fraction - 0.07) < 1e-12);
}

/* Go <= 1.17: the goal, then the P count. */
static void test_old_layout(void) {
  hl_gc_cycle_t c;
  CHECK(parse("gc 3 @0.104s 2%: 0.010+3.4+0.021 ms clock, 0.080+0.35/6.6/14+0.17 ms cpu, "
              "11->12->6 MB, 13 MB goal, 8 P",
              &c));
  CHECK_U64(c.num, 3);
  CHECK_U64(c.start_ns, 104000000);
  CHECK_U64(c.cpu_ns[3], 14000000);
  CHECK_U64(c.heap_goal_bytes, 13 * MiB);
  CHECK_U64(c.stack_scan_bytes, 0);
  CHECK_U64(c.globals_scan_bytes, 0);
  CHECK_U64(c.procs, 8);
}

static void test_forced(void) {
  hl_gc_cycle_t c;
  CHECK(parse("gc 9 @1.000s 0%: 0.012+0.51+0.003 ms clock, 0.024+0/0.49/0.17+0.007 ms cpu, "
              "0->0->0 MB, 4 MB goal, 0 MB stacks, 0 MB globals, 2 P (forced)",
              &c));
  CHECK_INT(c.forced, 1);
  CHECK_U64(c.cpu_ns[1], 0);
  CHECK(parse("gc 10 @1.5s 0%: 0.012+0.51+0.003 ms clock, 0.024+0/0.49/0.17+0.007 ms cpu, "
              "0->0->0 MB, 4 MB goal, 4 P (forced)",
              &c));
  CHECK_INT(c.forced, 1);
  CHECK_U64(c.procs, 4);
}

/* What is not a gctrace line stays the program's own stderr. */
static void test_not_lines(void) {
  hl_gc_cycle_t c;
  CHECK(!parse("", &c));
  CHECK(!parse("gc 5 is what my program logs", &c));
  CHECK(!parse("scvg: 0 MB released", &c));
  CHECK(!parse("gc 1 @0.019s 3%: 0.015+1.6+0.004 ms clock, 0.031+0.42/1.1/0.51+0.009 ms cpu, "
               "4->4->1 MB, 4 MB goal, 0 MB stacks, 2 P",
               &c)); /* stacks without globals */
  CHECK(!parse("gc 1 @0.019s 3%: 0.015+1.6+0.004 ms clock, 0.031+0.42/1.1/0.51+0.009 ms cpu, "
               "4->4->1 MB, 4 MB goal, 2 P and more",
               &c));
  CHECK(!parse("gc 1 @0.019s 3%: 0.015+1.6 ms clock, 0.031+0.42/1.1/0.51+0.009 ms cpu, "
               "4->4->1 MB, 4 MB goal, 2 P",
               &c)); /* two clock phases */
}

/* The formatter's lines (gc_timeline.h) read back: the same cycle, sizes
 * to the MiB and times to Go's two significant digits. */
static void test_round_trip(void) {
  hl_gc_cycle_t in = {.num = 42,
                      .start_ns = 12345000000u,
                      .clock_ns = {55000, 7900000, 18000},
                      .cpu_ns = {160000, 4800000, 4800000, 7400000, 56000},
                      .heap_start_bytes = 27 * MiB,
                      .heap_end_bytes = 28 * MiB,
                      .heap_marked_bytes = 25 * MiB,
                      .heap_goal_bytes = 50 * MiB,
                      .stack_scan_bytes = 2 * MiB,
                      .globals_scan_bytes = 3 * MiB,
                      .gc_cpu_fraction = 0.25,
                      .procs = 2,
                      .forced = 1},
                out;
  char line[512];
  size_t n = hl_gctrace_format(&in, line, sizeof line);
  CHECK(hl_gctrace_parse(line, n, &out));
  CHECK_U64(out.num, in.num);
  CHECK_U64(out.start_ns, in.start_ns);
  for (int i = 0; i < 3; i++)
    CHECK_U64(out.clock_ns[i], in.clock_ns[i]);
  for (int i = 0; i < 5; i++)
    CHECK_U64(out.cpu_ns[i], in.cpu_ns[i]);
  CHECK_U64(out.heap_goal_bytes, in.heap_goal_bytes);
  CHECK_U64(out.stack_scan_bytes, in.stack_scan_bytes);
  CHECK_U64(out.globals_scan_bytes, in.globals_scan_bytes);
  CHECK_INT(out.forced, 1);
  CHECK(fabs(out.gc_cpu_fraction - 0.25) < 1e-12);
}

int main(void) {
  test_new_layout();
  test_old_layout();
  test_forced();
  test_not_lines();
  test_round_trip();
  return th_done("test_gctrace");
}
