/* Input streams of `heaplab pacer-sim` (sim_stream.h).
 *
 * Each value is computed with the operations, in the order, of Go's test
 * helpers, so the simulation sees the same float64 bits. One known
 * difference: oscillate uses the C library's sin(), which may differ from
 * Go's math.Sin in the last bits; at the only phase where they were seen to
 * differ (sin(pi), about 1e-16 times the amplitude) the offset added
 * afterwards absorbs it, and pacer-sim's results match Go's. */
#include "sim_stream.h"

#include "rand_streams.h"

#include <math.h>
#include <string.h>

enum { K_CONSTANT, K_UNIT, K_RAMP, K_OSCILLATE, K_RANDOM, K_DELAY, K_OFFSET, K_SUM };

void sim_pool_init(sim_pool_t *pool) {
  memset(pool, 0, sizeof *pool);
}

static sim_stream_t *take(sim_pool_t *pool, int kind) {
  if (pool->used == SIM_POOL_STREAMS) {
    pool->error = 1;
    pool->used = 0; /* reuse: the run is invalid anyway, but stays in bounds */
  }
  sim_stream_t *s = &pool->stream[pool->used++];
  memset(s, 0, sizeof *s);
  s->kind = kind;
  return s;
}

sim_stream_t *sim_constant(sim_pool_t *pool, double c) {
  sim_stream_t *s = take(pool, K_CONSTANT);
  s->a = c;
  return s;
}

sim_stream_t *sim_unit(sim_pool_t *pool, double amp) {
  sim_stream_t *s = take(pool, K_UNIT);
  s->a = amp;
  return s;
}

sim_stream_t *sim_ramp(sim_pool_t *pool, double height, int length) {
  sim_stream_t *s = take(pool, K_RAMP);
  s->a = height;
  s->n = length;
  return s;
}

sim_stream_t *sim_oscillate(sim_pool_t *pool, double amp, double phase, int period) {
  sim_stream_t *s = take(pool, K_OSCILLATE);
  s->a = amp;
  s->b = phase;
  s->n = period;
  return s;
}

sim_stream_t *sim_random(sim_pool_t *pool, double amp, long seed) {
  sim_stream_t *s = take(pool, K_RANDOM);
  s->a = amp;
  for (size_t i = 0; i < hl_go_rand_nstreams; i++)
    if (hl_go_rand_streams[i].seed == seed) {
      s->rand_values = hl_go_rand_streams[i].values;
      s->rand_count = hl_go_rand_streams[i].count;
    }
  if (!s->rand_values) pool->error = 1;
  return s;
}

static sim_stream_t *wrap(sim_pool_t *pool, int kind, sim_stream_t *f) {
  sim_stream_t *s = take(pool, kind);
  s->term[0] = f;
  s->nterms = 1;
  return s;
}

sim_stream_t *sim_delay(sim_pool_t *pool, sim_stream_t *f, int cycles) {
  sim_stream_t *s = wrap(pool, K_DELAY, f);
  s->n = cycles;
  return s;
}

sim_stream_t *sim_offset(sim_pool_t *pool, sim_stream_t *f, double amt) {
  sim_stream_t *s = wrap(pool, K_OFFSET, f);
  s->a = amt;
  return s;
}

sim_stream_t *sim_sum(sim_pool_t *pool, sim_stream_t *f, sim_stream_t *t1, sim_stream_t *t2,
                      sim_stream_t *t3) {
  sim_stream_t *s = wrap(pool, K_SUM, f);
  sim_stream_t *terms[] = {t1, t2, t3};
  for (int i = 0; i < 3; i++)
    if (terms[i]) s->term[s->nterms++] = terms[i];
  return s;
}

static double next_random(sim_pool_t *pool, sim_stream_t *s) {
  if (!s->rand_values || s->rand_pos == s->rand_count) {
    pool->error = 1;
    return 0;
  }
  return ((s->rand_values[s->rand_pos++] - 0.5) * 2) * s->a;
}

double sim_next(sim_pool_t *pool, sim_stream_t *s) {
  double v;
  switch (s->kind) {
  case K_CONSTANT: return s->a;
  case K_UNIT:
    v = s->step ? 0 : s->a;
    s->step = 1;
    return v;
  case K_RAMP:
    v = s->a * (double)s->step / (double)s->n;
    if (s->step < s->n) s->step++;
    return v;
  case K_OSCILLATE:
    v = (double)s->step / (double)s->n * 2 * M_PI + s->b;
    if (++s->step == s->n) s->step = 0;
    return sin(v) * s->a;
  case K_RANDOM: return next_random(pool, s);
  case K_DELAY:
    if (s->step < s->n) {
      s->step++;
      return 0;
    }
    return sim_next(pool, s->term[0]);
  case K_OFFSET: return sim_next(pool, s->term[0]) + s->a;
  case K_SUM:
    v = sim_next(pool, s->term[0]);
    for (int i = 1; i < s->nterms; i++)
      v += sim_next(pool, s->term[i]);
    return v;
  default: pool->error = 1; return 0;
  }
}

double sim_quantize(double v, double mult) {
  double r = v / mult;
  return r < 0 ? ceil(r) * mult : floor(r) * mult;
}

double sim_at_least(double v, double min) {
  return v > min ? v : min;
}

double sim_limit(double v, double lo, double hi) {
  if (v < lo) return lo;
  if (v > hi) return hi;
  return v;
}
