/* The gate's looks (gate_looks.h). */
#include "gate_looks.h"

#include "error.h"

#include <stdio.h>
#include <time.h>

static double now_s(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* Whether the rounds up to `target` would end within the budget, from the
 * time the rounds so far took. The minimum rounds always run. */
static int within_budget(const hl_gate_looks_t *l, double spent_s, unsigned done,
                         unsigned target) {
  if (l->budget_s <= 0 || done == 0) return 1;
  double per_round = spent_s / done;
  return spent_s + per_round * (target - done) <= l->budget_s;
}

int hl_gate_run_looks(const hl_gate_looks_t *l, const hl_gate_opts_t *o, hl_gate_set_t *set,
                      hl_gate_tally_t *tally, hl_seq_t *seq, unsigned *rounds, char *why,
                      size_t why_len) {
  hl_gate_opts_t at = *o;
  at.looks = l->plan.looks;
  double start = now_s();
  unsigned done = 0;
  int rc = 0;
  for (unsigned k = 0; k < l->plan.looks; k++) {
    unsigned target = hl_seq_look_rounds(&l->plan, k);
    if (k > 0 && !within_budget(l, now_s() - start, done, target)) break;
    if (l->run_rounds && target > done && (rc = l->run_rounds(l->ctx, done, target, seq)) != 0)
      return rc;
    done = target;
    const hl_results_t *a, *c;
    if (k > 0) hl_gate_set_free(set); /* its indexes point into the views */
    if (l->views(l->ctx, &a, &c) != 0 || hl_gate_set_load_keyed(a, c, l->key, set, why, why_len) != 0) {
      snprintf(why, why_len, "out of memory");
      return HL_ENOMEM;
    }
    size_t open = 0;
    at.look_share = hl_seq_look_share(&l->plan, k);
    if ((rc = hl_seq_look(seq, set->bench, set->n, &at, k, tally, &open)) != 0) {
      snprintf(why, why_len, "malformed timing values in the results");
      return rc;
    }
    if (open == 0) break;
  }
  *rounds = done;
  return 0;
}
