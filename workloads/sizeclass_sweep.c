/* sizeclass-sweep (claim C11): every request size from `min` to `max` bytes
 * in steps of `step`, cycled `passes` times.
 *
 * Iteration i allocates an object of the i-th size (pointer-free), writes its
 * first and last byte and parks it in a FIFO window of `window` live objects,
 * dropping the one it displaces. This exercises every size class of the
 * backend in turn, which is where size-class design shows: round-up waste,
 * per-class caches, class switching.
 *
 * After the timed loop, the teardown asks the backend how many bytes it set
 * aside for one object of each size (malloc_usable_size, GC_size, or its
 * size-class table) and reports internal fragmentation: internal_frag_pct =
 * 100 * (usable - requested) / usable summed over all sizes, and
 * max_frag_pct, the worst single size. Backends that publish their size
 * classes (span) also get a row per class: its requests, objects per span,
 * span bytes and worst waste (round-up plus span tail, the "max waste" of
 * Go's size-class table). Backends that cannot tell report none of this. */
#include "window.h"
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_MIN, P_MAX, P_STEP, P_PASSES, P_WINDOW, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_MIN] = {"min", HL_PARAM_BYTES, 1, 1, 1, 1 << 20, "smallest request size", NULL},
    [P_MAX] = {"max", HL_PARAM_BYTES, 32 << 10, 32 << 10, 1, 1 << 20, "largest request size", NULL},
    [P_STEP] = {"step", HL_PARAM_BYTES, 1, 8, 1, 1 << 20, "distance between sizes", NULL},
    [P_PASSES] = {"passes", HL_PARAM_COUNT, 16, 4, 1, 1 << 20, "sweeps over the whole size range",
                  NULL},
    [P_WINDOW] = {"window", HL_PARAM_COUNT, 64, 64, 1, 1 << 20,
                  "objects kept alive at once per thread (FIFO)", NULL},
};

enum { SITE_OBJ, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_OBJ] = {"makeBytes", SITE_OBJ, 1, "slice of non-constant length"},
};

typedef struct sweep_state {
  hl_window_t window;
} sweep_state_t;

static uint64_t nsizes(const uint64_t *p) {
  return (p[P_MAX] - p[P_MIN]) / p[P_STEP] + 1;
}

static int ss_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  if (p[P_MIN] > p[P_MAX]) {
    snprintf(why, len, "min (%llu) is larger than max (%llu)", (unsigned long long)p[P_MIN],
             (unsigned long long)p[P_MAX]);
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t ss_iterations(const uint64_t *p, unsigned threads) {
  return nsizes(p) * p[P_PASSES] / threads;
}

static int ss_setup(hl_wl_thread_t *t) {
  sweep_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  int rc = hl_window_new(t->m, t->param[P_WINDOW], &s->window);
  if (rc) {
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

static void ss_run(hl_wl_thread_t *t, uint64_t iterations) {
  sweep_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const uint64_t min = t->param[P_MIN], step = t->param[P_STEP];
  const uint64_t n = nsizes(t->param);
  uint64_t k = 0; /* size index, i mod n without a division per iteration */
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    size_t bytes = (size_t)(min + k * step);
    unsigned char *p = hl_new(m, &sites[SITE_OBJ], bytes, 0);
    p[0] = (unsigned char)i;
    p[bytes - 1] = (unsigned char)k;
    sink += p[0];
    hl_window_cycle(m, &s->window, p, bytes);
    if (++k == n) k = 0;
  }
  t->sink += sink;
}

/* Adds request `bytes` to the per-class table (requests come in increasing
 * order, so a class is always the last row or a new one). */
static void add_to_class(hl_wl_thread_t *t, uint64_t bytes, const hl_size_class_t *sc) {
  hl_class_row_t *r = t->nclasses ? &t->classes[t->nclasses - 1] : NULL;
  if (!r || r->object_bytes != sc->object_bytes) {
    if (t->nclasses == HL_MAX_CLASS_ROWS) return;
    r = &t->classes[t->nclasses++];
    r->object_bytes = sc->object_bytes;
    r->min_request = bytes;
    r->objects = sc->objects;
    r->span_bytes = sc->span_bytes;
  }
  r->max_request = bytes;
  /* Go's max waste: the smallest request of the class rounded up in every
   * slot, plus the span's tail (mksizeclasses.go). */
  if (r->span_bytes)
    r->max_waste_pct = 100.0 *
                       (double)((r->object_bytes - r->min_request) * r->objects +
                                (r->span_bytes - r->objects * r->object_bytes)) /
                       (double)r->span_bytes;
  else
    r->max_waste_pct = 100.0 * (double)(r->object_bytes - r->min_request) / (double)r->object_bytes;
}

/* Internal fragmentation per size, measured once, untimed: from the
 * backend's size classes when it publishes them (no allocation), else from
 * the usable size of one object of each size (malloc_usable_size, GC_size). */
static void measure_fragmentation(hl_wl_thread_t *t) {
  const uint64_t min = t->param[P_MIN], step = t->param[P_STEP];
  const uint64_t n = nsizes(t->param);
  double requested = 0, usable = 0, worst = 0;
  for (uint64_t k = 0; k < n; k++) {
    size_t bytes = (size_t)(min + k * step);
    hl_size_class_t sc = {0};
    size_t u;
    if (hl_size_class_info(t->m, bytes, &sc) == 0) {
      u = sc.object_bytes;
      add_to_class(t, bytes, &sc);
    } else {
      void *p = hl_new(t->m, &sites[SITE_OBJ], bytes, 0);
      u = hl_usable_size(t->m, p);
      hl_drop(t->m, p, bytes);
    }
    if (u == 0) return; /* backend cannot tell */
    requested += (double)bytes;
    usable += (double)u;
    double waste = 100.0 * (double)(u - bytes) / (double)u;
    if (waste > worst) worst = waste;
  }
  hl_wl_report(t, "internal_frag_pct", 100.0 * (usable - requested) / usable);
  hl_wl_report(t, "max_frag_pct", worst);
}

static void ss_teardown(hl_wl_thread_t *t) {
  sweep_state_t *s = t->state;
  hl_window_free(t->m, &s->window);
  free(s);
  t->state = NULL;
  if (t->thread_index == 0) measure_fragmentation(t);
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"internal_frag_pct", "internal frag", HL_UNIT_PERCENT},
    {"max_frag_pct", "max frag", HL_UNIT_PERCENT},
};

const hl_workload_t hl_workload_sizeclass_sweep = {
    .name = "sizeclass-sweep",
    .claim = "C11",
    .summary = "every request size 1 B..32 KiB in turn; internal fragmentation",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = ss_check,
    .iterations = ss_iterations,
    .setup = ss_setup,
    .run = ss_run,
    .teardown = ss_teardown,
};
