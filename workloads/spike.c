/* spike: transient live-heap bursts over a steady base (a known way to run
 * out: start-up spikes, bursty traffic).
 *
 * Setup builds a base live set of `base` bytes in `obj`-byte objects. The
 * timed loop then replaces base objects at random (steady-service's churn)
 * until `churn` bytes have been allocated, and `spikes` times along the way,
 * evenly spaced, it raises the live heap by `spike` bytes in one burst (all
 * of it allocated, written and kept at once, as a batch job or a request
 * storm holds its data) and then drops the whole burst. Iterations are
 * allocations: churn/obj replacements plus spikes x spike/obj burst objects.
 *
 * What it shows: peak RSS against the base. An allocator keeps the burst's
 * pages or returns them; a collector paced on the live heap (GOGC) sizes its
 * goal for the burst and, after it, for the base again, while a memory limit
 * caps the peak; under a container limit a burst that fits the base's
 * headroom twice over can still kill the process.
 *
 * Burst objects sit in their own root slots and every slot is cleared when
 * the burst ends, so a collector sees them die. */
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_BASE, P_SPIKE, P_OBJ, P_CHURN, P_SPIKES, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_BASE] = {"base", HL_PARAM_BYTES, 32 << 20, 2 << 20, 8, UINT64_C(1) << 40,
                "bytes in the steady live set", NULL},
    [P_SPIKE] = {"spike", HL_PARAM_BYTES, 64 << 20, 4 << 20, 8, UINT64_C(1) << 40,
                 "bytes a burst adds to the live heap, all held at once", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 1024, 1024, 16, 1 << 30, "bytes per object", NULL},
    [P_CHURN] = {"churn", HL_PARAM_BYTES, 256 << 20, 8 << 20, 0, UINT64_C(1) << 50,
                 "bytes of steady replacement allocated by the timed loop in total", NULL},
    [P_SPIKES] = {"spikes", HL_PARAM_COUNT, 4, 2, 0, 1 << 20, "bursts, evenly spaced", NULL},
};

enum { SITE_BASE, SITE_NEW, SITE_BURST, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BASE] = {"buildBase", SITE_BASE, 1, "stored in a global map"},
    [SITE_NEW] = {"replaceEntry", SITE_NEW, 1, "stored in a global map"},
    [SITE_BURST] = {"burstItem", SITE_BURST, 1, "appended to a batch slice that outlives the call"},
};

typedef struct spike_state {
  hl_roots_t *base;
  hl_roots_t *burst;
  uint64_t steady_n; /* replacements this thread does */
} spike_state_t;

static uint64_t steady_per_thread(const uint64_t *p, unsigned threads) {
  return p[P_CHURN] / p[P_OBJ] / threads;
}

static uint64_t burst_per_thread(const uint64_t *p, unsigned threads) {
  return p[P_SPIKE] / p[P_OBJ] / threads;
}

static int sp_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  if (p[P_BASE] / p[P_OBJ] < threads) {
    snprintf(why, len, "base/obj gives fewer objects than threads");
    return HL_EINVAL;
  }
  if (p[P_SPIKES] && burst_per_thread(p, threads) == 0) {
    snprintf(why, len, "spike/obj gives fewer objects than threads");
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t sp_iterations(const uint64_t *p, unsigned threads) {
  return steady_per_thread(p, threads) + p[P_SPIKES] * burst_per_thread(p, threads);
}

/* Go zeroes what it allocates; the object is written whole here so its
 * pages are resident, as they would be. The first word is the pointer slot
 * (nil: objects never point at each other, so the dead ones really die). */
static void *make(hl_wl_thread_t *t, const hl_site_t *site, uint64_t tag) {
  const size_t bytes = t->param[P_OBJ];
  unsigned char *o = hl_new(t->m, site, bytes, 1);
  memset(o + sizeof(void *), (int)(tag & 0xff), bytes - sizeof(void *));
  return o;
}

static int sp_setup(hl_wl_thread_t *t) {
  spike_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  size_t n = t->param[P_BASE] / t->param[P_OBJ] / t->threads;
  int rc = hl_roots_new(t->m, n, &s->base);
  if (rc == 0) rc = hl_roots_new(t->m, burst_per_thread(t->param, t->threads), &s->burst);
  if (rc) {
    hl_roots_free(t->m, s->base);
    free(s);
    return rc;
  }
  for (size_t i = 0; i < n; i++)
    hl_root_set(t->m, s->base, i, make(t, &sites[SITE_BASE], i));
  s->steady_n = steady_per_thread(t->param, t->threads);
  t->state = s;
  return 0;
}

/* Steady replacements [from, to) of the schedule. */
static uint64_t steady(hl_wl_thread_t *t, uint64_t *rng, uint64_t from, uint64_t to) {
  spike_state_t *s = t->state;
  const size_t bytes = t->param[P_OBJ];
  uint64_t sink = 0;
  for (uint64_t i = from; i < to; i++) {
    unsigned char *o = make(t, &sites[SITE_NEW], i);
    uint64_t victim = hl_rng_below(rng, s->base->n);
    void *old = hl_root_get(s->base, victim);
    hl_root_set(t->m, s->base, victim, o);
    hl_drop(t->m, old, bytes);
    sink += o[bytes - 1];
  }
  return sink;
}

/* One burst: every object allocated and kept, then all dropped. */
static uint64_t burst(hl_wl_thread_t *t, uint64_t k) {
  spike_state_t *s = t->state;
  const size_t bytes = t->param[P_OBJ];
  uint64_t sink = 0;
  for (size_t j = 0; j < s->burst->n; j++) {
    unsigned char *o = make(t, &sites[SITE_BURST], k + j);
    hl_root_set(t->m, s->burst, j, o);
    sink += o[bytes - 1];
  }
  for (size_t j = 0; j < s->burst->n; j++) {
    void *o = hl_root_get(s->burst, j);
    hl_root_set(t->m, s->burst, j, NULL);
    hl_drop(t->m, o, bytes);
  }
  return sink;
}

/* The schedule: the steady replacements split into spikes+1 equal stretches
 * (the last takes the remainder), a burst between consecutive stretches, so
 * the run starts and ends at the base. `iterations` is always
 * sp_iterations(); the schedule is derived from the parameters so that the
 * bursts fall in the same places whatever the batch. */
static void sp_run(hl_wl_thread_t *t, uint64_t iterations) {
  spike_state_t *s = t->state;
  const uint64_t spikes = t->param[P_SPIKES];
  const uint64_t stretch = s->steady_n / (spikes + 1);
  uint64_t rng = t->seed, sink = 0, done = 0, pos = 0;
  (void)iterations;
  for (uint64_t k = 0; k < spikes; k++) {
    sink += steady(t, &rng, pos, pos + stretch);
    pos += stretch;
    sink += burst(t, done);
    done += s->burst->n;
  }
  sink += steady(t, &rng, pos, s->steady_n);
  t->sink += sink;
}

static void sp_teardown(hl_wl_thread_t *t) {
  spike_state_t *s = t->state;
  for (size_t i = 0; i < s->base->n; i++) {
    void *o = hl_root_get(s->base, i);
    hl_root_set(t->m, s->base, i, NULL);
    hl_drop(t->m, o, t->param[P_OBJ]);
  }
  hl_roots_free(t->m, s->base);
  hl_roots_free(t->m, s->burst);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_spike = {
    .name = "spike",
    .claim = "C4",
    .summary = "a steady base live set with periodic bursts of spike bytes held at once, then "
               "dropped",
    .kind = "oom",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = sp_check,
    .iterations = sp_iterations,
    .setup = sp_setup,
    .run = sp_run,
    .teardown = sp_teardown,
};
