/* span-gc's hybrid write barrier, and a proof that the collector's tests
 * can see a missing one: two object graphs built so that exactly one half
 * of the barrier keeps a reachable object alive, each run with the barrier
 * whole (the object survives) and with that half switched off (it is
 * freed while reachable: the sabotage the test must catch).
 *
 * The cycles are driven by hand (span_gc_test_*: background workers held,
 * marking done on the calling thread), so the interleaving is exact:
 *
 *   deletion (Yuasa)   a thread whose stack was already scanned (black)
 *                      loads X from a heap object not yet scanned and
 *                      clears that slot; X then lives only on its stack,
 *                      which is never scanned again. Only the shade of
 *                      the overwritten pointer keeps X.
 *   insertion (Dijkstra) a thread whose stack is still grey stores X,
 *                      which only its stack held, into an object already
 *                      scanned (black), and ends; only the shade of the
 *                      new pointer keeps X.
 *
 * X's address is kept xor-masked where the test needs it, so no
 * conservative scan finds it by accident.
 *
 * `test_gc_barrier unbarriered` runs instead the store without any barrier
 * that valgrind's drd must report (ci/test checks that it does; see
 * unbarriered_case). */
#include "gc.h"
#include "th.h"

#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <string.h>
#include <valgrind/drd.h>

#define MASK ((uintptr_t)0x5a5a5a5a5a5a5a5aull)

static void **roots; /* [0] the black object B, [1] the grey object A */
static _Atomic uintptr_t x_masked;
static _Atomic int step;

static void wait_for(_Atomic int *flag, int want) {
  while (atomic_load(flag) < want)
    sched_yield();
}

static void wait_step(int want) {
  wait_for(&step, want);
}

/* Makes X (64 bytes, no pointers) on a thread that then ends, so no live
 * stack holds it; returns it masked. */
static void *make_x(void *arg) {
  void **into = arg;
  span_gc_thread_attach();
  void *x = span_gc_alloc(64, 0);
  memset(x, 0x77, 64);
  atomic_store(&x_masked, (uintptr_t)x ^ MASK);
  if (into) span_gc_write_barrier(into, x);
  span_gc_thread_detach();
  return NULL;
}

static void run_thread(void *(*fn)(void *), void *arg) {
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, fn, arg), 0);
  pthread_join(t, NULL);
}

/* ---- deletion ---------------------------------------------------------------- */

static void *deleter(void *arg) {
  (void)arg;
  span_gc_thread_attach();
  span_gc_thread_block();
  atomic_store(&step, 1);
  wait_step(2); /* the mark has begun: this stack is grey */
  span_gc_thread_unblock();
  void *scratch = span_gc_alloc(16, 0); /* its poll scans this stack: black */
  (void)scratch;
  void **a = roots[1];
  void *volatile x = a[0]; /* a black stack takes X from grey A */
  span_gc_write_barrier(&a[0], NULL); /* and A lets go of it */
  span_gc_thread_block();
  atomic_store(&step, 3);
  wait_step(4); /* the cycle ended */
  span_gc_thread_unblock();
  CHECK(x != NULL); /* still held: the stack kept it, whatever the heap did */
  x = NULL;
  span_gc_thread_detach();
  return NULL;
}

/* A grey object A -> X, a thread `fn` that acts on it while the mark
 * runs (between *flag 2 and 3), A scanned after that: 1 when X survived
 * the cycle. */
static int grey_case(void *(*fn)(void *), _Atomic int *flag) {
  void **a = span_gc_alloc(64, 1);
  a[0] = NULL;
  span_gc_write_barrier(&roots[1], a);
  run_thread(make_x, &a[0]); /* A -> X */
  atomic_store(flag, 0);
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, fn, NULL), 0);
  wait_for(flag, 1);
  CHECK_INT(span_gc_test_start_mark(), 0);
  atomic_store(flag, 2);
  wait_for(flag, 3);
  span_gc_test_drain(); /* A is scanned now */
  span_gc_test_finish_mark();
  int live = span_gc_test_object_live((void *)(atomic_load(&x_masked) ^ MASK));
  atomic_store(flag, 4);
  pthread_join(t, NULL);
  span_gc_write_barrier(&roots[1], NULL);
  return live;
}

/* A black thread takes X from A and clears A's slot. */
static int deletion_case(void) {
  return grey_case(deleter, &step);
}

/* ---- insertion ------------------------------------------------------------- */

static void *inserter(void *arg) {
  (void)arg;
  span_gc_thread_attach();
  void *volatile x = span_gc_alloc(64, 0); /* only this stack holds X */
  memset(x, 0x77, 64);
  atomic_store(&x_masked, (uintptr_t)x ^ MASK);
  span_gc_thread_block();
  atomic_store(&step, 1);
  wait_step(2); /* B is black, this stack still grey */
  span_gc_thread_unblock();
  void **b = roots[0];
  span_gc_write_barrier(&b[0], x); /* no allocation before: still grey */
  x = NULL;
  span_gc_thread_detach(); /* the stack ends unscanned */
  return NULL;
}

static int insertion_case(void) {
  void **b = span_gc_alloc(64, 1);
  b[0] = NULL;
  span_gc_write_barrier(&roots[0], b);
  atomic_store(&step, 0);
  pthread_t t;
  CHECK_INT(pthread_create(&t, NULL, inserter, NULL), 0);
  wait_step(1);
  CHECK_INT(span_gc_test_start_mark(), 0);
  span_gc_test_drain(); /* B is black */
  atomic_store(&step, 2);
  pthread_join(t, NULL);
  span_gc_test_finish_mark();
  int live = span_gc_test_object_live(b[0]);
  span_gc_write_barrier(&b[0], NULL);
  span_gc_write_barrier(&roots[0], NULL);
  return live;
}

/* ---- a store without the barrier, for drd ------------------------------------
 * The race the drd run must still see, whatever the collector declared
 * benign (gcrace.h): while the mark runs, a thread stores into a grey
 * object's pointer slot without the write barrier, and a marker then scans
 * the object with nothing ordering the two. The store writes the value the
 * slot holds already, so the collector's result is the same (X survives)
 * and the plain run passes. The two threads take turns by a flag hidden
 * from drd (DRD_IGNORE_VAR): only the collector's own synchronisation is
 * left to order the store and the scan, as between a mutator and a
 * background worker that scans the object meanwhile. */
static _Atomic int turn;

static void wait_turn(int want) {
  wait_for(&turn, want);
}

static void *unbarriered_store(void *arg) {
  (void)arg;
  span_gc_thread_attach();
  span_gc_thread_block();
  atomic_store(&turn, 1);
  wait_turn(2); /* the mark has begun; A is grey */
  span_gc_thread_unblock();
  void **a = roots[1];
  void *x = a[0];
  *(void *volatile *)&a[0] = x; /* the sabotage: no span_gc_write_barrier */
  x = NULL;
  span_gc_thread_block();
  atomic_store(&turn, 3);
  wait_turn(4); /* the cycle ended */
  span_gc_thread_unblock();
  span_gc_thread_detach();
  return NULL;
}

/* The drain of A is the load drd must report. */
static int unbarriered_case(void) {
  DRD_IGNORE_VAR(turn);
  return grey_case(unbarriered_store, &turn);
}

int main(int argc, char **argv) {
  span_gc_config_t cfg = {.gc_percent = HL_GC_OFF,
                          .memory_limit_bytes = HL_NO_MEMORY_LIMIT,
                          .concurrent = 1};
  CHECK_INT(span_gc_enable(&cfg), 0);
  CHECK_INT(span_gc_thread_attach(), 0);
  roots = calloc(2, sizeof *roots);
  CHECK_INT(span_gc_add_roots(roots, 2 * sizeof *roots), 0);
  span_gc_thread_block(); /* the main thread only drives: it holds no X */

  if (argc > 1 && !strcmp(argv[1], "unbarriered")) {
    CHECK_INT(unbarriered_case(), 1);
    printf("unbarriered: %d checks, %d failed\n", th_checks, th_failures);
    return th_failures ? 1 : 0;
  }
  CHECK_INT(deletion_case(), 1);
  CHECK_INT(insertion_case(), 1);
  span_gc_test_barrier_halves(0, 1); /* sabotage: no deletion half */
  CHECK_INT(deletion_case(), 0);
  span_gc_test_barrier_halves(1, 0); /* no insertion half */
  CHECK_INT(insertion_case(), 0);
  span_gc_test_barrier_halves(1, 1);
  CHECK_INT(deletion_case(), 1); /* and whole again */
  CHECK_INT(insertion_case(), 1);

  span_gc_stats_t gs;
  span_gc_read_stats(&gs);
  CHECK(gs.barrier_calls >= 6);
  printf("%d checks, %d failed; %" PRIu64 " collections\n", th_checks, th_failures, gs.num_gc);
  return th_failures ? 1 : 0;
}
