/* Go's GC CPU limiter (gclimit.h), from runtime/mgclimit.go. */
#include "gclimit.h"

#include <string.h>

#define BACKGROUND_UTILIZATION 0.25 /* gcBackgroundUtilization */

void hl_gclimit_init(hl_gclimit_t *l, int64_t now_ns, int32_t nprocs) {
  memset(l, 0, sizeof *l);
  hl_gclimit_reset_capacity(l, now_ns, nprocs);
}

bool hl_gclimit_limiting(const hl_gclimit_t *l) {
  return l->enabled;
}

bool hl_gclimit_need_update(const hl_gclimit_t *l, int64_t now_ns) {
  return now_ns - l->last_update_ns > HL_GCLIMIT_UPDATE_PERIOD_NS;
}

void hl_gclimit_add_assist_time(hl_gclimit_t *l, int64_t ns) {
  l->assist_pool_ns += ns;
}

void hl_gclimit_add_idle_time(hl_gclimit_t *l, int64_t ns) {
  l->idle_pool_ns += ns;
}

static void turn_on(hl_gclimit_t *l) {
  l->enabled = true;
  l->last_enabled_cycle = l->num_gc + 1;
}

/* accumulate. The bucket moves by gcTime - mutatorTime. Reaching capacity
 * turns limiting on and spills the excess into overflow. Any other nonzero
 * move out of a full bucket turns it off; the fill never goes below zero.
 * Go adds a positive change as "fill -= uint64(-change)", i.e. modulo 2^64;
 * so does this. */
static void accumulate(hl_gclimit_t *l, int64_t mutator_ns, int64_t gc_ns) {
  uint64_t headroom = l->capacity_ns - l->fill_ns;
  bool was_full = headroom == 0;
  int64_t change = gc_ns - mutator_ns;
  uint64_t minus_change = (uint64_t)0 - (uint64_t)change;

  if (change > 0 && headroom <= (uint64_t)change) {
    l->overflow_ns += (uint64_t)change - headroom;
    l->fill_ns = l->capacity_ns;
    if (!was_full) turn_on(l);
    return;
  }
  if (change < 0 && l->fill_ns <= minus_change)
    l->fill_ns = 0;
  else
    l->fill_ns -= minus_change;
  if (change != 0 && was_full) l->enabled = false;
}

/* updateLocked. 25% of the window is GC time while marking (dedicated and
 * fractional workers are assumed on target), computed from the whole window;
 * idle time is then taken out of the total, so an idle program does not
 * hide a GC that is thrashing the CPUs it does use. */
static void update_locked(hl_gclimit_t *l, int64_t now_ns) {
  if (now_ns < l->last_update_ns) return;
  int64_t window_ns = (now_ns - l->last_update_ns) * (int64_t)l->nprocs;
  l->last_update_ns = now_ns;
  int64_t assist_ns = l->assist_pool_ns, idle_ns = l->idle_pool_ns;
  l->assist_pool_ns = 0;
  l->idle_pool_ns = 0;

  int64_t gc_ns = assist_ns;
  if (l->gc_enabled) gc_ns += (int64_t)((double)window_ns * BACKGROUND_UTILIZATION);
  window_ns -= idle_ns;
  accumulate(l, window_ns - gc_ns, gc_ns);
}

void hl_gclimit_update(hl_gclimit_t *l, int64_t now_ns) {
  if (l->transitioning) return; /* Go: the transition holds the lock */
  update_locked(l, now_ns);
}

int hl_gclimit_start_gc_transition(hl_gclimit_t *l, bool enable_gc, int64_t now_ns) {
  if (l->transitioning || l->gc_enabled == enable_gc) return -1;
  update_locked(l, now_ns);
  l->gc_enabled = enable_gc;
  l->transitioning = true;
  return 0;
}

/* The world was stopped: the GC kept every P from the mutator. */
int hl_gclimit_finish_gc_transition(hl_gclimit_t *l, int64_t now_ns) {
  if (!l->transitioning) return -1;
  if (now_ns >= l->last_update_ns)
    accumulate(l, 0, (now_ns - l->last_update_ns) * (int64_t)l->nprocs);
  l->last_update_ns = now_ns;
  l->transitioning = false;
  return 0;
}

void hl_gclimit_reset_capacity(hl_gclimit_t *l, int64_t now_ns, int32_t nprocs) {
  if (l->transitioning) return;
  update_locked(l, now_ns);
  l->nprocs = nprocs;
  l->capacity_ns = (uint64_t)nprocs * (uint64_t)HL_GCLIMIT_CAPACITY_PER_PROC_NS;
  if (l->fill_ns > l->capacity_ns) {
    l->fill_ns = l->capacity_ns;
    turn_on(l);
  } else if (l->fill_ns < l->capacity_ns) {
    l->enabled = false;
  }
}
