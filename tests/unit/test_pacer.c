/* Unit test of the GC pacer (allocators/span/pacer.h) and the GC CPU limiter
 * (gclimit.h): goals, trigger bounds, heap minimum, GOGC=off, the
 * memory-limit goal of both models, assist ratio, cons/mark, and Go's
 * TestGCCPULimiter sequence. The numbers are Go's; tests/cli/pacer_sim.sh
 * checks whole simulated runs against Go's. */
#include "gclimit.h"
#include "pacer.h"
#include "th.h"

#define KIB ((uint64_t)1 << 10)
#define MIB ((uint64_t)1 << 20)
#define MS INT64_C(1000000)
#define US INT64_C(1000)
#define SEC INT64_C(1000000000)

static const hl_pacer_model_t models[] = {HL_PACER_GO122, HL_PACER_GO119};

/* A fresh process: goal 4 MiB, no runway, so the trigger is the 61/64
 * bound: GC 1 of every Go program starts at 3997696 bytes. */
static void test_first_cycle(void) {
  for (int m = 0; m < 2; m++) {
    hl_pacer_t p;
    hl_pacer_init(&p, models[m], 100, HL_PACER_NO_LIMIT);
    uint64_t goal;
    CHECK_U64(hl_pacer_trigger(&p, &goal), 3997696);
    CHECK_U64(goal, 4194304);
    CHECK_U64(hl_pacer_heap_goal(&p), 4194304);
    CHECK_U64(p.triggered_bytes, HL_PACER_NOT_TRIGGERED);
  }
}

/* No non-heap memory: the limit less its headroom, 3% (go122) or a flat
 * 1 MiB (go119). */
static void test_memory_limit_goal(void) {
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 100, 512 * MIB);
  CHECK_U64(hl_pacer_memory_limit_heap_goal(&p), 520764785);
  CHECK_U64(hl_pacer_heap_goal(&p), 4194304); /* the GOGC goal is lower */
  hl_pacer_init(&p, HL_PACER_GO119, 100, 512 * MIB);
  CHECK_U64(hl_pacer_memory_limit_heap_goal(&p), 535822336);

  /* GOGC=off with a limit: the limit alone sets the goal. */
  hl_pacer_init(&p, HL_PACER_GO122, -1, 512 * MIB);
  CHECK_U64(hl_pacer_heap_goal(&p), 520764785);
  CHECK_U64(hl_pacer_apply_limit_headroom(HL_PACER_GO122, 512 * MIB), 520764785);
  CHECK_U64(hl_pacer_apply_limit_headroom(HL_PACER_GO119, 512 * MIB), 535822336);
  /* Small limits: 1 MiB of headroom at least, and never below it. */
  CHECK_U64(hl_pacer_apply_limit_headroom(HL_PACER_GO122, 10 * MIB), 9 * MIB);
  CHECK_U64(hl_pacer_apply_limit_headroom(HL_PACER_GO122, MIB + 5), MIB);

  /* Non-heap memory and overage come off the limit; never below the live
   * heap; all of the limit taken by non-heap memory: the live heap. */
  hl_pacer_init(&p, HL_PACER_GO119, -1, 512 * MIB);
  p.mapped_ready_bytes = 100 * MIB;
  p.total_alloc_bytes = 80 * MIB;
  p.total_free_bytes = 20 * MIB; /* heap objects 60 MiB, non-heap 40 MiB */
  CHECK_U64(hl_pacer_memory_limit_heap_goal(&p), 512 * MIB - 40 * MIB - MIB);
  p.mapped_ready_bytes = 600 * MIB; /* 88 MiB over, non-heap 540 MiB */
  p.heap_marked_bytes = 30 * MIB;
  CHECK_U64(hl_pacer_memory_limit_heap_goal(&p), 30 * MIB);
  p.mapped_ready_bytes = 500 * MIB; /* non-heap 440 MiB */
  CHECK_U64(hl_pacer_memory_limit_heap_goal(&p), 512 * MIB - 440 * MIB - MIB);
}

/* GOGC=off without a limit: no goal within reach, no trigger. */
static void test_gogc_off(void) {
  for (int m = 0; m < 2; m++) {
    hl_pacer_t p;
    hl_pacer_init(&p, models[m], -1, HL_PACER_NO_LIMIT);
    CHECK_INT(p.gc_percent, -1);
    CHECK_U64(p.gc_percent_heap_goal_bytes, UINT64_MAX);
    CHECK_U64(hl_pacer_heap_goal(&p),
              hl_pacer_apply_limit_headroom(models[m], (uint64_t)INT64_MAX));
    CHECK(hl_pacer_trigger(&p, NULL) > ((uint64_t)1 << 62));
    /* However large the heap grows. */
    p.heap_live_bytes = 64 * ((uint64_t)1 << 30);
    hl_pacer_reset_live(&p, p.heap_live_bytes);
    hl_pacer_commit(&p, false);
    CHECK(hl_pacer_trigger(&p, NULL) > ((uint64_t)1 << 62));
  }
  /* GOGC=0: collect all the time. */
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 0, HL_PACER_NO_LIMIT);
  CHECK_U64(p.heap_minimum_bytes, 0);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 0);
}

/* heapMinimum = 4 MiB * GOGC / 100, and the first trigger scales with it. */
static void test_heap_minimum(void) {
  static const struct {
    int32_t gogc;
    uint64_t minimum, trigger;
  } cases[] = {{50, 2 * MIB, 2 * MIB / 64 * 61},
               {100, 4 * MIB, 3997696},
               {200, 8 * MIB, 7995392},
               {400, 16 * MIB, 16 * MIB / 64 * 61}};
  for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
    hl_pacer_t p;
    hl_pacer_init(&p, HL_PACER_GO122, cases[i].gogc, HL_PACER_NO_LIMIT);
    CHECK_U64(p.heap_minimum_bytes, cases[i].minimum);
    CHECK_U64(hl_pacer_heap_goal(&p), cases[i].minimum);
    CHECK_U64(hl_pacer_trigger(&p, NULL), cases[i].trigger);
  }
  /* SetGCPercent at run time: returns the old value, takes effect at commit. */
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  hl_pacer_reset_live(&p, 10 * MIB);
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_heap_goal(&p), 20 * MIB);
  CHECK_INT(hl_pacer_set_gc_percent(&p, 50), 100);
  CHECK_U64(p.heap_minimum_bytes, 2 * MIB);
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_heap_goal(&p), 15 * MIB);
  CHECK_INT(hl_pacer_set_memory_limit(&p, -1), HL_PACER_NO_LIMIT); /* reads only */
  CHECK_INT(p.memory_limit_bytes, HL_PACER_NO_LIMIT);
}

/* The GOGC goal counts stacks scanned and globals: live 8 MiB, stacks
 * 1 MiB, globals 1 MiB, GOGC=100: 18 MiB (the GC guide's example). */
static void test_goal_with_roots(void) {
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  p.stack_scan_work_bytes = (int64_t)MIB;
  p.globals_scan_bytes = MIB;
  hl_pacer_reset_live(&p, 8 * MIB);
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_heap_goal(&p), 18 * MIB);
}

static hl_pacer_t big_heap(void) {
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  hl_pacer_reset_live(&p, 100 * MIB);
  p.last_heap_scan_bytes = 100 * MIB;
  hl_pacer_commit(&p, true);
  return p;
}

/* goal - runway, within [45/64, 61/64] of the way from the live heap to
 * the goal, or goal - 4 MiB when that is higher; the sweep floor. */
static void test_trigger_bounds(void) {
  hl_pacer_t p = big_heap();
  CHECK_U64(hl_pacer_heap_goal(&p), 200 * MIB);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 200 * MIB - 4 * MIB); /* no runway: upper bound */

  p.cons_mark = 0.5; /* runway = 0.5 * 0.75 / 0.25 * 100 MiB = 150 MiB */
  hl_pacer_commit(&p, true);
  CHECK_U64(p.runway_bytes, 150 * MIB);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 100 * MIB + 100 * MIB / 64 * 45); /* lower bound */
  p.cons_mark = 0.05; /* 15 MiB: inside the bounds */
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 200 * MIB - p.runway_bytes);
  CHECK_U64(p.runway_bytes, 15728640);
  p.cons_mark = 1000; /* runway beyond the goal */
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 100 * MIB + 100 * MIB / 64 * 45);

  /* A small heap: the 61/64 bound. */
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  hl_pacer_reset_live(&p, MIB);
  hl_pacer_commit(&p, true);
  CHECK_U64(hl_pacer_heap_goal(&p), 4 * MIB);
  CHECK_U64(hl_pacer_trigger(&p, NULL), MIB + 3 * MIB / 64 * 61);

  /* Sweeping not done: goal and trigger at least heapLive + 1 MiB. */
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  p.heap_live_bytes = 10 * MIB;
  hl_pacer_commit(&p, false);
  CHECK_U64(p.sweep_dist_min_trigger_bytes, 11 * MIB);
  CHECK_U64(hl_pacer_heap_goal(&p), 11 * MIB);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 11 * MIB);
  uint64_t min_trigger;
  hl_pacer_heap_goal_internal(&p, &min_trigger);
  CHECK_U64(min_trigger, 11 * MIB);
  /* ... but not in the memory-limit regime. */
  hl_pacer_set_memory_limit(&p, 4 * MIB);
  hl_pacer_commit(&p, false);
  CHECK_U64(hl_pacer_heap_goal(&p), 3 * MIB);
  CHECK_U64(hl_pacer_trigger(&p, NULL), 3 * MIB / 64 * 61);
}

/* revise: remaining scan work over remaining heap; extrapolated and
 * capped when the work exceeds the expectation; 10% overshoot past it. */
static void test_assist_ratio(void) {
  hl_pacer_t p = big_heap();
  uint64_t trigger = hl_pacer_trigger(&p, NULL);
  p.heap_live_bytes = trigger;
  hl_pacer_start_cycle(&p, 0, 8, false);
  CHECK_U64(p.triggered_bytes, trigger);
  CHECK_INT(p.dedicated_mark_workers, 2);
  CHECK_INT(p.max_idle_mark_workers, 6);
  CHECK(p.fractional_utilization_goal == 0);
  CHECK(p.assist_work_per_byte == (double)(100 * MIB) / (double)(200 * MIB - trigger));

  /* The heap grew: 150 MiB scanned of an expected 100, 300 MiB could be
   * live. Goal stretched to trigger + 4 MiB / 100 MiB * 300 MiB = 208 MiB;
   * live beyond it: 10% more. */
  p.heap_scan_bytes = 300 * MIB;
  p.heap_scan_work_bytes = (int64_t)(150 * MIB);
  p.heap_live_bytes = 210 * MIB;
  hl_pacer_revise(&p);
  int64_t goal = (int64_t)((double)(trigger + 12 * MIB) * 1.1);
  CHECK(p.assist_work_per_byte == (double)(150 * MIB) / (double)(goal - (int64_t)(210 * MIB)));
  CHECK(p.assist_bytes_per_work == (double)(goal - (int64_t)(210 * MIB)) / (double)(150 * MIB));

  /* Far past every goal: one byte of heap left. */
  p.heap_live_bytes = 400 * MIB;
  hl_pacer_revise(&p);
  CHECK(p.assist_work_per_byte == (double)(150 * MIB));

  /* Worker sizing: fractional workers where rounding misses 25% by >30%. */
  hl_pacer_start_cycle(&p, 0, 6, false);
  CHECK_INT(p.dedicated_mark_workers, 1);
  CHECK_NEAR(p.fractional_utilization_goal, 0.5 / 6, 1e-15);
  hl_pacer_start_cycle(&p, 0, 1, true);
  CHECK_INT(p.dedicated_mark_workers, 0);
  CHECK_INT(p.max_idle_mark_workers, 1);
}

/* cons/mark: go122 keeps the largest of the last five measurements; go119
 * smooths with the PI controller (first output 0.9 x the measurement). */
static void end_one(hl_pacer_t *p, uint64_t allocated, int64_t scanned) {
  p->triggered_bytes = 100 * MIB;
  p->heap_live_bytes = 100 * MIB + allocated;
  p->heap_scan_work_bytes = scanned;
  p->stack_scan_work_bytes = p->globals_scan_work_bytes = 0;
  p->assist_ns = 0;
  p->mark_start_ns = 0;
  hl_pacer_end_cycle(p, MS, 8);
}

static void test_cons_mark(void) {
  hl_pacer_t p;
  hl_pacer_init(&p, HL_PACER_GO122, 100, HL_PACER_NO_LIMIT);
  double big = ((double)(10 * MIB) * 0.25) / ((double)(50 * MIB) * 0.75);
  double small = ((double)(5 * MIB) * 0.25) / ((double)(50 * MIB) * 0.75);
  end_one(&p, 10 * MIB, (int64_t)(50 * MIB));
  CHECK(p.cons_mark == big);
  for (int i = 0; i < 4; i++) {
    end_one(&p, 5 * MIB, (int64_t)(50 * MIB));
    CHECK(p.cons_mark == big);
  }
  end_one(&p, 5 * MIB, (int64_t)(50 * MIB));
  CHECK(p.cons_mark == small);
  /* A cycle too short to measure changes nothing. */
  end_one(&p, 0, (int64_t)(50 * MIB));
  CHECK(p.cons_mark == small);

  hl_pacer_init(&p, HL_PACER_GO119, 100, HL_PACER_NO_LIMIT);
  end_one(&p, 10 * MIB, (int64_t)(50 * MIB));
  CHECK(p.cons_mark == 0.9 * (big - 0));
  double integral = (0.9 * 1.0 / 4.0) * big;
  CHECK(p.pi_err_integral == integral);
  double in = p.cons_mark;
  end_one(&p, 5 * MIB, (int64_t)(50 * MIB));
  CHECK(p.cons_mark == 0.9 * (small - in) + integral);
}

/* Go's TestGCCPULimiter, with GOMAXPROCS 14, twice over. */
static int64_t ticks;
static int64_t advance(int64_t ns) {
  return ticks += ns;
}
static int64_t assist(int64_t ns, double frac) {
  return (int64_t)(frac * (double)ns * 14);
}

static void test_cpu_limiter(void) {
  const int64_t procs = 14, cap_ns = HL_GCLIMIT_CAPACITY_PER_PROC_NS;
  hl_gclimit_t l;
  ticks = 0;
  hl_gclimit_init(&l, ticks, (int32_t)procs);
  uint64_t base_overflow = 0;
  for (int round = 0; round < 2; round++) {
    CHECK_U64(l.capacity_ns, procs * cap_ns);
    CHECK_U64(l.fill_ns, 0);

    /* Mutator time alone never fills the bucket. */
    hl_gclimit_update(&l, advance(10 * MS));
    hl_gclimit_update(&l, advance(SEC));
    hl_gclimit_update(&l, advance(3600 * SEC));
    CHECK_U64(l.fill_ns, 0);

    CHECK(!hl_gclimit_need_update(&l, advance(HL_GCLIMIT_UPDATE_PERIOD_NS / 2)));
    CHECK(hl_gclimit_need_update(&l, advance(HL_GCLIMIT_UPDATE_PERIOD_NS)));
    hl_gclimit_update(&l, advance(0));
    CHECK(!hl_gclimit_need_update(&l, advance(0)));

    /* A stop-the-world transition counts on every P. */
    CHECK_INT(hl_gclimit_start_gc_transition(&l, true, advance(109 * MS)), 0);
    CHECK_INT(hl_gclimit_start_gc_transition(&l, true, advance(0)), -1);
    CHECK_INT(hl_gclimit_finish_gc_transition(&l, advance(2 * MS + US)), 0);
    CHECK_INT(hl_gclimit_finish_gc_transition(&l, advance(0)), -1);
    CHECK_U64(l.fill_ns, (2 * MS + US) * procs);

    /* Marking without assists drains at (1 - 2 x 25%) per CPU: exactly
     * down to procs ns. */
    int64_t fill = (2 * MS + US) * procs;
    hl_gclimit_update(&l, advance((int64_t)(2.0 * (double)(fill - procs) / (double)procs)));
    CHECK_U64(l.fill_ns, procs);
    hl_gclimit_update(&l, advance(2 * procs * cap_ns));
    CHECK_U64(l.fill_ns, 0);

    /* Exactly 50% GC: the bucket does not move. */
    hl_gclimit_add_assist_time(&l, assist(10 * MS, 0.5 - 0.25));
    hl_gclimit_update(&l, advance(10 * MS));
    CHECK_U64(l.fill_ns, 0);

    /* 100% GC for 1 ms: procs ms in, not limiting yet. */
    hl_gclimit_add_assist_time(&l, assist(MS, 1.0 - 0.25));
    hl_gclimit_update(&l, advance(MS));
    CHECK_U64(l.fill_ns, (uint64_t)(procs * MS));
    CHECK(!hl_gclimit_limiting(&l));

    /* Filled to exactly capacity: limiting, no overflow. */
    hl_gclimit_add_assist_time(&l, assist(cap_ns - MS, 1.0 - 0.25));
    hl_gclimit_update(&l, advance(cap_ns - MS));
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, base_overflow);

    /* 50% at full: still limiting, no overflow. */
    hl_gclimit_add_assist_time(&l, assist(SEC, 0.5 - 0.25));
    hl_gclimit_update(&l, advance(SEC));
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, base_overflow);

    /* 25% for a second: drains by half, limiting stops. */
    hl_gclimit_add_assist_time(&l, assist(cap_ns, 0));
    hl_gclimit_update(&l, advance(cap_ns));
    CHECK_U64(l.fill_ns, l.capacity_ns / 2);
    CHECK(!hl_gclimit_limiting(&l));

    /* 100% for a second: full again, half the capacity overflows. */
    hl_gclimit_add_assist_time(&l, assist(cap_ns, 1.0 - 0.25));
    hl_gclimit_update(&l, advance(cap_ns));
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, (uint64_t)(cap_ns * procs / 2) + base_overflow);

    /* Assists left over at the end of the cycle, then the STW pause. */
    hl_gclimit_add_assist_time(&l, assist(MS, 1.0 - 0.25));
    CHECK_INT(hl_gclimit_start_gc_transition(&l, false, advance(MS)), 0);
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, (uint64_t)((cap_ns / 2 + MS) * procs) + base_overflow);
    CHECK_INT(hl_gclimit_finish_gc_transition(&l, advance(5 * MS)), 0);
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    uint64_t overflow = (uint64_t)((cap_ns / 2 + 6 * MS) * procs) + base_overflow;
    CHECK_U64(l.overflow_ns, overflow);

    /* More procs: room again, limiting stops; fewer: clamped full. */
    uint64_t old_fill = l.capacity_ns;
    hl_gclimit_reset_capacity(&l, advance(0), (int32_t)procs + 10);
    CHECK_U64(l.fill_ns, old_fill);
    CHECK(!hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, overflow);
    hl_gclimit_reset_capacity(&l, advance(0), (int32_t)procs - 10);
    CHECK_U64(l.fill_ns, l.capacity_ns);
    CHECK(hl_gclimit_limiting(&l));
    CHECK_U64(l.overflow_ns, overflow);

    hl_gclimit_reset_capacity(&l, advance(cap_ns * procs), (int32_t)procs);
    base_overflow += (uint64_t)((cap_ns / 2 + 6 * MS) * procs);
  }
  CHECK_INT(l.last_enabled_cycle, 1);
}

static void test_model_names(void) {
  hl_pacer_model_t m;
  CHECK_INT(hl_pacer_model_parse("go119", &m), 0);
  CHECK_INT(m, HL_PACER_GO119);
  CHECK_INT(hl_pacer_model_parse("go122", &m), 0);
  CHECK_INT(m, HL_PACER_GO122);
  CHECK_INT(hl_pacer_model_parse("go1.22", &m), -1);
  CHECK_STR(hl_pacer_model_name(HL_PACER_GO119), "go119");
  CHECK_INT(hl_go_int64(-1.5), -1);
  CHECK_INT(hl_go_int64(1e300), INT64_MIN);
  CHECK_U64(hl_go_uint64(0x1p63 + 4096), ((uint64_t)1 << 63) + 4096);
  CHECK_U64(hl_go_uint64(-1.0), UINT64_MAX);
}

int main(void) {
  test_first_cycle();
  test_memory_limit_goal();
  test_gogc_off();
  test_heap_minimum();
  test_goal_with_roots();
  test_trigger_bounds();
  test_assist_ratio();
  test_cons_mark();
  test_cpu_limiter();
  test_model_names();
  return th_done("test_pacer");
}
