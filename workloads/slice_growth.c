/* slice-growth (claim C7): a slice built by append in a loop, against one
 * made with its capacity first (Go 1.19's runtime/slice.go).
 *
 * Each iteration builds one slice of `len` elements of `elem` bytes in its
 * own frame, sums it and lets it die. `prealloc` says how it starts:
 *
 *   0      var s []T; append one element at a time: every time the slice is
 *          full, growslice allocates a new array (capacity doubling below
 *          256 elements, then growing by (newcap + 3*256)/4, each new
 *          capacity rounded up to what its size class holds), copies the
 *          old one and drops it: the exact sequence of Go's allocations
 *   1      s := make([]T, 0, len): one allocation; len is a value known only
 *          at run time, so Go 1.19 puts it on the heap
 *   const  s := make([]T, 0, 64): a constant capacity that does not escape,
 *          so the array is in the frame (up to 64 KiB); a slice longer than
 *          64 elements grows from there on the heap as with 0
 *
 * Only the constant make has a stack decision, so --escape off changes
 * prealloc=const alone. elem stops at 1024 bytes so that 64 elements fit in
 * Go's 64 KiB limit for an implicit stack variable. The Go twin is
 * workloads/go/slice_growth.go. */
#include "gomodel.h"
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <string.h>

enum { PRE_NONE, PRE_FINAL, PRE_CONST };

static const char *const preallocs[] = {"0", "1", "const", NULL};

#define CONST_CAP 64u /* the constant capacity of prealloc=const */

enum { P_OPS, P_LEN, P_ELEM, P_PREALLOC, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OPS] = {"ops", HL_PARAM_COUNT, 20000, 2000, 1, UINT64_C(1) << 40,
               "slices built in total (iterations)", NULL},
    [P_LEN] = {"len", HL_PARAM_COUNT, 1000, 1000, 1, 1 << 24, "final length of each slice", NULL},
    [P_ELEM] = {"elem", HL_PARAM_BYTES, 8, 8, 8, 1024,
                "bytes per element (a size the Go twin has a type for)", NULL},
    [P_PREALLOC] = {"prealloc", HL_PARAM_CHOICE, PRE_NONE, PRE_NONE, 0, PRE_CONST,
                    "0: append from nil; 1: make with the final capacity; const: make with 64",
                    preallocs},
};

enum { SITE_GROW, SITE_FINAL, SITE_CONST, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_GROW] = {"appendGrow", SITE_GROW, 1,
                   "append past the capacity: growslice allocates on the heap"},
    [SITE_FINAL] = {"makeFinal", SITE_FINAL, 1, "make with a capacity known only at run time"},
    [SITE_CONST] = {"makeConst", SITE_CONST, 0,
                    "make with a constant capacity that does not escape: in the frame"},
};

static int sg_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  if (p[P_LEN] * p[P_ELEM] > (UINT64_C(1) << 32)) {
    snprintf(why, len, "len x elem is over 4 GiB");
    return HL_EINVAL;
  }
  return hl_go_check_value_size("elem", p[P_ELEM], HL_MAX_STACK_OBJECT_BYTES / CONST_CAP, why, len);
}

static uint64_t sg_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

/* A slice being built: its array and the array's bytes, capacity in
 * elements, and whether the array is the frame's (not to be dropped: the
 * frame takes it). */
typedef struct slice {
  unsigned char *data;
  uint64_t bytes, cap;
  int in_frame;
} slice_t;

static void release(hl_mutator_t *m, const slice_t *s) {
  if (s->data && !s->in_frame) hl_drop(m, s->data, s->bytes);
}

/* append's slow path: a new array of growslice's capacity, the old elements
 * copied into it, the old array dropped. */
static void grow(hl_mutator_t *m, slice_t *s, uint64_t len, size_t elem) {
  uint64_t bytes = hl_go_growslice_bytes(s->cap, len + 1, elem);
  unsigned char *data = hl_new(m, &sites[SITE_GROW], bytes, 0);
  if (len) memcpy(data, s->data, len * elem);
  release(m, s);
  s->data = data;
  s->bytes = bytes;
  s->cap = bytes / elem;
  s->in_frame = 0;
}

static uint64_t build_one(hl_wl_thread_t *t, uint64_t seed) {
  hl_mutator_t *m = t->m;
  const uint64_t n = t->param[P_LEN];
  const size_t elem = t->param[P_ELEM];
  slice_t s = {0};
  if (t->param[P_PREALLOC] == PRE_FINAL) {
    s.bytes = n * elem;
    s.data = hl_new(m, &sites[SITE_FINAL], s.bytes, 0);
    s.cap = n;
  } else if (t->param[P_PREALLOC] == PRE_CONST) {
    s.bytes = CONST_CAP * elem;
    s.data = hl_new(m, &sites[SITE_CONST], s.bytes, 0);
    s.cap = CONST_CAP;
    s.in_frame = 1;
  }
  for (uint64_t len = 0; len < n; len++) {
    if (len == s.cap) grow(m, &s, len, elem);
    uint64_t *e = (uint64_t *)(s.data + len * elem);
    e[0] = seed + len;
  }
  hl_escape_to_compiler(s.data);
  uint64_t sum = 0;
  for (uint64_t i = 0; i < n; i++)
    sum += *(const uint64_t *)(s.data + i * elem);
  release(m, &s);
  return sum;
}

static void sg_run(hl_wl_thread_t *t, uint64_t iterations) {
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(t->m);
    sink += build_one(t, i);
    hl_frame_leave(t->m);
  }
  t->sink += sink;
}

const hl_workload_t hl_workload_slice_growth = {
    .name = "slice-growth",
    .claim = "C7",
    .summary = "append in a loop (Go 1.19's growslice sequence) vs make with the capacity",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = sg_check,
    .iterations = sg_iterations,
    .run = sg_run,
};
