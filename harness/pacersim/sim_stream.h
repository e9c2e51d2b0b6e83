/* Input streams of `heaplab pacer-sim`: the float64Stream combinators of
 * Go's TestGcPacer (runtime/mgcpacer_test.go), which feed each simulated GC
 * cycle its allocation rate, scan rate, heap growth, scannable fraction and
 * stack size.
 *
 * A stream yields one value per call and may keep state (a ramp's step, a
 * delay's count, a random stream's position), so a scenario builds fresh
 * streams for every run. Streams live in a small pool owned by the caller;
 * nothing is allocated. The random streams replay Go's math/rand values
 * compiled in from harness/pacersim/data/go_rand_streams.json. */
#ifndef HL_SIM_STREAM_H
#define HL_SIM_STREAM_H

#include <stddef.h>

#define SIM_POOL_STREAMS 40
#define SIM_MAX_TERMS 4

typedef struct sim_stream sim_stream_t;

struct sim_stream {
  int kind;
  double a, b;               /* value, amplitude, height, offset, multiple or bounds */
  int n;                     /* ramp length, period or delay in calls */
  int step;                  /* calls so far, where the kind keeps count */
  const double *rand_values; /* random: Go's Float64() values */
  size_t rand_count, rand_pos;
  sim_stream_t *term[SIM_MAX_TERMS]; /* inputs of combinators (term[0] first) */
  int nterms;
};

typedef struct sim_pool {
  sim_stream_t stream[SIM_POOL_STREAMS];
  int used;
  int error; /* set when the pool ran out, a seed is unknown, or a random
                stream ran past its stored values */
} sim_pool_t;

void sim_pool_init(sim_pool_t *pool);

/* Sources. */
sim_stream_t *sim_constant(sim_pool_t *pool, double c);
sim_stream_t *sim_unit(sim_pool_t *pool, double amp); /* amp once, then 0 */
/* height * k / length for call k, holding height from call length on. */
sim_stream_t *sim_ramp(sim_pool_t *pool, double height, int length);
/* amp * sin(k / period * 2 pi + phase), k cycling through 0..period-1. */
sim_stream_t *sim_oscillate(sim_pool_t *pool, double amp, double phase, int period);
/* (Float64() - 0.5) * 2 * amp of rand.New(rand.NewSource(seed)). */
sim_stream_t *sim_random(sim_pool_t *pool, double amp, long seed);

/* Combinators. */
sim_stream_t *sim_delay(sim_pool_t *pool, sim_stream_t *f, int cycles); /* zeros first */
sim_stream_t *sim_offset(sim_pool_t *pool, sim_stream_t *f, double amt);
/* f + terms, each called once per value, left to right. */
sim_stream_t *sim_sum(sim_pool_t *pool, sim_stream_t *f, sim_stream_t *t1, sim_stream_t *t2,
                      sim_stream_t *t3);

double sim_next(sim_pool_t *pool, sim_stream_t *s);

/* The stateless wrappers Go's harness applies on every read. */
double sim_quantize(double v, double mult); /* toward zero, to a multiple */
double sim_at_least(double v, double min);  /* math.Max(min, v) */
double sim_limit(double v, double lo, double hi);

#endif
