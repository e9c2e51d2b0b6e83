/* Unit test of harness/worker/counters.c on whatever machine runs it.
 *
 * It assumes no hardware PMU (VMs and CI runners have none) but also passes
 * where there is one: hardware events must be either counted (and then
 * non-zero after real work) or unavailable with a reason. Software page
 * faults are counted everywhere, so they carry the exact checks: N fresh
 * pages touched between enable and disable give N faults (a few more for
 * code and stack, never fewer), nothing is counted while disabled, enable
 * starts again from zero, and another thread's faults are not counted.
 * Multiplex scaling cannot be provoked with software events and is not
 * tested here.
 */
#include "counters.h"
#include "error.h"
#include "th.h"

#include <pthread.h>
#include <sys/mman.h>
#include <unistd.h>

#ifndef HL_HAVE_PFM
#define HL_HAVE_PFM 0
#endif

#define TOUCH_PAGES 1024u

enum { EV_FAULTS, EV_UNKNOWN, EV_MINOR, EV_TASK_CLOCK, EV_CYCLES, EV_COUNT };

/* Writable arrays: the API takes char *const * (what hl_split_list gives). */
static char ev_faults[] = "perf::PAGE-FAULTS";
static char ev_unknown[] = "perf::NO-SUCH-EVENT-XYZ";
static char ev_minor[] = "perf::PERF_COUNT_SW_PAGE_FAULTS_MIN";
static char ev_task_clock[] = "perf::TASK-CLOCK";
static char ev_cycles[] = "perf::CYCLES";
static char *const test_events[EV_COUNT] = {
    [EV_FAULTS] = ev_faults,         [EV_UNKNOWN] = ev_unknown, [EV_MINOR] = ev_minor,
    [EV_TASK_CLOCK] = ev_task_clock, [EV_CYCLES] = ev_cycles,
};

/* Writes one byte into each page of a fresh anonymous region, kept out of
 * transparent huge pages so that each base page (4 KiB on x86) is one fault. */
static void touch_fresh_pages(size_t pages) {
  size_t page_bytes = (size_t)sysconf(_SC_PAGESIZE);
  size_t len = pages * page_bytes;
  void *p = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (p == MAP_FAILED) {
    perror("mmap");
    exit(99);
  }
  madvise(p, len, MADV_NOHUGEPAGE);
  volatile unsigned char *bytes = p;
  for (size_t i = 0; i < pages; i++)
    bytes[i * page_bytes] = 1;
  munmap(p, len);
}

static uint64_t busy_loop(void) {
  volatile uint64_t acc = 1;
  for (uint64_t i = 0; i < 20000000; i++)
    acc = acc * 6364136223846793005ull + i;
  return acc;
}

static int contains(const char *haystack, const char *needle) {
  return strstr(haystack, needle) != NULL;
}

static void test_backend_and_defaults(void) {
  const char *backend = hl_counters_backend();
  CHECK(backend != NULL && backend[0] != '\0');
  if (HL_HAVE_PFM)
    CHECK(strncmp(backend, "libpfm4", 7) == 0);
  else
    CHECK_STR(backend, "built without libpfm4");
  fprintf(stderr, "backend: %s\n", backend);

  size_t n = 0;
  const char *const *names = hl_counters_default(&n);
  CHECK_INT(n, 5);
  CHECK_STR(names[0], "perf::DTLB-LOAD-MISSES");
  CHECK_STR(names[4], "perf::PAGE-FAULTS");
}

/* Every default event is counted, or unavailable with a reason. */
static void test_probe_defaults(void) {
  size_t n = 0;
  const char *const *names = hl_counters_default(&n);
  hl_counter_status_t st[HL_MAX_COUNTERS];
  memset(st, 0xff, sizeof st); /* garbage, to see that probe fills it */
  CHECK_INT(hl_counters_probe((char *const *)names, n, st), 0);
  for (size_t i = 0; i < n; i++) {
    CHECK_STR(st[i].name, names[i]);
    CHECK(st[i].available == 0 || st[i].available == 1);
    if (!st[i].available) CHECK(st[i].reason[0] != '\0');
    if (!st[i].available && !HL_HAVE_PFM) CHECK(contains(st[i].reason, "built without libpfm4"));
    fprintf(stderr, "  %-34s %s\n", st[i].name, st[i].available ? "available" : st[i].reason);
  }
  CHECK_INT(st[4].available, 1); /* page faults: a software event */
}

static void test_unknown_event(void) {
  hl_counter_status_t st[1];
  CHECK_INT(hl_counters_probe(&test_events[EV_UNKNOWN], 1, st), 0);
  CHECK_INT(st[0].available, 0);
  CHECK(st[0].reason[0] != '\0');
  CHECK(contains(st[0].reason, HL_HAVE_PFM ? "unknown to libpfm4" : "built without libpfm4"));
}

/* Page faults of the calling thread between enable and disable, read back. */
static uint64_t read_faults(hl_counter_set_t *set) {
  hl_counter_value_t v[EV_COUNT];
  CHECK_INT(hl_counter_set_read(set, v), 0);
  CHECK_INT(v[EV_FAULTS].available, 1);
  return v[EV_FAULTS].value;
}

static void check_values(hl_counter_set_t *set, const hl_counter_value_t *v) {
  CHECK_INT(v[EV_FAULTS].available, 1);
  CHECK(v[EV_FAULTS].value >= TOUCH_PAGES);
  CHECK(v[EV_FAULTS].value < 2 * TOUCH_PAGES); /* about one per page, not ns */
  CHECK_INT(v[EV_FAULTS].multiplexed, 0);
  CHECK_INT(v[EV_MINOR].available, 1);
  CHECK(v[EV_MINOR].value >= TOUCH_PAGES);
  CHECK_INT(v[EV_UNKNOWN].available, 0);
  CHECK_U64(v[EV_UNKNOWN].value, 0);
  CHECK(hl_counter_set_status(set, EV_UNKNOWN)->reason[0] != '\0');
  CHECK_INT(v[EV_TASK_CLOCK].available, 1);
  CHECK(v[EV_TASK_CLOCK].value > 0);
  if (v[EV_CYCLES].available)
    CHECK(v[EV_CYCLES].value > 0);
  else
    CHECK(hl_counter_set_status(set, EV_CYCLES)->reason[0] != '\0');
}

/* probe() and an opened set must reach the same verdict for each event. */
static void check_status_agrees(hl_counter_set_t *set) {
  hl_counter_status_t probed[EV_COUNT];
  CHECK_INT(hl_counters_probe(test_events, EV_COUNT, probed), 0);
  for (size_t i = 0; i < EV_COUNT; i++) {
    const hl_counter_status_t *st = hl_counter_set_status(set, i);
    CHECK(st != NULL);
    if (!st) continue;
    CHECK_STR(st->name, test_events[i]);
    CHECK_INT(st->available, probed[i].available);
    CHECK_STR(st->reason, probed[i].reason);
  }
  CHECK(hl_counter_set_status(set, EV_COUNT) == NULL);
}

static void test_set_counts(void) {
  hl_counter_set_t *set = NULL;
  CHECK_INT(hl_counter_set_open(test_events, EV_COUNT, &set), 0);
  CHECK(set != NULL);
  if (!set) return;
  check_status_agrees(set);

  /* Opened disabled, never enabled: never scheduled, so unavailable, not 0. */
  hl_counter_value_t v[EV_COUNT];
  CHECK_INT(hl_counter_set_read(set, v), 0);
  CHECK_INT(v[EV_FAULTS].available, 0);
  CHECK(hl_counter_set_status(set, EV_FAULTS)->reason[0] != '\0');

  hl_counter_set_enable(set);
  touch_fresh_pages(TOUCH_PAGES);
  (void)busy_loop();
  hl_counter_set_disable(set);
  CHECK_INT(hl_counter_set_read(set, v), 0);
  check_values(set, v);
  CHECK_STR(hl_counter_set_status(set, EV_FAULTS)->reason, "");

  /* Disabled: more faults must not be counted. */
  uint64_t before = read_faults(set);
  touch_fresh_pages(TOUCH_PAGES);
  CHECK_U64(read_faults(set), before);

  /* Enable starts from zero again. */
  hl_counter_set_enable(set);
  hl_counter_set_disable(set);
  CHECK(read_faults(set) < TOUCH_PAGES);
  hl_counter_set_close(set);
}

static void *toucher(void *arg) {
  (void)arg;
  touch_fresh_pages(TOUCH_PAGES);
  return NULL;
}

/* A set counts its own thread only: another thread's faults stay out. */
static void test_thread_local(void) {
  hl_counter_set_t *set = NULL;
  CHECK_INT(hl_counter_set_open(test_events, 1, &set), 0);
  if (!set) return;
  pthread_t t;
  hl_counter_set_enable(set);
  int rc = pthread_create(&t, NULL, toucher, NULL);
  CHECK_INT(rc, 0);
  if (rc == 0) pthread_join(t, NULL);
  hl_counter_set_disable(set);
  CHECK(read_faults(set) < TOUCH_PAGES);
  hl_counter_set_close(set);
}

static void test_limits(void) {
  char *many[HL_MAX_COUNTERS + 1];
  for (size_t i = 0; i < HL_MAX_COUNTERS + 1; i++)
    many[i] = test_events[EV_FAULTS];
  hl_counter_status_t st[HL_MAX_COUNTERS + 1];
  hl_counter_set_t *set = (hl_counter_set_t *)&st; /* must be reset to NULL */
  CHECK_INT(hl_counters_probe(many, HL_MAX_COUNTERS + 1, st), HL_EINVAL);
  CHECK_INT(hl_counter_set_open(many, HL_MAX_COUNTERS + 1, &set), HL_EINVAL);
  CHECK(set == NULL);

  /* Exactly HL_MAX_COUNTERS is fine, and all of them count. */
  CHECK_INT(hl_counter_set_open(many, HL_MAX_COUNTERS, &set), 0);
  if (!set) return;
  for (size_t i = 0; i < HL_MAX_COUNTERS; i++)
    CHECK_INT(hl_counter_set_status(set, i)->available, 1);
  hl_counter_set_close(set);

  char *empty_name[1] = {NULL};
  CHECK_INT(hl_counters_probe(empty_name, 1, st), HL_EINVAL);
}

int main(void) {
  test_backend_and_defaults();
  test_probe_defaults();
  test_unknown_event();
  test_set_counts();
  test_thread_local();
  test_limits();
  return th_done("test_counters");
}
