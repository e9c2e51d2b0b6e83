/* pool-reuse (claim C3): short-lived buffers from a per-thread pool versus
 * fresh ones (Go's sync.Pool versus make([]byte, n) per request).
 *
 * Each iteration takes a `buf`-byte buffer, fills it (the request's work),
 * checksums it and parks it in a ring of `hold` buffers in use; the buffer it
 * displaces from the ring is released. With pool=1 released buffers go back
 * to a per-thread pool and are handed out again, so a thread allocates only
 * hold + 1 buffers in all; with pool=0 every buffer is a new allocation and
 * every release a drop, which a collector must find and reclaim.
 *
 * Buffers escape (they are stored into the pool or ring, as a []byte passed
 * to an io.Writer is). The pool keeps what it holds: Go's sync.Pool also
 * sheds its contents at each collection, which is not modelled here. */
#include "window.h"
#include "workload.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

enum { P_OPS, P_BUF, P_POOL, P_HOLD, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OPS] = {"ops", HL_PARAM_COUNT, 1000000, 100000, 1, UINT64_C(1) << 40,
               "buffers taken in total (iterations)", NULL},
    [P_BUF] = {"buf", HL_PARAM_BYTES, 1024, 1024, 8, 1 << 20, "bytes per buffer", NULL},
    [P_POOL] = {"pool", HL_PARAM_BOOL, 1, 1, 0, 1,
                "1: reuse released buffers from a per-thread pool; 0: allocate fresh", NULL},
    [P_HOLD] = {"hold", HL_PARAM_COUNT, 4, 4, 1, 4096, "buffers in use at once per thread", NULL},
};

enum { SITE_BUF, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BUF] = {"newBuffer", SITE_BUF, 1, "stored in the pool / passed as an interface"},
};

typedef struct pool_state {
  hl_window_t ring; /* buffers in use */
  hl_roots_t *pool; /* released buffers kept for reuse */
  size_t pooled;
} pool_state_t;

static uint64_t pr_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

static int pr_setup(hl_wl_thread_t *t) {
  pool_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  size_t hold = t->param[P_HOLD];
  int rc = hl_window_new(t->m, hold, &s->ring);
  if (rc == 0) rc = hl_roots_new(t->m, hold, &s->pool);
  if (rc) {
    hl_window_free(t->m, &s->ring);
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

static void pr_run(hl_wl_thread_t *t, uint64_t iterations) {
  pool_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_BUF];
  const size_t hold = t->param[P_HOLD];
  const int use_pool = (int)t->param[P_POOL];
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    unsigned char *b;
    if (use_pool && s->pooled) {
      b = hl_root_get(s->pool, --s->pooled);
      hl_root_set(m, s->pool, s->pooled, NULL);
    } else {
      b = hl_new(m, &sites[SITE_BUF], bytes, 0);
    }
    memset(b, (int)(i & 0xff), bytes);
    hl_escape_to_compiler(b);
    sink += b[i % bytes];
    size_t old_bytes;
    unsigned char *old = hl_window_push(m, &s->ring, b, bytes, &old_bytes);
    if (old) {
      if (use_pool && s->pooled < hold)
        hl_root_set(m, s->pool, s->pooled++, old);
      else
        hl_drop(m, old, old_bytes);
    }
  }
  t->sink += sink;
}

static void pr_teardown(hl_wl_thread_t *t) {
  pool_state_t *s = t->state;
  const size_t bytes = t->param[P_BUF];
  hl_window_free(t->m, &s->ring);
  for (size_t i = 0; i < s->pooled; i++) {
    hl_drop(t->m, hl_root_get(s->pool, i), bytes);
    hl_root_set(t->m, s->pool, i, NULL);
  }
  hl_roots_free(t->m, s->pool);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_pool_reuse = {
    .name = "pool-reuse",
    .claim = "C3",
    .summary = "1 KiB buffers from a per-thread pool vs allocated fresh",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .iterations = pr_iterations,
    .setup = pr_setup,
    .run = pr_run,
    .teardown = pr_teardown,
};
