/* shadow: randomized malloc/calloc/realloc/aligned operations checked against
 * a shadow model of every live block.
 *
 * Usage: shadow SEED OPS [MAXLIVE]. A deterministic PRNG (splitmix64) picks,
 * op by op, one of MAXLIVE slots: an empty slot gets a fresh block (malloc,
 * calloc, realloc(NULL), posix_memalign, aligned_alloc, memalign, valloc or
 * pvalloc), a live one is freed or realloc'd (grow, shrink, same size, to 0).
 * Sizes lean on Go's size-class boundaries (see common.h). Each block holds a
 * pattern of its own; a free verifies all of it and a realloc the preserved
 * prefix. Every new block is checked for alignment (the requested one, and
 * the fundamental one its size implies), for a usable size of at least the
 * request, and against every live block for overlap, using the usable size:
 * an allocator that reports bytes as usable must not hand them to another
 * block. The live blocks sit in a treap keyed by address (the slots are its
 * nodes), so that check is O(log n). Rare special ops check the error paths
 * (calloc overflow, sizes above PTRDIFF_MAX, bad posix_memalign alignment,
 * a failed realloc leaving its block intact) and, now and then, a burst frees
 * every live block so that whole spans empty and are reused.
 *
 * It is single-threaded and does not look at memory returned to the OS or at
 * speed. Without T_API_SPAN it tests the process's malloc: calls that a
 * malloc replacement does not define itself are skipped (and named in the
 * summary), and under ASan or valgrind, whose own malloc answers then, the
 * impossible sizes are not asked. Where jemalloc 5.3 (a reference it must
 * pass) departs from glibc in ways C leaves open or no program can see, the
 * check is lax: errno after a failed realloc or memalign, the alignment of
 * 0-byte aligned blocks (its memalign(a, 0) and valloc(0) are not aligned),
 * and EINVAL from aligned_alloc for a size that is not a multiple of the
 * alignment (C11's rule, which ASan keeps). TS_STRICT=1 makes those, and a
 * missing export, failures: use it for heaplab's own allocator.
 * Exit: 0 ok, 1 a check failed, 2 usage, 99 setup failed.
 */
#include "api.h"
#include "common.h"

#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <sys/mman.h>
#include <unistd.h>

#define NIL (-1)
#define LARGE_PPM 2000      /* large blocks per million requests */
#define SPECIAL_PER_1M 3000 /* special (error-path) ops per million ops */
#define BURST_PER_1M 5      /* free-everything bursts per million ops */

enum kind {
  K_MALLOC,
  K_CALLOC,
  K_REALLOC_NULL,
  K_POSIX_MEMALIGN,
  K_ALIGNED_ALLOC,
  K_MEMALIGN,
  K_VALLOC,
  K_PVALLOC,
  K_REALLOC,
  K_COUNT
};
static const char *const kind_name[K_COUNT] = {
    "malloc",   "calloc", "realloc(NULL)", "posix_memalign", "aligned_alloc",
    "memalign", "valloc", "pvalloc",       "realloc",
};
/* Shares (per mille) of each way to fill an empty slot. */
static const unsigned kind_permille[K_REALLOC] = {540, 120, 50, 80, 80, 60, 35, 35};
/* The libc name behind each optional kind, for the export check. */
static const char *const kind_symbol[K_REALLOC] = {
    [K_POSIX_MEMALIGN] = "posix_memalign",
    [K_ALIGNED_ALLOC] = "aligned_alloc",
    [K_MEMALIGN] = "memalign",
    [K_VALLOC] = "valloc",
    [K_PVALLOC] = "pvalloc",
};

typedef struct blk {
  unsigned char *p;  /* NULL: the slot is empty */
  size_t n;          /* bytes holding the pattern: the request (pvalloc: rounded to a page) */
  size_t span_bytes; /* [p, p + span_bytes) is this block's: max(usable size, 1) */
  uint64_t seed;     /* of the pattern */
  uint64_t born_op;  /* op that made (or last realloc'd) it */
  uint64_t prio;     /* treap priority */
  int32_t left, right;
  uint8_t kind;
} blk_t;

typedef struct shadow {
  blk_t *blk;
  uint32_t slots;
  int32_t root;
  ts_rng_t rng, tree_rng;
  uint64_t seed, op, ops;
  size_t page_bytes;
  size_t live_bytes, peak_bytes;
  uint32_t live_blocks, peak_blocks;
  uint64_t made[K_COUNT], frees, nulls, specials, bursts;
  bool skip[K_COUNT];
  bool strict;      /* TS_STRICT=1 */
  bool tool_malloc; /* malloc is ASan's or valgrind's: impossible sizes are not asked */
  char skipped[512];
} shadow_t;

#ifdef TS_ASAN
/* ASan's hook for its defaults (the name is ASan's): the special ops want
 * NULL and an error code back, not an ASan report. */
__attribute__((visibility("default"), used)) const char *__asan_default_options(void);
const char *__asan_default_options(void) {
  return "allocator_may_return_null=1";
}
#endif

/* ---- failure reports ------------------------------------------------------------ */

__attribute__((format(printf, 3, 4), noreturn)) static void
fail(const shadow_t *s, const void *addr, const char *fmt, ...) {
  va_list ap;
  fprintf(stderr, "shadow: FAIL: op %" PRIu64 " (seed %" PRIu64 ", api %s): addr %p: ", s->op,
          s->seed, T_API_NAME, addr);
  va_start(ap, fmt);
  vfprintf(stderr, fmt, ap);
  va_end(ap);
  fprintf(stderr, "\nshadow: rerun: shadow %" PRIu64 " %" PRIu64 " %" PRIu32 "\n", s->seed, s->ops,
          s->slots);
  fflush(stdout);
  _exit(1); /* not exit(): live blocks would add a leak report, and LSan its own exit code */
}

/* Checks bytes [0, upto) of b against its pattern. */
static void verify(const shadow_t *s, const blk_t *b, size_t upto, const char *when) {
  size_t bad = ts_pat_check(b->p, b->seed, 0, upto);
  if (bad == SIZE_MAX) return;
  fail(s, b->p,
       "%s: byte %zu of a %zu-byte block is 0x%02x, want 0x%02x (block from %s at op %" PRIu64
       ", usable %zu)",
       when, bad, b->n, b->p[bad], ts_pat_byte(b->seed, bad), kind_name[b->kind], b->born_op,
       b->span_bytes);
}

/* ---- the treap of live blocks, keyed by address ------------------------------------- */

static void tree_split(blk_t *B, int32_t t, uintptr_t key, int32_t *l, int32_t *r) {
  if (t == NIL) {
    *l = *r = NIL;
  } else if ((uintptr_t)B[t].p < key) {
    tree_split(B, B[t].right, key, &B[t].right, r);
    *l = t;
  } else {
    tree_split(B, B[t].left, key, l, &B[t].left);
    *r = t;
  }
}

/* Every key in a is below every key in b. */
static int32_t tree_merge(blk_t *B, int32_t a, int32_t b) {
  if (a == NIL) return b;
  if (b == NIL) return a;
  if (B[a].prio > B[b].prio) {
    B[a].right = tree_merge(B, B[a].right, b);
    return a;
  }
  B[b].left = tree_merge(B, a, B[b].left);
  return b;
}

/* The rightmost (rightward) or leftmost node of t, or NIL. */
static int32_t tree_edge(const blk_t *B, int32_t t, bool rightward) {
  if (t == NIL) return NIL;
  for (int32_t next = rightward ? B[t].right : B[t].left; next != NIL;
       next = rightward ? B[t].right : B[t].left)
    t = next;
  return t;
}

static void fail_overlap(const shadow_t *s, const blk_t *b, const blk_t *other) {
  fail(s, b->p,
       "new %zu-byte block from %s (usable %zu) overlaps the live block [%p, +%zu) from %s at op "
       "%" PRIu64,
       b->n, kind_name[b->kind], b->span_bytes, (void *)other->p, other->span_bytes,
       kind_name[other->kind], other->born_op);
}

/* Inserts slot's block; its neighbours by address must end before it starts
 * and start after it ends, which (by induction) rules out any overlap. */
static void tree_insert(shadow_t *s, int32_t slot) {
  blk_t *B = s->blk, *b = &B[slot];
  uintptr_t start = (uintptr_t)b->p, end = start + b->span_bytes;
  int32_t l, r;
  tree_split(B, s->root, start, &l, &r);
  int32_t pred = tree_edge(B, l, true), succ = tree_edge(B, r, false);
  if (pred != NIL && (uintptr_t)B[pred].p + B[pred].span_bytes > start)
    fail_overlap(s, b, &B[pred]);
  if (succ != NIL && (uintptr_t)B[succ].p < end) fail_overlap(s, b, &B[succ]);
  b->left = b->right = NIL;
  b->prio = ts_next(&s->tree_rng);
  s->root = tree_merge(B, tree_merge(B, l, slot), r);
}

static void tree_remove(shadow_t *s, int32_t slot) {
  blk_t *B = s->blk;
  uintptr_t key = (uintptr_t)B[slot].p;
  int32_t *link = &s->root;
  while (*link != slot) {
    if (*link == NIL) fail(s, B[slot].p, "internal: live block missing from the treap");
    link = key < (uintptr_t)B[*link].p ? &B[*link].left : &B[*link].right;
  }
  *link = tree_merge(B, B[slot].left, B[slot].right);
}

/* ---- taking a block in and letting it go --------------------------------------------- */

/* The alignment C requires of any malloc result of n bytes: that of the most
 * aligned fundamental type of size <= n (so a 4-byte block needs only 4). */
static size_t fundamental_align(size_t n) {
  size_t a = 1;
  while (a < _Alignof(max_align_t) && a * 2 <= n)
    a *= 2;
  return a;
}

/* Records p (non-NULL) as slot's block of n pattern bytes: checks alignment,
 * usable size and overlap. The caller checks and fills the contents. */
static void place(shadow_t *s, int32_t slot, void *p, size_t n, size_t align, enum kind kind) {
  blk_t *b = &s->blk[slot];
  uintptr_t addr = (uintptr_t)p;
  if (addr % align && (n > 0 || s->strict))
    fail(s, p, "%s of %zu bytes: not aligned to %zu", kind_name[kind], n, align);
  if (addr % fundamental_align(n))
    fail(s, p, "%s of %zu bytes: not aligned to %zu (fundamental alignment for that size)",
         kind_name[kind], n, fundamental_align(n));
  size_t usable = T_USABLE(p);
  if (usable < n)
    fail(s, p, "%s of %zu bytes: usable size %zu is less", kind_name[kind], n, usable);
  b->p = p;
  b->n = n;
  b->span_bytes = usable ? usable : 1;
  b->born_op = s->op;
  b->kind = (uint8_t)kind;
  tree_insert(s, slot);
  s->made[kind]++;
  s->live_bytes += n;
  if (s->live_bytes > s->peak_bytes) s->peak_bytes = s->live_bytes;
  if (++s->live_blocks > s->peak_blocks) s->peak_blocks = s->live_blocks;
}

static void unplace(shadow_t *s, int32_t slot) {
  blk_t *b = &s->blk[slot];
  tree_remove(s, slot);
  s->live_bytes -= b->n;
  s->live_blocks--;
  b->p = NULL;
}

static void free_op(shadow_t *s, int32_t slot) {
  blk_t *b = &s->blk[slot];
  void *p = b->p;
  verify(s, b, b->n, "before free");
  unplace(s, slot);
  T_FREE(p);
  s->frees++;
}

/* ---- fresh blocks ------------------------------------------------------------------ */

static size_t round_up(size_t n, size_t to) {
  return (n + to - 1) / to * to;
}

static enum kind draw_kind(shadow_t *s) {
  for (;;) {
    uint64_t pick = ts_below(&s->rng, 1000);
    unsigned k = K_MALLOC;
    while (pick >= kind_permille[k])
      pick -= kind_permille[k++];
    if (!s->skip[k]) return (enum kind)k;
  }
}

/* calloc of *n bytes split as count x element (either order); *n becomes the
 * product, a multiple of the element size. */
static void *calloc_some(shadow_t *s, size_t *n) {
  size_t elem = (size_t)1 << ts_below(&s->rng, 5);
  size_t count = *n / elem;
  *n = count * elem;
  return ts_below(&s->rng, 2) ? T_CALLOC(count, elem) : T_CALLOC(elem, count);
}

/* Asks for a fresh block of this kind. *n: the request in, the bytes the
 * block must hold out (pvalloc rounds up to a page); *align: the alignment
 * the result must have. */
static void *alloc_kind(shadow_t *s, enum kind kind, size_t *n, size_t *align) {
  ts_rng_t *r = &s->rng;
  void *p = NULL;
  int rc;
  switch (kind) {
  case K_CALLOC: return calloc_some(s, n);
  case K_REALLOC_NULL: return T_REALLOC(NULL, *n);
  case K_POSIX_MEMALIGN:
    *align = (size_t)8 << ts_below(r, 14);
    rc = T_POSIX_MEMALIGN(&p, *align, *n);
    if (rc) fail(s, p, "posix_memalign(%zu, %zu) returned %d", *align, *n, rc);
    return p;
  case K_ALIGNED_ALLOC:
    /* Half the sizes are not a multiple of the alignment: C17 (DR 460) and
     * glibc accept those, and programs pass them. */
    *align = (size_t)1 << ts_below(r, 17);
    if (ts_below(r, 2)) *n = round_up(*n, *align);
    return T_ALIGNED_ALLOC(*align, *n);
  case K_MEMALIGN: *align = (size_t)1 << ts_below(r, 17); return T_MEMALIGN(*align, *n);
  case K_VALLOC: *align = s->page_bytes; return T_VALLOC(*n);
  case K_PVALLOC:
    *align = s->page_bytes;
    p = T_PVALLOC(*n);
    *n = round_up(*n, s->page_bytes);
    return p;
  default: return T_MALLOC(*n);
  }
}

static void check_zero(const shadow_t *s, const blk_t *b) {
  static const unsigned char zeros[4096];
  for (size_t at = 0; at < b->n; at += sizeof zeros) {
    size_t len = b->n - at < sizeof zeros ? b->n - at : sizeof zeros;
    if (!memcmp(b->p + at, zeros, len)) continue;
    for (size_t i = at; i < at + len; i++)
      if (b->p[i])
        fail(s, b->p, "calloc: byte %zu of a %zu-byte block is 0x%02x, want 0", i, b->n, b->p[i]);
  }
}

static void alloc_op(shadow_t *s, int32_t slot) {
  enum kind kind = draw_kind(s);
  size_t n = ts_draw_size(&s->rng, LARGE_PPM), align = 1;
  ts_errno_clear();
  void *p = alloc_kind(s, kind, &n, &align);
  if (!p) {
    if (n == 0) { /* malloc(0) and friends may return NULL */
      s->nulls++;
      return;
    }
    if (kind == K_ALIGNED_ALLOC && n % align && ts_errno() == EINVAL && !s->strict) {
      s->nulls++; /* C11's rule, which ASan's aligned_alloc keeps */
      return;
    }
    fail(s, NULL, "%s of %zu bytes (alignment %zu) returned NULL (errno %d)", kind_name[kind], n,
         align, ts_errno());
  }
  place(s, slot, p, n, align, kind);
  blk_t *b = &s->blk[slot];
  if (kind == K_CALLOC) check_zero(s, b);
  b->seed = ts_next(&s->rng);
  ts_pat_fill(b->p, b->seed, 0, n);
}

/* ---- realloc ------------------------------------------------------------------------ */

static size_t realloc_size(shadow_t *s, size_t n) {
  uint64_t pick = ts_below(&s->rng, 100);
  size_t step = n < ((size_t)1 << 20) ? n : (size_t)1 << 20;
  if (pick < 25) return n + 1 + (size_t)ts_below(&s->rng, step + 64); /* grow */
  if (pick < 50) return n ? (size_t)ts_below(&s->rng, n) : 0;         /* shrink */
  if (pick < 60) return n;                                            /* same */
  if (pick < 63) return 0;
  return ts_draw_size(&s->rng, LARGE_PPM);
}

static void realloc_op(shadow_t *s, int32_t slot) {
  blk_t *b = &s->blk[slot];
  size_t old_n = b->n, n = realloc_size(s, old_n);
  void *old = b->p;
  char what[128]; /* written now: gcc rightly frowns on reading old after the realloc */
  snprintf(what, sizeof what, "realloc of a %zu-byte block at %p to %zu bytes", old_n, old, n);
  verify(s, b, old_n, "before realloc");
  unplace(s, slot);
  ts_errno_clear();
  void *p = T_REALLOC(old, n);
  if (!p) {
    /* realloc(p, 0) may free p and return NULL (glibc, jemalloc 5.3) or
     * return a minimal block; both are allowed. */
    if (n == 0) {
      s->frees++;
      return;
    }
    fail(s, NULL, "%s returned NULL (errno %d)", what, ts_errno());
  }
  place(s, slot, p, n, 1, K_REALLOC);
  size_t keep = old_n < n ? old_n : n;
  verify(s, b, keep, what);
  ts_pat_fill(b->p, b->seed, keep, n);
}

/* ---- error paths ----------------------------------------------------------------------- */

/* Requests no allocator can meet: above PTRDIFF_MAX, and just under SIZE_MAX
 * where rounding up to a class, a page or a span wraps around to a small
 * number if the allocator does not check. */
static size_t huge_size(shadow_t *s) {
  static const size_t sizes[] = {
      SIZE_MAX, SIZE_MAX - 100, SIZE_MAX - 8191, SIZE_MAX - 32768, (size_t)PTRDIFF_MAX + 1,
  };
  return sizes[ts_below(&s->rng, sizeof sizes / sizeof sizes[0])];
}

static void expect_enomem(shadow_t *s, void *p, const char *what, size_t a, size_t b,
                          bool check_errno) {
  /* gcc -O3 follows malloc(SIZE_MAX) into fail()'s dump of *p and warns that
   * the block is uninitialised; hide where p came from. */
  __asm__("" : "+r"(p));
  if (p) fail(s, p, "%s(%zu, %zu) returned a block, want NULL", what, a, b);
  int err = ts_errno();
  if (check_errno && err != ENOMEM)
    fail(s, NULL, "%s(%zu, %zu): errno %d, want ENOMEM (%d)", what, a, b, err, ENOMEM);
}

/* calloc whose count x size overflows size_t; the last wraps to 16 bytes. */
static void calloc_overflow_op(shadow_t *s) {
  static const size_t pairs[][2] = {
      {SIZE_MAX, 2},
      {(size_t)1 << 32, (size_t)1 << 32},
      {((size_t)1 << 33) + 1, (size_t)1 << 31},
      {((size_t)1 << 63) + 8, 2},
      {SIZE_MAX / 3 + 1, 3},
  };
  const size_t *pair = pairs[ts_below(&s->rng, sizeof pairs / sizeof pairs[0])];
  bool swap = ts_below(&s->rng, 2);
  size_t count = pair[swap], elem = pair[!swap];
  ts_errno_clear();
  expect_enomem(s, T_CALLOC(count, elem), "calloc", count, elem, true);
}

static void posix_memalign_bad_op(shadow_t *s) {
  static const size_t bad_aligns[] = {0, 1, 2, 4, 3, 12, 24, 40, 96, 65537};
  size_t align = bad_aligns[ts_below(&s->rng, sizeof bad_aligns / sizeof bad_aligns[0])];
  size_t n = 1 + (size_t)ts_below(&s->rng, 100);
  void *sentinel = &sentinel, *p = sentinel;
  int rc = T_POSIX_MEMALIGN(&p, align, n);
  if (rc != EINVAL)
    fail(s, p, "posix_memalign(%zu, %zu) returned %d, want EINVAL (%d)", align, n, rc, EINVAL);
  if (p != sentinel && p != NULL)
    fail(s, p, "posix_memalign(%zu, %zu) failed but stored a pointer", align, n);
  size_t huge = huge_size(s);
  p = sentinel;
  rc = s->tool_malloc ? ENOMEM : T_POSIX_MEMALIGN(&p, 64, huge);
  if (rc != ENOMEM) fail(s, p, "posix_memalign(64, %zu) returned %d, want ENOMEM", huge, rc);
}

/* A realloc that cannot be met returns NULL and leaves the block as it was. */
static void realloc_huge_op(shadow_t *s) {
  int32_t slot = (int32_t)ts_below(&s->rng, s->slots);
  blk_t *b = &s->blk[slot];
  size_t huge = huge_size(s);
  if (!b->p) {
    ts_errno_clear();
    expect_enomem(s, T_MALLOC(huge), "malloc", huge, 0, true);
    return;
  }
  ts_errno_clear();
  expect_enomem(s, T_REALLOC(b->p, huge), "realloc", (size_t)(uintptr_t)b->p, huge, s->strict);
  verify(s, b, b->n, "after a failed realloc");
  if (T_USABLE(b->p) < b->n) fail(s, b->p, "usable size shrank after a failed realloc");
}

static void aligned_huge_op(shadow_t *s) {
  size_t huge = huge_size(s), align = (size_t)1 << ts_below(&s->rng, 17);
  if (!s->skip[K_MEMALIGN]) {
    ts_errno_clear();
    expect_enomem(s, T_MEMALIGN(align, huge), "memalign", align, huge, s->strict);
  }
  if (!s->skip[K_ALIGNED_ALLOC] && huge % align == 0) {
    ts_errno_clear();
    expect_enomem(s, T_ALIGNED_ALLOC(align, huge), "aligned_alloc", align, huge, true);
  }
}

static void special_op(shadow_t *s) {
  s->specials++;
  switch (ts_below(&s->rng, 5)) {
  case 0:
    if (!s->tool_malloc) calloc_overflow_op(s);
    break;
  case 1:
    if (!s->skip[K_POSIX_MEMALIGN]) posix_memalign_bad_op(s);
    break;
  case 2:
    if (!s->tool_malloc) realloc_huge_op(s);
    break;
  case 3:
    if (!s->tool_malloc) aligned_huge_op(s);
    break;
  default:
    T_FREE(NULL);
    if (T_USABLE(NULL) != 0) fail(s, NULL, "usable size of NULL is %zu, want 0", T_USABLE(NULL));
  }
}

/* ---- the run ---------------------------------------------------------------------------- */

static void free_all(shadow_t *s) {
  for (uint32_t i = 0; i < s->slots; i++)
    if (s->blk[i].p) free_op(s, (int32_t)i);
}

static void step(shadow_t *s) {
  uint64_t pick = ts_below(&s->rng, 1000000);
  if (pick < BURST_PER_1M) {
    free_all(s);
    s->bursts++;
    return;
  }
  if (pick < BURST_PER_1M + SPECIAL_PER_1M) {
    special_op(s);
    return;
  }
  int32_t slot = (int32_t)ts_below(&s->rng, s->slots);
  if (!s->blk[slot].p)
    alloc_op(s, slot);
  else if (ts_below(&s->rng, 100) < 35)
    realloc_op(s, slot);
  else
    free_op(s, slot);
}

static void skip_note(shadow_t *s, const char *note) {
  size_t used = strlen(s->skipped);
  snprintf(s->skipped + used, sizeof s->skipped - used, "%s", note);
}

static void skip_kind(shadow_t *s, enum kind k, const char *why) {
  char note[256];
  s->skip[k] = true;
  snprintf(note, sizeof note, " skipped=%s(%s)", kind_name[k], why);
  skip_note(s, note);
}

/* free, calloc, realloc and malloc_usable_size must come from malloc's own
 * object; the optional aligned kinds are skipped when they do not (or, with
 * TS_STRICT=1, fail). */
static void check_exports(shadow_t *s) {
  static const char *const required[] = {"free", "calloc", "realloc", "malloc_usable_size"};
  for (size_t i = 0; i < sizeof required / sizeof required[0]; i++)
    if (t_api_foreign(required[i]))
      fail(s, NULL, "%s comes from %s, not from malloc's object: not a complete replacement",
           required[i], t_api_foreign(required[i]));
  for (unsigned k = 0; k < K_REALLOC; k++) {
    const char *from = kind_symbol[k] ? t_api_foreign(kind_symbol[k]) : NULL;
    if (!from) continue;
    if (s->strict)
      fail(s, NULL, "%s comes from %s, not from malloc's object (TS_STRICT=1)", kind_symbol[k],
           from);
    skip_kind(s, (enum kind)k, from);
  }
}

/* Under ASan or valgrind (without T_API_SPAN) the malloc answering is the
 * tool's: requests of impossible sizes would test it, and it reports each as
 * an error, so they are left out. Valgrind's (3.19 at least) aborts the
 * program at a pvalloc. (Valgrind with an LD_PRELOAD malloc is a mix of the
 * two allocators, not a supported way to run this.) */
static void check_tools(shadow_t *s) {
#ifndef T_API_SPAN
  const char *preload = getenv("LD_PRELOAD");
  bool valgrind = preload && strstr(preload, "/vgpreload_");
#ifdef TS_ASAN
  s->tool_malloc = true;
#endif
  if (valgrind) s->tool_malloc = true;
  if (valgrind && !s->skip[K_PVALLOC]) skip_kind(s, K_PVALLOC, "valgrind");
  if (s->tool_malloc) skip_note(s, " skipped=impossible-sizes(tool's malloc)");
#else
  (void)s;
#endif
}

/* Sets up s; the slot array is mmap'd, apart from the heap under test. */
static int shadow_init(shadow_t *s, uint64_t seed, uint64_t ops, uint32_t slots) {
  memset(s, 0, sizeof *s);
  s->seed = seed;
  s->ops = ops;
  s->slots = slots;
  s->root = NIL;
  s->strict = getenv("TS_STRICT") && !strcmp(getenv("TS_STRICT"), "1");
  s->rng.state = seed;
  s->tree_rng.state = ts_mix64(seed ^ 0x7265656274726565ull);
  s->page_bytes = (size_t)sysconf(_SC_PAGESIZE);
  s->blk =
      mmap(NULL, slots * sizeof(blk_t), PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  if (s->blk == MAP_FAILED) {
    perror("heaplab: shadow: mmap");
    return 0;
  }
  return 1;
}

int main(int argc, char **argv) {
  uint64_t seed, ops, slots = 4096;
  if (argc < 3 || argc > 4) {
    fprintf(stderr, "usage: %s SEED OPS [MAXLIVE]\n", argv[0]);
    return 2;
  }
  if (!ts_parse_u64("shadow", "SEED", argv[1], 0, UINT64_MAX, &seed) ||
      !ts_parse_u64("shadow", "OPS", argv[2], 0, UINT64_MAX, &ops) ||
      (argc == 4 && !ts_parse_u64("shadow", "MAXLIVE", argv[3], 1, 1u << 24, &slots)))
    return 2;
  shadow_t s;
  if (!shadow_init(&s, seed, ops, (uint32_t)slots)) return 99;
  check_exports(&s);
  check_tools(&s);
  for (s.op = 0; s.op < ops; s.op++)
    step(&s);
  free_all(&s);
  if (s.live_blocks || s.live_bytes || s.root != NIL)
    fail(&s, NULL, "internal: %" PRIu32 " blocks (%zu bytes) still live after freeing all",
         s.live_blocks, s.live_bytes);
  uint64_t made = 0;
  for (unsigned k = 0; k < K_REALLOC; k++)
    made += s.made[k];
  printf("shadow: ok api=%s seed=%" PRIu64 " ops=%" PRIu64 " maxlive=%" PRIu32
         " peak_live_bytes=%zu peak_live_blocks=%" PRIu32 " blocks=%" PRIu64 " reallocs=%" PRIu64
         " frees=%" PRIu64 " nulls=%" PRIu64 " specials=%" PRIu64 " bursts=%" PRIu64 "%s\n",
         T_API_NAME, seed, ops, s.slots, s.peak_bytes, s.peak_blocks, made, s.made[K_REALLOC],
         s.frees, s.nulls, s.specials, s.bursts, s.skipped);
  return 0;
}
