/* The mutator API and escape model (workloads/mutator.h): routing between
 * stack regions and the backend, frames, roots, the barrier hook, counters
 * and the out-of-memory path. The malloc side uses the real glibc backend;
 * the collector side uses a recording backend that keeps every object (so
 * the test can see what was registered, zeroed and never freed). */
#include "backend.h"
#include "error.h"
#include "mutator.h"
#include "th.h"

#include <setjmp.h>
#include <stdint.h>
#include <stdlib.h>

enum { SITE_ESC, SITE_LOCAL, SITE_COUNT };
static const hl_site_t sites[SITE_COUNT] = {
    {"escapes", SITE_ESC, 1, "returned pointer"},
    {"local", SITE_LOCAL, 0, "does not escape"},
};

/* ---- a recording collector ------------------------------------------------ */
#define MAX_ROOTS 16
static struct {
  void *start[MAX_ROOTS];
  size_t bytes[MAX_ROOTS];
  int n;
  int barrier_calls;
  size_t allocs;
  void *kept[4096];
} rec;

static void *rec_alloc(size_t bytes, unsigned nptrs) {
  (void)nptrs;
  void *p = malloc(bytes);
  memset(p, 0xAB, bytes); /* dirty, so the test sees the mutator zero the slots */
  if (rec.allocs < 4096) rec.kept[rec.allocs] = p;
  rec.allocs++;
  return p;
}
static int rec_add_roots(void *start, size_t bytes) {
  rec.start[rec.n] = start;
  rec.bytes[rec.n++] = bytes;
  return 0;
}
static void rec_remove_roots(void *start, size_t bytes) {
  for (int i = 0; i < rec.n; i++)
    if (rec.start[i] == start && rec.bytes[i] == bytes) {
      rec.start[i] = rec.start[--rec.n];
      rec.bytes[i] = rec.bytes[rec.n];
      return;
    }
  TH_FAIL("remove_roots(%p, %zu) was never added", start, bytes);
}
static void rec_barrier(void **slot, void *value) {
  rec.barrier_calls++;
  *slot = value;
}
/* Knobs and block hooks: remember what they were told. */
static int rec_gc_percent = 100, rec_blocked;
static int64_t rec_limit = HL_NO_MEMORY_LIMIT;
static int rec_set_gc_percent(int pct) {
  int old = rec_gc_percent;
  rec_gc_percent = pct;
  return old;
}
static int64_t rec_set_memory_limit(int64_t bytes) {
  int64_t old = rec_limit;
  if (bytes >= 0) rec_limit = bytes;
  return old;
}
static void rec_block(void) {
  rec_blocked++;
}
static void rec_unblock(void) {
  rec_blocked--;
}
/* Statistics: only the collection count, set by the test. */
static uint64_t rec_num_gc;
static int rec_stats(hl_heap_stats_t *out) {
  hl_heap_stats_set(out, HL_HS_num_gc, rec_num_gc);
  return 0;
}
static const hl_backend_t collector = {
    .name = "recording-gc",
    .kind = HL_BACKEND_GC,
    .caps = HL_CAP_COLLECT | HL_CAP_ROOTS | HL_CAP_GC_PERCENT | HL_CAP_MEMORY_LIMIT | HL_CAP_STATS,
    .alloc = rec_alloc,
    .stats = rec_stats,
    .add_roots = rec_add_roots,
    .remove_roots = rec_remove_roots,
    .write_barrier = rec_barrier,
    .set_gc_percent = rec_set_gc_percent,
    .set_memory_limit = rec_set_memory_limit,
    .thread_block = rec_block,
    .thread_unblock = rec_unblock,
};

static int registered(const void *p) {
  for (int i = 0; i < rec.n; i++)
    if ((const char *)p >= (const char *)rec.start[i] &&
        (const char *)p < (const char *)rec.start[i] + rec.bytes[i])
      return 1;
  return 0;
}

/* ---- a backend that is out of memory ------------------------------------- */
static void *null_alloc(size_t bytes, unsigned nptrs) {
  (void)bytes, (void)nptrs;
  return NULL;
}
static const hl_backend_t exhausted = {.name = "exhausted", .alloc = null_alloc};
static jmp_buf oom_jump;
static size_t oom_bytes;
static const hl_site_t *oom_site;
static void on_oom(void *ctx, const hl_site_t *site, size_t bytes) {
  (void)ctx;
  oom_site = site;
  oom_bytes = bytes;
  longjmp(oom_jump, 1);
}

static hl_mutator_t *make(const hl_backend_t *b, hl_escape_mode_t escape) {
  hl_mutator_config_t cfg = {
      .backend = b, .escape = escape, .sites = sites, .nsites = SITE_COUNT, .on_oom = on_oom};
  hl_mutator_t *m = NULL;
  CHECK_INT(hl_mutator_new(&cfg, &m), 0);
  return m;
}

static void test_escape_on(const hl_backend_t *glibc) {
  hl_mutator_t *m = make(glibc, HL_ESCAPE_ON);
  const hl_mutator_counts_t *c = hl_mutator_counts(m);
  void *heap = hl_new(m, &sites[SITE_ESC], 48, 2);
  CHECK(heap != NULL);
  CHECK(hl_get(heap, 0) == NULL && hl_get(heap, 1) == NULL);
  CHECK_U64(c->allocs, 1);
  CHECK_U64(c->alloc_bytes, 48);
  hl_frame_enter(m);
  char *a = hl_new(m, &sites[SITE_LOCAL], 24, 1);
  char *b = hl_new(m, &sites[SITE_LOCAL], 8, 0);
  CHECK((uintptr_t)a % 16 == 0 && (uintptr_t)b % 16 == 0);
  CHECK(b == a + 32); /* bump allocation, 16-byte steps */
  CHECK_U64(c->allocs, 1);
  CHECK_U64(c->stack_allocs, 2);
  CHECK_U64(c->stack_alloc_bytes, 32);
  hl_frame_enter(m); /* a nested frame reuses the space after it is left */
  char *inner = hl_new(m, &sites[SITE_LOCAL], 16, 0);
  CHECK(inner == b + 16);
  hl_frame_leave(m);
  char *again = hl_new(m, &sites[SITE_LOCAL], 16, 0);
  CHECK(again == inner);
  /* Too large for a stack (Go's 64 KiB rule): the heap, released at leave. */
  void *big = hl_new(m, &sites[SITE_LOCAL], HL_MAX_STACK_OBJECT_BYTES + 1, 0);
  CHECK(big != NULL);
  CHECK_U64(c->allocs, 2);
  hl_frame_leave(m);
  CHECK_U64(c->frees, 1);
  CHECK_U64(c->free_bytes, HL_MAX_STACK_OBJECT_BYTES + 1);
  hl_drop(m, heap, 48);
  CHECK_U64(c->frees, 2);
  CHECK_U64(c->site[SITE_ESC].calls, 1);
  CHECK_U64(c->site[SITE_LOCAL].calls, 5); /* a, b, inner, again, big */
  CHECK_U64(c->site[SITE_LOCAL].bytes, 24 + 8 + 16 + 16 + HL_MAX_STACK_OBJECT_BYTES + 1);
  hl_mutator_free(m);
}

static void test_escape_off(const hl_backend_t *glibc) {
  hl_mutator_t *m = make(glibc, HL_ESCAPE_OFF);
  const hl_mutator_counts_t *c = hl_mutator_counts(m);
  hl_frame_enter(m);
  for (int i = 0; i < 10; i++) {
    void *p = hl_new(m, &sites[SITE_LOCAL], 40, 1);
    CHECK(hl_get(p, 0) == NULL);
  }
  CHECK_U64(c->allocs, 10);
  CHECK_U64(c->stack_allocs, 0);
  CHECK_U64(c->frees, 0);
  hl_frame_leave(m);
  CHECK_U64(c->frees, 10); /* the frame released what its non-escaping sites made */
  CHECK_U64(c->free_bytes, 400);
  hl_mutator_free(m);
}

static void test_collector(void) {
  hl_mutator_t *m = make(&collector, HL_ESCAPE_ON);
  const hl_mutator_counts_t *c = hl_mutator_counts(m);
  CHECK_INT(rec.n, 2); /* the stack region and the frame-heap list */
  hl_roots_t *roots = NULL;
  CHECK_INT(hl_roots_new(m, 8, &roots), 0);
  CHECK_INT(rec.n, 3);
  CHECK(registered(&roots->slot[0]) && registered(&roots->slot[7]));
  void *o = hl_new(m, &sites[SITE_ESC], 64, 3);
  CHECK(hl_get(o, 0) == NULL && hl_get(o, 2) == NULL);
  CHECK(((unsigned char *)o)[3 * sizeof(void *)] == 0xAB); /* payload untouched */
  rec.barrier_calls = 0;
  hl_root_set(m, roots, 3, o);
  hl_set(m, o, 1, o);
  CHECK_INT(rec.barrier_calls, 2);
  CHECK(hl_root_get(roots, 3) == o);
  CHECK(hl_get(o, 1) == o);
  hl_drop(m, o, 64); /* a collector has no free: nothing happens */
  CHECK_U64(c->frees, 0);
  hl_frame_enter(m);
  void **local = hl_new(m, &sites[SITE_LOCAL], 32, 2);
  CHECK(registered(local));
  local[0] = o;
  local[1] = o;
  hl_frame_leave(m);
  CHECK(local[0] == NULL && local[1] == NULL); /* popped stack holds no stale pointer */
  hl_roots_free(m, roots);
  CHECK_INT(rec.n, 2);
  hl_mutator_free(m);
  CHECK_INT(rec.n, 0);
}

static void test_escape_off_collector(void) {
  hl_mutator_t *m = make(&collector, HL_ESCAPE_OFF);
  const hl_mutator_counts_t *c = hl_mutator_counts(m);
  size_t before = rec.allocs;
  hl_frame_enter(m);
  void *p = hl_new(m, &sites[SITE_LOCAL], 16, 1);
  CHECK(p == rec.kept[before]);
  hl_frame_leave(m);
  CHECK_U64(c->allocs, 1);
  CHECK_U64(c->frees, 0); /* forgotten, for the collector to find */
  hl_mutator_free(m);
}

static void test_oom(void) {
  hl_mutator_t *m = make(&exhausted, HL_ESCAPE_ON);
  oom_site = NULL;
  if (setjmp(oom_jump) == 0) {
    hl_new(m, &sites[SITE_ESC], 1000, 0);
    TH_FAIL("%s", "hl_new returned although the backend had no memory");
  }
  CHECK(oom_site == &sites[SITE_ESC]);
  CHECK_U64(oom_bytes, 1000);
  CHECK_U64(hl_mutator_counts(m)->allocs, 0);
  hl_mutator_free(m);
}

/* SetGCPercent / SetMemoryLimit reach the backend's slots, return the old
 * value, and say HL_EUNAVAIL where there is no slot. */
static void test_knobs(const hl_backend_t *glibc) {
  hl_mutator_t *m = make(&collector, HL_ESCAPE_ON);
  int old = 0;
  CHECK_INT(hl_set_gc_percent(m, 50, &old), 0);
  CHECK_INT(old, 100);
  CHECK_INT(hl_set_gc_percent(m, HL_GC_OFF, &old), 0);
  CHECK_INT(old, 50);
  CHECK_INT(rec_gc_percent, HL_GC_OFF);
  CHECK_INT(hl_set_gc_percent(m, 0, NULL), HL_EINVAL);
  CHECK_INT(hl_set_gc_percent(m, -7, NULL), HL_EINVAL);
  CHECK_INT(rec_gc_percent, HL_GC_OFF);
  int64_t old_limit = 0;
  CHECK_INT(hl_set_memory_limit(m, 100 << 20, &old_limit), 0);
  CHECK(old_limit == HL_NO_MEMORY_LIMIT);
  CHECK_INT(hl_set_memory_limit(m, -1, &old_limit), 0); /* only reads */
  CHECK_INT(old_limit, 100 << 20);
  CHECK_INT(rec_limit, 100 << 20);
  hl_mutator_block(m);
  CHECK_INT(rec_blocked, 1);
  hl_mutator_unblock(m);
  CHECK_INT(rec_blocked, 0);
  CHECK_U64(hl_mutator_gc_count(m), 0);
  rec_num_gc = 3; /* the collector's own count, read when asked */
  CHECK_U64(hl_mutator_gc_count(m), 3);
  hl_mutator_free(m);
  /* With the harness's cycle count, that is read instead (no statistics). */
  uint64_t cycles = 7;
  hl_mutator_config_t counted = {.backend = &collector,
                                 .escape = HL_ESCAPE_ON,
                                 .sites = sites,
                                 .nsites = SITE_COUNT,
                                 .on_oom = on_oom,
                                 .gc_cycles = &cycles};
  CHECK_INT(hl_mutator_new(&counted, &m), 0);
  CHECK_U64(hl_mutator_gc_count(m), 7);
  cycles = 8;
  CHECK_U64(hl_mutator_gc_count(m), 8);
  hl_mutator_free(m);

  m = make(glibc, HL_ESCAPE_ON);
  CHECK_U64(hl_mutator_gc_count(m), 0); /* a malloc backend never collects */
  CHECK_INT(hl_set_gc_percent(m, 50, &old), HL_EUNAVAIL);
  CHECK_INT(hl_set_memory_limit(m, 1 << 20, &old_limit), HL_EUNAVAIL);
  hl_mutator_block(m); /* no hooks: nothing happens */
  hl_mutator_unblock(m);
  hl_mutator_free(m);
}

int main(void) {
  const hl_backend_t *glibc = hl_backend_find("glibc");
  CHECK(glibc != NULL);
  hl_mutator_config_t bad = {.backend = NULL};
  hl_mutator_t *m = NULL;
  CHECK_INT(hl_mutator_new(&bad, &m), HL_EINVAL);
  test_escape_on(glibc);
  test_escape_off(glibc);
  test_collector();
  test_escape_off_collector();
  test_oom();
  test_knobs(glibc);
  for (size_t i = 0; i < rec.allocs && i < 4096; i++)
    free(rec.kept[i]);
  return th_done("test_mutator");
}
