/* large-objects (claims C12, C13): objects from `min` to `max` bytes
 * (32 KiB..4 MiB by default), the sizes Go hands straight to its page heap.
 *
 * The sizes double from min to max and are cycled; each iteration allocates
 * the next one (pointer-free), writes one byte in the first `touch_pct`
 * percent of its 4 KiB pages (the object is really used, so page faults and
 * TLB misses happen where the allocator's page reuse lets them) and parks it
 * in a FIFO window of `window` live objects, dropping the one it displaces.
 * Run it with --counters to see dTLB misses and page faults per size. */
#include "window.h"
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_OPS, P_MIN, P_MAX, P_WINDOW, P_TOUCH, P_COUNT };

#define PAGE_BYTES 4096u
#define MAX_SIZES 48

static const hl_param_spec_t params[P_COUNT] = {
    [P_OPS] = {"ops", HL_PARAM_COUNT, 20000, 2000, 1, UINT64_C(1) << 32,
               "objects allocated in total (iterations)", NULL},
    [P_MIN] = {"min", HL_PARAM_BYTES, 32 << 10, 32 << 10, 1, UINT64_C(1) << 32, "smallest object",
               NULL},
    [P_MAX] = {"max", HL_PARAM_BYTES, 4 << 20, 4 << 20, 1, UINT64_C(1) << 32,
               "largest object (sizes double from min up to max)", NULL},
    [P_WINDOW] = {"window", HL_PARAM_COUNT, 4, 4, 1, 1 << 16,
                  "objects kept alive at once per thread (FIFO)", NULL},
    [P_TOUCH] = {"touch_pct", HL_PARAM_PERCENT, 100, 100, 0, 100,
                 "percent of each object's 4 KiB pages written", NULL},
};

enum { SITE_OBJ, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_OBJ] = {"makeLarge", SITE_OBJ, 1, "too large for the stack (> 64 KiB) or non-constant"},
};

typedef struct large_state {
  hl_window_t window;
  size_t sizes[MAX_SIZES];
  size_t nsizes;
} large_state_t;

static int lo_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  if (p[P_MIN] > p[P_MAX]) {
    snprintf(why, len, "min is larger than max");
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t lo_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

static int lo_setup(hl_wl_thread_t *t) {
  large_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  for (uint64_t b = t->param[P_MIN]; b <= t->param[P_MAX] && s->nsizes < MAX_SIZES; b *= 2)
    s->sizes[s->nsizes++] = (size_t)b;
  int rc = hl_window_new(t->m, t->param[P_WINDOW], &s->window);
  if (rc) {
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

static void lo_run(hl_wl_thread_t *t, uint64_t iterations) {
  large_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const unsigned touch_pct = (unsigned)t->param[P_TOUCH];
  size_t k = 0;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    size_t bytes = s->sizes[k];
    unsigned char *p = hl_new(m, &sites[SITE_OBJ], bytes, 0);
    size_t pages = (bytes + PAGE_BYTES - 1) / PAGE_BYTES;
    size_t touched = pages * touch_pct / 100;
    for (size_t pg = 0; pg < touched; pg++)
      p[pg * PAGE_BYTES] = (unsigned char)pg;
    p[0] = (unsigned char)i;
    hl_escape_to_compiler(p);
    sink += p[0];
    hl_window_cycle(m, &s->window, p, bytes);
    if (++k == s->nsizes) k = 0;
  }
  t->sink += sink;
}

static void lo_teardown(hl_wl_thread_t *t) {
  large_state_t *s = t->state;
  hl_window_free(t->m, &s->window);
  free(s);
  t->state = NULL;
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"counter.perf::PAGE-FAULTS", "page faults", HL_UNIT_COUNT},
};

const hl_workload_t hl_workload_large_objects = {
    .name = "large-objects",
    .claim = "C12,C13",
    .summary = "32 KiB..4 MiB objects, every page written; TLB and page-fault cost",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = lo_check,
    .iterations = lo_iterations,
    .setup = lo_setup,
    .run = lo_run,
    .teardown = lo_teardown,
};
