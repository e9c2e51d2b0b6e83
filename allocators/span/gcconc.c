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
 *                      ranges (in blocks, gcmark.c's root jobs) and drain
 *                      grey objects; allocating threads assist (below);
 *                      each mutator thread scans its own stack at its next
 *                      allocation (Go's goroutine stack scan at a
 *                      safepoint), and the markers scan the stacks of
 *                      blocked threads;
 *   mark termination   when no marker is busy, no root block is left and
 *                      the shared queue is empty, the marker that found it
 *                      so (a worker, or an assist: Go's gcMarkDone) stops
 *                      the world: write-barrier
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

#include "gcrace.h"
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
  pthread_cond_t work_cv;   /* marking began, or the workers were let go */
  pthread_cond_t end_cv;    /* a cycle ended */
  pthread_cond_t assist_cv; /* workers made credit, or the mark ended */
  unsigned started, wanted;
  int64_t dedicated;
  double fractional_goal;
  unsigned procs;
  int marking, ending, hold, force_end;
  int workers_off;    /* test hook: the workers do nothing, assists mark alone */
  unsigned busy;      /* workers in a turn */
  unsigned assisting; /* assists doing scan work */
  unsigned parked;    /* assists waiting for credit or the mark's end */
  uint64_t cycles_ended;
  int64_t mark_start_ns;
  gc_work_t work[MAX_WORKERS];
  uint64_t cpu_ns[MAX_WORKERS]; /* this cycle */
  pthread_t tid[MAX_WORKERS];
} cc = {.lock = PTHREAD_MUTEX_INITIALIZER,
        .work_cv = PTHREAD_COND_INITIALIZER,
        .end_cv = PTHREAD_COND_INITIALIZER,
        .assist_cv = PTHREAD_COND_INITIALIZER};

/* Counts of threads that left during the cycle, and the work of barrier
 * calls from threads that are not attached (rare: set-up code). */
static pthread_mutex_t departed_lock = PTHREAD_MUTEX_INITIALIZER;
static gc_conc_cycle_t departed;
static gc_work_t orphan_work;

static _Atomic int deletion_on = 1, insertion_on = 1;
/* Pointer-slot bytes scanned this cycle so far, by workers and assists
 * (the pacer's heapScanWork while marking, for revise). */
static _Atomic uint64_t scan_work_bytes;
/* Scan work the workers did that no assist has claimed yet (Go's
 * bgScanCredit), and the pacer's assist ratio (revise, gc.c). */
static _Atomic int64_t bg_credit_work;
/* The ratios are kept as the bits of doubles: GCC's <stdatomic.h> loads
 * and stores an _Atomic double through a scoped temporary, which its
 * AddressSanitizer left poisoned on the mutator's stack (a false
 * stack-use-after-scope in the next deep call). */
static _Atomic uint64_t assist_work_per_byte, assist_bytes_per_work;
static _Atomic int assists_off;

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
  c->assist_parks += d->assist_parks;
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
  c->assist_parks += l->assist_parks;
  l->barrier_calls = l->wb_entries = l->wb_skipped = l->black_bytes = 0;
  l->assist_ns = l->assist_bytes = l->assist_parks = 0;
  l->assist_credit_bytes = 0;
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
    gc_race_barrier_store(slot, value);
    pthread_mutex_unlock(&departed_lock);
    return;
  }
  l->barrier_calls++;
  if (atomic_load_explicit(&deletion_on, memory_order_relaxed)) wb_record(l, old);
  if (atomic_load_explicit(&l->stack_grey, memory_order_relaxed) &&
      atomic_load_explicit(&insertion_on, memory_order_relaxed))
    wb_record(l, (uintptr_t)value);
  gc_race_barrier_store(slot, value);
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

/* ---- assists (Go's gcAssistAlloc) ---------------------------------------------------
 *
 * Every allocation while marking is charged to its thread's credit before
 * the object is made (gc_conc_charge_alloc: Go's deductAssistCredit, large
 * objects by their pages). A thread whose credit goes negative owes scan
 * work at the pacer's ratio (assist_work_per_byte, revised as heapLive
 * grows) for its debt and OVER_ASSIST_BYTES more, so that it pays for a
 * while ahead. (Go pre-pays gcOverAssistWork, 64 KiB of scan work; once the
 * expected work is done the ratio's floor of 1000 bytes of work left makes
 * that megabytes of allocation, which a mark that does not end at once,
 * here a worker waiting for a CPU, lets the heap run into. Pre-paying
 * allocation instead keeps a thread's credit under 64 KiB.) It pays first
 * with the workers' unclaimed credit, then with work of its own (root
 * blocks, grey objects, blocked threads' stacks). If that is not enough:
 *   - no marker is busy and no work is left anywhere: this thread ends the
 *     mark (Go's gcMarkDone, which whichever marker finds no work calls);
 *   - else it parks (Go's gcParkAssist) until a worker makes credit or the
 *     mark ends, as a blocked thread so that mark termination does not
 *     wait for it. It parks at most PARK_NS at a time and then looks
 *     again: a worker may be waiting for threads to scan their stacks.
 * So a thread that allocates faster than marking proceeds is held to the
 * rate the markers scan at, and the heap at mark end stays near its goal.
 * The charge is made at the allocation's entry, where the thread holds no
 * lock (not in a cache refill), so parking and stopping the world are safe.
 * None of this while the CPU limiter is limiting (the heap overshoots
 * instead), or while the test hooks hold the workers. */
#define OVER_ASSIST_BYTES ((int64_t)64 << 10)
#define PARK_NS INT64_C(1000000)

void gc_conc_set_assist_ratio(double work_per_byte, double bytes_per_work, int off) {
  uint64_t bits;
  memcpy(&bits, &work_per_byte, sizeof bits);
  __atomic_store_n(&assist_work_per_byte, bits, __ATOMIC_RELAXED);
  memcpy(&bits, &bytes_per_work, sizeof bits);
  __atomic_store_n(&assist_bytes_per_work, bits, __ATOMIC_RELAXED);
  atomic_store_explicit(&assists_off, off, memory_order_relaxed);
}

static double ratio_of(_Atomic uint64_t *bits) {
  uint64_t b = __atomic_load_n(bits, __ATOMIC_RELAXED);
  double d;
  memcpy(&d, &b, sizeof d);
  return d;
}

/* Takes up to `want` of the workers' credit; how much. */
static int64_t steal_credit(int64_t want) {
  int64_t avail = atomic_load_explicit(&bg_credit_work, memory_order_relaxed);
  while (avail > 0) {
    int64_t take = avail < want ? avail : want;
    if (atomic_compare_exchange_weak_explicit(&bg_credit_work, &avail, avail - take,
                                              memory_order_relaxed, memory_order_relaxed))
      return take;
  }
  return 0;
}

/* The workers' scan work becomes credit; parked assists look at it. */
static void flush_bg_credit(uint64_t did) {
  if (!did) return;
  atomic_fetch_add_explicit(&bg_credit_work, (int64_t)did, memory_order_relaxed);
  pthread_mutex_lock(&cc.lock);
  if (cc.parked) pthread_cond_broadcast(&cc.assist_cv);
  pthread_mutex_unlock(&cc.lock);
}

/* Up to `budget` bytes of scan work from anything left: root blocks, grey
 * objects, blocked threads' stacks. The scan work done. */
static uint64_t find_work(gc_work_t *w, uint64_t budget) {
  uint64_t did = 0, b;
  while (did < budget && gc_scan_root_job(w, &b))
    did += b;
  if (did < budget) did += gc_drain(w, budget - did);
  if (did < budget && gc_scan_blocked_stacks(scan_blocked, w)) did += gc_drain(w, budget - did);
  atomic_fetch_add_explicit(&scan_work_bytes, did, memory_order_relaxed);
  return did;
}

/* Lock held: nothing is left to mark and nobody is marking (Go's
 * gcMarkDone condition), so the caller may end the mark. */
static int mark_done_locked(void) {
  return cc.marking && !cc.ending && !cc.hold && !cc.busy && !cc.assisting && !gc_work_pending() &&
         !gc_root_jobs_left();
}

static void mark_termination(gc_work_t *w);

/* Scan work becomes allocation credit, no more than the `want` bytes the
 * assist set out to pay for. */
static void pay_credit(gc_local_t *l, int64_t work, double bytes_per_work, int64_t want) {
  if (work <= 0) return;
  double bytes = 1.0 + bytes_per_work * (double)work;
  l->assist_credit_bytes += bytes < (double)want ? (int64_t)bytes : want;
  if (l->assist_credit_bytes > OVER_ASSIST_BYTES) l->assist_credit_bytes = OVER_ASSIST_BYTES;
}

/* The park itself: until a worker makes credit, the mark ends or PARK_NS
 * pass. */
__attribute__((noinline)) static void park_wait(uint64_t cycle) {
  pthread_mutex_lock(&cc.lock);
  if (cc.marking && cc.cycles_ended == cycle &&
      atomic_load_explicit(&bg_credit_work, memory_order_relaxed) <= 0)
    timed_wait_locked(&cc.assist_cv, PARK_NS);
  cc.parked--;
  pthread_mutex_unlock(&cc.lock);
}

/* cc.lock held (released while parked): parks as a blocked thread, so that
 * stopping the world does not wait for it. This frame holds the thread's
 * stack record while it is blocked. */
__attribute__((noinline)) static void park_assist_locked(uint64_t cycle) {
  GC_RECORD_STACK();
  cc.parked++;
  pthread_mutex_unlock(&cc.lock);
  gc_thread_block_recorded();
  park_wait(cycle);
  gc_thread_unblock();
  pthread_mutex_lock(&cc.lock);
}

void gc_conc_assist_alloc(void) {
  gc_local_t *l = gc_tls_local;
  int64_t t0 = gc_thread_cpu_ns();
  pthread_mutex_lock(&cc.lock);
  uint64_t cycle = cc.cycles_ended;
  for (;;) {
    if (!cc.marking || cc.cycles_ended != cycle) break; /* the debt ended with the mark */
    if (cc.hold || atomic_load_explicit(&assists_off, memory_order_relaxed)) {
      l->assist_credit_bytes = 0; /* forgiven: limiting, or a test holds the mark */
      break;
    }
    if (l->assist_credit_bytes >= 0) break;
    double wpb = ratio_of(&assist_work_per_byte), bpw = ratio_of(&assist_bytes_per_work);
    int64_t want = OVER_ASSIST_BYTES - l->assist_credit_bytes; /* bytes to pay for */
    int64_t work = (int64_t)(wpb * (double)want) + 1;
    int64_t stolen = steal_credit(work);
    pay_credit(l, stolen, bpw, want);
    if (stolen == work) continue; /* paid (the loop ends at the test above) */
    /* unless a worker is ending the mark (then wait for it): work here */
    if (!cc.ending) {
      cc.assisting++;
      pthread_mutex_unlock(&cc.lock);
      uint64_t did = find_work(&l->work, (uint64_t)(work - stolen));
      gc_work_flush(&l->work); /* what the budget left, for the others */
      l->assist_bytes += did;
      pay_credit(l, (int64_t)did, bpw, want);
      pthread_mutex_lock(&cc.lock);
      cc.assisting--;
      if (did || l->assist_credit_bytes >= 0) continue;
      if (mark_done_locked()) {
        cc.ending = 1;
        pthread_mutex_unlock(&cc.lock);
        mark_termination(&l->work);
        pthread_mutex_lock(&cc.lock);
        break;
      }
    }
    l->assist_parks++;
    park_assist_locked(cycle);
  }
  pthread_mutex_unlock(&cc.lock);
  int64_t ns = gc_thread_cpu_ns() - t0;
  l->assist_ns += (uint64_t)ns;
  gc_note_assist_ns(ns);
}

/* ---- the workers -------------------------------------------------------------------- */

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

/* One turn of a worker with the lock released: a quantum of marking
 * (root blocks, grey objects, blocked stacks when nothing else is left);
 * what it did becomes credit for the assists. Nonzero when it found work. */
static int work_turn(unsigned id) {
  gc_work_t *w = &cc.work[id];
  int64_t cpu0 = gc_thread_cpu_ns();
  int roots = gc_root_jobs_left();
  uint64_t did = find_work(w, QUANTUM_BYTES);
  int found = roots || did || w->len;
  flush_bg_credit(did);
  cc.cpu_ns[id] += (uint64_t)(gc_thread_cpu_ns() - cpu0); /* this worker's own slot */
  return found;
}

static void *worker_main(void *arg) {
  unsigned id = (unsigned)(uintptr_t)arg;
  int grey_waits = 0;
  pthread_mutex_lock(&cc.lock);
  for (;;) {
    while (!cc.marking || cc.hold || cc.workers_off || cc.ending || id >= cc.wanted)
      pthread_cond_wait(&cc.work_cv, &cc.lock);
    cc.busy++;
    int64_t start = cc.mark_start_ns;
    int fractional = (int64_t)id == cc.dedicated;
    double goal = cc.fractional_goal;
    unsigned procs = cc.procs;
    pthread_mutex_unlock(&cc.lock);
    int found = work_turn(id);
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
    if (cc.busy || cc.assisting || gc_work_pending() || cc.hold || !cc.marking || cc.ending) {
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
  GC_RACE_HINT(assist_work_per_byte);
  GC_RACE_HINT(assist_bytes_per_work);
  GC_RACE_HINT(assists_off);
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
  gc_root_jobs_reset();
  atomic_store_explicit(&scan_work_bytes, 0, memory_order_relaxed);
  atomic_store_explicit(&bg_credit_work, 0, memory_order_relaxed);
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
  uint64_t before = w->res.heap_scan_bytes, b;
  while (gc_scan_root_job(w, &b)) { /* blocks no marker took (a test's forced end) */
  }
  if (gc_roots_changed()) gc_scan_roots(w); /* a range came or went while marking */
  gc_drain(w, 0);
  c.markterm_scan_bytes = w->res.heap_scan_bytes - before;
  add_result(&c.mark, &w->res); /* a mutator's own work, or the worker's */
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
  pthread_cond_broadcast(&cc.assist_cv);
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

void gc_conc_workers_off(int off) {
  pthread_mutex_lock(&cc.lock);
  cc.workers_off = off;
  pthread_cond_broadcast(&cc.work_cv);
  pthread_mutex_unlock(&cc.lock);
}

void gc_conc_drain_here(void) {
  gc_local_t *l = gc_tls_local;
  if (!l) return;
  uint64_t b;
  while (gc_scan_root_job(&l->work, &b)) {
  }
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
