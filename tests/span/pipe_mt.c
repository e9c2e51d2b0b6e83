/* pipe_mt: producer/consumer pairs, every block freed on a thread that never
 * allocates its size (the span allocator's transfer caches: a consumer's
 * full free cache handed to the producer of the class).
 *
 * Usage: pipe_mt PAIRS BLOCKS_PER_PAIR SEED. Producer p allocates blocks of
 * a few small sizes (each size in runs, so that its free caches fill), fills
 * each with the pattern of a fresh seed and puts it in its ring (a
 * mutex-protected queue of RING_CAP blocks); consumer p takes each block,
 * checks its whole pattern and frees it. A block the allocator handed out
 * twice while it was in a ring (or still in a free or transfer cache) is
 * overwritten by the second owner's pattern and fails the consumer's check.
 * At the end every block made was checked and freed once.
 *
 * It does not check speed or memory returned to the OS. Exit: 0 ok, 1 a
 * check failed, 2 usage, 99 could not start threads. */
#include "api.h"
#include "common.h"

#include <pthread.h>
#include <stdbool.h>

#define RING_CAP 1024 /* blocks in flight per pair */
#define RUN_BLOCKS 3000 /* blocks of one size in a row */

static const size_t sizes[] = {24, 64, 200, 1000};

typedef struct blk {
  unsigned char *p;
  size_t n;
  uint64_t seed;
} blk_t;

typedef struct pair {
  pthread_mutex_t lock;
  pthread_cond_t moved;
  blk_t ring[RING_CAP];
  size_t head, count; /* ring[head .. head + count) mod RING_CAP */
  bool done;          /* the producer has put its last block */
  uint64_t blocks, seed;
  uint64_t made, checked; /* by the producer, by the consumer */
  int failed;
  pthread_t producer, consumer;
} pair_t;

static void put(pair_t *q, blk_t b) {
  pthread_mutex_lock(&q->lock);
  while (q->count == RING_CAP)
    pthread_cond_wait(&q->moved, &q->lock);
  q->ring[(q->head + q->count) % RING_CAP] = b;
  q->count++;
  pthread_cond_broadcast(&q->moved);
  pthread_mutex_unlock(&q->lock);
}

/* The next block, or one with p NULL once the producer is done. */
static blk_t take(pair_t *q) {
  blk_t b = {NULL, 0, 0};
  pthread_mutex_lock(&q->lock);
  while (q->count == 0 && !q->done)
    pthread_cond_wait(&q->moved, &q->lock);
  if (q->count) {
    b = q->ring[q->head];
    q->head = (q->head + 1) % RING_CAP;
    q->count--;
    pthread_cond_broadcast(&q->moved);
  }
  pthread_mutex_unlock(&q->lock);
  return b;
}

static void *producer_main(void *arg) {
  pair_t *q = arg;
  ts_rng_t rng = {q->seed};
  for (uint64_t i = 0; i < q->blocks; i++) {
    size_t n = sizes[(i / RUN_BLOCKS) % (sizeof sizes / sizeof sizes[0])];
    unsigned char *p = T_MALLOC(n);
    if (!p) {
      fprintf(stderr, "heaplab: pipe_mt: malloc(%zu) failed\n", n);
      q->failed = 1;
      break;
    }
    blk_t b = {p, n, ts_next(&rng)};
    ts_pat_fill(p, b.seed, 0, n);
    q->made++;
    put(q, b);
  }
  pthread_mutex_lock(&q->lock);
  q->done = true;
  pthread_cond_broadcast(&q->moved);
  pthread_mutex_unlock(&q->lock);
  return NULL;
}

static void *consumer_main(void *arg) {
  pair_t *q = arg;
  for (blk_t b = take(q); b.p; b = take(q)) {
    size_t bad = ts_pat_check(b.p, b.seed, 0, b.n);
    if (bad != SIZE_MAX) {
      fprintf(stderr, "heaplab: pipe_mt: block %p (%zu bytes) changed at offset %zu in flight\n",
              (void *)b.p, b.n, bad);
      q->failed = 1;
    }
    q->checked++;
    T_FREE(b.p);
  }
  return NULL;
}

int main(int argc, char **argv) {
  uint64_t pairs, blocks, seed;
  if (argc != 4 || !ts_parse_u64("pipe_mt", "PAIRS", argv[1], 1, 64, &pairs) ||
      !ts_parse_u64("pipe_mt", "BLOCKS_PER_PAIR", argv[2], 1, UINT64_C(1) << 32, &blocks) ||
      !ts_parse_u64("pipe_mt", "SEED", argv[3], 0, UINT64_MAX, &seed)) {
    fprintf(stderr, "usage: pipe_mt PAIRS BLOCKS_PER_PAIR SEED\n");
    return 2;
  }
  pair_t *q = calloc(pairs, sizeof *q);
  if (!q) return 99;
  for (uint64_t i = 0; i < pairs; i++) {
    pthread_mutex_init(&q[i].lock, NULL);
    pthread_cond_init(&q[i].moved, NULL);
    q[i].blocks = blocks;
    q[i].seed = ts_mix64(seed + i);
    if (pthread_create(&q[i].consumer, NULL, consumer_main, &q[i]) ||
        pthread_create(&q[i].producer, NULL, producer_main, &q[i])) {
      fprintf(stderr, "heaplab: pipe_mt: pthread_create failed\n");
      return 99;
    }
  }
  int failed = 0;
  for (uint64_t i = 0; i < pairs; i++) {
    pthread_join(q[i].producer, NULL);
    pthread_join(q[i].consumer, NULL);
    failed |= q[i].failed;
    if (q[i].made != blocks || q[i].checked != q[i].made) {
      fprintf(stderr, "heaplab: pipe_mt: pair %" PRIu64 ": %" PRIu64 " made, %" PRIu64
              " checked and freed, of %" PRIu64 "\n", i, q[i].made, q[i].checked, blocks);
      failed = 1;
    }
  }
  free(q);
  printf("pipe_mt (%s): %" PRIu64 " pairs x %" PRIu64 " blocks: %s\n", T_API_NAME, pairs, blocks,
         failed ? "FAILED" : "ok");
  return failed;
}
