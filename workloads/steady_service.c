/* steady-service (claim C4): a long-running service's heap. A live set of
 * `live` bytes in objects of `obj` bytes is built untimed; then, timed, new
 * objects replace live ones at random until `churn` bytes have been
 * allocated. The live set stays the same size while garbage is made at the
 * allocation rate: the shape for which GOGC sets the heap size and
 * containers set the memory limit.
 *
 * Each object has `ptrs` pointer slots (Go's node{next *node; pad}) left nil:
 * new objects never point at old ones, so the old ones really die (an
 * earlier Go reproducer linked them and kept everything reachable). Objects
 * are written whole when made, as Go zeroes them. With the defaults the
 * heap is 16 MiB live; `-p live=64M -p obj=1024 -p churn=1G` is the Go
 * reference shape of ../reference (64 Ki objects, 1 GiB of allocation). */
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum { P_LIVE, P_OBJ, P_CHURN, P_PTRS, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_LIVE] = {"live", HL_PARAM_BYTES, 16 << 20, 4 << 20, 8, UINT64_C(1) << 40,
                "bytes in the live set", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 1024, 1024, 8, 1 << 30, "bytes per object", NULL},
    [P_CHURN] = {"churn", HL_PARAM_BYTES, 256 << 20, 32 << 20, 8, UINT64_C(1) << 50,
                 "bytes allocated by the timed loop in total", NULL},
    [P_PTRS] = {"ptrs", HL_PARAM_COUNT, 1, 1, 0, 1 << 20,
                "pointer slots per object (0: pointer-free)", NULL},
};

enum { SITE_LIVE, SITE_NEW, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_LIVE] = {"buildLiveSet", SITE_LIVE, 1, "stored in a global map"},
    [SITE_NEW] = {"newEntry", SITE_NEW, 1, "stored in a global map"},
};

typedef struct steady_state {
  hl_roots_t *live;
} steady_state_t;

static int sv_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  if (p[P_PTRS] * sizeof(void *) > p[P_OBJ]) {
    snprintf(why, len, "ptrs=%llu slots do not fit in obj=%llu bytes",
             (unsigned long long)p[P_PTRS], (unsigned long long)p[P_OBJ]);
    return HL_EINVAL;
  }
  if (p[P_LIVE] / p[P_OBJ] < threads) {
    snprintf(why, len, "live/obj gives fewer objects than threads");
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t sv_iterations(const uint64_t *p, unsigned threads) {
  return p[P_CHURN] / p[P_OBJ] / threads;
}

static void *make_entry(hl_wl_thread_t *t, const hl_site_t *site, uint64_t tag) {
  const size_t bytes = t->param[P_OBJ];
  const unsigned nptrs = (unsigned)t->param[P_PTRS];
  unsigned char *o = hl_new(t->m, site, bytes, nptrs);
  size_t head = nptrs * sizeof(void *);
  memset(o + head, (int)(tag & 0xff), bytes - head);
  return o;
}

static int sv_setup(hl_wl_thread_t *t) {
  steady_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  size_t n = t->param[P_LIVE] / t->param[P_OBJ] / t->threads;
  int rc = hl_roots_new(t->m, n, &s->live);
  if (rc) {
    free(s);
    return rc;
  }
  for (size_t i = 0; i < n; i++)
    hl_root_set(t->m, s->live, i, make_entry(t, &sites[SITE_LIVE], i));
  t->state = s;
  return 0;
}

static void sv_run(hl_wl_thread_t *t, uint64_t iterations) {
  steady_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_OBJ];
  const uint64_t n = s->live->n;
  uint64_t rng = t->seed;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    unsigned char *o = make_entry(t, &sites[SITE_NEW], i);
    uint64_t victim = hl_rng_below(&rng, n);
    void *old = hl_root_get(s->live, victim);
    hl_root_set(m, s->live, victim, o);
    hl_drop(m, old, bytes);
    sink += o[bytes - 1];
  }
  t->sink += sink;
}

static void sv_teardown(hl_wl_thread_t *t) {
  steady_state_t *s = t->state;
  for (size_t i = 0; i < s->live->n; i++) {
    hl_drop(t->m, hl_root_get(s->live, i), t->param[P_OBJ]);
    hl_root_set(t->m, s->live, i, NULL);
  }
  hl_roots_free(t->m, s->live);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_steady_service = {
    .name = "steady-service",
    .claim = "C4",
    .summary = "a live set replaced at random while churn bytes are allocated",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = sv_check,
    .iterations = sv_iterations,
    .setup = sv_setup,
    .run = sv_run,
    .teardown = sv_teardown,
};
