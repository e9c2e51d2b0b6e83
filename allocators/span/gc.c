/* span-gc's driver: pacing, the cycle, and the collected heap's API (gc.h).
 *
 * Heap accounting, as Go's gcControllerState keeps it (mgcpacer.go's
 * heapLive, mcache.go's refill): heapLive is charged when a thread cache takes
 * a span (all its free slots at once, Go's mcache.refill) or a large span
 * is made, and given back for the slots a cache returns unused; a cycle
 * resets it to the bytes it marked. After each charge the trigger is
 * tested (Go tests the heap trigger only on these events too); crossing it
 * asks for a collection, which the next allocation of any thread starts.
 *
 * A cycle, all with the world stopped (gcstw.c):
 *   sweep termination  thread caches give back their spans; what the
 *                      last cycle left unswept is swept (gcsweep.c)
 *   mark               roots, stacks, then the heap (gcmark.c)
 *   mark termination   every span becomes unswept; the pacer ends the
 *                      cycle (cons/mark), resets heapLive to the marked
 *                      bytes and commits the next goal and trigger; the
 *                      sweeper and scavenger are paced for it
 * then the world starts again and sweeping goes on lazily.
 *
 * The pacer is Go's (pacer.c), used unchanged. For a collector that marks
 * with the world stopped the heap does not grow during marking, so Go's
 * cons/mark estimate stays at zero (its endCycle skips a cycle in which
 * the heap did not grow past the trigger), the runway is zero, and the
 * trigger sits at its upper bound: 61/64 of the way from the marked heap to
 * the goal, or 4 MiB under the goal when that is higher. The heap peaks at
 * the trigger plus at most one span per size class, just under the goal.
 *
 * The GC CPU limiter (gclimit.c) sees each stop-the-world cycle as GC time
 * on every CPU, as Go counts pauses. While it is limiting, a crossed
 * trigger is not acted on, so the heap grows past its goal instead of the
 * program spending more than half its CPU in the collector: the analogue,
 * for a stop-the-world collector, of Go dropping mark assists.
 *
 * mode=concurrent (gcconc.c; stw is still the default) marks beside the mutators from
 * the trigger: sweep termination and mark termination are the only stops,
 * objects allocated while marking are black, pointer stores go through the
 * hybrid write barrier, and allocating threads assist at the ratio the
 * pacer's revise computes; the pacer then sees a real cons/mark and its
 * trigger moves down from the upper bound. The paragraphs above describe
 * mode=stw, the stop-the-world collector, kept as a backend option. */
#include "gc.h"

#include "gcconc.h"
#include "gcmark.h"
#include "gclimit.h"
#include "gcrace.h"
#include "gcstw.h"
#include "gcsweep.h"
#include "internal.h"
#include "pacer.h"

#include <sched.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

int span_gc_mode;

/* Memory-limit goal: re-read the heap's memory figures at least every
 * this many span charges (the goal moves as mapped memory does). */
#define LIMIT_REFRESH_CHARGES 64u
/* While the CPU limiter is limiting, test again after this much growth. */
#define LIMITED_RETEST_BYTES ((uint64_t)256 << 10)

static struct {
  pthread_mutex_t lock; /* the pacer, the limiter, the cycle records */
  hl_pacer_t pacer;
  hl_gclimit_t limiter;
  _Atomic uint64_t heap_live_bytes;
  _Atomic uint64_t heap_scan_bytes;
  _Atomic uint64_t trigger_bytes; /* heapLive at which a collection is due */
  _Atomic uint32_t charges;       /* span charges since the last memory refresh */
  uint64_t goal_bytes;
  int64_t start_ns;
  unsigned procs;
  uint64_t num_gc, num_forced_gc, pause_total_ns, gc_cpu_ns, limiter_skipped;
  uint64_t last_heap_goal_bytes; /* goal of the previous cycle (scavenger pacing) */
  int concurrent;                /* mode=concurrent (gcconc.c) */
  hl_gc_cycle_t rec;             /* concurrent: the cycle being marked */
  int64_t mark_start_ns;         /* concurrent: when the world started after sweep termination */
  uint64_t barrier_calls, barrier_buffered, barrier_skipped; /* all cycles */
  uint64_t assist_parks;                                     /* all cycles */
  hl_gc_cycle_fn on_cycle;
  void *on_cycle_ctx;
} g = {.lock = PTHREAD_MUTEX_INITIALIZER, .trigger_bytes = UINT64_MAX};

static int64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000000000 + ts.tv_nsec;
}

static unsigned cpus_available(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) != 0) return 1;
  int n = CPU_COUNT(&set);
  return n > 0 ? (unsigned)n : 1;
}

/* ---- the pacer's inputs ------------------------------------------------------ */

/* The memory figures the memory-limit goal needs (Go's mappedReady,
 * heapFree, heapAlloc); only read when a limit is set. Lock held. */
static void refresh_memory_locked(void) {
  if (g.pacer.memory_limit_bytes == HL_PACER_NO_LIMIT) return;
  span_stats_t st;
  span_read_stats(&st);
  uint64_t mapped = st.heap_sys - st.heap_released + st.meta_sys;
  uint64_t limit = (uint64_t)g.pacer.memory_limit_bytes;
  if (mapped > limit && !hl_gclimit_limiting(&g.limiter)) {
    /* over the limit: give free pages back now, as Go's allocSpan does,
     * down to 95% of it (reduceExtraPercent) */
    uint64_t want = (mapped - limit / 100 * 95 + SPAN_PAGE_BYTES - 1) / SPAN_PAGE_BYTES;
    if (scavenger_release_now(want)) span_read_stats(&st);
  }
  g.pacer.mapped_ready_bytes = st.heap_sys - st.heap_released + st.meta_sys;
  g.pacer.heap_free_bytes = st.heap_idle - st.heap_released;
  g.pacer.total_alloc_bytes = st.heap_alloc;
  g.pacer.total_free_bytes = 0;
}

/* Lock held: the trigger and goal for the heap as it is now. */
static uint64_t retrigger_locked(void) {
  refresh_memory_locked();
  g.pacer.heap_live_bytes = atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed);
  uint64_t goal;
  uint64_t trigger = hl_pacer_trigger(&g.pacer, &goal);
  g.goal_bytes = goal;
  atomic_store_explicit(&g.trigger_bytes, trigger, memory_order_relaxed);
  atomic_store_explicit(&g.charges, 0, memory_order_relaxed);
  return trigger;
}

/* Go's gcTrigger.test for the heap kind, after a charge took heapLive to
 * live. */
static void test_trigger(uint64_t live) {
  pthread_mutex_lock(&g.lock);
  if (atomic_load_explicit(&gc_marking, memory_order_relaxed)) { /* a cycle is on */
    pthread_mutex_unlock(&g.lock);
    return;
  }
  uint64_t trigger = retrigger_locked();
  if (live >= trigger) {
    int64_t now = now_ns();
    if (hl_gclimit_need_update(&g.limiter, now)) hl_gclimit_update(&g.limiter, now);
    if (hl_gclimit_limiting(&g.limiter)) {
      g.limiter_skipped++;
      atomic_store_explicit(&g.trigger_bytes, live + LIMITED_RETEST_BYTES, memory_order_relaxed);
    } else {
      gc_request_collect();
    }
  }
  pthread_mutex_unlock(&g.lock);
}

/* Lock held: the assist ratio for the assists (gcconc.c), off while the
 * CPU limiter is limiting. */
static void publish_assist_ratio_locked(void) {
  gc_conc_set_assist_ratio(g.pacer.assist_work_per_byte, g.pacer.assist_bytes_per_work,
                           hl_gclimit_limiting(&g.limiter));
}

/* Marking: the pacer revises the assist ratio from the heap now and the
 * scan work done (Go's revise on heapLive updates); the limiter is updated
 * while marking at least every gcCPULimiterUpdatePeriod (Go: sysmon and
 * the workers). The assists themselves are paid at each allocation's
 * entry (gc_conc_charge_alloc), where no lock is held. */
static void revise_after_charge(uint64_t live) {
  int64_t now = now_ns();
  pthread_mutex_lock(&g.lock);
  g.pacer.heap_live_bytes = live;
  g.pacer.heap_scan_work_bytes = (int64_t)gc_conc_scan_work();
  hl_pacer_revise(&g.pacer);
  if (hl_gclimit_need_update(&g.limiter, now)) hl_gclimit_update(&g.limiter, now);
  publish_assist_ratio_locked();
  pthread_mutex_unlock(&g.lock);
}

void gc_note_assist_ns(int64_t ns) {
  int64_t now = now_ns();
  pthread_mutex_lock(&g.lock);
  if (ns > 0) hl_gclimit_add_assist_time(&g.limiter, ns);
  if (hl_gclimit_need_update(&g.limiter, now)) hl_gclimit_update(&g.limiter, now);
  publish_assist_ratio_locked();
  pthread_mutex_unlock(&g.lock);
}

static void charge(int64_t bytes, int scan) {
  uint64_t live =
      atomic_fetch_add_explicit(&g.heap_live_bytes, (uint64_t)bytes, memory_order_relaxed) +
      (uint64_t)bytes;
  if (scan) atomic_fetch_add_explicit(&g.heap_scan_bytes, (uint64_t)bytes, memory_order_relaxed);
  if (bytes <= 0) return;
  if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed))) {
    revise_after_charge(live);
    return;
  }
  int refresh = g.pacer.memory_limit_bytes != HL_PACER_NO_LIMIT &&
                atomic_fetch_add_explicit(&g.charges, 1, memory_order_relaxed) + 1 >=
                    LIMIT_REFRESH_CHARGES;
  if ((live >= atomic_load_explicit(&g.trigger_bytes, memory_order_relaxed) || refresh) &&
      !gc_collect_requested())
    test_trigger(live);
}

static uint64_t free_slot_bytes(const span_t *s) {
  uint32_t used = atomic_load_explicit(&s->alloc_count, memory_order_relaxed);
  return (uint64_t)(s->nelems - used) * s->elem_bytes;
}

void gc_note_refill(span_t *s) {
  charge((int64_t)free_slot_bytes(s), !(s->spc & 1));
}

void gc_note_uncache(span_t *s) {
  uint64_t unused = free_slot_bytes(s);
  if (unused) charge(-(int64_t)unused, !(s->spc & 1) && s->spc != SPAN_TINY_SPC);
}

void gc_note_large(span_t *s) {
  gc_large_add(s);
  charge((int64_t)s->npages * SPAN_PAGE_BYTES, 0);
}

void gc_deduct_sweep_credit(uint32_t pages) {
  gc_sweep_credit(pages, atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed));
}

/* ---- the cycle --------------------------------------------------------------- */

/* gcPaceScavenger: keep what the next goal implies, plus 10% (Go's
 * retainExtraPercent), and under a memory limit no more than 95% of it
 * (reduceExtraPercent); in pages of retained heap. Lock held. */
static void pace_scavenger_locked(uint64_t heap_inuse_bytes) {
  uint64_t goal = UINT64_MAX;
  if (g.last_heap_goal_bytes) {
    double ratio = (double)g.goal_bytes / (double)g.last_heap_goal_bytes;
    goal = (uint64_t)((double)heap_inuse_bytes * ratio);
    goal += goal / 10;
  }
  if (g.pacer.memory_limit_bytes != HL_PACER_NO_LIMIT) {
    uint64_t limit_goal = (uint64_t)g.pacer.memory_limit_bytes / 100 * 95;
    uint64_t other = g.pacer.mapped_ready_bytes > heap_inuse_bytes + g.pacer.heap_free_bytes
                         ? g.pacer.mapped_ready_bytes - heap_inuse_bytes - g.pacer.heap_free_bytes
                         : 0;
    limit_goal = limit_goal > other ? limit_goal - other : 0;
    if (limit_goal < goal) goal = limit_goal;
  }
  if (goal == UINT64_MAX) return;
  scavenger_set_retain_goal(goal / SPAN_PAGE_BYTES ? goal / SPAN_PAGE_BYTES : 1);
  heap_stats_t h;
  heap_read_stats(&h);
  if (scavenger_excess_pages(&h)) scavenger_note_free(&h);
}

static void record_phase(hl_gc_cycle_t *rec, int phase, int64_t from, int64_t to) {
  uint64_t ns = (uint64_t)(to - from);
  rec->clock_ns[phase] = ns;
  /* the world is stopped: every CPU counts as the collector's (Go's rule
   * for pauses); marking is the background-mark column */
  rec->cpu_ns[phase == 0 ? 0 : phase == 1 ? 2 : 4] = ns * g.procs;
}

/* Sweep termination, the world stopped and the lock held: thread caches
 * give back their spans, the last cycle's sweep finishes, and the record
 * gets the cycle's starting heap and goal. */
static void sweep_termination_locked(hl_gc_cycle_t *rec, int forced, int64_t t0) {
  memset(rec, 0, sizeof *rec);
  rec->forced = (uint8_t)forced;
  rec->procs = g.procs;
  hl_gclimit_start_gc_transition(&g.limiter, true, t0);
  rec->start_ns = (uint64_t)(t0 - g.start_ns);
  rec->heap_trigger_bytes = atomic_load_explicit(&g.trigger_bytes, memory_order_relaxed);
  mcache_gc_release_all();
  if (g.concurrent)
    gc_finish_sweep_all();
  else
    gc_finish_sweep();
  uint64_t live = atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed);
  rec->heap_start_bytes = rec->heap_end_bytes = live;
  refresh_memory_locked();
  g.pacer.heap_live_bytes = live;
  g.pacer.heap_scan_bytes = atomic_load_explicit(&g.heap_scan_bytes, memory_order_relaxed);
  rec->heap_goal_bytes = hl_pacer_heap_goal(&g.pacer);
}

/* Mark termination after the mark, world stopped, lock held: the heap
 * becomes unswept, the pacer ends the cycle and sets the next one, the
 * sweeper and scavenger are paced. */
static void mark_termination_locked(const hl_gc_cycle_t *rec, const gc_mark_result_t *mr,
                                    int64_t t2) {
  gc_unsweep_all();
  g.pacer.heap_scan_work_bytes = (int64_t)mr->heap_scan_bytes;
  g.pacer.stack_scan_work_bytes = (int64_t)mr->stack_scan_bytes;
  g.pacer.globals_scan_work_bytes = (int64_t)mr->globals_scan_bytes;
  g.pacer.globals_scan_bytes = mr->globals_scan_bytes;
  g.pacer.max_stack_scan_bytes = mr->stack_scan_bytes;
  hl_pacer_end_cycle(&g.pacer, t2, (int)g.procs);
  hl_pacer_reset_live(&g.pacer, mr->marked_bytes);
  atomic_store_explicit(&g.heap_live_bytes, mr->marked_bytes, memory_order_relaxed);
  atomic_store_explicit(&g.heap_scan_bytes, mr->heap_scan_bytes, memory_order_relaxed);
  hl_pacer_commit(&g.pacer, false);
  g.last_heap_goal_bytes = rec->heap_goal_bytes;
  uint64_t trigger = retrigger_locked();
  heap_stats_t h;
  heap_read_stats(&h);
  gc_sweep_pace(mr->marked_bytes, trigger, h.inuse_pages);
  pace_scavenger_locked(h.inuse_pages * SPAN_PAGE_BYTES);
}

/* The cycle's totals and its record, to the on_cycle callback; lock held. */
static void finish_record_locked(hl_gc_cycle_t *rec, const gc_mark_result_t *mr,
                                 uint64_t pause_ns, uint64_t cpu_ns, int64_t end_ns) {
  g.num_gc++;
  g.num_forced_gc += rec->forced;
  g.limiter.num_gc = (uint32_t)g.num_gc;
  g.pause_total_ns += pause_ns;
  g.gc_cpu_ns += cpu_ns;
  rec->num = g.num_gc;
  rec->pause_ns = pause_ns;
  rec->heap_marked_bytes = mr->marked_bytes;
  rec->stack_scan_bytes = mr->stack_scan_bytes;
  rec->globals_scan_bytes = mr->globals_scan_bytes;
  rec->limiter_on = hl_gclimit_limiting(&g.limiter);
  int64_t elapsed = end_ns - g.start_ns;
  rec->gc_cpu_fraction =
      elapsed > 0 ? (double)g.gc_cpu_ns / ((double)elapsed * (double)g.procs) : 0.0;
  if (g.on_cycle) g.on_cycle(g.on_cycle_ctx, rec);
}

/* One stop-the-world collection (mode=stw); the world is stopped and the
 * lock held. t_req: when the stop was asked for. */
static void cycle_locked(int forced, int64_t t_req) {
  hl_gc_cycle_t rec;
  int64_t t0 = now_ns();
  sweep_termination_locked(&rec, forced, t0);
  int64_t t1 = now_ns();
  record_phase(&rec, 0, t0, t1);

  hl_pacer_start_cycle(&g.pacer, t1, (int)g.procs, false);
  gc_mark_result_t mr;
  if (gc_mark(&mr) != 0) span_fatal("span-gc: the mark stack cannot grow", NULL);
  int64_t t2 = now_ns();
  record_phase(&rec, 1, t1, t2);

  mark_termination_locked(&rec, &mr, t2);
  int64_t t3 = now_ns();
  record_phase(&rec, 2, t2, t3);
  hl_gclimit_finish_gc_transition(&g.limiter, t3);
  hl_gclimit_start_gc_transition(&g.limiter, false, t3);
  hl_gclimit_finish_gc_transition(&g.limiter, t3);
  /* one window: the world stays stopped through the mark */
  rec.stw_ns[0] = (uint64_t)(t1 - t_req);
  rec.stw_ns[1] = (uint64_t)(t3 - t1);
  rec.stw_wait_ns[0] = (uint64_t)(t0 - t_req);
  finish_record_locked(&rec, &mr, (uint64_t)(t3 - t0), (uint64_t)(t3 - t0) * g.procs, t3);
}

/* mode=concurrent: sweep termination, world stopped, lock held; marking
 * then begins beside the mutators (gcconc.c). t_req: when the stop was
 * asked for (the pause the other threads see starts there). */
static void start_concurrent_locked(int forced, int64_t t_req, int64_t cpu_req) {
  int64_t t0 = now_ns();
  sweep_termination_locked(&g.rec, forced, t0);
  hl_pacer_start_cycle(&g.pacer, t0, (int)g.procs, false);
  publish_assist_ratio_locked();
  atomic_store_explicit(&g.trigger_bytes, UINT64_MAX, memory_order_relaxed);
  gc_conc_begin_mark(g.pacer.dedicated_mark_workers, g.pacer.fractional_utilization_goal,
                     g.procs);
  int64_t t1 = now_ns();
  hl_gclimit_finish_gc_transition(&g.limiter, t1);
  g.rec.clock_ns[0] = (uint64_t)(t1 - t0);
  g.rec.cpu_ns[0] = (uint64_t)(t1 - t0) * g.procs;
  g.rec.stw_ns[0] = (uint64_t)(t1 - t_req);
  g.rec.stw_wait_ns[0] = (uint64_t)(t0 - t_req);
  g.rec.stw_cpu_ns[0] = (uint64_t)(gc_thread_cpu_ns() - cpu_req);
  g.mark_start_ns = t1;
}

void gc_conc_end_cycle(const gc_conc_cycle_t *c, int64_t stop_ns, int64_t stopped_ns,
                       int64_t stop_cpu_ns) {
  pthread_mutex_lock(&g.lock);
  hl_gc_cycle_t *rec = &g.rec;
  rec->stw_wait_ns[1] = (uint64_t)(stopped_ns - stop_ns);
  hl_gclimit_start_gc_transition(&g.limiter, false, stop_ns);
  uint64_t live = atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed);
  rec->heap_end_bytes = live; /* the heap at mark end: the cycle's peak */
  mcache_gc_release_all();    /* after this no thread holds a span the flip would miss */
  gc_mark_result_t mr = c->mark;
  mr.marked_bytes += c->black_bytes;
  rec->clock_ns[1] = (uint64_t)(stop_ns - g.mark_start_ns);
  rec->cpu_ns[1] = c->assist_ns;
  rec->cpu_ns[2] = c->background_ns;
  rec->barrier_calls = c->barrier_calls;
  rec->barrier_buffered = c->wb_entries;
  rec->barrier_skipped = c->wb_skipped;
  rec->black_bytes = c->black_bytes;
  rec->markterm_scan_bytes = c->markterm_scan_bytes;
  g.barrier_calls += c->barrier_calls;
  g.barrier_buffered += c->wb_entries;
  g.barrier_skipped += c->wb_skipped;
  g.assist_parks += c->assist_parks;
  g.pacer.heap_live_bytes = live;
  g.pacer.assist_ns = (int64_t)c->assist_ns;
  mark_termination_locked(rec, &mr, stop_ns);
  int64_t t3 = now_ns();
  rec->clock_ns[2] = (uint64_t)(t3 - stop_ns);
  rec->cpu_ns[4] = (uint64_t)(t3 - stop_ns) * g.procs;
  rec->stw_ns[1] = (uint64_t)(t3 - stop_ns);
  rec->stw_cpu_ns[1] = (uint64_t)(gc_thread_cpu_ns() - stop_cpu_ns);
  hl_gclimit_finish_gc_transition(&g.limiter, t3);
  uint64_t pause = rec->stw_ns[0] + rec->stw_ns[1];
  finish_record_locked(rec, &mr, pause, pause * g.procs + c->assist_ns + c->background_ns, t3);
  pthread_mutex_unlock(&g.lock);
  gc_bgsweep_wake();
}

/* Collects unless another thread just did (or the heap no longer needs
 * it); returns with the world started again. Its frame holds the
 * caller's registers for the stack scan. */
__attribute__((noinline)) static void run_collection(int forced) {
  GC_RECORD_STACK();
  int64_t t_req = now_ns(), cpu_req = gc_thread_cpu_ns();
  if (gc_stop_world() != 0) return; /* parked through another thread's cycle */
  pthread_mutex_lock(&g.lock);
  if (!atomic_load_explicit(&gc_marking, memory_order_relaxed) &&
      (forced || atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed) >=
                     atomic_load_explicit(&g.trigger_bytes, memory_order_relaxed))) {
    if (g.concurrent)
      start_concurrent_locked(forced, t_req, cpu_req);
    else
      cycle_locked(forced, t_req);
  }
  pthread_mutex_unlock(&g.lock);
  gc_start_world();
}

__attribute__((noinline)) static void poll_slow(void) {
  gc_safepoint();
  if (atomic_load_explicit(&gc_marking, memory_order_relaxed)) {
    gc_conc_poll(); /* no cycle starts while one marks */
    return;
  }
  if (gc_collect_requested()) run_collection(0);
}

/* Allocate-black for an object whose span the caller does not have. */
static void black_object(void *p) {
  span_t *s = pagemap_get(p);
  if (!s) return;
  uint64_t bytes;
  if (s->kind & SPAN_LARGE) {
    bytes = __atomic_exchange_n(&s->large_marked, 1, __ATOMIC_RELAXED)
                ? 0
                : (uint64_t)s->npages * SPAN_PAGE_BYTES;
  } else {
    bytes = gc_mark_new(s, span_index_of(s, p));
  }
  if (gc_tls_local) gc_tls_local->black_bytes += bytes;
}

/* ---- the API ------------------------------------------------------------------ */

int span_gc_enable(const span_gc_config_t *cfg) {
  if (span_gc_mode) return -1;
  span_stats_t st;
  span_read_stats(&st);
  if (st.mallocs) return -1;
  pthread_mutex_lock(&g.lock);
  hl_pacer_init(&g.pacer, cfg->pacer_model == 1 ? HL_PACER_GO119 : HL_PACER_GO122,
                cfg->gc_percent == HL_GC_OFF ? -1 : cfg->gc_percent,
                cfg->memory_limit_bytes == HL_NO_MEMORY_LIMIT ? -1 : cfg->memory_limit_bytes);
  g.procs = cpus_available();
  g.start_ns = now_ns();
  hl_gclimit_init(&g.limiter, g.start_ns, (int32_t)g.procs);
  g.on_cycle = cfg->on_cycle;
  g.on_cycle_ctx = cfg->on_cycle_ctx;
  g.concurrent = cfg->concurrent;
  gc_race_init();
  gc_mark_race_init();
  GC_RACE_HINT(g.trigger_bytes);
  GC_RACE_HINT(g.charges);
  gc_sweep_race_init();
  scavenger_race_init();
  if (g.concurrent) gc_conc_init(g.procs);
  span_gc_mode = 1;
  retrigger_locked();
  pthread_mutex_unlock(&g.lock);
  return 0;
}

static void *oom(void) {
  return NULL;
}

/* Allocation while marking pays its assist first (Go's deductAssistCredit
 * in mallocgc): small objects by their size, large ones by their pages. */
static void charge_assist(size_t bytes) {
  gc_conc_charge_alloc(bytes - 1 < SPAN_MAX_SMALL_BYTES
                           ? bytes
                           : (bytes + SPAN_PAGE_BYTES - 1) & ~(size_t)(SPAN_PAGE_BYTES - 1));
}

void *span_gc_alloc(size_t bytes, unsigned nptrs) {
  if (unlikely(atomic_load_explicit(&span_gc_poll, memory_order_relaxed))) poll_slow();
  if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed))) charge_assist(bytes);
  if (nptrs == 0) {
    void *p = span_alloc_typed(bytes, 0);
    if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed)) && p) black_object(p);
    return p;
  }
  if (likely(bytes - 1 < SPAN_MAX_SMALL_BYTES)) {
    mcache_t *c = mcache_get();
    if (unlikely(!c)) return oom();
    unsigned spc = span_size_class(bytes) << 1;
    span_t *s = c->alloc[spc];
    void *p = span_next_fast(s);
    if (unlikely(!p)) {
      p = mcache_alloc_slow(c, (uint16_t)spc);
      if (unlikely(!p)) return oom();
      s = c->alloc[spc];
    }
    stat_add(&c->fc[spc].nmalloc, 1);
    uint32_t max = s->elem_bytes / sizeof(void *);
    uint32_t idx = s->freeindex - 1;
    /* an atomic store (a plain one on x86): a marker may read it */
    __atomic_store_n(&s->ptr_words[idx], (uint16_t)(nptrs < max ? nptrs : max), __ATOMIC_RELAXED);
    if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed)))
      gc_tls_local->black_bytes += gc_mark_new(s, idx);
    return p;
  }
  if (bytes == 0) return span_alloc_typed(1, 0);
  void *p = span_alloc_large(bytes, SPAN_PAGE_BYTES);
  if (!p) return oom();
  span_t *s = pagemap_get(p);
  s->large_nptrs = (uint32_t)(nptrs < bytes / sizeof(void *) ? nptrs : bytes / sizeof(void *));
  if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed))) black_object(p);
  return p;
}

void span_gc_collect(void) {
  if (!g.concurrent) {
    run_collection(1);
    return;
  }
  gc_conc_wait_cycle_end(); /* runtime.GC: a whole cycle of its own */
  run_collection(1);
  gc_conc_wait_cycle_end();
}

void span_gc_write_barrier(void **slot, void *value) {
  if (unlikely(atomic_load_explicit(&gc_marking, memory_order_relaxed)))
    gc_conc_barrier(slot, value);
  else
    *slot = value;
}

int span_gc_test_start_mark(void) {
  if (!g.concurrent) return -1;
  gc_conc_hold_workers(1);
  gc_conc_wait_cycle_end();
  run_collection(1);
  return atomic_load(&gc_marking) ? 0 : -1;
}

void span_gc_test_drain(void) {
  gc_conc_drain_here();
}

void span_gc_test_finish_mark(void) {
  gc_conc_finish_mark();
  gc_conc_hold_workers(0);
}

void span_gc_test_workers_off(int off) {
  gc_conc_workers_off(off);
}

void span_gc_test_barrier_halves(int deletion, int insertion) {
  gc_conc_barrier_halves(deletion, insertion);
}

int span_gc_test_object_live(const void *p) {
  gc_finish_sweep_all();
  span_t *s = pagemap_get(p);
  if (!s) return 0;
  if (s->kind & SPAN_LARGE) return pagemap_spc(p) == PAGE_LARGE;
  uint32_t idx = span_index_of(s, p);
  return (s->alloc_bits[idx >> 6] >> (idx & 63)) & 1;
}

int span_gc_add_roots(void *start, size_t bytes) {
  return gc_roots_add(start, bytes);
}

void span_gc_remove_roots(void *start, size_t bytes) {
  gc_roots_remove(start, bytes);
}

int span_gc_thread_attach(void) {
  return gc_thread_attach();
}

void span_gc_thread_detach(void) {
  gc_thread_detach();
}

void span_gc_thread_block(void) {
  gc_thread_block();
}

void span_gc_thread_unblock(void) {
  gc_thread_unblock();
}

int span_gc_set_gc_percent(int gc_percent) {
  pthread_mutex_lock(&g.lock);
  int old = hl_pacer_set_gc_percent(&g.pacer, gc_percent == HL_GC_OFF ? -1 : gc_percent);
  hl_pacer_commit(&g.pacer, gc_sweep_done());
  uint64_t trigger = retrigger_locked();
  pthread_mutex_unlock(&g.lock);
  if (atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed) >= trigger)
    gc_request_collect();
  return old < 0 ? HL_GC_OFF : old;
}

int64_t span_gc_set_memory_limit(int64_t bytes) {
  pthread_mutex_lock(&g.lock);
  int64_t old = hl_pacer_set_memory_limit(&g.pacer, bytes);
  uint64_t trigger = UINT64_MAX;
  if (bytes >= 0) {
    hl_pacer_commit(&g.pacer, gc_sweep_done());
    trigger = retrigger_locked();
  }
  pthread_mutex_unlock(&g.lock);
  if (atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed) >= trigger)
    gc_request_collect();
  return old;
}

void span_gc_read_stats(span_gc_stats_t *out) {
  pthread_mutex_lock(&g.lock);
  memset(out, 0, sizeof *out);
  out->num_gc = g.num_gc;
  out->num_forced_gc = g.num_forced_gc;
  out->pause_total_ns = g.pause_total_ns;
  out->gc_cpu_ns = g.gc_cpu_ns;
  int64_t elapsed = now_ns() - g.start_ns;
  out->procs = g.procs;
  out->gc_cpu_fraction =
      elapsed > 0 && g.procs ? (double)g.gc_cpu_ns / ((double)elapsed * (double)g.procs) : 0.0;
  out->heap_live_bytes = atomic_load_explicit(&g.heap_live_bytes, memory_order_relaxed);
  out->heap_marked_bytes = g.pacer.heap_marked_bytes;
  out->heap_goal_bytes = g.goal_bytes;
  out->heap_trigger_bytes = atomic_load_explicit(&g.trigger_bytes, memory_order_relaxed);
  out->stack_scan_bytes = g.pacer.last_stack_scan_bytes;
  out->globals_scan_bytes = g.pacer.globals_scan_bytes;
  out->limiter_skipped = g.limiter_skipped;
  out->barrier_calls = g.barrier_calls;
  out->barrier_buffered = g.barrier_buffered;
  out->barrier_skipped = g.barrier_skipped;
  out->assist_parks = g.assist_parks;
  out->concurrent = g.concurrent;
  pthread_mutex_unlock(&g.lock);
}
