/* batch (claim C10): objects allocated in batches and freed in another
 * order. Each round allocates `batch` objects of mixed small sizes (min..max
 * bytes, uniform in 8-byte steps), writes one byte of each, then frees them
 * all in a fixed random order (`order=random`), oldest first (`fifo`) or
 * newest first (`lifo`). This is mimalloc-bench's glibc-simple shape (16-byte
 * objects in batches of 25..1600) and a parser's or a request handler's: more
 * frees in a row than a per-thread cache of a few dozen objects per class
 * holds, which is where such caches flush into their spans or slabs.
 *
 * One iteration is one object allocated and freed, so the time per
 * iteration is the cost of a malloc/free pair in batches. Sizes and the free
 * order are drawn once in setup (untimed), from the thread's seed, so every
 * round and every backend sees the same sequence. With --threads N each
 * thread runs its own batches; nothing crosses threads (see remote-free for
 * that). A last round shorter than a batch covers the remainder exactly. */
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_OBJECTS, P_BATCH, P_MIN, P_MAX, P_ORDER, P_COUNT };

static const char *const orders[] = {"random", "fifo", "lifo", NULL};
enum { ORDER_RANDOM, ORDER_FIFO, ORDER_LIFO };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OBJECTS] = {"objects", HL_PARAM_COUNT, 4000000, 400000, 1, UINT64_C(1) << 40,
                   "objects allocated and freed in total (iterations)", NULL},
    [P_BATCH] = {"batch", HL_PARAM_COUNT, 1000, 1000, 1, 1 << 24, "objects live at once, per round",
                 NULL},
    [P_MIN] = {"min", HL_PARAM_BYTES, 16, 16, 1, 1 << 20, "smallest object, bytes", NULL},
    [P_MAX] = {"max", HL_PARAM_BYTES, 256, 256, 1, 1 << 20, "largest object, bytes", NULL},
    [P_ORDER] = {"order", HL_PARAM_CHOICE, ORDER_RANDOM, ORDER_RANDOM, 0, 2,
                 "free order within a round: random, fifo (oldest first), lifo", orders},
};

enum { SITE_OBJ, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_OBJ] = {"newNode", SITE_OBJ, 1, "stored in a slice that outlives the call"},
};

typedef struct batch_state {
  hl_roots_t *live;  /* the round's objects */
  uint32_t *bytes;   /* size of object i of a round */
  uint32_t *free_at; /* k-th free of a round: object free_at[k] */
} batch_state_t;

static int bt_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  if (p[P_MIN] > p[P_MAX]) {
    snprintf(why, len, "min=%llu is above max=%llu", (unsigned long long)p[P_MIN],
             (unsigned long long)p[P_MAX]);
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t bt_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OBJECTS] / threads;
}

static void bt_free_state(batch_state_t *s) {
  free(s->bytes);
  free(s->free_at);
  free(s);
}

static int bt_setup(hl_wl_thread_t *t) {
  const size_t n = t->param[P_BATCH];
  batch_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  s->bytes = malloc(n * sizeof *s->bytes);
  s->free_at = malloc(n * sizeof *s->free_at);
  int rc = s->bytes && s->free_at ? hl_roots_new(t->m, n, &s->live) : HL_ENOMEM;
  if (rc) {
    bt_free_state(s);
    return rc;
  }
  uint64_t rng = t->seed;
  const uint64_t lo = t->param[P_MIN], steps = (t->param[P_MAX] - lo) / 8 + 1;
  for (size_t i = 0; i < n; i++) {
    s->bytes[i] = (uint32_t)(lo + 8 * hl_rng_below(&rng, steps));
    s->free_at[i] = (uint32_t)(t->param[P_ORDER] == ORDER_LIFO ? n - 1 - i : i);
  }
  if (t->param[P_ORDER] == ORDER_RANDOM)
    for (size_t i = n; i > 1; i--) { /* Fisher-Yates */
      size_t j = hl_rng_below(&rng, i);
      uint32_t tmp = s->free_at[i - 1];
      s->free_at[i - 1] = s->free_at[j];
      s->free_at[j] = tmp;
    }
  t->state = s;
  return 0;
}

static void bt_run(hl_wl_thread_t *t, uint64_t iterations) {
  batch_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t n = s->live->n;
  uint64_t sink = 0;
  for (uint64_t done = 0; done < iterations;) {
    size_t round = iterations - done < n ? (size_t)(iterations - done) : n;
    for (size_t i = 0; i < round; i++) {
      unsigned char *o = hl_new(m, &sites[SITE_OBJ], s->bytes[i], 0);
      o[0] = (unsigned char)i;
      hl_root_set(m, s->live, i, o);
    }
    for (size_t k = 0; k < n; k++) {
      size_t i = s->free_at[k];
      if (i >= round) continue; /* the short last round */
      unsigned char *o = hl_root_get(s->live, i);
      sink += o[0];
      hl_root_set(m, s->live, i, NULL);
      hl_drop(m, o, s->bytes[i]);
    }
    done += round;
  }
  t->sink += sink;
}

static void bt_teardown(hl_wl_thread_t *t) {
  batch_state_t *s = t->state;
  hl_roots_free(t->m, s->live); /* empty: every round freed its objects */
  bt_free_state(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_batch = {
    .name = "batch",
    .claim = "C10",
    .summary = "rounds of mixed small objects allocated, then all freed in random order",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = bt_check,
    .iterations = bt_iterations,
    .setup = bt_setup,
    .run = bt_run,
    .teardown = bt_teardown,
};
