/* fragmentation: mixed sizes, long-lived survivors among short-lived
 * objects, on every thread of a thread pool (a known way to run out:
 * glibc keeps an arena per thread, up to 8 per core,
 * so each thread's temporary peak stays resident in its own arena;
 * MALLOC_ARENA_MAX=2 is the usual cure).
 *
 * Each thread serves requests. A request allocates objects of mixed sizes
 * (16 bytes up to `max_obj`, geometric steps of 1.5x, each step equally
 * likely) and holds them until it ends; `survivor_pct` percent of them
 * survive it instead: each replaces a random member of the thread's
 * long-lived set (`live` bytes over all threads, built untimed), and the
 * one it replaces dies. The threads take turns at the heavy requests
 * (rotate=1, a pool whose requests land on whichever thread is free): one
 * request in `threads` on each thread holds the full `burst` bytes at once,
 * the others a sixteenth of it, and the turns are staggered by thread
 * index, so at any moment about one thread is at its peak. Iterations are
 * allocations, `churn` bytes of them over all threads.
 *
 * Survivors are allocated between temporaries, so each lands inside a
 * region that the request's end frees: the freed holes are pinned between
 * live objects and cannot be trimmed from a heap's top or returned as whole
 * pages. An allocator whose free memory is per thread (an arena, a heap, a
 * cache) keeps every thread's peak resident although the peaks never
 * coincide; one whose threads share free memory needs about one peak. Peak
 * RSS against `live` + `burst` is the figure to read.
 *
 * With settle_ms, the run goes on after the loop (see settle) and reports
 * rss_settled_bytes: the resident set of a service that has been running
 * a while, which is where per-thread heaps differ from allocators that
 * return freed pages over time.
 *
 * Objects are written whole when made (Go zeroes them). The survivors and
 * the request's temporaries are held in root slots and cleared when they
 * die, so a collector sees the same lifetimes. */
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_LIVE, P_CHURN, P_BURST, P_MAX_OBJ, P_SURVIVOR, P_ROTATE, P_SETTLE_MS, P_COUNT };

#define MIN_OBJ_BYTES 16u
#define MAX_SIZES 64

static const hl_param_spec_t params[P_COUNT] = {
    [P_LIVE] = {"live", HL_PARAM_BYTES, 32 << 20, 1 << 20, 0, UINT64_C(1) << 40,
                "bytes in the long-lived set, over all threads", NULL},
    [P_CHURN] = {"churn", HL_PARAM_BYTES, UINT64_C(1) << 30, 8 << 20, 16, UINT64_C(1) << 50,
                 "bytes allocated by the timed loop in total", NULL},
    [P_BURST] = {"burst", HL_PARAM_BYTES, 8 << 20, 256 << 10, 16, UINT64_C(1) << 40,
                 "bytes a request holds at once on its thread (the temporary peak)", NULL},
    [P_MAX_OBJ] = {"max_obj", HL_PARAM_BYTES, 32 << 10, 32 << 10, MIN_OBJ_BYTES, 1 << 30,
                   "largest object; sizes run from 16 B up in steps of 1.5x, equally likely", NULL},
    [P_SURVIVOR] = {"survivor_pct", HL_PARAM_PERCENT, 5, 5, 0, 100,
                    "percent of a request's objects that join the long-lived set", NULL},
    [P_ROTATE] = {"rotate", HL_PARAM_BOOL, 1, 1, 0, 1,
                  "1: threads take turns at full bursts (others hold 1/16); 0: every request full",
                  NULL},
    [P_SETTLE_MS] = {"settle_ms", HL_PARAM_COUNT, 0, 0, 0, 600000,
                     "after the loop, one 64 KiB request a millisecond per thread for this long, "
                     "then record rss_settled_bytes (a long-running service between bursts)",
                     NULL},
};

#define SETTLE_STEP_MS 1u
#define SETTLE_OBJ_BYTES (64u << 10)

enum { SITE_LIVE, SITE_TEMP, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_LIVE] = {"buildCache", SITE_LIVE, 1, "stored in a global map"},
    [SITE_TEMP] = {"requestObject", SITE_TEMP, 1,
                   "size not constant / stored in the request; survivors go to a global map"},
};

/* The size steps of a max_obj: 16, 24, 32, 48, ... (x1.5 rounded to 8 B). */
static size_t size_table(uint64_t max_obj, size_t *sizes) {
  size_t n = 0;
  for (uint64_t b = MIN_OBJ_BYTES; b <= max_obj && n < MAX_SIZES; b = (b * 3 / 2 + 7) & ~7ull)
    sizes[n++] = (size_t)b;
  return n;
}

static uint64_t mean_size(uint64_t max_obj) {
  size_t sizes[MAX_SIZES], n = size_table(max_obj, sizes);
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum += sizes[i];
  return sum / n;
}

typedef struct frag_state {
  hl_roots_t *live; /* the long-lived set */
  size_t *live_bytes;
  hl_roots_t *temp; /* the current request's objects */
  size_t *temp_bytes;
  size_t sizes[MAX_SIZES];
  size_t nsizes;
} frag_state_t;

static int fr_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  uint64_t mean = mean_size(p[P_MAX_OBJ]);
  if (p[P_BURST] / mean == 0) {
    snprintf(why, len, "burst is smaller than the mean object (%llu bytes)",
             (unsigned long long)mean);
    return HL_EINVAL;
  }
  if (p[P_SURVIVOR] && p[P_LIVE] / mean / threads == 0) {
    snprintf(why, len, "live gives no long-lived objects per thread (mean object %llu bytes)",
             (unsigned long long)mean);
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t fr_iterations(const uint64_t *p, unsigned threads) {
  return p[P_CHURN] / mean_size(p[P_MAX_OBJ]) / threads;
}

static void *make(hl_wl_thread_t *t, const hl_site_t *site, size_t bytes, uint64_t tag) {
  unsigned char *o = hl_new(t->m, site, bytes, 0);
  memset(o, (int)(tag & 0xff), bytes);
  return o;
}

static void state_free(hl_mutator_t *m, frag_state_t *s) {
  hl_roots_free(m, s->live);
  hl_roots_free(m, s->temp);
  free(s->live_bytes);
  free(s->temp_bytes);
  free(s);
}

static int fr_setup(hl_wl_thread_t *t) {
  frag_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  s->nsizes = size_table(t->param[P_MAX_OBJ], s->sizes);
  uint64_t mean = mean_size(t->param[P_MAX_OBJ]);
  size_t nlive = t->param[P_LIVE] / mean / t->threads;
  size_t ntemp = t->param[P_BURST] / mean;
  s->live_bytes = calloc(nlive ? nlive : 1, sizeof *s->live_bytes);
  s->temp_bytes = calloc(ntemp, sizeof *s->temp_bytes);
  int rc = s->live_bytes && s->temp_bytes ? 0 : HL_ENOMEM;
  if (rc == 0) rc = hl_roots_new(t->m, nlive, &s->live);
  if (rc == 0) rc = hl_roots_new(t->m, ntemp, &s->temp);
  if (rc) {
    state_free(t->m, s);
    return rc;
  }
  uint64_t rng = t->seed ^ 0x5eed;
  for (size_t i = 0; i < nlive; i++) {
    size_t bytes = s->sizes[hl_rng_below(&rng, s->nsizes)];
    hl_root_set(t->m, s->live, i, make(t, &sites[SITE_LIVE], bytes, i));
    s->live_bytes[i] = bytes;
  }
  t->state = s;
  return 0;
}

/* Ends a request: its first n temporaries die. */
static void request_end(hl_wl_thread_t *t, frag_state_t *s, size_t n) {
  for (size_t j = 0; j < n; j++) {
    void *o = hl_root_get(s->temp, j);
    if (!o) continue;
    hl_root_set(t->m, s->temp, j, NULL);
    hl_drop(t->m, o, s->temp_bytes[j]);
  }
}

/* Objects a request of thread `tid` holds: the full `burst` for one
 * request in `threads` (rotate=1: request r is thread tid's turn when
 * (r + tid) % threads == 0, so the turns of the threads are staggered),
 * a sixteenth of it for the others. rotate=0: every request is full. */
static size_t request_len(const hl_wl_thread_t *t, size_t per_request, uint64_t r) {
  if (!t->param[P_ROTATE] || (r + t->thread_index) % t->threads == 0) return per_request;
  return per_request / 16 ? per_request / 16 : 1;
}

/* One iteration is one allocation. A survivor takes its temporary slot's
 * turn but goes to the long-lived set, so a request's slots stay in
 * allocation order with gaps where survivors were. The loop stays flat: it
 * is the measured path, and each step is a few lines. */
static void fr_run(hl_wl_thread_t *t, uint64_t iterations) {
  frag_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const unsigned survivor_pct = (unsigned)t->param[P_SURVIVOR];
  const size_t nlive = s->live->n;
  uint64_t rng = t->seed, sink = 0, r = 0;
  size_t j = 0, len = request_len(t, s->temp->n, r);
  for (uint64_t i = 0; i < iterations; i++) {
    size_t bytes = s->sizes[hl_rng_below(&rng, s->nsizes)];
    unsigned char *o = make(t, &sites[SITE_TEMP], bytes, i);
    sink += o[bytes - 1];
    if (nlive && hl_rng_below(&rng, 100) < survivor_pct) {
      size_t victim = hl_rng_below(&rng, nlive);
      void *old = hl_root_get(s->live, victim);
      size_t old_bytes = s->live_bytes[victim];
      hl_root_set(m, s->live, victim, o);
      s->live_bytes[victim] = bytes;
      hl_drop(m, old, old_bytes);
    } else {
      hl_root_set(m, s->temp, j, o);
      s->temp_bytes[j] = bytes;
    }
    if (++j == len) {
      request_end(t, s, j);
      j = 0;
      len = request_len(t, s->temp->n, ++r);
    }
  }
  request_end(t, s, j);
  t->sink += sink;
}

/* Settling, after the measured loop: the service keeps running but its
 * bursts are over. Each thread makes one 64 KiB request a millisecond, then
 * thread 0 records the resident set (rss_settled_bytes) while every thread
 * still holds its live set. The size matters: jemalloc returns freed pages
 * by decay (10 s by default), and decay advances only when an arena is
 * used; requests its thread caches serve (up to 32 KiB) never reach the
 * arena, so a service of only small requests would keep the pages forever.
 * Per-thread heaps that can only shrink from the top (glibc's arenas) keep
 * each thread's old burst behind its survivors whatever the requests. */
static void settle(hl_wl_thread_t *t) {
  const uint64_t ms = t->param[P_SETTLE_MS];
  if (!ms) return;
  for (uint64_t k = 0; k < ms / SETTLE_STEP_MS; k++) {
    void *o = make(t, &sites[SITE_TEMP], SETTLE_OBJ_BYTES, k);
    hl_drop(t->m, o, SETTLE_OBJ_BYTES);
    hl_wl_idle_ms(t, SETTLE_STEP_MS);
  }
  hl_wl_rss_snapshot(t, "rss_settled_bytes");
  hl_wl_barrier(t); /* no thread frees its live set before the reading */
}

static void fr_teardown(hl_wl_thread_t *t) {
  frag_state_t *s = t->state;
  settle(t);
  for (size_t i = 0; i < s->live->n; i++) {
    void *o = hl_root_get(s->live, i);
    hl_root_set(t->m, s->live, i, NULL);
    hl_drop(t->m, o, s->live_bytes[i]);
  }
  state_free(t->m, s);
  t->state = NULL;
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"rss_settled_bytes", "RSS settled", HL_UNIT_BYTES},
};

const hl_workload_t hl_workload_fragmentation = {
    .name = "fragmentation",
    .claim = "C11",
    .summary = "requests of mixed sizes on every thread, survivors pinned among freed "
               "temporaries",
    .kind = "oom",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = fr_check,
    .iterations = fr_iterations,
    .setup = fr_setup,
    .run = fr_run,
    .teardown = fr_teardown,
};
