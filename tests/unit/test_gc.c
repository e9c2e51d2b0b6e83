/* span-gc's collector: random object graphs with cycles, mutated between
 * collections (many of them automatic, from a small GOGC), checked against
 * a shadow copy of the graph kept where the collector does not look
 * (glibc's heap): every object reachable from the roots keeps its contents
 * and its pointers, and after two collections the heap holds exactly the
 * reachable objects - same count, same bytes as the collector marked.
 *
 * The exact count needs the conservative scan of machine stacks to find no
 * stale pointers: see collect_clean. Also run with several threads at once
 * (stop-the-world handshakes, a thread that blocks and unblocks), and
 * under ASan, valgrind and ThreadSanitizer by ci/test.
 *
 * Usage: test_gc [stw|concurrent] [small]. small: the graphs only (one
 * thread, then several), a tenth of the steps each; the pacing tests
 * (GOGC changes, the memory limit, large objects) are left out. That is
 * the run ci/test makes under drd, which checks every memory access of
 * every thread and costs a hundred times the plain run. */
#include "gc.h"
#include "sizeclass.h"
#include "span.h"
#include "th.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>
#include <sys/mman.h>
#include <unistd.h>

#define MAX_PTRS 6
#define MAGIC UINT64_C(0x9e3779b97f4a7c15)

/* The graphs' size: mutation steps per round, and rounds. */
static struct {
  unsigned single_rounds, single_steps, thread_steps;
} graph_size = {6, 20000, 15000};
static const unsigned small_divisor = 10;

typedef struct shadow_obj {
  void *p;
  uint64_t id;
  uint32_t bytes, nptrs;
  int32_t edge[MAX_PTRS]; /* shadow index of each slot's target, -1 nil */
  uint32_t seen;          /* visit stamp of the last reachability walk */
} shadow_obj_t;

typedef struct graph {
  shadow_obj_t *obj;
  size_t n, cap;
  void **roots; /* registered with the collector */
  int32_t *root_idx;
  size_t nroots;
  uint64_t rng;
  uint32_t stamp;
  int32_t *queue;
} graph_t;

static uint64_t rnd(graph_t *g) {
  uint64_t z = (g->rng += MAGIC);
  z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
  z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
  return z ^ (z >> 31);
}

static const uint32_t sizes[] = {16, 24, 48, 100, 256, 1024, 3000, 20000, 40000, 100000};

static uint8_t pattern(uint64_t id, size_t i) {
  return (uint8_t)(id * 31 + i);
}

static void fill(shadow_obj_t *o) {
  void **slot = o->p;
  for (uint32_t i = 0; i < o->nptrs; i++)
    slot[i] = NULL;
  uint8_t *b = (uint8_t *)o->p + o->nptrs * sizeof(void *);
  uint64_t tag = o->id ^ MAGIC;
  memcpy(b, &tag, sizeof tag);
  for (size_t i = sizeof tag; i < o->bytes - o->nptrs * sizeof(void *); i++)
    b[i] = pattern(o->id, i);
}

static int32_t new_obj(graph_t *g) {
  if (g->n == g->cap) {
    g->cap = g->cap ? g->cap * 2 : 1024;
    g->obj = realloc(g->obj, g->cap * sizeof *g->obj);
    g->queue = realloc(g->queue, g->cap * sizeof *g->queue);
  }
  shadow_obj_t *o = &g->obj[g->n];
  memset(o, 0, sizeof *o);
  /* mostly small, a few large */
  unsigned k = rnd(g) % 64 == 0 ? 8 + rnd(g) % 2 : rnd(g) % 8;
  o->bytes = sizes[k];
  uint32_t max = (o->bytes - 8) / sizeof(void *);
  o->nptrs = rnd(g) % 5 == 0 ? 0 : (uint32_t)(rnd(g) % (max < MAX_PTRS ? max : MAX_PTRS)) + 1;
  o->id = g->n;
  for (int i = 0; i < MAX_PTRS; i++)
    o->edge[i] = -1;
  o->p = span_gc_alloc(o->bytes, o->nptrs);
  if (!o->p) return -1;
  fill(o);
  return (int32_t)g->n++;
}

static void set_edge(graph_t *g, int32_t from, unsigned slot, int32_t to) {
  g->obj[from].edge[slot] = to;
  span_gc_write_barrier((void **)g->obj[from].p + slot, to >= 0 ? g->obj[to].p : NULL);
}

static void set_root(graph_t *g, size_t r, int32_t to) {
  g->root_idx[r] = to;
  span_gc_write_barrier(&g->roots[r], to >= 0 ? g->obj[to].p : NULL);
}

/* A reachable object: a random root, then a few random edges. */
static int32_t pick_reachable(graph_t *g) {
  int32_t at = g->root_idx[rnd(g) % g->nroots];
  for (int hops = (int)(rnd(g) % 4); at >= 0 && hops > 0; hops--) {
    shadow_obj_t *o = &g->obj[at];
    if (!o->nptrs) break;
    int32_t next = o->edge[rnd(g) % o->nptrs];
    if (next < 0) break;
    at = next;
  }
  return at;
}

/* One step of mutation; makes garbage, cycles and self-loops. */
static int mutate(graph_t *g) {
  unsigned what = (unsigned)(rnd(g) % 10);
  int32_t at = pick_reachable(g);
  if (what < 6) { /* allocate, hang it under a reachable object or a root */
    int32_t n = new_obj(g);
    if (n < 0) return -1;
    if (at >= 0 && g->obj[at].nptrs && rnd(g) % 4)
      set_edge(g, at, (unsigned)(rnd(g) % g->obj[at].nptrs), n);
    else
      set_root(g, rnd(g) % g->nroots, n);
    shadow_obj_t *o = &g->obj[n];
    if (o->nptrs && at >= 0) set_edge(g, n, 0, at); /* back edge: cycles */
  } else if (what < 8) {
    set_root(g, rnd(g) % g->nroots, rnd(g) % 3 ? at : -1);
  } else if (at >= 0 && g->obj[at].nptrs) {
    int32_t to = pick_reachable(g);
    set_edge(g, at, (unsigned)(rnd(g) % g->obj[at].nptrs), rnd(g) % 5 ? to : -1);
  }
  return 0;
}

static uint64_t object_bytes(uint32_t bytes) {
  if (bytes > SPAN_MAX_SMALL_BYTES)
    return (bytes + SPAN_PAGE_BYTES - 1) / SPAN_PAGE_BYTES * SPAN_PAGE_BYTES;
  return span_class_bytes[span_size_class(bytes)];
}

/* Walks the shadow graph from the roots, checking every reachable object's
 * contents and pointers; returns how many there are and their bytes. */
static __attribute__((noinline)) size_t verify(graph_t *g, uint64_t *bytes_out) {
  size_t head = 0, tail = 0, count = 0;
  uint64_t bytes = 0;
  g->stamp++;
  for (size_t r = 0; r < g->nroots; r++) {
    int32_t i = g->root_idx[r];
    CHECK(g->roots[r] == (i >= 0 ? g->obj[i].p : NULL));
    if (i >= 0 && g->obj[i].seen != g->stamp) {
      g->obj[i].seen = g->stamp;
      g->queue[tail++] = i;
    }
  }
  while (head < tail) {
    shadow_obj_t *o = &g->obj[g->queue[head++]];
    count++;
    bytes += object_bytes(o->bytes);
    void **slot = o->p;
    const uint8_t *b = (const uint8_t *)o->p + o->nptrs * sizeof(void *);
    uint64_t tag;
    memcpy(&tag, b, sizeof tag);
    if (tag != (o->id ^ MAGIC)) {
      TH_FAIL("object %" PRIu64 " (%u bytes) lost its tag", o->id, o->bytes);
      continue;
    }
    for (size_t i = sizeof tag; i < o->bytes - o->nptrs * sizeof(void *); i += 61)
      if (b[i] != pattern(o->id, i)) {
        TH_FAIL("object %" PRIu64 " byte %zu overwritten", o->id, i);
        break;
      }
    for (uint32_t k = 0; k < o->nptrs; k++) {
      int32_t t = o->edge[k];
      if (slot[k] != (t >= 0 ? g->obj[t].p : NULL)) {
        TH_FAIL("object %" PRIu64 " slot %u changed", o->id, k);
        continue;
      }
      if (t >= 0 && g->obj[t].seen != g->stamp) {
        g->obj[t].seen = g->stamp;
        g->queue[tail++] = t;
      }
    }
  }
  th_checks++;
  *bytes_out = bytes;
  return count;
}

static void graph_init(graph_t *g, size_t nroots, uint64_t seed) {
  memset(g, 0, sizeof *g);
  g->rng = seed;
  g->nroots = nroots;
  g->roots = calloc(nroots, sizeof *g->roots);
  g->root_idx = malloc(nroots * sizeof *g->root_idx);
  for (size_t i = 0; i < nroots; i++)
    g->root_idx[i] = -1;
  CHECK_INT(span_gc_add_roots(g->roots, nroots * sizeof *g->roots), 0);
}

static void graph_free(graph_t *g) {
  span_gc_remove_roots(g->roots, g->nroots * sizeof *g->roots);
  free(g->roots);
  free(g->root_idx);
  free(g->obj);
  free(g->queue);
}

static __attribute__((noinline)) int run_mutations(graph_t *g, unsigned steps) {
  for (unsigned i = 0; i < steps; i++)
    if (mutate(g) != 0) return -1;
  return 0;
}

static void *collect_twice(void *arg) {
  (void)arg;
  if (span_gc_thread_attach() != 0) return (void *)1;
  span_gc_collect();
  span_gc_collect();
  span_gc_thread_detach();
  return NULL;
}

/* Two collections whose only machine stack is a fresh one. Stacks are
 * scanned conservatively, and an unoptimised build leaves stale pointers
 * in the padding of live frames, so for an exact count the calling thread
 * steps out of the mutators (it holds nothing the roots do not) and a new
 * thread on a newly mapped, zeroed stack collects. */
static __attribute__((noinline)) void collect_clean(void) {
  enum { STACK = 2 << 20 }; /* ThreadSanitizer wants about 1 MiB of it */
  void *stack = mmap(NULL, STACK, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
  CHECK(stack != MAP_FAILED);
  pthread_attr_t attr;
  pthread_attr_init(&attr);
  pthread_attr_setstack(&attr, stack, STACK);
  span_gc_thread_detach();
  pthread_t t;
  void *failed = NULL;
  int rc = pthread_create(&t, &attr, collect_twice, NULL);
  CHECK_INT(rc, 0);
  if (rc == 0) pthread_join(t, &failed);
  CHECK(failed == NULL);
  CHECK_INT(span_gc_thread_attach(), 0);
  pthread_attr_destroy(&attr);
  munmap(stack, STACK);
}

static __attribute__((noinline)) uint64_t live_objects(void) {
  span_stats_t st;
  span_read_stats(&st);
  return st.mallocs - st.frees;
}

/* After two collections with nothing in between, the heap holds exactly
 * the objects the first one found reachable. */
static void check_exact(size_t reachable, uint64_t bytes) {
  collect_clean();
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  CHECK_U64(live_objects(), reachable);
  CHECK_U64(gs.heap_marked_bytes, bytes);
}

/* ---- single thread -------------------------------------------------------------- */

static void test_single(void) {
  graph_t g;
  graph_init(&g, 64, 1);
  uint64_t gc_before = 0;
  for (unsigned round = 0; round < graph_size.single_rounds; round++) {
    CHECK_INT(run_mutations(&g, graph_size.single_steps), 0);
    uint64_t bytes;
    size_t n = verify(&g, &bytes);
    CHECK(n > 0);
    check_exact(n, bytes);
    n = verify(&g, &bytes); /* the collections did not disturb it */
    span_gc_stats_t gs;
    span_gc_read_stats(&gs);
    CHECK(gs.num_gc > gc_before + 2); /* automatic ones too, GOGC is small */
    gc_before = gs.num_gc;
  }
  /* drop everything: the heap empties */
  for (size_t r = 0; r < g.nroots; r++)
    set_root(&g, r, -1);
  check_exact(0, 0);
  graph_free(&g);
}

/* Tiny pointer-free objects packed into 16-byte blocks, kept by a slot of
 * a scanned object: they survive collections and reuse of the freed
 * blocks around them. */
static __attribute__((noinline)) void test_tiny(void) {
  void **root = calloc(1, sizeof *root);
  CHECK_INT(span_gc_add_roots(root, sizeof *root), 0);
  enum { N = 2000 };
  void **holder = span_gc_alloc(N * sizeof(void *), N);
  memset(holder, 0, N * sizeof(void *));
  *root = holder;
  for (int i = 0; i < N; i++) {
    for (int j = 0; j < 3; j++) { /* garbage between the kept ones */
      char *t = span_gc_alloc(5, 0);
      memset(t, 0xee, 5);
    }
    unsigned char *t = span_gc_alloc(1 + (unsigned)i % 15, 0);
    memset(t, (int)(i & 0xff), 1 + (unsigned)i % 15);
    holder[i] = t;
  }
  collect_clean();
  for (int i = 0; i < 50000; i++) {
    char *t = span_gc_alloc(8, 0);
    memset(t, 0x55, 8);
  }
  collect_clean();
  int bad = 0;
  for (int i = 0; i < N; i++) {
    const unsigned char *t = holder[i];
    for (unsigned k = 0; k < 1 + (unsigned)i % 15; k++)
      bad += t[k] != (unsigned char)(i & 0xff);
  }
  CHECK_INT(bad, 0);
  *root = NULL;
  span_gc_remove_roots(root, sizeof *root);
  free(root);
}

/* debug.SetGCPercent between phases: the goal follows Go's formula at
 * once, marked + (marked + stacks + globals) * GOGC / 100, and the heap
 * then grows to it before the next automatic collection. */
static void check_goal(int gc_percent) {
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  uint64_t want = gs.heap_marked_bytes + (gs.heap_marked_bytes + gs.stack_scan_bytes +
                                          gs.globals_scan_bytes) *
                                             (uint64_t)gc_percent / 100;
  CHECK_U64(gs.heap_goal_bytes, want);
}

static __attribute__((noinline)) void test_set_percent(void) {
  enum { N = 8192, OBJ = 1024 }; /* 8 MiB live */
  void **live = calloc(N, sizeof *live);
  CHECK_INT(span_gc_add_roots(live, N * sizeof *live), 0);
  for (int i = 0; i < N; i++) {
    live[i] = span_gc_alloc(OBJ, 1);
    memset(live[i], 0, OBJ);
  }
  collect_clean();
  check_goal(25);
  CHECK_INT(span_gc_set_gc_percent(200), 25);
  check_goal(200);
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  uint64_t before = gs.num_gc, goal = gs.heap_goal_bytes;
  /* churn less than the new goal allows: no automatic collection */
  for (uint64_t i = 0, n = (goal - gs.heap_live_bytes) / OBJ / 2; i < n; i++) {
    void *p = span_gc_alloc(OBJ, 1);
    memset(p, 0, OBJ);
    live[i % N] = p;
  }
  span_gc_read_stats(&gs);
  CHECK_U64(gs.num_gc, before);
  CHECK_INT(span_gc_set_gc_percent(HL_GC_OFF), 200);
  span_gc_read_stats(&gs);
  CHECK(gs.heap_goal_bytes > (UINT64_C(1) << 62)); /* no goal: the limit's, near 2^63 */
  CHECK_INT(span_gc_set_gc_percent(25), HL_GC_OFF);
  memset(live, 0, N * sizeof *live);
  span_gc_remove_roots(live, N * sizeof *live);
  free(live);
}

/* GOGC=off with a memory limit: the limit alone paces the collector, and
 * the memory the heap keeps mapped and resident stays under it while the
 * program allocates 16 times the limit. */
static __attribute__((noinline)) void test_memory_limit(void) {
  enum { N = 8192, OBJ = 1024 };                /* 8 MiB live */
  const int64_t limit = (int64_t)32 << 20;      /* 4x live */
  void **live = calloc(N, sizeof *live);
  CHECK_INT(span_gc_add_roots(live, N * sizeof *live), 0);
  CHECK_INT(span_gc_set_gc_percent(HL_GC_OFF), 25);
  CHECK(span_gc_set_memory_limit(limit) == HL_NO_MEMORY_LIMIT);
  CHECK(span_gc_set_memory_limit(-1) == limit); /* reads */
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  uint64_t before = gs.num_gc, peak = 0;
  uint64_t rng = 7;
  for (uint64_t i = 0; i < (uint64_t)16 * (uint64_t)limit / OBJ; i++) {
    void **p = span_gc_alloc(OBJ, 1);
    memset(p, 0, OBJ);
    rng = rng * 6364136223846793005ull + 1442695040888963407ull;
    live[(rng >> 33) % N] = p;
    if (i % 4096 == 0) {
      span_stats_t st;
      span_read_stats(&st);
      uint64_t mapped = st.heap_sys - st.heap_released + st.meta_sys;
      if (mapped > peak) peak = mapped;
    }
  }
  span_gc_read_stats(&gs);
  printf("memory limit %lld: %" PRIu64 " collections, peak mapped %" PRIu64 "\n",
         (long long)limit, gs.num_gc - before, peak);
  CHECK(gs.num_gc > before + 10);
  /* stop-the-world: the heap never passes the limit. Concurrent: the heap
   * grows while a mark runs and the limit is soft, as in Go (the workers
   * and assists may fall behind on a loaded machine); a tenth over it at
   * most, where an ignored limit would reach 16 times it. */
  CHECK(peak <= (uint64_t)limit + (gs.concurrent ? (uint64_t)limit / 10 : 0));
  CHECK_INT(span_gc_set_memory_limit(HL_NO_MEMORY_LIMIT), limit);
  CHECK_INT(span_gc_set_gc_percent(25), HL_GC_OFF);
  memset(live, 0, N * sizeof *live);
  span_gc_remove_roots(live, N * sizeof *live);
  free(live);
}

/* ---- large objects while marking --------------------------------------------------- */

/* Each cycle's heap at mark end against its goal, while `watch` is set
 * (the on_cycle callback: the world is stopped). Cycles the CPU limiter
 * limited are left out: then the heap may overshoot, as in Go. */
static struct {
  _Atomic int watch;
  _Atomic uint64_t cycles, max_over_bytes, max_end_bytes;
} lw;

static void on_cycle(void *ctx, const hl_gc_cycle_t *c) {
  (void)ctx;
  if (!atomic_load(&lw.watch) || c->limiter_on) return;
  uint64_t over =
      c->heap_end_bytes > c->heap_goal_bytes ? c->heap_end_bytes - c->heap_goal_bytes : 0;
  atomic_fetch_add(&lw.cycles, 1);
  if (over > atomic_load(&lw.max_over_bytes)) atomic_store(&lw.max_over_bytes, over);
  if (c->heap_end_bytes > atomic_load(&lw.max_end_bytes))
    atomic_store(&lw.max_end_bytes, c->heap_end_bytes);
}

/* large-objects' shape: pointer-free objects of 32 KiB to 4 MiB (sizes
 * doubling), four alive at a time, at GOGC 100. A large allocation while
 * marking is black and must pay its assist like any other, so the heap at
 * mark end stays within a few of the largest objects of its goal; without
 * that the concurrent heap ran to 167-201 MB here (the goal is under 32
 * MiB). The bound is on memory, generous, and the same in both modes.
 * workers_off: the background workers do nothing, so only the allocating
 * thread's assists can mark and end the marks (Go's gcMarkDone from an
 * assist): the cycles must still come and the heap stay near its goal. */
static __attribute__((noinline)) void test_large_objects(int workers_off) {
  enum { WINDOW = 4, OPS = 1500 };
  const uint64_t largest = (uint64_t)4 << 20;
  void **live = calloc(WINDOW, sizeof *live);
  CHECK_INT(span_gc_add_roots(live, WINDOW * sizeof *live), 0);
  int old = span_gc_set_gc_percent(100);
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  uint64_t before = gs.num_gc;
  if (workers_off) span_gc_test_workers_off(1);
  atomic_store(&lw.cycles, 0);
  atomic_store(&lw.max_over_bytes, 0);
  atomic_store(&lw.max_end_bytes, 0);
  atomic_store(&lw.watch, 1);
  uint64_t bytes = (uint64_t)32 << 10;
  for (unsigned i = 0; i < OPS; i++) {
    unsigned char *p = span_gc_alloc(bytes, 0);
    if (!p) {
      CHECK(p != NULL);
      break;
    }
    p[0] = (unsigned char)i; /* touched: the first page only, so allocation is fast */
    p[bytes - 1] = (unsigned char)i;
    span_gc_write_barrier(&live[i % WINDOW], p);
    bytes = bytes == largest ? (uint64_t)32 << 10 : bytes * 2;
  }
  atomic_store(&lw.watch, 0);
  if (workers_off) span_gc_test_workers_off(0);
  span_gc_read_stats(&gs);
  printf("large objects%s: %" PRIu64 " collections (%" PRIu64 " watched), heap at mark end "
         "at most %" PRIu64 " KiB, %" PRIu64 " KiB over its goal\n",
         workers_off ? " (assists alone)" : "", gs.num_gc - before, atomic_load(&lw.cycles),
         atomic_load(&lw.max_end_bytes) >> 10, atomic_load(&lw.max_over_bytes) >> 10);
  /* about 3 GiB allocated against a goal under 32 MiB: a collection every
   * few allocations */
  CHECK(gs.num_gc > before + 20);
  CHECK(atomic_load(&lw.cycles) > 10);
  CHECK(atomic_load(&lw.max_over_bytes) <= 4 * largest);
  CHECK(atomic_load(&lw.max_end_bytes) <= 64 * ((uint64_t)1 << 20));
  span_gc_set_gc_percent(old);
  for (unsigned i = 0; i < WINDOW; i++)
    span_gc_write_barrier(&live[i], NULL);
  span_gc_remove_roots(live, WINDOW * sizeof *live);
  free(live);
}

/* ---- threads ----------------------------------------------------------------------- */

typedef struct worker {
  graph_t g;
  uint64_t seed;
  size_t reachable;
  uint64_t bytes;
  int failed;
} worker_t;

static void *mutator_main(void *arg) {
  worker_t *w = arg;
  if (span_gc_thread_attach() != 0) {
    w->failed = 1;
    return NULL;
  }
  graph_init(&w->g, 32, w->seed);
  for (int round = 0; round < 3; round++) {
    if (run_mutations(&w->g, graph_size.thread_steps) != 0) w->failed = 1;
    w->reachable = verify(&w->g, &w->bytes);
  }
  span_gc_thread_detach();
  return NULL;
}

static _Atomic int stop_blocker;

/* Blocks and unblocks while the others collect: the collector must not
 * wait for it while it is blocked. */
static void *blocker_main(void *arg) {
  (void)arg;
  span_gc_thread_attach();
  void **keep = calloc(1, sizeof *keep);
  span_gc_add_roots(keep, sizeof *keep);
  while (!atomic_load(&stop_blocker)) {
    void **o = span_gc_alloc(64, 1);
    o[0] = NULL; /* pointer slots are the caller's to clear */
    span_gc_write_barrier(keep, o);
    span_gc_thread_block();
    usleep(2000);
    span_gc_thread_unblock();
  }
  span_gc_thread_detach();
  return keep;
}

static void test_threads(void) {
  enum { T = 3 };
  worker_t w[T];
  pthread_t th[T], blocker;
  memset(w, 0, sizeof w);
  span_gc_thread_block(); /* this thread waits in joins: not a mutator meanwhile */
  pthread_create(&blocker, NULL, blocker_main, NULL);
  for (int i = 0; i < T; i++) {
    w[i].seed = 100 + (uint64_t)i;
    pthread_create(&th[i], NULL, mutator_main, &w[i]);
  }
  for (int i = 0; i < T; i++)
    pthread_join(th[i], NULL);
  atomic_store(&stop_blocker, 1);
  void **keep;
  pthread_join(blocker, (void **)&keep);
  span_gc_thread_unblock();
  size_t total = 0;
  uint64_t bytes = 0;
  for (int i = 0; i < T; i++) {
    CHECK_INT(w[i].failed, 0);
    size_t n = verify(&w[i].g, &w[i].bytes); /* after all threads ran */
    CHECK_U64(n, w[i].reachable);
    total += n;
    bytes += w[i].bytes;
  }
  total += *keep != NULL;
  bytes += *keep ? object_bytes(64) : 0;
  check_exact(total, bytes);
  for (int i = 0; i < T; i++)
    graph_free(&w[i].g);
  span_gc_remove_roots(keep, sizeof *keep);
  free(keep);
}

int main(int argc, char **argv) {
  /* stw or concurrent (default): one collected heap per process */
  int concurrent = !(argc > 1 && !strcmp(argv[1], "stw"));
  int small = argc > 2 && !strcmp(argv[2], "small");
  if (small) {
    graph_size.single_rounds = 2;
    graph_size.single_steps /= small_divisor;
    graph_size.thread_steps /= small_divisor;
  }
  span_gc_config_t cfg = {.gc_percent = 25,
                          .memory_limit_bytes = HL_NO_MEMORY_LIMIT,
                          .concurrent = concurrent,
                          .on_cycle = on_cycle};
  CHECK_INT(span_gc_enable(&cfg), 0);
  CHECK_INT(span_gc_enable(&cfg), -1); /* once */
  CHECK_INT(span_gc_thread_attach(), 0);
  test_single();
  test_tiny();
  if (!small) {
    test_set_percent();
    test_memory_limit();
    test_large_objects(0);
    if (concurrent) test_large_objects(1);
  }
  test_threads();
  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  CHECK(gs.num_gc > (small ? 10u : 20u));
  CHECK(gs.pause_total_ns > 0);
  CHECK_INT(gs.concurrent, concurrent);
  if (concurrent) CHECK(gs.barrier_calls > 0);
  printf("%s%s: %d checks, %d failed; %" PRIu64 " collections, %" PRIu64 " barrier calls, %" PRIu64
         " pointers buffered, %" PRIu64 " skipped as marked\n",
         concurrent ? "concurrent" : "stw", small ? " (small)" : "", (int)th_checks,
         (int)th_failures, gs.num_gc, gs.barrier_calls, gs.barrier_buffered, gs.barrier_skipped);
  return th_failures ? 1 : 0;
}
