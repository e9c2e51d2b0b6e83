/* retention: does freed memory go back to the OS, or can a later phase at
 * least reuse it? (A known way to run out: jemalloc's
 * dirty decay, tcmalloc's page heap, mimalloc's purge delay keep freed
 * memory resident, so RSS stays at the peak and a later phase or a sibling
 * process runs out.)
 *
 * Three phases:
 *   1. (setup) build a live set of `peak` bytes in `obj`-byte objects;
 *   2. (setup) free all but `keep_pct` percent of it, either the oldest
 *      objects (`keep=oldest`: the survivors sit together, the freed memory
 *      is one contiguous stretch, the easiest case to give back) or every
 *      n-th one (`keep=spread`: survivors scattered over every page, the
 *      hardest); then sit idle for `idle_ms` without allocating, as a
 *      service between bursts does, which gives time-based purging
 *      (jemalloc's background threads, mimalloc's purge delay, span's
 *      background scavenger) its chance;
 *   3. (timed) allocate `again` bytes of `new_obj`-byte objects, a different
 *      size class, and keep them.
 * Untimed snapshots of VmRSS go into the results: `rss_after_build_bytes`
 * (after phase 1) and `rss_after_free_bytes` (after phase 2 and the idle
 * time); the run's `rss_peak_bytes` then tells whether phase 3 reused the
 * freed memory (peak about the phase-1 figure) or needed more. Iterations
 * are phase 3's allocations.
 *
 * With several threads each does its share of every phase; the snapshots
 * are taken when every thread has finished the phase (a barrier in setup,
 * outside the timed loop, with the threads marked blocked for a
 * stop-the-world collector). A collector reclaims nothing before its next
 * cycle: its figure after phase 2 is what a Go program shows before the next
 * GC, and phase 3's allocations trigger that cycle. */
#include "workload.h"

#include "error.h"
#include "util.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

enum { P_PEAK, P_OBJ, P_KEEP_PCT, P_KEEP, P_IDLE_MS, P_AGAIN, P_NEW_OBJ, P_COUNT };

enum { KEEP_OLDEST, KEEP_SPREAD };
static const char *const keep_choices[] = {"oldest", "spread", NULL};

static const hl_param_spec_t params[P_COUNT] = {
    [P_PEAK] = {"peak", HL_PARAM_BYTES, 256 << 20, 4 << 20, 16, UINT64_C(1) << 40,
                "bytes in the phase-1 live set, over all threads", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 4096, 4096, 16, 1 << 30, "bytes per phase-1 object", NULL},
    [P_KEEP_PCT] = {"keep_pct", HL_PARAM_PERCENT, 10, 10, 0, 100,
                    "percent of the phase-1 objects that phase 2 keeps", NULL},
    [P_KEEP] = {"keep", HL_PARAM_CHOICE, KEEP_OLDEST, KEEP_OLDEST, 0, 1,
                "which ones: oldest (together) or spread (every n-th)", keep_choices},
    [P_IDLE_MS] = {"idle_ms", HL_PARAM_COUNT, 200, 0, 0, 60000,
                   "milliseconds phase 2 sits idle after freeing", NULL},
    [P_AGAIN] = {"again", HL_PARAM_BYTES, 128 << 20, 2 << 20, 0, UINT64_C(1) << 40,
                 "bytes phase 3 allocates and keeps, over all threads", NULL},
    [P_NEW_OBJ] = {"new_obj", HL_PARAM_BYTES, 64, 64, 16, 1 << 30, "bytes per phase-3 object",
                   NULL},
};

enum { SITE_BUILD, SITE_AGAIN, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BUILD] = {"loadDataset", SITE_BUILD, 1, "stored in a global slice"},
    [SITE_AGAIN] = {"newRecord", SITE_AGAIN, 1, "stored in a global slice"},
};

typedef struct retention_state {
  hl_roots_t *built; /* phase 1's objects; phase 2 clears most slots */
  hl_roots_t *again; /* phase 3's objects */
} retention_state_t;

static int rt_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  if (p[P_PEAK] / p[P_OBJ] < threads) {
    snprintf(why, len, "peak/obj gives fewer objects than threads");
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t rt_iterations(const uint64_t *p, unsigned threads) {
  return p[P_AGAIN] / p[P_NEW_OBJ] / threads;
}

/* Phase 2 keeps object i of n: the oldest keep_pct percent, or every
 * (100/keep_pct)-th one, the same count either way. */
static int kept(uint64_t i, uint64_t n, unsigned keep_pct, int spread) {
  uint64_t nkeep = n * keep_pct / 100;
  if (!spread) return i < nkeep;
  /* i is kept when floor((i+1) * nkeep / n) steps past floor(i * nkeep / n). */
  return (unsigned __int128)(i + 1) * nkeep / n != (unsigned __int128)i * nkeep / n;
}

static int rt_setup(hl_wl_thread_t *t) {
  retention_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  const size_t obj = t->param[P_OBJ];
  const size_t n = t->param[P_PEAK] / obj / t->threads;
  int rc = hl_roots_new(t->m, n, &s->built);
  if (rc == 0) rc = hl_roots_new(t->m, t->iterations, &s->again);
  if (rc) {
    hl_roots_free(t->m, s->built);
    free(s);
    /* The other threads wait for this one at both snapshots. */
    hl_wl_barrier(t);
    hl_wl_barrier(t);
    return rc;
  }
  t->state = s;
  for (size_t i = 0; i < n; i++) {
    unsigned char *o = hl_new(t->m, &sites[SITE_BUILD], obj, 0);
    memset(o, (int)(i & 0xff), obj);
    hl_root_set(t->m, s->built, i, o);
  }
  hl_wl_rss_snapshot(t, "rss_after_build_bytes");
  const unsigned keep_pct = (unsigned)t->param[P_KEEP_PCT];
  const int spread = t->param[P_KEEP] == KEEP_SPREAD;
  for (size_t i = 0; i < n; i++) {
    if (kept(i, n, keep_pct, spread)) continue;
    void *o = hl_root_get(s->built, i);
    hl_root_set(t->m, s->built, i, NULL);
    hl_drop(t->m, o, obj);
  }
  hl_wl_idle_ms(t, t->param[P_IDLE_MS]);
  hl_wl_rss_snapshot(t, "rss_after_free_bytes");
  return 0;
}

static void rt_run(hl_wl_thread_t *t, uint64_t iterations) {
  retention_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_NEW_OBJ];
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations && i < s->again->n; i++) {
    unsigned char *o = hl_new(m, &sites[SITE_AGAIN], bytes, 0);
    memset(o, (int)(i & 0xff), bytes);
    hl_root_set(m, s->again, i, o);
    sink += o[bytes - 1];
  }
  t->sink += sink;
}

static void drop_all(hl_wl_thread_t *t, hl_roots_t *r, size_t bytes) {
  for (size_t i = 0; i < r->n; i++) {
    void *o = hl_root_get(r, i);
    if (!o) continue;
    hl_root_set(t->m, r, i, NULL);
    hl_drop(t->m, o, bytes);
  }
  hl_roots_free(t->m, r);
}

static void rt_teardown(hl_wl_thread_t *t) {
  retention_state_t *s = t->state;
  drop_all(t, s->built, t->param[P_OBJ]);
  drop_all(t, s->again, t->param[P_NEW_OBJ]);
  free(s);
  t->state = NULL;
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"rss_after_build_bytes", "RSS built", HL_UNIT_BYTES},
    {"rss_after_free_bytes", "RSS after free", HL_UNIT_BYTES},
};

const hl_workload_t hl_workload_retention = {
    .name = "retention",
    .claim = "C11",
    .summary = "build a peak, free most of it, idle, then need memory again in another size: "
               "who returns memory",
    .kind = "oom",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = rt_check,
    .iterations = rt_iterations,
    .setup = rt_setup,
    .run = rt_run,
    .teardown = rt_teardown,
};
