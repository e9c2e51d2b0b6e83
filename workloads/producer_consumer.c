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
 * briefly, then sleeps on a futex until the other side moves, as a
 * goroutine parks on a channel; it waits blocked (hl_mutator_block) and
 * holding no object, so a stop-the-world collector does not wait for it (a
 * producer allocates only once it has a free slot). Sleeping, not yielding:
 * on a machine with fewer free CPUs than threads a yielding waiter burns
 * the CPU time its partner needs, and the time per object swings by 10x
 * with the machine's load (measured here). The rings are
 * process-wide state, like the phase barrier (workload.c), made by the
 * producers during setup. Items escape (sent on a channel); --escape makes
 * no difference. The Go twin is workloads/go/producer_consumer.go.
 *
 * remote-free is the same pairs passing batches instead of single objects:
 * a producer allocates `batch` objects into one ring slot and hands over
 * the slot, the consumer frees the whole batch (xmalloc-test's shape, a
 * Go channel of []*T). Handing over a batch costs one synchronisation per
 * `batch` objects, so the time per object is the allocator's: what a
 * cross-thread free costs (remote free lists, the freeing thread's cache,
 * flushes into another thread's spans). One iteration is one object put or
 * taken; with --threads 1 the one thread fills every slot and frees them
 * in order, all frees local. */
#include "workload.h"

#include "error.h"

#include <linux/futex.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <unistd.h>

enum { P_OBJECTS, P_OBJ, P_DEPTH, P_COUNT, P_BATCH = P_COUNT, P_RF_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_OBJECTS] = {"objects", HL_PARAM_COUNT, 1000000, 100000, 1, UINT64_C(1) << 40,
                   "objects passed from producers to consumers in total", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 64, 64, 1, 1 << 20, "bytes per object", NULL},
    [P_DEPTH] = {"depth", HL_PARAM_COUNT, 256, 256, 1, 1 << 20, "slots per ring (channel buffer)",
                 NULL},
};

/* remote-free: the same first three, then the batch size. */
static const hl_param_spec_t rf_params[P_RF_COUNT] = {
    [P_OBJECTS] = {"objects", HL_PARAM_COUNT, 4000000, 400000, 1, UINT64_C(1) << 40,
                   "objects passed from producers to consumers in total", NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 64, 64, 1, 1 << 20, "bytes per object", NULL},
    [P_DEPTH] = {"depth", HL_PARAM_COUNT, 16, 16, 1, 1 << 16, "batches in flight per pair", NULL},
    [P_BATCH] = {"batch", HL_PARAM_COUNT, 256, 256, 1, 1 << 16, "objects per handed-over batch",
                 NULL},
};

enum { SITE_ITEM, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_ITEM] = {"newItem", SITE_ITEM, 1, "sent on a channel to another goroutine"},
};

#define MAX_PAIRS 512
#define SPINS 64

/* head and tail only grow. A side that must wait raises its flag
 * (waiting[side]), looks at the ring once more and sleeps on its seq; the
 * other side, after each move, takes that flag down if it is up and then
 * bumps the seq and wakes the sleeper: one wake-up per wait. Every access
 * to head, tail and the flags is sequentially consistent, so a waiter that
 * raised its flag before its last look is seen by a mover that published
 * after that look (no lost wake-up); a bump between the waiter's read of
 * seq and its sleep makes the sleep return at once. Each side has its own
 * flag: one side's "done waiting" must never lower the other's. */
typedef struct ring {
  hl_roots_t *slots; /* depth slots of `width` objects each */
  size_t depth, width;
  _Atomic uint64_t head; /* next to take (the consumer's) */
  _Atomic uint64_t tail; /* next to put (the producer's) */
  _Atomic uint32_t seq[2];
  _Atomic int waiting[2]; /* [SIDE_PRODUCER]: for space; [SIDE_CONSUMER]: for an item */
} ring_t;

/* Producer p's ring, for consumer p to find after the setup barrier. */
static ring_t *rings[MAX_PAIRS];

enum { ROLE_BOTH, ROLE_PRODUCER, ROLE_CONSUMER };
enum { SIDE_PRODUCER, SIDE_CONSUMER };

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

/* width: objects per ring slot (1 for producer-consumer). */
static int setup_pairs(hl_wl_thread_t *t, size_t width) {
  pc_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  unsigned pairs = t->threads / 2;
  s->role = t->threads == 1 ? ROLE_BOTH : t->thread_index < pairs ? ROLE_PRODUCER : ROLE_CONSUMER;
  int rc = 0;
  if (s->role != ROLE_CONSUMER) {
    s->ring = calloc(1, sizeof *s->ring);
    if (s->ring) {
      s->ring->depth = t->param[P_DEPTH];
      s->ring->width = width;
    }
    rc = s->ring ? hl_roots_new(t->m, s->ring->depth * s->ring->width, &s->ring->slots)
                 : HL_ENOMEM;
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

static int pc_setup(hl_wl_thread_t *t) {
  return setup_pairs(t, 1);
}

static int rf_setup(hl_wl_thread_t *t) {
  return setup_pairs(t, t->param[P_BATCH]);
}

static int has_space(ring_t *r) {
  return atomic_load(&r->tail) - atomic_load(&r->head) < r->depth;
}

static int has_item(ring_t *r) {
  return atomic_load(&r->head) != atomic_load(&r->tail);
}

static void futex_wait(_Atomic uint32_t *word, uint32_t seen) {
  syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, seen, NULL, NULL, 0);
}

/* Until ready(ring) holds: a few spins, then asleep and blocked (a parked
 * goroutine). */
static void wait_for(hl_mutator_t *m, ring_t *r, int side, int (*ready)(ring_t *r)) {
  for (int i = 0; i < SPINS; i++) {
    if (ready(r)) return;
    __builtin_ia32_pause();
  }
  hl_mutator_block(m);
  for (;;) {
    uint32_t seen = atomic_load(&r->seq[side]);
    atomic_store(&r->waiting[side], 1);
    if (ready(r)) break;
    futex_wait(&r->seq[side], seen);
  }
  atomic_store(&r->waiting[side], 0);
  hl_mutator_unblock(m);
}

/* After a move: wake `side` if it waits. */
static void notify(ring_t *r, int side) {
  if (!atomic_load(&r->waiting[side]) || !atomic_exchange(&r->waiting[side], 0)) return;
  atomic_fetch_add(&r->seq[side], 1);
  syscall(SYS_futex, (uint32_t *)&r->seq[side], FUTEX_WAKE_PRIVATE, 1, NULL, NULL, 0);
}

/* Puts up to r->width new objects (at most `left`) into the next slot;
 * returns how many. */
static uint64_t put(hl_wl_thread_t *t, ring_t *r, uint64_t i, uint64_t left) {
  const size_t bytes = t->param[P_OBJ];
  uint64_t tail = atomic_load_explicit(&r->tail, memory_order_relaxed);
  size_t base = (tail % r->depth) * r->width;
  uint64_t k = left < r->width ? left : r->width;
  for (size_t j = 0; j < r->width; j++) {
    unsigned char *o = NULL;
    if (j < k) {
      o = hl_new(t->m, &sites[SITE_ITEM], bytes, 0);
      o[0] = (unsigned char)(i + j);
      o[bytes - 1] = (unsigned char)((i + j) >> 8);
    }
    hl_root_set(t->m, r->slots, base + j, o);
  }
  atomic_store(&r->tail, tail + 1);
  return k;
}

/* Takes the next slot and drops its objects; adds them to *taken. */
static uint64_t take(hl_wl_thread_t *t, ring_t *r, uint64_t *taken) {
  const size_t bytes = t->param[P_OBJ];
  uint64_t head = atomic_load_explicit(&r->head, memory_order_relaxed);
  size_t base = (head % r->depth) * r->width;
  uint64_t v = 0;
  for (size_t j = 0; j < r->width; j++) {
    unsigned char *o = hl_root_get(r->slots, base + j);
    if (!o) break; /* a short last batch */
    hl_root_set(t->m, r->slots, base + j, NULL);
    hl_escape_to_compiler(o);
    v += o[0] + o[bytes - 1];
    hl_drop(t->m, o, bytes);
    ++*taken;
  }
  atomic_store(&r->head, head + 1);
  return v;
}

/* `iterations` objects put (producer), taken (consumer), or both. */
static void pc_run(hl_wl_thread_t *t, uint64_t iterations) {
  pc_state_t *s = t->state;
  ring_t *r = s->ring;
  uint64_t sink = 0, put_n = 0, taken = 0;
  if (s->role == ROLE_BOTH) {
    while (taken < iterations) {
      put_n += put(t, r, put_n, iterations - put_n);
      if (!has_space(r) || put_n == iterations)
        while (has_item(r))
          sink += take(t, r, &taken);
    }
  } else if (s->role == ROLE_PRODUCER) {
    while (put_n < iterations) {
      if (!has_space(r)) wait_for(t->m, r, SIDE_PRODUCER, has_space);
      put_n += put(t, r, put_n, iterations - put_n);
      notify(r, SIDE_CONSUMER);
    }
  } else {
    while (taken < iterations) {
      if (!has_item(r)) wait_for(t->m, r, SIDE_CONSUMER, has_item);
      sink += take(t, r, &taken);
      notify(r, SIDE_PRODUCER);
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

const hl_workload_t hl_workload_remote_free = {
    .name = "remote-free",
    .claim = "C10",
    .summary = "batches allocated on one thread, handed over whole and freed on another",
    .kind = "bench",
    .params = rf_params,
    .nparams = P_RF_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = pc_check,
    .iterations = pc_iterations,
    .setup = rf_setup,
    .run = pc_run,
    .teardown = pc_teardown,
};

