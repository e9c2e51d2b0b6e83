/* producer-consumer: objects allocated on one thread and dropped on
 * another, through a bounded channel (a ring of `depth` slots): the
 * cross-thread free pattern of xmalloc-test and larson, which every
 * allocator handles differently (remote free lists, per-thread caches that
 * fill on one side and drain on the other): where claim C10's per-P caches
 * stop being enough.
 *
 * With --threads N (N even) half the threads produce and half consume:
 * producer p hands its objects to consumer p through its own ring, as a Go
 * goroutine pair sharing `make(chan []byte, depth)`. A producer allocates
 * an `obj`-byte object, writes its first and last byte and puts it in the
 * ring; the consumer takes it out, reads it and drops it (free() on the
 * other thread). With --threads 1 one thread fills the ring and then
 * drains it, so every free is local: the baseline. `objects` is the total:
 * with N threads each pair passes objects / (N/2), and each thread runs
 * that many iterations (one put or one take), so a run of N threads
 * counts 2 x objects iterations in all.
 *
 * A thread that finds its ring full (producer) or empty (consumer) spins
 * briefly, then waits blocked (hl_mutator_block, as a goroutine parks on a
 * channel) holding no object, so a stop-the-world collector does not wait
 * for it; a producer allocates only once it has a free slot. The rings are
 * process-wide state, like the phase barrier (workload.c), made by the
 * producers during setup. Items escape (sent on a channel); --escape makes
 * no difference. The Go twin is workloads/go/producer_consumer.go. */
#include "workload.h"

#include "error.h"

#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>

enum { P_OBJECTS, P_OBJ, P_DEPTH, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OBJECTS] = {"objects", HL_PARAM_COUNT, 1000000, 100000, 1, UINT64_C(1) << 40,
                   "objects passed from producers to consumers in total", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 64, 64, 1, 1 << 20, "bytes per object", NULL},
    [P_DEPTH] = {"depth", HL_PARAM_COUNT, 64, 64, 1, 1 << 20, "slots per ring (channel buffer)",
                 NULL},
};

enum { SITE_ITEM, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_ITEM] = {"newItem", SITE_ITEM, 1, "sent on a channel to another goroutine"},
};

#define MAX_PAIRS 512
#define SPINS 64

typedef struct ring {
  hl_roots_t *slots;
  _Atomic uint64_t head; /* next to take (the consumer's) */
  _Atomic uint64_t tail; /* next to put (the producer's) */
} ring_t;

/* Producer p's ring, for consumer p to find after the setup barrier. */
static ring_t *rings[MAX_PAIRS];

enum { ROLE_BOTH, ROLE_PRODUCER, ROLE_CONSUMER };

typedef struct pc_state {
  ring_t *ring;
  int role;
} pc_state_t;

static int pc_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  (void)p;
  if (threads != 1 && (threads % 2 || threads / 2 > MAX_PAIRS)) {
    snprintf(why, len, "--threads %u: want 1 or an even number up to %u", threads, 2 * MAX_PAIRS);
    return HL_EINVAL;
  }
  return 0;
}

static uint64_t pc_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OBJECTS] / (threads > 1 ? threads / 2 : 1);
}

static int pc_setup(hl_wl_thread_t *t) {
  pc_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  unsigned pairs = t->threads / 2;
  s->role = t->threads == 1 ? ROLE_BOTH : t->thread_index < pairs ? ROLE_PRODUCER : ROLE_CONSUMER;
  int rc = 0;
  if (s->role != ROLE_CONSUMER) {
    s->ring = calloc(1, sizeof *s->ring);
    rc = s->ring ? hl_roots_new(t->m, t->param[P_DEPTH], &s->ring->slots) : HL_ENOMEM;
    if (rc == 0 && s->role == ROLE_PRODUCER) rings[t->thread_index] = s->ring;
  }
  hl_wl_barrier(t); /* every consumer's ring exists */
  if (s->role == ROLE_CONSUMER) s->ring = rings[t->thread_index - pairs];
  if (rc || !s->ring) {
    if (s->role != ROLE_CONSUMER) free(s->ring);
    free(s);
    return rc ? rc : hl_wl_fail(t, "producer %u made no ring", t->thread_index - pairs);
  }
  t->state = s;
  return 0;
}

/* Until ready(ring) holds: a few spins, then blocked (a parked goroutine). */
static void wait_for(hl_mutator_t *m, ring_t *r, int (*ready)(ring_t *r)) {
  for (int i = 0; i < SPINS; i++)
    if (ready(r)) return;
  hl_mutator_block(m);
  while (!ready(r))
    sched_yield();
  hl_mutator_unblock(m);
}

static int has_space(ring_t *r) {
  return atomic_load_explicit(&r->tail, memory_order_relaxed) -
             atomic_load_explicit(&r->head, memory_order_acquire) <
         r->slots->n;
}

static int has_item(ring_t *r) {
  return atomic_load_explicit(&r->head, memory_order_relaxed) !=
         atomic_load_explicit(&r->tail, memory_order_acquire);
}

static void put(hl_wl_thread_t *t, ring_t *r, uint64_t i) {
  const size_t bytes = t->param[P_OBJ];
  unsigned char *o = hl_new(t->m, &sites[SITE_ITEM], bytes, 0);
  o[0] = (unsigned char)i;
  o[bytes - 1] = (unsigned char)(i >> 8);
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  hl_root_set(t->m, r->slots, tail % r->slots->n, o);
  atomic_store_explicit(&r->tail, tail + 1, memory_order_release);
}

static uint64_t take(hl_wl_thread_t *t, ring_t *r) {
  const size_t bytes = t->param[P_OBJ];
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  size_t slot = head % r->slots->n;
  unsigned char *o = hl_root_get(r->slots, slot);
  hl_root_set(t->m, r->slots, slot, NULL);
  hl_escape_to_compiler(o);
  uint64_t v = o[0] + o[bytes - 1];
  hl_drop(t->m, o, bytes);
  atomic_store_explicit(&r->head, head + 1, memory_order_release);
  return v;
}

static void pc_run(hl_wl_thread_t *t, uint64_t iterations) {
  pc_state_t *s = t->state;
  ring_t *r = s->ring;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    if (s->role == ROLE_BOTH) {
      put(t, r, i);
      if (!has_space(r) || i + 1 == iterations)
        while (has_item(r))
          sink += take(t, r);
    } else if (s->role == ROLE_PRODUCER) {
      if (!has_space(r)) wait_for(t->m, r, has_space);
      put(t, r, i);
    } else {
      if (!has_item(r)) wait_for(t->m, r, has_item);
      sink += take(t, r);
    }
  }
  t->sink += sink;
}

static void pc_teardown(hl_wl_thread_t *t) {
  pc_state_t *s = t->state;
  if (s->role != ROLE_CONSUMER) {
    if (s->role == ROLE_PRODUCER) rings[t->thread_index] = NULL;
    hl_roots_free(t->m, s->ring->slots); /* empty: the consumer took everything */
    free(s->ring);
  }
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_producer_consumer = {
    .name = "producer-consumer",
    .claim = "C10",
    .summary = "objects allocated on one thread, dropped on another through a bounded ring",
    .kind = "bench",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = pc_check,
    .iterations = pc_iterations,
    .setup = pc_setup,
    .run = pc_run,
    .teardown = pc_teardown,
};
