/* Adaptive rounds (sequential.h): the look schedule and what each look
 * keeps. */
#include "sequential.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define DEFAULT_LOOKS 3

int hl_seq_plan_check(hl_seq_plan_t *p, char *why, size_t why_len) {
  if (p->max_rounds < p->min_rounds) {
    snprintf(why, why_len, "--max-rounds %u is below --rounds %u", p->max_rounds, p->min_rounds);
    return HL_EINVAL;
  }
  unsigned counts = p->max_rounds - p->min_rounds + 1;
  if (p->looks == 0) p->looks = counts < DEFAULT_LOOKS ? counts : DEFAULT_LOOKS;
  if (p->looks > counts) {
    snprintf(why, why_len, "--looks %u: only %u round counts from %u to %u", p->looks, counts,
             p->min_rounds, p->max_rounds);
    return HL_EINVAL;
  }
  return 0;
}

unsigned hl_seq_look_rounds(const hl_seq_plan_t *p, unsigned k) {
  if (p->looks <= 1 || k + 1 >= p->looks) return p->max_rounds;
  unsigned span = p->max_rounds - p->min_rounds, steps = p->looks - 1;
  return p->min_rounds + (k * span + steps - 1) / steps;
}

double hl_seq_look_share(const hl_seq_plan_t *p, unsigned k) {
  double sum = 0;
  for (unsigned j = 0; j < p->looks; j++)
    sum += hl_seq_look_rounds(p, j);
  return sum > 0 ? hl_seq_look_rounds(p, k) / sum : 1;
}

const hl_seq_entry_t *hl_seq_find(const hl_seq_t *s, const char *name) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->e[i].name, name)) return &s->e[i];
  return NULL;
}

static hl_seq_entry_t *entry(hl_seq_t *s, const char *name) {
  hl_seq_entry_t *e = (hl_seq_entry_t *)hl_seq_find(s, name);
  if (e) return e;
  hl_seq_entry_t *grown = realloc(s->e, (s->n + 1) * sizeof *grown);
  if (!grown) return NULL;
  s->e = grown;
  e = &s->e[s->n];
  memset(e, 0, sizeof *e);
  if (!(e->name = strdup(name))) return NULL;
  s->n++;
  return e;
}

/* Appends this look's figures and closes the benchmark when it is decided. */
static int record(hl_seq_entry_t *e, const hl_gate_bench_t *b, unsigned look, double alpha) {
  hl_seq_look_rec_t *grown = realloc(e->looks, (e->nlooks + 1) * sizeof *grown);
  if (!grown) return HL_ENOMEM;
  e->looks = grown;
  hl_seq_look_rec_t *r = &e->looks[e->nlooks++];
  r->rounds = b->rounds;
  r->alpha = alpha;
  memcpy(r->test, b->test, sizeof r->test);
  if (b->undecided) return 0;
  e->closed = 1;
  e->closed_at = look;
  memcpy(e->frozen.test, b->test, sizeof e->frozen.test);
  e->frozen.used = b->used;
  e->frozen.base_median_ns = b->base_median_ns;
  e->frozen.new_median_ns = b->new_median_ns;
  e->frozen.rounds = b->rounds;
  return 0;
}

int hl_seq_look(hl_seq_t *s, hl_gate_bench_t *b, size_t n, const hl_gate_opts_t *o,
                unsigned look, hl_gate_tally_t *t, size_t *open) {
  for (size_t i = 0; i < n; i++) {
    const hl_seq_entry_t *e = hl_seq_find(s, b[i].name);
    b[i].frozen = e && e->closed ? &e->frozen : NULL;
  }
  int rc = hl_gate_decide(b, n, o, t);
  *open = 0;
  for (size_t i = 0; rc == 0 && i < n; i++) {
    int was_closed = b[i].frozen != NULL;
    b[i].frozen = NULL; /* entries may move below */
    if (was_closed || b[i].timing == HL_GT_UNTESTED) continue;
    hl_seq_entry_t *e = entry(s, b[i].name);
    rc = e ? record(e, &b[i], look, hl_gate_look_alpha(o)) : HL_ENOMEM;
    *open += b[i].undecided;
  }
  s->looks_taken = look + 1;
  return rc;
}

void hl_seq_rounds_text(const hl_gate_bench_t *b, size_t n, char *buf, size_t len) {
  size_t used = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < n; i++) {
    if (b[i].timing == HL_GT_UNTESTED) continue;
    char one[320];
    int k = snprintf(one, sizeof one, "%s%s %u%s", used ? ", " : "", b[i].name, b[i].rounds,
                     b[i].undecided ? " (undecided)" : "");
    if (k < 0 || used + (size_t)k + 6 >= len) {
      snprintf(buf + used, len - used, ", ...");
      return;
    }
    memcpy(buf + used, one, (size_t)k + 1);
    used += (size_t)k;
  }
}

void hl_seq_free(hl_seq_t *s) {
  for (size_t i = 0; i < s->n; i++) {
    free(s->e[i].name);
    free(s->e[i].looks);
  }
  free(s->e);
  memset(s, 0, sizeof *s);
}
