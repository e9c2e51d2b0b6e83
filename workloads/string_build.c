/* string-build (claim C7): a string built from `pieces` pieces of `piece`
 * bytes, three ways (Go 1.19's runtime/string.go and strings.Builder).
 *
 * Each iteration builds one string in its own frame, reads it and lets it
 * die; the result never leaves the function, so Go may use its 32-byte
 * stack buffers (tmpBuf) where a result fits in one:
 *
 *   concat   s = s + piece, pieces times. The first `+` returns the piece
 *            itself; each later one makes a new heap string of the length
 *            so far (rawstring: exactly that length, rounded to its size
 *            class), however short: s outlives the loop iteration that made
 *            it, which escape analysis's loop-depth rule sends to the heap.
 *            The old string dies.
 *   builder  strings.Builder.WriteString: append to its []byte, so it grows
 *            as growslice grows a byte slice (to the length needed when that
 *            is more than double); String() shares the bytes, no copy.
 *   bytes    b := []byte(piece) (the 32-byte stack buffer, capacity 32, when
 *            the piece fits; else a heap array of the piece's size class),
 *            append the other pieces (growslice), then string(b): a copy, in
 *            a stack buffer up to 32 bytes, else on the heap.
 *
 * The conversions whose result fits a stack buffer do not escape; the
 * longer ones are the runtime's heap allocations (the compiler's decision
 * for the line is "does not escape", the runtime finds the buffer too small).
 * With --escape off the stack buffers become heap objects of the same size.
 * piece is at least 2 bytes: Go converts a 1-byte []byte to a string
 * without any allocation. The Go twin is workloads/go/string_build.go. */
#include "gomodel.h"
#include "workload.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

enum { M_CONCAT, M_BUILDER, M_BYTES };

static const char *const methods[] = {"concat", "builder", "bytes", NULL};

enum { P_OPS, P_PIECES, P_PIECE, P_METHOD, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OPS] = {"ops", HL_PARAM_COUNT, 200000, 20000, 1, UINT64_C(1) << 40,
               "strings built in total (iterations)", NULL},
    [P_PIECES] = {"pieces", HL_PARAM_COUNT, 16, 16, 1, 1 << 20, "pieces per string", NULL},
    [P_PIECE] = {"piece", HL_PARAM_BYTES, 8, 8, 2, 1 << 20, "bytes per piece", NULL},
    [P_METHOD] = {"method", HL_PARAM_CHOICE, M_CONCAT, M_CONCAT, 0, M_BYTES,
                  "concat (a + b) | builder (strings.Builder) | bytes ([]byte, then string(b))",
                  methods},
};

enum {
  SITE_CONCAT,
  SITE_BUILDER_GROW,
  SITE_BYTES_SMALL,
  SITE_BYTES_LARGE,
  SITE_APPEND_BYTES,
  SITE_STRING_SMALL,
  SITE_STRING_LARGE,
  SITE_COUNT
};

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_CONCAT] = {"concatLoop", SITE_CONCAT, 1,
                     "s = s + piece in a loop: s outlives the iteration (loop depth)"},
    [SITE_BUILDER_GROW] = {"builderGrow", SITE_BUILDER_GROW, 1,
                           "strings.Builder's append past its capacity: growslice"},
    [SITE_BYTES_SMALL] = {"bytesSmall", SITE_BYTES_SMALL, 0,
                          "[]byte(s) of at most 32 bytes that does not escape: the stack buffer"},
    [SITE_BYTES_LARGE] = {"bytesLarge", SITE_BYTES_LARGE, 1,
                          "[]byte(s) longer than 32 bytes: rawbyteslice on the heap"},
    [SITE_APPEND_BYTES] = {"appendBytes", SITE_APPEND_BYTES, 1,
                           "append to a []byte past its capacity: growslice"},
    [SITE_STRING_SMALL] = {"stringSmall", SITE_STRING_SMALL, 0,
                           "string(b) of at most 32 bytes that does not escape: the stack buffer"},
    [SITE_STRING_LARGE] = {"stringLarge", SITE_STRING_LARGE, 1,
                           "string(b) longer than 32 bytes: a copy on the heap"},
};

typedef struct string_state {
  unsigned char *piece; /* the piece's bytes (Go: a string made before the run) */
} string_state_t;

static uint64_t sb_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

static int sb_setup(hl_wl_thread_t *t) {
  string_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  s->piece = malloc(t->param[P_PIECE]);
  if (!s->piece) {
    free(s);
    return HL_ENOMEM;
  }
  memset(s->piece, 'a' + (int)(t->thread_index % 26), t->param[P_PIECE]);
  t->state = s;
  return 0;
}

/* A byte string or slice being built; `owned` when its bytes are a heap
 * object this code must drop (not the piece, not a frame's buffer). */
typedef struct text {
  unsigned char *data;
  uint64_t len, cap;
  int owned;
} text_t;

static void text_release(hl_mutator_t *m, text_t *x) {
  if (x->owned) hl_drop(m, x->data, x->cap);
  x->owned = 0;
}

/* A new array of `cap` bytes from `site` holding x's bytes; x's old one dies. */
static void text_move(hl_mutator_t *m, text_t *x, const hl_site_t *site, uint64_t cap) {
  unsigned char *data = hl_new(m, site, cap, 0);
  if (x->len) memcpy(data, x->data, x->len);
  text_release(m, x);
  x->data = data;
  x->cap = cap;
  x->owned = site->escapes;
}

/* append(x, piece...): growslice of a byte slice when it does not fit. */
static void text_append(hl_mutator_t *m, text_t *x, const hl_site_t *site,
                        const unsigned char *piece, uint64_t n) {
  if (x->len + n > x->cap) text_move(m, x, site, hl_go_growslice_bytes(x->cap, x->len + n, 1));
  memcpy(x->data + x->len, piece, n);
  x->len += n;
}

static uint64_t read_text(const text_t *x) {
  hl_escape_to_compiler(x->data);
  return x->len + x->data[0] + x->data[x->len - 1];
}

static uint64_t build_concat(hl_mutator_t *m, unsigned char *piece, uint64_t pieces, uint64_t n) {
  text_t s = {.data = piece, .len = n, .cap = n};
  for (uint64_t i = 1; i < pieces; i++) {
    text_move(m, &s, &sites[SITE_CONCAT], s.len + n);
    memcpy(s.data + s.len, piece, n);
    s.len += n;
  }
  uint64_t r = read_text(&s);
  text_release(m, &s);
  return r;
}

static uint64_t build_builder(hl_mutator_t *m, unsigned char *piece, uint64_t pieces, uint64_t n) {
  text_t b = {0};
  for (uint64_t i = 0; i < pieces; i++)
    text_append(m, &b, &sites[SITE_BUILDER_GROW], piece, n);
  uint64_t r = read_text(&b); /* String(): the same bytes */
  text_release(m, &b);
  return r;
}

static uint64_t build_bytes(hl_mutator_t *m, unsigned char *piece, uint64_t pieces, uint64_t n) {
  text_t b = {.data = piece, .len = n};
  if (n <= HL_GO_TMP_BUF_BYTES)
    text_move(m, &b, &sites[SITE_BYTES_SMALL], HL_GO_TMP_BUF_BYTES);
  else
    text_move(m, &b, &sites[SITE_BYTES_LARGE], hl_go_roundupsize(n));
  for (uint64_t i = 1; i < pieces; i++)
    text_append(m, &b, &sites[SITE_APPEND_BYTES], piece, n);
  text_t s = {.data = b.data, .len = b.len};
  int small = b.len <= HL_GO_TMP_BUF_BYTES;
  text_move(m, &s, &sites[small ? SITE_STRING_SMALL : SITE_STRING_LARGE], b.len);
  text_release(m, &b);
  uint64_t r = read_text(&s);
  text_release(m, &s);
  return r;
}

static void sb_run(hl_wl_thread_t *t, uint64_t iterations) {
  string_state_t *st = t->state;
  hl_mutator_t *m = t->m;
  const uint64_t pieces = t->param[P_PIECES], n = t->param[P_PIECE];
  const unsigned method = (unsigned)t->param[P_METHOD];
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    hl_frame_enter(m);
    if (method == M_CONCAT)
      sink += build_concat(m, st->piece, pieces, n);
    else if (method == M_BUILDER)
      sink += build_builder(m, st->piece, pieces, n);
    else
      sink += build_bytes(m, st->piece, pieces, n);
    hl_frame_leave(m);
  }
  t->sink += sink;
}

static void sb_teardown(hl_wl_thread_t *t) {
  string_state_t *s = t->state;
  free(s->piece);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_string_build = {
    .name = "string-build",
    .claim = "C7",
    .summary = "a string from pieces: a + b, strings.Builder, []byte then string(b)",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .iterations = sb_iterations,
    .setup = sb_setup,
    .run = sb_run,
    .teardown = sb_teardown,
};
