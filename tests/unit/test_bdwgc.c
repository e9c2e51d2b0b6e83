/* The bdwgc backend's collector interface, in process (allocators/bdwgc):
 * GOGC changed at run time through set_gc_percent (off really stops
 * collections, even an explicit one), and the per-cycle records it reports
 * (numbered from 1, forced when asked for, marked bytes within the heap at
 * the start). Registered in the conformance suite, not unit: libgc's
 * conservative scan does not belong under valgrind. Skips (77) without
 * libgc. */
#include "backend.h"
#include "th.h"

#define MAX_CYCLES 4096

static hl_gc_cycle_t cycles[MAX_CYCLES];
static unsigned ncycles;

static void on_cycle(void *ctx, const hl_gc_cycle_t *c) {
  (void)ctx;
  if (ncycles < MAX_CYCLES) cycles[ncycles] = *c;
  ncycles++;
}

/* Allocates `bytes` of 1 KiB garbage. */
static void churn(const hl_backend_t *b, size_t bytes) {
  for (size_t i = 0; i < bytes / 1024; i++) {
    void **p = b->alloc(1024, 1);
    if (!p) exit(99);
    p[0] = NULL;
  }
}

int main(void) {
  const hl_backend_t *b = hl_backend_find("bdwgc");
  if (!b || b->unbuilt) {
    printf("SKIP: bdwgc not built\n");
    return 77;
  }
  hl_backend_config_t cfg = {.gc_percent = HL_GC_OFF,
                             .threads = 1,
                             .memory_limit_bytes = 64 << 20,
                             .on_gc_cycle = on_cycle};
  hl_backend_info_t info = {0};
  char why[256] = "";
  if (b->init(&cfg, &info, why, sizeof why) != 0) {
    printf("SKIP: bdwgc: %s\n", why);
    return 77;
  }
  CHECK(strstr(info.settings, "GOGC=off") != NULL);
  CHECK(strstr(info.settings, "GOMEMLIMIT=67108864 ignored") != NULL);
  CHECK(b->set_gc_percent != NULL && (b->caps & HL_CAP_GC_PERCENT));
  CHECK(b->set_memory_limit == NULL && !(b->caps & HL_CAP_MEMORY_LIMIT));

  /* GOGC=off: neither the heap nor collect() starts a cycle. */
  churn(b, 32 << 20);
  b->collect();
  CHECK_INT(ncycles, 0);

  /* On again: the heap triggers cycles. */
  CHECK_INT(b->set_gc_percent(100), HL_GC_OFF);
  churn(b, 32 << 20);
  CHECK(ncycles > 0);
  unsigned automatic = ncycles;
  b->collect();
  CHECK_INT(ncycles, automatic + 1);
  CHECK_INT(cycles[automatic].forced, 1);
  CHECK_INT(b->set_gc_percent(50), 100);
  CHECK_INT(b->set_gc_percent(HL_GC_OFF), 50);
  unsigned before_off = ncycles;
  churn(b, 16 << 20);
  b->collect();
  CHECK_INT(ncycles, before_off);
  CHECK_INT(b->set_gc_percent(100), HL_GC_OFF);

  for (unsigned i = 0; i < ncycles && i < MAX_CYCLES; i++) {
    const hl_gc_cycle_t *c = &cycles[i];
    CHECK_U64(c->num, i + 1);
    CHECK(c->heap_marked_bytes <= c->heap_start_bytes);
    CHECK_U64(c->heap_end_bytes, c->heap_start_bytes);
    CHECK_U64(c->pause_ns, c->clock_ns[0] + c->clock_ns[1] + c->clock_ns[2]);
    CHECK(c->gc_cpu_fraction > 0 && c->gc_cpu_fraction <= 1);
    CHECK(c->procs >= 1);
    if (i) CHECK(c->start_ns > cycles[i - 1].start_ns);
    if (i != automatic) CHECK_INT(c->forced, 0);
  }
  hl_heap_stats_t st = {0};
  CHECK_INT(b->stats(&st), 0);
  CHECK_U64(st.value[HL_HS_num_gc], ncycles);
  if (b->fini) b->fini();
  return th_done("test_bdwgc");
}
