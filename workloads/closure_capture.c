/* closure-capture (claims C2, C7): a closure that captures a local by
 * reference and escapes, against one called in place.
 *
 *   func makeCounter(x uint64) func() uint64 {   // the closure escapes:
 *       var v T                                 //   v moves to the heap
 *       return func() uint64 { v[0]++; return v[0] }  // and so does the closure
 *   }
 *   func callInPlace(x uint64) uint64 {          // nothing escapes:
 *       var v T                                 //   v and the closure
 *       f := func() uint64 { v[0]++; return v[0] }    // live in the frame
 *       return f() + f()
 *   }
 *
 * The closure modifies v, so Go captures it by reference (a captured
 * variable that is never reassigned and at most 128 bytes would be copied
 * into the closure instead). An escaping closure therefore costs two heap
 * objects: v (`captured` bytes, pointer-free: Go's tiny allocator takes an
 * 8-byte one) and the closure (16 bytes: the code pointer and &v). Each
 * iteration is one call in its own frame, and its caller calls the closure
 * twice; `escape_pct` percent of the calls take the escaping form, spread
 * evenly as in escape-return. With --escape on the in-place form allocates
 * nothing on the heap, so
 *
 *   allocs(on)  = 2 * calls * escape_pct / 100
 *   allocs(off) = 2 * calls
 *
 * The Go twin is workloads/go/closure_capture.go. */
#include "gomodel.h"
#include "workload.h"

#include <stdio.h>

enum { P_CALLS, P_CAPTURED, P_ESCAPE_PCT, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_CALLS] = {"calls", HL_PARAM_COUNT, 2000000, 200000, 1, UINT64_C(1) << 40,
                 "calls in total (iterations), each making one closure", NULL},
    [P_CAPTURED] = {"captured", HL_PARAM_BYTES, 64, 64, 8, 64 << 10,
                    "bytes of the captured variable (a size the Go twin has a type for)", NULL},
    [P_ESCAPE_PCT] = {"escape_pct", HL_PARAM_PERCENT, 50, 50, 0, 100,
                      "percent of calls whose closure escapes (returned to the caller)", NULL},
};

/* The closure object: Go's funcval with one captured reference. */
#define CLOSURE_BYTES 16u
#define CLOSURE_CODE 0x636c6f73u /* stands for the code pointer */

enum { SITE_CAPTURED, SITE_CLOSURE, SITE_LOCAL_VAR, SITE_LOCAL_CLOSURE, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_CAPTURED] = {"capturedVar", SITE_CAPTURED, 1,
                       "captured by reference by a closure that escapes (moved to heap)"},
    [SITE_CLOSURE] = {"escapingClosure", SITE_CLOSURE, 1, "func literal returned to the caller"},
    [SITE_LOCAL_VAR] = {"localVar", SITE_LOCAL_VAR, 0,
                        "captured by a closure that is only called in place"},
    [SITE_LOCAL_CLOSURE] = {"localClosure", SITE_LOCAL_CLOSURE, 0,
                            "func literal called in place, never stored"},
};

static int cc_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  return hl_go_check_value_size("captured", p[P_CAPTURED], 64 << 10, why, len);
}

static uint64_t cc_iterations(const uint64_t *p, unsigned threads) {
  return p[P_CALLS] / threads;
}

/* Builds the closure: v initialised, the closure pointing at it. */
static uint64_t *make_closure(hl_mutator_t *m, const hl_site_t *var_site,
                              const hl_site_t *closure_site, size_t bytes, uint64_t x) {
  uint64_t *v = hl_new(m, var_site, bytes, 0);
  v[0] = x;
  uint64_t *c = hl_new(m, closure_site, CLOSURE_BYTES, 1);
  hl_set(m, c, 0, v);
  c[1] = CLOSURE_CODE;
  return c;
}

/* One call of the closure: v[0]++, return v[0]. */
static inline uint64_t call_closure(uint64_t *c) {
  uint64_t *v = hl_get(c, 0);
  v[0]++;
  hl_escape_to_compiler(v);
  return v[0];
}

static void cc_run(hl_wl_thread_t *t, uint64_t iterations) {
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_CAPTURED];
  const unsigned escape_pct = (unsigned)t->param[P_ESCAPE_PCT];
  unsigned acc = 0;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(m);
    if (hl_spread(&acc, escape_pct)) {
      uint64_t *c = make_closure(m, &sites[SITE_CAPTURED], &sites[SITE_CLOSURE], bytes, i);
      sink += call_closure(c);
      sink += call_closure(c);
      hl_drop(m, hl_get(c, 0), bytes);
      hl_drop(m, c, CLOSURE_BYTES);
    } else {
      uint64_t *c = make_closure(m, &sites[SITE_LOCAL_VAR], &sites[SITE_LOCAL_CLOSURE], bytes, i);
      sink += call_closure(c);
      sink += call_closure(c);
    }
    hl_frame_leave(m);
  }
  t->sink += sink;
}

const hl_workload_t hl_workload_closure_capture = {
    .name = "closure-capture",
    .claim = "C2,C7",
    .summary = "closure capturing a local by reference that escapes vs one called in place",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = cc_check,
    .iterations = cc_iterations,
    .run = cc_run,
};
