/* interface-boxing (claim C7): values converted to an interface, what each
 * kind costs (Go 1.19's walk/convert.go and runtime/iface.go).
 *
 * Each iteration is one call in its own frame that converts one value to
 * `any`. `escape_pct` percent of the calls store the interface in a
 * long-lived slot (it escapes: the value is boxed on the heap); the others
 * pass it to a function that only reads it (it does not escape: the value
 * is copied to a stack temporary). The value's kind, `mix`, decides what an
 * escaping conversion allocates:
 *
 *   pointer  a pointer is its own interface word: nothing, either way
 *   small    a uint64 below 256: points into runtime.staticuint64s, nothing
 *   int      any other uint64: convT64 allocates 8 bytes (Go's tiny allocator)
 *   string   convTstring allocates a new 16-byte header (the bytes are shared)
 *   empty    the empty string: convTstring allocates nothing
 *   slice    convTslice allocates a new 24-byte header
 *   struct   convTnoptr copies the `struct_bytes`-byte value (a size class)
 *   all      call i converts kind i mod 7, in the order above
 *
 * A conversion that does not escape costs one stack temporary of the
 * value's size, except a pointer (none); a value over 1024 bytes would be
 * boxed on the heap even then, so struct_bytes stops at 1024. The displaced
 * value of the long-lived slot dies at each escaping store. The Go twin is
 * workloads/go/interface_boxing.go. */
#include "gomodel.h"
#include "workload.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

enum { K_POINTER, K_SMALL, K_INT, K_STRING, K_EMPTY, K_SLICE, K_STRUCT, K_ALL };
#define NKINDS K_ALL

static const char *const mixes[] = {"pointer", "small",  "int", "string", "empty",
                                    "slice",   "struct", "all", NULL};

enum { P_CALLS, P_MIX, P_STRUCT_BYTES, P_ESCAPE_PCT, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_CALLS] = {"calls", HL_PARAM_COUNT, 2000000, 200000, 1, UINT64_C(1) << 40,
                 "conversions in total (iterations)", NULL},
    [P_MIX] = {"mix", HL_PARAM_CHOICE, K_ALL, K_ALL, 0, K_ALL,
               "kind of value: pointer|small|int|string|empty|slice|struct|all (each in turn)",
               mixes},
    [P_STRUCT_BYTES] = {"struct_bytes", HL_PARAM_BYTES, 40, 40, 16, 1024,
                        "bytes of the struct kind (a size the Go twin has a type for)", NULL},
    [P_ESCAPE_PCT] = {"escape_pct", HL_PARAM_PERCENT, 50, 50, 0, 100,
                      "percent of conversions whose interface escapes (stored in a global)", NULL},
};

enum {
  SITE_BOX_INT,
  SITE_BOX_STRING,
  SITE_BOX_SLICE,
  SITE_BOX_STRUCT,
  SITE_LOCAL_SCALAR,
  SITE_LOCAL_STRING,
  SITE_LOCAL_SLICE,
  SITE_LOCAL_STRUCT,
  SITE_COUNT
};

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BOX_INT] = {"boxInt", SITE_BOX_INT, 1,
                      "uint64 in an escaping interface: convT64, 8 bytes (none below 256)"},
    [SITE_BOX_STRING] = {"boxString", SITE_BOX_STRING, 1,
                         "string in an escaping interface: convTstring, 16 bytes (none for \"\")"},
    [SITE_BOX_SLICE] = {"boxSlice", SITE_BOX_SLICE, 1,
                        "slice in an escaping interface: convTslice, 24 bytes"},
    [SITE_BOX_STRUCT] = {"boxStruct", SITE_BOX_STRUCT, 1,
                         "struct in an escaping interface: convTnoptr copies it"},
    [SITE_LOCAL_SCALAR] = {"localScalar", SITE_LOCAL_SCALAR, 0,
                           "uint64 in an interface that does not escape: a stack temporary"},
    [SITE_LOCAL_STRING] = {"localString", SITE_LOCAL_STRING, 0,
                           "string in an interface that does not escape: a stack temporary"},
    [SITE_LOCAL_SLICE] = {"localSlice", SITE_LOCAL_SLICE, 0,
                          "slice in an interface that does not escape: a stack temporary"},
    [SITE_LOCAL_STRUCT] = {"localStruct", SITE_LOCAL_STRUCT, 0,
                           "struct (at most 1024 bytes) in an interface that does not escape"},
};

/* What the strings and slices point at: data that is not on the heap (Go:
 * a string literal and a global array). */
static const char string_data[] = "heaplab-interface-boxing";
static unsigned char slice_data[64];

typedef struct boxing_state {
  hl_roots_t *sink;  /* the long-lived interface's data word */
  size_t sink_bytes; /* size of the heap object it holds, 0 for none */
  uint64_t anchor;   /* what the pointer kind points at */
} boxing_state_t;

static int ib_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)threads;
  return hl_go_check_value_size("struct_bytes", p[P_STRUCT_BYTES], HL_GO_STACK_TEMP_MAX_BYTES, why,
                                len);
}

static uint64_t ib_iterations(const uint64_t *p, unsigned threads) {
  return p[P_CALLS] / threads;
}

static int ib_setup(hl_wl_thread_t *t) {
  boxing_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  int rc = hl_roots_new(t->m, 1, &s->sink);
  if (rc) {
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

/* The boxed copy of a value of kind k: its interface data word. Heap (site
 * of the escaping conversion) or stack (its local twin); NULL where Go needs
 * no object. *bytes_out is the object's size. */
static void *box(hl_wl_thread_t *t, boxing_state_t *s, unsigned k, uint64_t i, int escapes,
                 size_t *bytes_out) {
  hl_mutator_t *m = t->m;
  size_t bytes = 0;
  void *obj = NULL;
  uint64_t v = k == K_SMALL ? (i & 0xff) : HL_GO_STATIC_UINT64S + i;
  switch (k) {
  case K_POINTER: return &s->anchor;
  case K_SMALL:
  case K_INT:
    if (escapes && v < HL_GO_STATIC_UINT64S) return NULL; /* staticuint64s */
    bytes = sizeof(uint64_t);
    obj = hl_new(m, &sites[escapes ? SITE_BOX_INT : SITE_LOCAL_SCALAR], bytes, 0);
    *(uint64_t *)obj = v;
    break;
  case K_STRING:
  case K_EMPTY:
    if (escapes && k == K_EMPTY) return NULL; /* Go's zeroVal */
    bytes = 2 * sizeof(void *);
    obj = hl_new(m, &sites[escapes ? SITE_BOX_STRING : SITE_LOCAL_STRING], bytes, 1);
    hl_set(m, obj, 0, k == K_EMPTY ? NULL : (void *)string_data);
    ((uint64_t *)obj)[1] = k == K_EMPTY ? 0 : sizeof string_data - 1;
    break;
  case K_SLICE:
    bytes = 3 * sizeof(void *);
    obj = hl_new(m, &sites[escapes ? SITE_BOX_SLICE : SITE_LOCAL_SLICE], bytes, 1);
    hl_set(m, obj, 0, slice_data);
    ((uint64_t *)obj)[1] = ((uint64_t *)obj)[2] = sizeof slice_data;
    break;
  default:
    bytes = t->param[P_STRUCT_BYTES];
    obj = hl_new(m, &sites[escapes ? SITE_BOX_STRUCT : SITE_LOCAL_STRUCT], bytes, 0);
    for (size_t w = 0; w < bytes / sizeof(uint64_t); w++)
      ((uint64_t *)obj)[w] = v + w;
    break;
  }
  *bytes_out = bytes;
  return obj;
}

/* What the reading function does with the interface: one word of it. */
static inline uint64_t read_boxed(const void *obj) {
  hl_escape_to_compiler(obj);
  return obj ? *(const volatile uint64_t *)obj : 0;
}

static void ib_run(hl_wl_thread_t *t, uint64_t iterations) {
  boxing_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const unsigned mix = (unsigned)t->param[P_MIX];
  const unsigned escape_pct = (unsigned)t->param[P_ESCAPE_PCT];
  unsigned acc = 0, k = 0;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(m);
    int escapes = hl_spread(&acc, escape_pct);
    unsigned kind = mix == K_ALL ? k : mix;
    if (++k == NKINDS) k = 0;
    size_t bytes = 0;
    void *obj = box(t, s, kind, i, escapes, &bytes);
    sink += read_boxed(obj);
    if (escapes) {
      void *old = hl_root_get(s->sink, 0);
      size_t old_bytes = s->sink_bytes;
      hl_root_set(m, s->sink, 0, obj);
      s->sink_bytes = bytes;
      if (old_bytes) hl_drop(m, old, old_bytes);
    }
    hl_frame_leave(m);
  }
  t->sink += sink;
}

static void ib_teardown(hl_wl_thread_t *t) {
  boxing_state_t *s = t->state;
  if (s->sink_bytes) hl_drop(t->m, hl_root_get(s->sink, 0), s->sink_bytes);
  hl_root_set(t->m, s->sink, 0, NULL);
  hl_roots_free(t->m, s->sink);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_interface_boxing = {
    .name = "interface-boxing",
    .claim = "C7",
    .summary = "values converted to an interface: what each kind allocates, escaping or not",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = ib_check,
    .iterations = ib_iterations,
    .setup = ib_setup,
    .run = ib_run,
    .teardown = ib_teardown,
};
