/* pool-reuse (claim C3): short-lived buffers from a per-thread pool with Go's
 * sync.Pool semantics, versus fresh ones (make([]byte, n) per request).
 *
 * Each iteration takes a `buf`-byte buffer, fills it (the request's work),
 * checksums it and parks it in a ring of `hold` buffers in use; the buffer it
 * displaces from the ring is released. Optionally a request also makes
 * `garbage` bytes of other short-lived data (its response: what drives a
 * collector), and every `fanout_every`-th request fans out, taking `fanout`
 * more buffers at once and releasing them when it ends. With pool=1
 * released buffers go to the thread's pool and gets are served from it;
 * with pool=0 every get is a new allocation and every release a drop, which
 * a collector must find and reclaim.
 *
 * The pool is Go's (sync/pool.go, Go 1.13 on), one per thread as Go has one
 * per P: a private slot and a shared stack, Put filling the private slot
 * first, Get taking the private slot, then the top of the stack. At every
 * collection (poolCleanup, at the start of each GC) the pool's contents
 * become its victim cache and the previous victim is dropped, so a buffer
 * that sits idle through two collections is gone; Get falls back to the
 * victim (its private slot, then the bottom of its stack) before it makes a
 * new buffer. So on a collector the hit rate depends on how often the heap
 * collects (GOGC, garbage per request, the fan-outs' spacing); on a malloc
 * backend nothing ever collects and the pool keeps everything, as a Go
 * program whose heap never collects would. Collections are learned from
 * the GC count (hl_mutator_gc_count: one load of the harness's count of the
 * collector's cycle reports), read at every Get and Put and after each new
 * buffer, so the pool acts on each collection before its next operation, as
 * Go's does (single-threaded, a collector collects only inside this
 * thread's allocations: the same in every run at a given seed).
 * Go's Get also steals from other Ps' pools; threads here share nothing.
 *
 * Reported: pool_gets, pool_hits (served from the pool or its victim),
 * pool_victim_hits, pool_misses (new buffers), summed over threads. The Go
 * twin is workloads/go/pool_reuse.go, with the real sync.Pool. */
#include "window.h"
#include "workload.h"

#include "error.h"

#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

enum { P_OPS, P_BUF, P_POOL, P_HOLD, P_GARBAGE, P_FANOUT, P_FANOUT_EVERY, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OPS] = {"ops", HL_PARAM_COUNT, 1000000, 100000, 1, UINT64_C(1) << 40,
               "buffers taken in total (iterations)", NULL},
    [P_BUF] = {"buf", HL_PARAM_BYTES, 1024, 1024, 8, 1 << 20, "bytes per buffer", NULL},
    [P_POOL] = {"pool", HL_PARAM_BOOL, 1, 1, 0, 1,
                "1: reuse released buffers through a per-thread sync.Pool; 0: allocate fresh",
                NULL},
    [P_HOLD] = {"hold", HL_PARAM_COUNT, 4, 4, 1, 4096, "buffers in use at once per thread", NULL},
    [P_GARBAGE] = {"garbage", HL_PARAM_BYTES, 0, 0, 0, 1 << 20,
                   "bytes of other short-lived data each request makes (0: none)", NULL},
    [P_FANOUT] = {"fanout", HL_PARAM_COUNT, 0, 0, 0, 4096,
                  "extra buffers a fan-out request takes at once (0: none)", NULL},
    [P_FANOUT_EVERY] = {"fanout_every", HL_PARAM_COUNT, 1000, 1000, 1, UINT64_C(1) << 40,
                        "every how many requests one fans out", NULL},
};

enum { SITE_BUF, SITE_GARBAGE, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BUF] = {"newBuffer", SITE_BUF, 1, "stored in the pool / passed as an interface"},
    [SITE_GARBAGE] = {"newGarbage", SITE_GARBAGE, 1, "the request's response, handed on"},
};

/* One half of a pool (Go's poolLocal): slot 0 is the private slot, slots
 * 1 + lo .. 1 + hi the shared stack, the top at hi. */
typedef struct pool_half {
  hl_roots_t *slots;
  size_t lo, hi;
} pool_half_t;

typedef struct pool_state {
  hl_window_t ring; /* buffers in use */
  pool_half_t half[2];
  pool_half_t *local, *victim;
  hl_roots_t *fanout; /* a fan-out request's extra buffers */
  uint64_t gc_seen;   /* the GC count the pool last acted on */
  uint64_t gets, hits, victim_hits, misses;
} pool_state_t;

/* The threads' figures, summed in teardown (one workload per process). */
static _Atomic uint64_t total_gets, total_hits, total_victim_hits, total_misses;

static uint64_t pr_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

static void *half_pop(hl_mutator_t *m, pool_half_t *h, int from_top) {
  void *x = hl_root_get(h->slots, 0);
  size_t slot = 0;
  if (!x && h->hi > h->lo) {
    slot = 1 + (from_top ? --h->hi : h->lo++);
    x = hl_root_get(h->slots, slot);
  }
  if (x) hl_root_set(m, h->slots, slot, NULL);
  if (h->lo == h->hi) h->lo = h->hi = 0;
  return x;
}

static void half_clear(hl_mutator_t *m, pool_half_t *h, size_t bytes) {
  for (size_t i = 0; i < h->slots->n; i++) {
    hl_drop(m, hl_root_get(h->slots, i), bytes);
    hl_root_set(m, h->slots, i, NULL);
  }
  h->lo = h->hi = 0;
}

/* poolCleanup for every collection since the last look: the victim is
 * dropped and the pool becomes the victim, once per collection. */
static void pool_notice_gc(hl_wl_thread_t *t, pool_state_t *s) {
  uint64_t gc = hl_mutator_gc_count(t->m);
  for (uint64_t k = s->gc_seen; k < gc && k < s->gc_seen + 2; k++) {
    half_clear(t->m, s->victim, t->param[P_BUF]);
    pool_half_t *old_victim = s->victim;
    s->victim = s->local;
    s->local = old_victim;
  }
  s->gc_seen = gc;
}

static void *new_buffer(hl_wl_thread_t *t, pool_state_t *s) {
  void *b = hl_new(t->m, &sites[SITE_BUF], t->param[P_BUF], 0);
  if (t->param[P_POOL]) pool_notice_gc(t, s);
  return b;
}

/* sync.Pool.Get, New when empty. */
static void *pool_get(hl_wl_thread_t *t, pool_state_t *s) {
  s->gets++;
  if (!t->param[P_POOL]) {
    s->misses++;
    return hl_new(t->m, &sites[SITE_BUF], t->param[P_BUF], 0);
  }
  pool_notice_gc(t, s);
  void *b = half_pop(t->m, s->local, 1);
  if (b) {
    s->hits++;
    return b;
  }
  if ((b = half_pop(t->m, s->victim, 0))) {
    s->hits++;
    s->victim_hits++;
    return b;
  }
  s->misses++;
  return new_buffer(t, s);
}

/* sync.Pool.Put (a drop without a pool). */
static void pool_put(hl_wl_thread_t *t, pool_state_t *s, void *b) {
  if (!t->param[P_POOL]) {
    hl_drop(t->m, b, t->param[P_BUF]);
    return;
  }
  pool_notice_gc(t, s);
  pool_half_t *h = s->local;
  if (!hl_root_get(h->slots, 0))
    hl_root_set(t->m, h->slots, 0, b);
  else
    hl_root_set(t->m, h->slots, 1 + h->hi++, b);
}

static int pr_setup(hl_wl_thread_t *t) {
  pool_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  /* Room for every buffer that can exist at once, so Put never refuses. */
  size_t cap = 2 + t->param[P_HOLD] + t->param[P_FANOUT];
  int rc = hl_window_new(t->m, t->param[P_HOLD], &s->ring);
  for (int i = 0; i < 2 && rc == 0; i++)
    rc = hl_roots_new(t->m, cap, &s->half[i].slots);
  if (rc == 0 && t->param[P_FANOUT]) rc = hl_roots_new(t->m, t->param[P_FANOUT], &s->fanout);
  if (rc) {
    hl_window_free(t->m, &s->ring);
    hl_roots_free(t->m, s->half[0].slots);
    hl_roots_free(t->m, s->half[1].slots);
    free(s);
    return rc;
  }
  s->local = &s->half[0];
  s->victim = &s->half[1];
  s->gc_seen = hl_mutator_gc_count(t->m);
  if (t->thread_index == 0) total_gets = total_hits = total_victim_hits = total_misses = 0;
  t->state = s;
  return 0;
}

/* A fan-out request's extra buffers: all taken, used, then all released. */
static uint64_t fan_out(hl_wl_thread_t *t, pool_state_t *s, uint64_t i) {
  const size_t bytes = t->param[P_BUF], n = t->param[P_FANOUT];
  uint64_t sum = 0;
  for (size_t k = 0; k < n; k++) {
    unsigned char *b = pool_get(t, s);
    memset(b, (int)((i + k) & 0xff), bytes);
    hl_escape_to_compiler(b);
    sum += b[k % bytes];
    hl_root_set(t->m, s->fanout, k, b);
  }
  for (size_t k = 0; k < n; k++) {
    void *b = hl_root_get(s->fanout, k);
    hl_root_set(t->m, s->fanout, k, NULL);
    pool_put(t, s, b);
  }
  return sum;
}

/* The request's other data: made, written, handed on (dropped). */
static uint64_t make_garbage(hl_wl_thread_t *t, uint64_t i) {
  const size_t bytes = t->param[P_GARBAGE];
  unsigned char *g = hl_new(t->m, &sites[SITE_GARBAGE], bytes, 0);
  g[0] = (unsigned char)i;
  g[bytes - 1] = (unsigned char)(i >> 8);
  hl_escape_to_compiler(g);
  uint64_t v = g[bytes - 1];
  hl_drop(t->m, g, bytes);
  return v;
}

static void pr_run(hl_wl_thread_t *t, uint64_t iterations) {
  pool_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_BUF];
  const uint64_t every = t->param[P_FANOUT] ? t->param[P_FANOUT_EVERY] : 0;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    unsigned char *b = pool_get(t, s);
    memset(b, (int)(i & 0xff), bytes);
    hl_escape_to_compiler(b);
    sink += b[i % bytes];
    if (t->param[P_GARBAGE]) sink += make_garbage(t, i);
    if (every && (i + 1) % every == 0) sink += fan_out(t, s, i);
    size_t old_bytes;
    void *old = hl_window_push(m, &s->ring, b, bytes, &old_bytes);
    if (old) pool_put(t, s, old);
  }
  t->sink += sink;
}

static void pr_teardown(hl_wl_thread_t *t) {
  pool_state_t *s = t->state;
  total_gets += s->gets;
  total_hits += s->hits;
  total_victim_hits += s->victim_hits;
  total_misses += s->misses;
  hl_wl_barrier(t); /* every thread has added its figures */
  if (t->thread_index == 0) {
    hl_wl_report(t, "pool_gets", (double)total_gets);
    hl_wl_report(t, "pool_hits", (double)total_hits);
    hl_wl_report(t, "pool_victim_hits", (double)total_victim_hits);
    hl_wl_report(t, "pool_misses", (double)total_misses);
  }
  hl_window_free(t->m, &s->ring);
  for (int i = 0; i < 2; i++) {
    half_clear(t->m, &s->half[i], t->param[P_BUF]);
    hl_roots_free(t->m, s->half[i].slots);
  }
  hl_roots_free(t->m, s->fanout); /* NULL without fan-outs */
  free(s);
  t->state = NULL;
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"pool_hits", "pool hits", HL_UNIT_COUNT},
    {"pool_misses", "pool misses", HL_UNIT_COUNT},
};

const hl_workload_t hl_workload_pool_reuse = {
    .name = "pool-reuse",
    .claim = "C3",
    .summary = "1 KiB buffers from a per-thread sync.Pool (Go's victim cache) vs allocated fresh",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .iterations = pr_iterations,
    .setup = pr_setup,
    .run = pr_run,
    .teardown = pr_teardown,
};
