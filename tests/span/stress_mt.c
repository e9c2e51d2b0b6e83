/* stress_mt: many threads allocating, verifying and freeing each other's
 * blocks, with threads coming and going.
 *
 * Usage: stress_mt THREADS OPS_PER_THREAD SEED. THREADS worker slots each
 * run OPS_PER_THREAD ops, but in generations: a thread runs a random share
 * of its slot's ops and exits, and the main thread starts a new one in the
 * slot, so threads exit while others still hold blocks they allocated (the
 * allocator's per-thread caches must be handed back or kept safe). A thread
 * allocates blocks (sizes as in common.h, fewer large), writes each with a
 * pattern of its seed and, from 24 bytes up, a header (size, seed) and a
 * trailing checksum, so a block describes itself; it frees or reallocs some
 * of its own and posts others to another slot's mailbox (a mutex-protected
 * ring). The receiver verifies a posted block and frees it there or reallocs
 * it and keeps it: frees and reallocs on a thread other than the allocating
 * one. A thread that exits posts everything it still holds. At the end the
 * main thread drains the mailboxes, and the counts must balance: blocks
 * made = blocks freed, bytes in = bytes out, posted = received.
 *
 * It does not check speed, fairness or memory returned to the OS, and it
 * cannot tell the allocator leaked (only that this program freed all it
 * made). Exit: 0 ok, 1 a check failed, 2 usage, 99 could not start threads.
 */
#include "api.h"
#include "common.h"

#include <pthread.h>
#include <stdarg.h>
#include <stdbool.h>
#include <unistd.h>

#define LARGE_PPM 300   /* large blocks per million requests */
#define LOCAL_CAP 512   /* blocks one thread holds at most */
#define MAILBOX_CAP 512 /* posted blocks waiting in one slot's mailbox */
#define HEADER_MIN 24   /* from this size up, a block has a header and a checksum */

typedef struct blk {
  unsigned char *p;
  size_t n;
  uint64_t seed;
} blk_t;

typedef struct mailbox {
  pthread_mutex_t lock;
  blk_t ring[MAILBOX_CAP];
  uint32_t head, count;
} mailbox_t;

/* What one thread did; folded into its slot's totals when it is joined. */
typedef struct counts {
  uint64_t made, freed, bytes_in, bytes_out, reallocs, posted, received, remote_frees,
      remote_reallocs;
} counts_t;

struct run;

/* A worker slot: one thread at a time, generation after generation. */
typedef struct worker {
  struct run *run;
  uint32_t index;
  pthread_t thread;
  uint64_t ops_left;   /* for the generations still to come */
  uint64_t chunk;      /* ops of the running generation */
  uint64_t generation; /* of the running thread, from 0 */
  bool running, done;  /* done: exited, not joined yet */
  counts_t now;        /* the running generation's (written by it alone) */
  mailbox_t box;
} worker_t;

typedef struct run {
  worker_t *workers;
  uint32_t threads;
  uint64_t ops_per_thread, seed;
  pthread_mutex_t lock; /* guards running/done of every worker */
  pthread_cond_t cond;  /* a worker is done */
  counts_t total;
  uint64_t threads_started, drained;
} run_t;

/* The context of one running thread. */
typedef struct ctx {
  worker_t *w;
  ts_rng_t rng;
  blk_t local[LOCAL_CAP];
  uint32_t nlocal;
} ctx_t;

__attribute__((format(printf, 2, 3), noreturn)) static void fail(const ctx_t *c, const char *fmt,
                                                                 ...) {
  va_list ap;
  char msg[512];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  if (c)
    fprintf(stderr,
            "stress_mt: FAIL: worker %" PRIu32 " generation %" PRIu64 " (seed %" PRIu64
            ", api %s): %s\n",
            c->w->index, c->w->generation, c->w->run->seed, T_API_NAME, msg);
  else
    fprintf(stderr, "stress_mt: FAIL: (api %s): %s\n", T_API_NAME, msg);
  _exit(1); /* other threads are running: no atexit handlers, no stdio flush */
}

/* ---- self-describing blocks ---------------------------------------------------------- */

static uint64_t checksum(const unsigned char *p, size_t len) {
  uint64_t h = 0xCBF29CE484222325ull;
  size_t i = 0;
  for (; i + 8 <= len; i += 8) {
    uint64_t w;
    memcpy(&w, p + i, 8);
    h = (h ^ w) * 0x100000001B3ull;
  }
  for (; i < len; i++)
    h = (h ^ p[i]) * 0x100000001B3ull;
  return h;
}

/* Writes the header (size, seed) and the trailing checksum of a block whose
 * pattern is in place; blocks under HEADER_MIN bytes are pattern only. */
static void seal(const blk_t *b) {
  if (b->n < HEADER_MIN) return;
  uint64_t n = b->n, sum;
  memcpy(b->p, &n, 8);
  memcpy(b->p + 8, &b->seed, 8);
  sum = checksum(b->p, b->n - 8);
  memcpy(b->p + b->n - 8, &sum, 8);
}

/* Checks bytes [0, keep) of b (keep = b->n: all of it, checksum included). */
static void check(const ctx_t *c, const blk_t *b, size_t keep, const char *when) {
  size_t bad;
  if (b->n < HEADER_MIN) {
    bad = ts_pat_check(b->p, b->seed, 0, keep);
  } else {
    uint64_t hdr[2], sum;
    if (keep >= 16) {
      memcpy(hdr, b->p, 16);
      if (hdr[0] != b->n || hdr[1] != b->seed)
        fail(c,
             "%s: block %p header says %" PRIu64 " bytes, seed %#" PRIx64 "; want %zu, %#" PRIx64,
             when, (void *)b->p, hdr[0], hdr[1], b->n, b->seed);
    }
    size_t upto = keep < b->n - 8 ? keep : b->n - 8;
    bad = upto > 16 ? ts_pat_check(b->p, b->seed, 16, upto) : SIZE_MAX;
    if (bad == SIZE_MAX && keep == b->n) {
      memcpy(&sum, b->p + b->n - 8, 8);
      if (sum != checksum(b->p, b->n - 8))
        fail(c, "%s: block %p of %zu bytes: checksum differs", when, (void *)b->p, b->n);
    }
  }
  if (bad != SIZE_MAX)
    fail(c, "%s: block %p of %zu bytes: byte %zu is 0x%02x, want 0x%02x", when, (void *)b->p, b->n,
         bad, b->p[bad], ts_pat_byte(b->seed, bad));
}

static void check_new(const ctx_t *c, const void *p, size_t n, const char *what) {
  if (!p) fail(c, "%s of %zu bytes returned NULL", what, n);
  if ((uintptr_t)p % (n >= 16 ? 16 : 1))
    fail(c, "%s of %zu bytes returned %p: not 16-byte aligned", what, n, p);
  if (T_USABLE((void *)p) < n)
    fail(c, "%s of %zu bytes: usable size %zu is less", what, n, T_USABLE((void *)p));
}

/* ---- mailboxes ------------------------------------------------------------------------ */

static bool box_post(mailbox_t *box, const blk_t *b) {
  bool ok;
  pthread_mutex_lock(&box->lock);
  ok = box->count < MAILBOX_CAP;
  if (ok) box->ring[(box->head + box->count++) % MAILBOX_CAP] = *b;
  pthread_mutex_unlock(&box->lock);
  return ok;
}

static bool box_take(mailbox_t *box, blk_t *out) {
  bool ok;
  pthread_mutex_lock(&box->lock);
  ok = box->count > 0;
  if (ok) {
    *out = box->ring[box->head];
    box->head = (box->head + 1) % MAILBOX_CAP;
    box->count--;
  }
  pthread_mutex_unlock(&box->lock);
  return ok;
}

/* ---- one thread's ops ------------------------------------------------------------------- */

static size_t draw_size(ctx_t *c) {
  size_t n = ts_draw_size(&c->rng, LARGE_PPM);
  return n ? n : 1; /* malloc(0) may return NULL, and realloc(p, 0) differs by libc */
}

static void make_block(ctx_t *c) {
  blk_t *b = &c->local[c->nlocal];
  b->n = draw_size(c);
  b->seed = ts_next(&c->rng);
  bool zeroed = ts_below(&c->rng, 8) == 0;
  b->p = zeroed ? T_CALLOC(1, b->n) : T_MALLOC(b->n);
  check_new(c, b->p, b->n, zeroed ? "calloc" : "malloc");
  if (zeroed)
    for (size_t i = 0; i < b->n; i++)
      if (b->p[i]) fail(c, "calloc: byte %zu of %zu at %p is not 0", i, b->n, (void *)b->p);
  ts_pat_fill(b->p, b->seed, 0, b->n);
  seal(b);
  c->nlocal++;
  c->w->now.made++;
  c->w->now.bytes_in += b->n;
}

static void free_block(ctx_t *c, const blk_t *b, const char *when) {
  check(c, b, b->n, when);
  T_FREE(b->p);
  c->w->now.freed++;
  c->w->now.bytes_out += b->n;
}

/* Reallocs b to a new size (never 0); the preserved prefix must survive. */
static void realloc_block(ctx_t *c, blk_t *b, const char *when) {
  size_t old_n = b->n, n = draw_size(c);
  check(c, b, old_n, when);
  unsigned char *p = T_REALLOC(b->p, n);
  check_new(c, p, n, "realloc");
  size_t keep = old_n < n ? old_n : n;
  b->p = p;
  check(c, b, keep, "after realloc"); /* b->n is still old_n: the old layout */
  size_t from = old_n < HEADER_MIN ? keep
                : n < HEADER_MIN   ? 0
                : keep < old_n - 8 ? keep
                                   : old_n - 8;
  b->n = n;
  ts_pat_fill(b->p, b->seed, from, n);
  seal(b);
  c->w->now.reallocs++;
  c->w->now.bytes_in += n;
  c->w->now.bytes_out += old_n;
}

/* Takes local block i out (the last one moves into its place). */
static blk_t take_local(ctx_t *c, uint32_t i) {
  blk_t b = c->local[i];
  c->local[i] = c->local[--c->nlocal];
  return b;
}

/* Posts b to a random other slot; a full mailbox means b is freed here. */
static void post(ctx_t *c, const blk_t *b) {
  run_t *r = c->w->run;
  uint32_t others = r->threads - 1;
  uint32_t to = others ? (c->w->index + 1 + (uint32_t)ts_below(&c->rng, others)) % r->threads : 0;
  if (others && box_post(&r->workers[to].box, b))
    c->w->now.posted++;
  else
    free_block(c, b, "before free (mailbox full)");
}

/* Takes up to 4 posted blocks: each is verified, then freed here (a cross
 * thread free) or realloc'd here and kept (a cross-thread realloc). */
static void receive(ctx_t *c) {
  blk_t b;
  for (int i = 0; i < 4 && box_take(&c->w->box, &b); i++) {
    c->w->now.received++;
    if (c->nlocal < LOCAL_CAP && ts_below(&c->rng, 100) < 40) {
      realloc_block(c, &b, "received, before realloc");
      c->local[c->nlocal++] = b;
      c->w->now.remote_reallocs++;
    } else {
      free_block(c, &b, "received, before free");
      c->w->now.remote_frees++;
    }
  }
}

/* Shares (per cent): 15 receive, 40 make (or free, when full), 12 post, 8
 * realloc, 25 free; a thread's holding drifts up slowly to LOCAL_CAP. */
static void step(ctx_t *c) {
  uint64_t pick = ts_below(&c->rng, 100);
  if (pick < 15) {
    receive(c);
    return;
  }
  if (c->nlocal == 0 || (pick < 55 && c->nlocal < LOCAL_CAP)) {
    make_block(c);
    return;
  }
  uint32_t i = (uint32_t)ts_below(&c->rng, c->nlocal);
  if (pick >= 55 && pick < 67) {
    blk_t b = take_local(c, i);
    post(c, &b);
  } else if (pick >= 67 && pick < 75) {
    realloc_block(c, &c->local[i], "before realloc");
  } else {
    blk_t b = take_local(c, i);
    free_block(c, &b, "before free");
  }
}

/* ---- threads: generations and the main thread's supervision ------------------------------ */

/* One generation: its ops, then everything it holds goes to other slots
 * (so it outlives the thread), then it reports done. */
static void *worker_main(void *arg) {
  worker_t *w = arg;
  ctx_t *c = T_MALLOC(sizeof *c);
  if (!c) fail(NULL, "worker %" PRIu32 ": no memory for its context", w->index);
  c->w = w;
  c->nlocal = 0;
  c->rng.state = ts_mix64(w->run->seed ^ ts_mix64(((uint64_t)w->index << 32) + w->generation));
  for (uint64_t i = 0; i < w->chunk; i++)
    step(c);
  while (c->nlocal) {
    blk_t b = take_local(c, c->nlocal - 1);
    post(c, &b);
  }
  T_FREE(c);
  pthread_mutex_lock(&w->run->lock);
  w->done = true;
  pthread_cond_signal(&w->run->cond);
  pthread_mutex_unlock(&w->run->lock);
  return NULL;
}

/* Starts the slot's next generation with a random share (1/8 .. 3/8) of the
 * slot's ops, or all that are left. Called with run->lock held. */
static int start_generation(run_t *r, worker_t *w, ts_rng_t *rng) {
  uint64_t share = 1 + r->ops_per_thread / 8 + ts_below(rng, r->ops_per_thread / 4 + 1);
  w->chunk = share < w->ops_left ? share : w->ops_left;
  w->ops_left -= w->chunk;
  memset(&w->now, 0, sizeof w->now);
  w->running = true;
  w->done = false;
  if (pthread_create(&w->thread, NULL, worker_main, w)) {
    fprintf(stderr, "heaplab: stress_mt: pthread_create failed\n");
    return 0;
  }
  r->threads_started++;
  return 1;
}

static void fold(counts_t *into, const counts_t *c) {
  into->made += c->made;
  into->freed += c->freed;
  into->bytes_in += c->bytes_in;
  into->bytes_out += c->bytes_out;
  into->reallocs += c->reallocs;
  into->posted += c->posted;
  into->received += c->received;
  into->remote_frees += c->remote_frees;
  into->remote_reallocs += c->remote_reallocs;
}

/* Joins each finished generation and starts the next until every slot has
 * run all its ops. */
static int supervise(run_t *r) {
  ts_rng_t rng = {ts_mix64(r->seed)};
  uint32_t running = 0;
  pthread_mutex_lock(&r->lock);
  for (uint32_t i = 0; i < r->threads; i++, running++)
    if (!start_generation(r, &r->workers[i], &rng)) return 0;
  while (running) {
    pthread_cond_wait(&r->cond, &r->lock);
    for (uint32_t i = 0; i < r->threads; i++) {
      worker_t *w = &r->workers[i];
      if (!w->done) continue;
      pthread_join(w->thread, NULL);
      fold(&r->total, &w->now);
      memset(&w->now, 0, sizeof w->now);
      w->done = w->running = false;
      w->generation++;
      if (!w->ops_left)
        running--;
      else if (!start_generation(r, w, &rng))
        return 0;
    }
  }
  pthread_mutex_unlock(&r->lock);
  return 1;
}

/* Frees what is left in the mailboxes, verified, and checks the balance. */
static void drain_and_check(run_t *r) {
  blk_t b;
  for (uint32_t i = 0; i < r->threads; i++)
    while (box_take(&r->workers[i].box, &b)) {
      ctx_t c = {.w = &r->workers[i]};
      free_block(&c, &b, "drained at the end, before free");
      r->drained++;
      fold(&r->total, &c.w->now); /* the slot's counts were folded and cleared at its join */
      memset(&c.w->now, 0, sizeof c.w->now);
    }
  const counts_t *t = &r->total;
  if (t->made != t->freed)
    fail(NULL, "%" PRIu64 " blocks made, %" PRIu64 " freed", t->made, t->freed);
  if (t->bytes_in != t->bytes_out)
    fail(NULL, "%" PRIu64 " bytes in, %" PRIu64 " out", t->bytes_in, t->bytes_out);
  if (t->posted != t->received + r->drained)
    fail(NULL, "%" PRIu64 " posted, %" PRIu64 " received + %" PRIu64 " drained", t->posted,
         t->received, r->drained);
}

int main(int argc, char **argv) {
  uint64_t threads, ops, seed;
  if (argc != 4) {
    fprintf(stderr, "usage: %s THREADS OPS_PER_THREAD SEED\n", argv[0]);
    return 2;
  }
  if (!ts_parse_u64("stress_mt", "THREADS", argv[1], 1, 1024, &threads) ||
      !ts_parse_u64("stress_mt", "OPS_PER_THREAD", argv[2], 0, UINT64_MAX / 2, &ops) ||
      !ts_parse_u64("stress_mt", "SEED", argv[3], 0, UINT64_MAX, &seed))
    return 2;
  run_t r = {.threads = (uint32_t)threads, .ops_per_thread = ops, .seed = seed};
  r.workers = calloc(threads, sizeof *r.workers);
  if (!r.workers || pthread_mutex_init(&r.lock, NULL) || pthread_cond_init(&r.cond, NULL))
    return 99;
  for (uint32_t i = 0; i < r.threads; i++) {
    r.workers[i] = (worker_t){.run = &r, .index = i, .ops_left = ops};
    pthread_mutex_init(&r.workers[i].box.lock, NULL);
  }
  if (!supervise(&r)) return 99;
  drain_and_check(&r);
  const counts_t *t = &r.total;
  printf("stress_mt: ok api=%s threads=%" PRIu64 " ops_per_thread=%" PRIu64 " seed=%" PRIu64
         " threads_started=%" PRIu64 " blocks=%" PRIu64 " reallocs=%" PRIu64 " posted=%" PRIu64
         " remote_frees=%" PRIu64 " remote_reallocs=%" PRIu64 " drained=%" PRIu64 "\n",
         T_API_NAME, threads, ops, seed, r.threads_started, t->made, t->reallocs, t->posted,
         t->remote_frees, t->remote_reallocs, r.drained);
  for (uint32_t i = 0; i < r.threads; i++)
    pthread_mutex_destroy(&r.workers[i].box.lock);
  free(r.workers);
  return 0;
}
