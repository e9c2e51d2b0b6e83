/* span-gc's concurrent collector: Go's mark phase beside the mutators
 * (mgc.go, mgcmark.go, mbarrier.go, mwbbuf.go), on the pieces of gcmark.c.
 *
 * A cycle (gc.c starts it when the heap reaches the trigger):
 *   sweep termination  the world stops briefly: caches give back their
 *                      spans, the last sweep finishes, every thread's stack
 *                      becomes grey, the barrier and allocate-black go on
 *                      (gc_marking), and the world starts again;
 *   mark               background workers (Go's dedicated and fractional
 *                      mark workers, as many as the pacer's startCycle
 *                      computed for the CPUs: 25% of them) scan the root
 *                      ranges and drain grey objects; each mutator thread
 *                      scans its own stack at its next allocation (Go's
 *                      goroutine stack scan at a safepoint), and the
 *                      workers scan the stacks of blocked threads;
 *   mark termination   when no worker has work and the shared queue is
 *                      empty, a worker stops the world: write-barrier
 *                      buffers are flushed, stacks still grey (threads
 *                      that never allocated) are scanned, what is left is
 *                      drained, and marking ends (gc.c then flips the heap
 *                      to unswept and paces the next cycle).
 *
 * The hybrid write barrier (Go's, proposal 17503): a pointer store while
 * marking shades the slot's old target (Yuasa's deletion barrier) and,
 * while the storing thread's stack is still grey, the new one (Dijkstra's
 * insertion barrier). With it no stack is ever scanned twice: a black
 * stack can only get a white pointer by loading it from the heap, and the
 * deletion half shades the object before the heap loses it. Go applies
 * both halves without looking at the stack's colour (it cannot tell
 * cheaply); here each thread knows, so the insertion half is applied only
 * while it is needed, which is the barrier as the proposal states it.
 * Shaded pointers go into a per-thread buffer (Go's wbBuf), marked when it
 * fills, at the thread's exit or at mark termination; a pointer whose
 * object is already marked is not buffered (the fast path C16 counts).
 *
 * Objects allocated while marking are marked at birth (allocate-black,
 * gc.c), so they survive this cycle (floating garbage) and need no scan:
 * their slots are empty when they are made.
 *
 * Root ranges are scanned by a worker with no barrier on the words that
 * the mutator writes directly (its frame areas): those are the thread's
 * stack in Go's sense, and the mutator pops them through the barrier
 * (hl_frame_leave), so a pointer that leaves them is shaded. */
#include "gcconc.h"

#include "gcstw.h"
#include "internal.h"

#include <errno.h>
#include <pthread.h>
#include <string.h>
#include <time.h>

_Atomic int gc_marking;

#define MAX_WORKERS 16u
/* Pointer-slot bytes a worker scans between looks at its pacing. */
#define QUANTUM_BYTES ((uint64_t)64 << 10)
/* An idle worker waits this long for threads to scan their own stacks
 * before it ends the mark (mark termination scans the rest). */
#define GREY_WAIT_NS INT64_C(200000)
#define GREY_WAITS 5
#define IDLE_WAIT_NS INT64_C(100000)

static struct {
  pthread_mutex_t lock;
  pthread_cond_t work_cv; /* marking began, or the workers were let go */
  pthread_cond_t end_cv;  /* a cycle ended */
  unsigned started, wanted;
  int64_t dedicated;
  double fractional_goal;
  unsigned procs;
  int marking, ending, hold, roots_done, force_end;
  unsigned busy;
  uint64_t cycles_ended;
  int64_t mark_start_ns;
  gc_work_t work[MAX_WORKERS];
  uint64_t cpu_ns[MAX_WORKERS]; /* this cycle */
  pthread_t tid[MAX_WORKERS];
} cc = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .work_cv = PTHREAD_COND_INITIALIZER,
        .end_cv = PTHREAD_COND_INITIALIZER};

/* Counts of threads that left during the cycle, and the work of barrier
 * calls from threads that are not attached (rare: set-up code). */
static pthread_mutex_t departed_lock = PTHREAD_MUTEX_INITIALIZER;
static gc_conc_cycle_t departed;
static gc_work_t orphan_work;

static _Atomic int deletion_on = 1, insertion_on = 1;
/* Pointer-slot bytes scanned this cycle so far, by workers and assists
 * (the pacer's heapScanWork while marking, for revise). */
static _Atomic uint64_t scan_work_bytes;

uint64_t gc_conc_scan_work(void) {
  return atomic_load_explicit(&scan_work_bytes, memory_order_relaxed);
}

static int64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

int64_t gc_thread_cpu_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static void timed_wait_locked(pthread_cond_t *cv, int64_t ns) {
  struct timespec ts;
  clock_gettime(CLOCK_REALTIME, &ts);
  int64_t at = (int64_t)ts.tv_nsec + ns;
  ts.tv_sec += at / 1000000000;
  ts.tv_nsec = at % 1000000000;
  pthread_cond_timedwait(cv, &cc.lock, &ts);
}

static void add_result(gc_mark_result_t *to, gc_mark_result_t *from) {
  to->marked_bytes += from->marked_bytes;
  to->marked_objects += from->marked_objects;
  to->heap_scan_bytes += from->heap_scan_bytes;
  to->stack_scan_bytes += from->stack_scan_bytes;
  to->globals_scan_bytes += from->globals_scan_bytes;
  memset(from, 0, sizeof *from);
}

/* The counts of threads that left, into c. */
static void add_cycle(gc_conc_cycle_t *c, gc_conc_cycle_t *d) {
  add_result(&c->mark, &d->mark);
  c->barrier_calls += d->barrier_calls;
  c->wb_entries += d->wb_entries;
  c->wb_skipped += d->wb_skipped;
  c->black_bytes += d->black_bytes;
  c->assist_ns += d->assist_ns;
  c->assist_scan_bytes += d->assist_scan_bytes;
}

/* A thread's counts into c, and zeroed for the next cycle. */
static void take_counts(gc_conc_cycle_t *c, gc_local_t *l) {
  add_result(&c->mark, &l->work.res);
  c->barrier_calls += l->barrier_calls;
  c->wb_entries += l->wb_entries;
  c->wb_skipped += l->wb_skipped;
  c->black_bytes += l->black_bytes;
  c->assist_ns += l->assist_ns;
  c->assist_scan_bytes += l->assist_bytes;
  l->barrier_calls = l->wb_entries = l->wb_skipped = l->black_bytes = 0;
  l->assist_ns = l->assist_bytes = 0;
  l->assist_debt_bytes = 0;
}

/* ---- the write barrier ------------------------------------------------------------ */

static void wb_flush(gc_local_t *l) {
  for (uint32_t i = 0; i < l->wbuf_len; i++)
    gc_shade(&l->work, l->wbuf[i]);
  l->wbuf_len = 0;
  gc_work_flush(&l->work);
}

static inline void wb_record(gc_local_t *l, uintptr_t v) {
  if (!v) return;
  int state = gc_mark_state(v);
  if (state == 0) return; /* not this heap's */
  if (state == 2) {
    l->wb_skipped++;
    return;
  }
  l->wb_entries++;
  l->wbuf[l->wbuf_len++] = v;
  if (l->wbuf_len == GC_WBUF_ENTRIES) wb_flush(l);
}

void gc_conc_barrier(void **slot, void *value) {
  gc_local_t *l = gc_tls_local;
  uintptr_t old = __atomic_load_n((uintptr_t *)slot, __ATOMIC_RELAXED);
  if (unlikely(!l)) {
    pthread_mutex_lock(&departed_lock);
    gc_shade(&orphan_work, old);
    gc_shade(&orphan_work, (uintptr_t)value);
    gc_work_flush(&orphan_work);
    departed.barrier_calls++;
    __atomic_store_n(slot, value, __ATOMIC_RELAXED);
    pthread_mutex_unlock(&departed_lock);
    return;
  }
  l->barrier_calls++;
  if (atomic_load_explicit(&deletion_on, memory_order_relaxed)) wb_record(l, old);
  if (atomic_load_explicit(&l->stack_grey, memory_order_relaxed) &&
      atomic_load_explicit(&insertion_on, memory_order_relaxed))
    wb_record(l, (uintptr_t)value);
  __atomic_store_n(slot, value, __ATOMIC_RELAXED);
}

void gc_conc_barrier_halves(int deletion, int insertion) {
  atomic_store(&deletion_on, deletion);
  atomic_store(&insertion_on, insertion);
}

/* ---- stacks ----------------------------------------------------------------------- */

__attribute__((noinline)) void gc_conc_poll(void) {
  gc_local_t *l = gc_tls_local;
  if (!l || !atomic_load_explicit(&l->stack_grey, memory_order_relaxed)) return;
  GC_RECORD_STACK();
  if (!atomic_exchange_explicit(&l->stack_grey, 0, memory_order_relaxed)) return;
  uintptr_t lo, hi;
  gc_self_stack(&lo, &hi);
  if (lo < hi) gc_scan_range(&l->work, lo, hi);
  wb_flush(l);
}

static void scan_blocked(gc_local_t *l, uintptr_t lo, uintptr_t hi, void *arg) {
  (void)l;
  gc_scan_range(arg, lo, hi);
}

/* A stack that ends needs no scan: what the thread stored into the heap
 * went through its barrier (the insertion half while it was grey). */
void gc_conc_thread_exit(gc_local_t *l) {
  if (!atomic_load_explicit(&gc_marking, memory_order_relaxed)) return;
  atomic_store_explicit(&l->stack_grey, 0, memory_order_relaxed);
  wb_flush(l);
  pthread_mutex_lock(&departed_lock);
  take_counts(&departed, l);
  pthread_mutex_unlock(&departed_lock);
}

/* ---- assists ------------------------------------------------------------------------ */

/* 1 for the one marker that is to scan the root ranges this cycle. */
static int claim_roots(void) {
  pthread_mutex_lock(&cc.lock);
  int mine = cc.marking && !cc.roots_done;
  cc.roots_done = 1;
  pthread_mutex_unlock(&cc.lock);
  return mine;
}

int64_t gc_conc_assist(uint64_t bytes, double work_per_byte) {
  gc_local_t *l = gc_tls_local;
  if (!l || work_per_byte <= 0) return 0;
  l->assist_debt_bytes += (int64_t)bytes;
  double owed = (double)l->assist_debt_bytes * work_per_byte;
  if (owed < 1) return 0;
  int64_t t0 = gc_thread_cpu_ns();
  if (claim_roots()) gc_scan_roots(&l->work); /* no worker got to them yet */
  uint64_t did = gc_drain(&l->work, (uint64_t)owed);
  gc_work_flush(&l->work); /* what the budget left, for the workers */
  atomic_fetch_add_explicit(&scan_work_bytes, did, memory_order_relaxed);
  int64_t ns = gc_thread_cpu_ns() - t0;
  l->assist_ns += (uint64_t)ns;
  l->assist_bytes += did;
  /* paid, or no work to do: Go would park the assist until the workers
   * produced credit; here the debt is forgiven, as when marking ends */
  l->assist_debt_bytes = 0;
  return ns;
}

/* ---- the workers -------------------------------------------------------------------- */

static void mark_termination(gc_work_t *w);

/* A fractional worker sleeps while it is over its share of the CPUs
 * (Go's fractional mark worker, fractionalUtilizationGoal per P). */
static void pace_fractional(unsigned id, int64_t mark_start, double goal, unsigned procs) {
  double share = goal * (double)procs;
  if (share <= 0) return;
  int64_t elapsed = mono_ns() - mark_start;
  double over = (double)cc.cpu_ns[id] - share * (double)elapsed;
  if (over <= 0) return;
  int64_t sleep_ns = (int64_t)(over / share);
  if (sleep_ns > 1000000) sleep_ns = 1000000;
  struct timespec ts = {0, sleep_ns};
  nanosleep(&ts, NULL);
}

/* One turn of a worker with the lock released: roots (once per cycle),
 * a quantum of marking, blocked stacks when nothing else is left. Nonzero
 * when it found work. */
static int work_turn(unsigned id, int do_roots) {
  gc_work_t *w = &cc.work[id];
  int64_t cpu0 = gc_thread_cpu_ns();
  if (do_roots) gc_scan_roots(w);
  uint64_t did = gc_drain(w, QUANTUM_BYTES);
  int found = do_roots || did || w->len;
  if (!found) {
    found = gc_scan_blocked_stacks(scan_blocked, w);
    if (found) did = gc_drain(w, QUANTUM_BYTES);
  }
  atomic_fetch_add_explicit(&scan_work_bytes, did, memory_order_relaxed);
  cc.cpu_ns[id] += (uint64_t)(gc_thread_cpu_ns() - cpu0); /* this worker's own slot */
  return found;
}

static void *worker_main(void *arg) {
  unsigned id = (unsigned)(uintptr_t)arg;
  int grey_waits = 0;
  pthread_mutex_lock(&cc.lock);
  for (;;) {
    while (!cc.marking || cc.hold || cc.ending || id >= cc.wanted)
      pthread_cond_wait(&cc.work_cv, &cc.lock);
    int do_roots = !cc.roots_done;
    cc.roots_done = 1;
    cc.busy++;
    int64_t start = cc.mark_start_ns;
    int fractional = (int64_t)id == cc.dedicated;
    double goal = cc.fractional_goal;
    unsigned procs = cc.procs;
    pthread_mutex_unlock(&cc.lock);
    int found = work_turn(id, do_roots);
    /* between quanta a worker holds no grey objects: when it is off the
     * CPU (its pacing, or the scheduler's) assists can take them all */
    gc_work_flush(&cc.work[id]);
    if (fractional) pace_fractional(id, start, goal, procs);
    int grey = found ? 0 : gc_grey_stacks();
    pthread_mutex_lock(&cc.lock);
    cc.busy--;
    if (found) {
      grey_waits = 0;
      continue;
    }
    if (cc.busy || gc_work_pending() || cc.hold || !cc.marking || cc.ending) {
      timed_wait_locked(&cc.work_cv, IDLE_WAIT_NS);
      continue;
    }
    if (grey && !cc.force_end && grey_waits++ < GREY_WAITS) { /* threads to scan themselves */
      timed_wait_locked(&cc.work_cv, GREY_WAIT_NS);
      continue;
    }
    grey_waits = 0;
    cc.ending = 1;
    pthread_mutex_unlock(&cc.lock);
    mark_termination(&cc.work[id]);
    pthread_mutex_lock(&cc.lock);
  }
  return NULL;
}

int gc_conc_init(unsigned procs) {
  pthread_mutex_lock(&cc.lock);
  cc.procs = procs;
  pthread_mutex_unlock(&cc.lock);
  return 0;
}

/* Lock held: worker threads up to `n`. */
static void start_workers_locked(unsigned n) {
  while (cc.started < n && cc.started < MAX_WORKERS) {
    pthread_attr_t attr;
    pthread_attr_init(&attr);
    pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
    int rc = pthread_create(&cc.tid[cc.started], &attr, worker_main,
                            (void *)(uintptr_t)cc.started);
    pthread_attr_destroy(&attr);
    if (rc != 0) span_fatal("span-gc: cannot start a mark worker", NULL);
    cc.started++;
  }
}

void gc_conc_begin_mark(int64_t dedicated, double fractional_goal, unsigned procs) {
  gc_grey_all_stacks();
  atomic_store_explicit(&gc_marking, 1, memory_order_relaxed);
  pthread_mutex_lock(&cc.lock);
  cc.dedicated = dedicated;
  cc.fractional_goal = fractional_goal;
  cc.procs = procs;
  unsigned n = (unsigned)dedicated + (fractional_goal > 0 ? 1u : 0u);
  if (n == 0) n = 1;
  if (n > MAX_WORKERS) n = MAX_WORKERS;
  cc.wanted = n;
  start_workers_locked(n);
  cc.marking = 1;
  cc.roots_done = 0;
  atomic_store_explicit(&scan_work_bytes, 0, memory_order_relaxed);
  cc.mark_start_ns = mono_ns();
  memset(cc.cpu_ns, 0, sizeof cc.cpu_ns);
  pthread_cond_broadcast(&cc.work_cv);
  pthread_mutex_unlock(&cc.lock);
}

/* ---- mark termination ----------------------------------------------------------------- */

typedef struct term_ctx {
  gc_conc_cycle_t *c;
} term_ctx_t;

static void term_local(gc_local_t *l, uintptr_t lo, uintptr_t hi, void *arg) {
  term_ctx_t *t = arg;
  if (atomic_exchange_explicit(&l->stack_grey, 0, memory_order_relaxed) && lo < hi)
    gc_scan_range(&l->work, lo, hi);
  wb_flush(l);
  take_counts(t->c, l);
}

static void mark_termination(gc_work_t *w) {
  int64_t t0 = mono_ns(), cpu0 = gc_thread_cpu_ns();
  gc_stop_world_collector();
  int64_t t1 = mono_ns();
  gc_conc_cycle_t c;
  memset(&c, 0, sizeof c);
  term_ctx_t ctx = {&c};
  gc_for_each_local(term_local, &ctx);
  pthread_mutex_lock(&departed_lock);
  gc_work_flush(&orphan_work);
  uint64_t before = w->res.heap_scan_bytes;
  gc_drain(w, 0);
  c.markterm_scan_bytes = w->res.heap_scan_bytes - before;
  if (gc_work_overflowed(w)) span_fatal("span-gc: the mark stack cannot grow", NULL);
  add_cycle(&c, &departed);
  memset(&departed, 0, sizeof departed);
  add_result(&c.mark, &orphan_work.res);
  pthread_mutex_unlock(&departed_lock);
  atomic_store_explicit(&gc_marking, 0, memory_order_relaxed);
  gc_set_scan_due(0);
  pthread_mutex_lock(&cc.lock);
  for (unsigned i = 0; i < cc.started; i++) {
    add_result(&c.mark, &cc.work[i].res);
    c.background_ns += cc.cpu_ns[i];
  }
  cc.marking = 0;
  pthread_mutex_unlock(&cc.lock);
  gc_conc_end_cycle(&c, t0, t1, cpu0);
  pthread_mutex_lock(&cc.lock);
  cc.ending = 0;
  cc.force_end = 0;
  cc.cycles_ended++;
  pthread_cond_broadcast(&cc.end_cv);
  pthread_mutex_unlock(&cc.lock);
  gc_start_world();
}

/* ---- waiting and test hooks ------------------------------------------------------------- */

void gc_conc_wait_cycle_end(void) {
  GC_RECORD_STACK();
  pthread_mutex_lock(&cc.lock);
  if (!cc.marking) {
    pthread_mutex_unlock(&cc.lock);
    return;
  }
  uint64_t seen = cc.cycles_ended;
  pthread_mutex_unlock(&cc.lock);
  gc_thread_block_recorded(); /* the mark must not wait for this thread */
  pthread_mutex_lock(&cc.lock);
  while (cc.cycles_ended == seen)
    pthread_cond_wait(&cc.end_cv, &cc.lock);
  pthread_mutex_unlock(&cc.lock);
  gc_thread_unblock();
}

void gc_conc_hold_workers(int hold) {
  pthread_mutex_lock(&cc.lock);
  cc.hold = hold;
  pthread_cond_broadcast(&cc.work_cv);
  pthread_mutex_unlock(&cc.lock);
}

void gc_conc_drain_here(void) {
  gc_local_t *l = gc_tls_local;
  if (!l) return;
  if (claim_roots()) gc_scan_roots(&l->work);
  gc_drain(&l->work, 0);
}

void gc_conc_finish_mark(void) {
  pthread_mutex_lock(&cc.lock);
  cc.force_end = cc.marking; /* a worker ends the mark as soon as it has no work */
  cc.hold = 0;
  pthread_cond_broadcast(&cc.work_cv);
  pthread_mutex_unlock(&cc.lock);
  gc_conc_wait_cycle_end();
}
