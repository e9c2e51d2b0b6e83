/* A Go program's gc-thrash, its memory-limit death spiral
 * (hl_gc_timeline_watch_spiral, harness/worker/gc_timeline.c), on gctrace
 * lines Debian's Go 1.19 printed here: tests/programs/go's leak under
 * GOMEMLIMIT=48MiB ends at the cycle where its pinned, back-to-back streak
 * first spans the window; the same lines with one cycle given runway start
 * the streak over; pinned cycles with long pauses between them, and the
 * steady-service shape under GOMEMLIMIT=120MiB (back to back at times, but
 * with runway), never end. Each case runs in a child, since the rule ends
 * the process as the worker's does. */
#include "child.h"
#include "gc_timeline.h"
#include "gctrace.h"
#include "th.h"

#include <sys/wait.h>
#include <unistd.h>

#define MiB (UINT64_C(1) << 20)
#define WINDOW_NS UINT64_C(300000000)

/* goprog leak, GOMEMLIMIT=48MiB, GODEBUG=gctrace=1, go1.19.8, 2 P */
static const char *const leak[] = {
    "gc 42 @0.491s 31%: 0.061+14+0.004 ms clock, 0.12+13/0.83/0.046+0.009 ms cpu, 36->37->35 MB, "
    "37 MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 43 @0.511s 31%: 0.16+20+0.003 ms clock, 0.33+5.1/8.9/3.7+0.006 ms cpu, 36->37->35 MB, 37 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 44 @0.533s 31%: 0.006+15+0.004 ms clock, 0.013+9.5/5.3/0+0.008 ms cpu, 37->37->35 MB, 37 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 45 @0.555s 32%: 0.055+17+0.003 ms clock, 0.11+8.4/8.6/0+0.006 ms cpu, 37->39->38 MB, 36 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 46 @0.575s 32%: 0.020+17+0.004 ms clock, 0.041+14/0.69/0.069+0.009 ms cpu, 38->42->39 MB, "
    "38 MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 47 @0.593s 31%: 0.009+27+0.035 ms clock, 0.018+2.7/7.2/13+0.071 ms cpu, 39->50->46 MB, 39 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 48 @0.626s 31%: 0.051+38+1.2 ms clock, 0.10+3.6/20/7.8+2.5 ms cpu, 46->54->45 MB, 46 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 49 @0.667s 31%: 0.034+31+0.099 ms clock, 0.069+15/9.7/0.12+0.19 ms cpu, 45->49->42 MB, 45 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 50 @0.702s 31%: 0.96+33+0.006 ms clock, 1.9+5.5/9.8/18+0.012 ms cpu, 42->46->42 MB, 42 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 51 @0.742s 30%: 0.083+40+0.082 ms clock, 0.16+3.5/16/19+0.16 ms cpu, 42->50->46 MB, 42 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 52 @0.784s 31%: 0.032+36+0.004 ms clock, 0.065+18/13/0+0.009 ms cpu, 46->51->44 MB, 46 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 53 @0.827s 30%: 0.084+47+0.22 ms clock, 0.16+2.2/22/17+0.45 ms cpu, 44->60->56 MB, 44 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 54 @0.876s 30%: 0.015+46+0.033 ms clock, 0.030+1.3/18/26+0.067 ms cpu, 56->72->58 MB, 56 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 55 @0.925s 30%: 0.015+42+0.004 ms clock, 0.030+17/13/12+0.009 ms cpu, 58->58->44 MB, 58 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 56 @0.968s 30%: 0.010+42+0.005 ms clock, 0.020+1.6/23/14+0.010 ms cpu, 44->48->48 MB, 44 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 57 @1.015s 31%: 0.051+39+0.20 ms clock, 0.10+14/21/0.12+0.40 ms cpu, 48->54->50 MB, 48 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 58 @1.059s 30%: 0.054+41+0.004 ms clock, 0.10+1.2/20/20+0.009 ms cpu, 50->55->50 MB, 50 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
};

/* goprog steady 64 1024, GOMEMLIMIT=120MiB: the goal above the marked heap */
static const char *const steady[] = {
    "gc 20 @1.432s 31%: 0.017+87+0.27 ms clock, 0.035+10/47/38+0.55 ms cpu, 82->95->77 MB, 93 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 21 @1.538s 32%: 0.019+118+0.23 ms clock, 0.038+51/79/28+0.46 ms cpu, 82->100->82 MB, 99 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 22 @1.668s 32%: 0.084+92+0.22 ms clock, 0.16+5.3/58/18+0.44 ms cpu, 87->106->83 MB, 105 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 23 @1.770s 32%: 0.020+62+0.24 ms clock, 0.040+4.9/34/26+0.48 ms cpu, 90->101->75 MB, 100 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 24 @1.842s 31%: 0.011+69+0.10 ms clock, 0.023+5.0/8.5/35+0.20 ms cpu, 82->101->83 MB, 100 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 25 @1.922s 30%: 0.022+106+0.33 ms clock, 0.044+14/38/44+0.67 ms cpu, 86->101->80 MB, 101 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 26 @2.055s 30%: 0.021+120+0.24 ms clock, 0.042+23/53/65+0.49 ms cpu, 87->100->78 MB, 100 "
    "MB goal, 0 MB stacks, 0 MB globals, 2 P",
    "gc 27 @2.205s 30%: 0.085+97+0.12 ms clock, 0.17+51/20/77+0.24 ms cpu, 84->88->68 MB, 88 MB "
    "goal, 0 MB stacks, 0 MB globals, 2 P",
};

#define N(a) (sizeof(a) / sizeof((a)[0]))

typedef struct outcome {
  int status; /* the child's exit status */
  char record[32768];
} outcome_t;

/* Feeds the cycles to a timeline watching for the spiral under limit_bytes,
 * in a child; what it wrote and how it ended. A cycle whose num is
 * runway_num gets a goal 16 MiB above the marked heap before it. */
static outcome_t feed(const char *const *lines, size_t n, uint64_t limit_bytes,
                      uint64_t runway_num) {
  outcome_t o = {-1, ""};
  int fd[2];
  if (pipe(fd) != 0) return o;
  pid_t pid = fork();
  if (pid == 0) {
    close(fd[0]);
    hl_gc_timeline_t t;
    if (hl_gc_timeline_init(&t, 64, -1) || hl_gc_timeline_stream(&t, fd[1], WINDOW_NS)) _exit(99);
    hl_gc_timeline_watch_spiral(&t, limit_bytes);
    uint64_t marked = 0;
    for (size_t i = 0; i < n; i++) {
      hl_gc_cycle_t c;
      if (!hl_gctrace_parse(lines[i], strlen(lines[i]), &c)) _exit(98);
      if (c.num == runway_num) c.heap_goal_bytes = marked + 16 * MiB;
      marked = c.heap_marked_bytes;
      hl_gc_timeline_record(&t, &c);
    }
    _exit(0);
  }
  close(fd[1]);
  size_t len = 0;
  ssize_t r;
  while ((r = read(fd[0], o.record + len, sizeof o.record - 1 - len)) > 0)
    len += (size_t)r;
  close(fd[0]);
  /* only the gc-thrash record: the "gc" records stream before it */
  char *rec = strstr(o.record, "{\"type\":\"gc-thrash\"");
  memmove(o.record, rec ? rec : o.record + len, rec ? strlen(rec) + 1 : 1);
  int st;
  if (waitpid(pid, &st, 0) == pid && WIFEXITED(st)) o.status = WEXITSTATUS(st);
  return o;
}

/* Pinned from cycle 46 (its goal, 38 MiB, is cycle 45's marked heap); the
 * streak's span reaches 300 ms at the end of cycle 54 (0.876 s + 46.048 ms,
 * against 0.575 s). */
static void test_leak(void) {
  outcome_t o = feed(leak, N(leak), 48 * MiB, 0);
  CHECK_INT(o.status, HL_WORKER_EXIT_THRASH);
  CHECK(strstr(o.record, "\"num_gc\":54") != NULL);
  CHECK(strstr(o.record, "the heap goal stayed at the live heap for 9 cycles back to back over "
                         "the last 347 ms (GOMEMLIMIT 48 MiB, live 58 MiB at cycle 54") != NULL);
  CHECK(strstr(o.record, "death spiral") != NULL);
}

/* Runway at cycle 50 ends the streak; it starts again at 51 (0.742 s) and
 * spans 300 ms at the end of cycle 57 (1.015 s + 39.251 ms). */
static void test_runway_restarts(void) {
  outcome_t o = feed(leak, N(leak), 48 * MiB, 50);
  CHECK_INT(o.status, HL_WORKER_EXIT_THRASH);
  CHECK(strstr(o.record, "\"num_gc\":57") != NULL);
  CHECK(strstr(o.record, "for 7 cycles back to back over the last 312 ms") != NULL);
}

/* The goal at the marked heap, but 100 ms between cycles of 20 ms: the
 * program hardly allocates, the collector is not running back to back. */
static void test_pauses_between(void) {
  char text[16][512];
  const char *lines[16];
  for (int i = 0; i < 16; i++) {
    hl_gc_cycle_t c = {.num = (uint64_t)i + 1,
                       .start_ns = (uint64_t)i * 120000000u,
                       .clock_ns = {10000, 20000000, 10000},
                       .cpu_ns = {20000, 5000000, 20000000, 0, 20000},
                       .heap_start_bytes = 60 * MiB,
                       .heap_end_bytes = 61 * MiB,
                       .heap_marked_bytes = 60 * MiB,
                       .heap_goal_bytes = 60 * MiB,
                       .procs = 2};
    hl_gctrace_format(&c, text[i], sizeof text[i]);
    lines[i] = text[i];
  }
  outcome_t o = feed(lines, 16, 48 * MiB, 0);
  CHECK_INT(o.status, 0);
  CHECK_INT(o.record[0], '\0');
}

static void test_steady_has_runway(void) {
  outcome_t o = feed(steady, N(steady), 120 * MiB, 0);
  CHECK_INT(o.status, 0);
  CHECK_INT(o.record[0], '\0');
}

int main(void) {
  test_leak();
  test_runway_restarts();
  test_pauses_between();
  test_steady_has_runway();
  return th_done("test_gc_spiral");
}
