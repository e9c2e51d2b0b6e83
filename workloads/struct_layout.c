/* struct-layout (claim C8): the same five fields in declaration order with
 * padding, against ordered by decreasing size.
 *
 *   padded  { bool a; int64 b; bool c; int32 d; bool e }   32 bytes
 *   packed  { int64 b; int32 d; bool a; bool c; bool e }   16 bytes
 *
 * (C and Go lay these out alike: each field at a multiple of its own size,
 * the whole a multiple of the largest.) Each iteration fills a temporary
 * record in its frame (it does not escape: the stack), checks it, then
 * copies it into a new heap record kept in a live set of `objects` records
 * (it escapes), so the timed loop builds the live set and the row's heap
 * figures after it (heap_alloc_bytes, rss_peak_bytes) are that live set.
 * Both halves of C8 show: --escape off puts every temporary on the heap as
 * well (malloc and free per record on a malloc backend), and the layout
 * halves the bytes per record (32 and 16 are size classes of Go and span).
 * Reported (by thread 0, after the loop): `struct_bytes`, the record's
 * size, and `struct_class_bytes`, what the backend set aside for one (its
 * size class, or the usable size; left out when it cannot tell). The Go
 * twin is workloads/go/struct_layout.go. */
#include "workload.h"

#include "error.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

typedef struct padded {
  bool a;
  int64_t b;
  bool c;
  int32_t d;
  bool e;
} padded_t;

typedef struct packed {
  int64_t b;
  int32_t d;
  bool a, c, e;
} packed_t;

_Static_assert(sizeof(padded_t) == 32, "padded record is 32 bytes, as in Go");
_Static_assert(sizeof(packed_t) == 16, "packed record is 16 bytes, as in Go");

enum { L_PADDED, L_PACKED };

static const char *const layouts[] = {"padded", "packed", NULL};

enum { P_OBJECTS, P_LAYOUT, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OBJECTS] = {"objects", HL_PARAM_COUNT, 1000000, 100000, 1, UINT64_C(1) << 32,
                   "records in the live set in total (iterations)", NULL},
    [P_LAYOUT] = {"layout", HL_PARAM_CHOICE, L_PADDED, L_PADDED, 0, L_PACKED,
                  "padded (declaration order, 32 bytes) | packed (by decreasing size, 16)",
                  layouts},
};

enum { SITE_RECORD, SITE_TMP, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_RECORD] = {"newRecord", SITE_RECORD, 1, "returned, kept in the live set"},
    [SITE_TMP] = {"tmpRecord", SITE_TMP, 0,
                  "a local record whose address goes only to a function that reads it"},
};

typedef struct layout_state {
  hl_roots_t *live;
} layout_state_t;

static uint64_t sl_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OBJECTS] / threads;
}

static int sl_setup(hl_wl_thread_t *t) {
  layout_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  int rc = hl_roots_new(t->m, t->iterations, &s->live);
  if (rc) {
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

static size_t record_bytes(const hl_wl_thread_t *t) {
  return t->param[P_LAYOUT] == L_PADDED ? sizeof(padded_t) : sizeof(packed_t);
}

/* What the check reads: every byte of the record, padding included. */
static uint64_t checksum(const void *p, size_t n) {
  hl_escape_to_compiler(p);
  const unsigned char *b = p;
  uint64_t sum = 0;
  for (size_t i = 0; i < n; i++)
    sum = sum * 31 + b[i];
  return sum;
}

/* The temporary, filled field by field (padding zeroed, as Go zeroes). */
static void fill(void *tmp, unsigned layout, uint64_t i) {
  if (layout == L_PADDED) {
    padded_t *r = tmp;
    memset(r, 0, sizeof *r);
    r->a = i & 1, r->b = (int64_t)i, r->c = i & 2, r->d = (int32_t)i, r->e = true;
  } else {
    packed_t *r = tmp;
    memset(r, 0, sizeof *r);
    r->a = i & 1, r->b = (int64_t)i, r->c = i & 2, r->d = (int32_t)i, r->e = true;
  }
}

static void sl_run(hl_wl_thread_t *t, uint64_t iterations) {
  layout_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const unsigned layout = (unsigned)t->param[P_LAYOUT];
  const size_t bytes = record_bytes(t);
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(m);
    void *tmp = hl_new(m, &sites[SITE_TMP], bytes, 0);
    fill(tmp, layout, i);
    sink += checksum(tmp, bytes);
    void *r = hl_new(m, &sites[SITE_RECORD], bytes, 0);
    memcpy(r, tmp, bytes);
    hl_root_set(m, s->live, i, r);
    hl_frame_leave(m);
  }
  t->sink += sink;
}

/* What the backend set aside for one record: its size class when it tells,
 * else the usable size of the first record, else 0. */
static size_t set_aside_bytes(const hl_wl_thread_t *t, const layout_state_t *s, size_t bytes) {
  hl_size_class_t sc;
  if (hl_size_class_info(t->m, bytes, &sc) == 0) return sc.object_bytes;
  return s->live->n ? hl_usable_size(t->m, hl_root_get(s->live, 0)) : 0;
}

static void sl_teardown(hl_wl_thread_t *t) {
  layout_state_t *s = t->state;
  const size_t bytes = record_bytes(t);
  if (t->thread_index == 0) {
    hl_wl_report(t, "struct_bytes", (double)bytes);
    size_t usable = set_aside_bytes(t, s, bytes);
    if (usable) hl_wl_report(t, "struct_class_bytes", (double)usable);
  }
  for (size_t i = 0; i < s->live->n; i++) {
    hl_drop(t->m, hl_root_get(s->live, i), bytes);
    hl_root_set(t->m, s->live, i, NULL);
  }
  hl_roots_free(t->m, s->live);
  free(s);
  t->state = NULL;
}

/* The figures its answer is in (workload.h). */
static const hl_headline_t headlines[] = {
    {"struct_bytes", "struct", HL_UNIT_BYTES},
    {"struct_class_bytes", "size class", HL_UNIT_BYTES},
};

const hl_workload_t hl_workload_struct_layout = {
    .name = "struct-layout",
    .claim = "C8",
    .summary = "the same fields padded (32 bytes) vs ordered by size (16): a live set's heap",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .headlines = headlines,
    .nheadlines = sizeof headlines / sizeof headlines[0],
    .sites = sites,
    .nsites = SITE_COUNT,
    .iterations = sl_iterations,
    .setup = sl_setup,
    .run = sl_run,
    .teardown = sl_teardown,
};
