/* fork_mt: fork while other threads are inside the allocator.
 *
 * Usage: fork_mt [FORKS [THREADS [SEED]]] (defaults 50 4 1). THREADS
 * background threads allocate, verify and free in a tight loop while the
 * main thread forks FORKS times, one child at a time. Before each fork the
 * main thread allocates a set of patterned blocks. Each child verifies and
 * frees (or reallocs, then frees) those inherited blocks, allocates and frees
 * a few thousand blocks of its own, does the same in a thread it creates, and
 * exits 0. An allocator lock that some background thread held at the fork
 * and that nothing released in the child (no pthread_atfork handler, or a
 * wrong one) makes the child hang: an alarm kills it after CHILD_TIMEOUT_S
 * and the parent reports SIGALRM. Heap metadata that a fork caught half
 * written shows as a crash or a pattern mismatch in the child. The parent
 * checks every child's status and that the children did not disturb its own
 * copy of the blocks.
 *
 * POSIX allows a child of a threaded process only async-signal-safe calls;
 * glibc and every real malloc make malloc work there anyway, and programs
 * rely on it, so this test does too. It does not fork from several threads at
 * once or test vfork/posix_spawn. Built with ASan and without T_API_SPAN it
 * skips (77): the malloc under test would be ASan's, which before LLVM 18
 * (llvm-project#75290) has no fork handlers and hangs here. Exit: 0 ok, 1 a
 * check failed, 2 usage, 77 skipped, 99 could not fork or start threads.
 */
#include "api.h"
#include "common.h"

#include <pthread.h>
#include <sched.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sys/wait.h>
#include <unistd.h>

#define CHILD_OPS 3000      /* allocator ops of a child, and of its thread */
#define INHERITED 256       /* blocks the main thread holds across each fork */
#define CHURN_SLOTS 128     /* blocks a churning thread holds at most */
#define LARGE_PPM 1000      /* large blocks per million requests */
#define CHILD_TIMEOUT_S 20u /* a child still running after this is hung */

typedef struct blk {
  unsigned char *p;
  size_t n;
  uint64_t seed;
} blk_t;

/* A thread (or child) allocating and freeing: its own blocks and PRNG. */
typedef struct churn {
  pthread_t thread;
  const char *who;
  ts_rng_t rng;
  uint64_t ops_done, ops_max; /* ops_max 0: until *stop */
  atomic_bool *stop;
  blk_t slot[CHURN_SLOTS];
} churn_t;

__attribute__((format(printf, 2, 3), noreturn)) static void fail(const char *who, const char *fmt,
                                                                 ...) {
  va_list ap;
  char msg[512];
  va_start(ap, fmt);
  vsnprintf(msg, sizeof msg, fmt, ap);
  va_end(ap);
  fprintf(stderr, "fork_mt: FAIL: %s (pid %ld, api %s): %s\n", who, (long)getpid(), T_API_NAME,
          msg);
  _exit(1); /* other threads may be running: no atexit handlers */
}

static void blk_new(const char *who, blk_t *b, ts_rng_t *rng) {
  b->n = ts_draw_size(rng, LARGE_PPM) + 1;
  b->seed = ts_next(rng);
  b->p = T_MALLOC(b->n);
  if (!b->p) fail(who, "malloc of %zu bytes returned NULL", b->n);
  ts_pat_fill(b->p, b->seed, 0, b->n);
}

static void blk_check(const char *who, const blk_t *b, const char *when) {
  size_t bad = ts_pat_check(b->p, b->seed, 0, b->n);
  if (bad != SIZE_MAX)
    fail(who, "%s: block %p of %zu bytes: byte %zu is 0x%02x, want 0x%02x", when, (void *)b->p,
         b->n, bad, b->p[bad], ts_pat_byte(b->seed, bad));
}

/* Verifies b, reallocs it to a new size (prefix checked), then frees it. */
static void blk_realloc_free(const char *who, blk_t *b, ts_rng_t *rng) {
  size_t old_n = b->n, n = ts_draw_size(rng, LARGE_PPM) + 1;
  blk_check(who, b, "before realloc");
  unsigned char *p = T_REALLOC(b->p, n);
  if (!p) fail(who, "realloc to %zu bytes returned NULL", n);
  b->p = p;
  b->n = old_n < n ? old_n : n;
  blk_check(who, b, "after realloc");
  T_FREE(p);
}

static void churn_step(churn_t *c) {
  blk_t *b = &c->slot[ts_below(&c->rng, CHURN_SLOTS)];
  if (!b->p) {
    blk_new(c->who, b, &c->rng);
  } else if (ts_below(&c->rng, 4) == 0) {
    blk_realloc_free(c->who, b, &c->rng);
    b->p = NULL;
  } else {
    blk_check(c->who, b, "before free");
    T_FREE(b->p);
    b->p = NULL;
  }
  c->ops_done++;
}

/* Background threads that have started. The parent forks only once all
 * have: thread start-up allocates inside the C library (and, under ASan,
 * in ASan's own allocator, which before LLVM 18 has no fork handlers:
 * llvm-project#75290), and a fork caught in there hangs the child for a
 * reason that is not the allocator under test. */
static atomic_uint churners_started;

static void *churn_main(void *arg) {
  churn_t *c = arg;
  if (c->stop) atomic_fetch_add(&churners_started, 1);
  while (c->ops_max ? c->ops_done < c->ops_max : !atomic_load(c->stop))
    churn_step(c);
  for (int i = 0; i < CHURN_SLOTS; i++)
    if (c->slot[i].p) {
      blk_check(c->who, &c->slot[i], "at the end, before free");
      T_FREE(c->slot[i].p);
      c->slot[i].p = NULL;
    }
  return NULL;
}

/* ---- the child ------------------------------------------------------------------------ */

/* Runs in the child: the inherited blocks, then churn here and in a new
 * thread. Never returns. */
static void child(blk_t *inherited, uint64_t seed) {
  alarm(CHILD_TIMEOUT_S);
  static churn_t mine, thread;
  ts_rng_t rng = {ts_mix64(seed ^ 0x6368696c64ull)};
  for (int i = 0; i < INHERITED; i++) {
    if (i % 2)
      blk_realloc_free("child", &inherited[i], &rng);
    else {
      blk_check("child", &inherited[i], "inherited, before free");
      T_FREE(inherited[i].p);
    }
  }
  mine = (churn_t){.who = "child", .rng = {ts_mix64(seed + 1)}, .ops_max = CHILD_OPS};
  churn_main(&mine);
  thread = (churn_t){.who = "child's thread", .rng = {ts_mix64(seed + 2)}, .ops_max = CHILD_OPS};
  if (pthread_create(&thread.thread, NULL, churn_main, &thread))
    fail("child", "pthread_create failed");
  pthread_join(thread.thread, NULL);
  exit(0);
}

/* Forks once and waits for the child; 1 when it exited 0. */
static int fork_once(int index, blk_t *inherited, uint64_t seed) {
  fflush(NULL);
  pid_t pid = fork();
  if (pid < 0) {
    perror("heaplab: fork_mt: fork");
    exit(99);
  }
  if (pid == 0) child(inherited, seed);
  int status;
  while (waitpid(pid, &status, 0) < 0)
    continue;
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0) return 1;
  if (WIFSIGNALED(status))
    fprintf(stderr, "fork_mt: FAIL: fork %d: child killed by signal %d (%s)%s\n", index,
            WTERMSIG(status), strsignal(WTERMSIG(status)),
            WTERMSIG(status) == SIGALRM ? ": hung, an allocator lock held across fork?" : "");
  else
    fprintf(stderr, "fork_mt: FAIL: fork %d: child exited %d\n", index, WEXITSTATUS(status));
  return 0;
}

/* ---- the parent ------------------------------------------------------------------------ */

static int start_churners(churn_t *bg, uint64_t threads, uint64_t seed, atomic_bool *stop) {
  for (uint64_t i = 0; i < threads; i++) {
    bg[i] =
        (churn_t){.who = "background thread", .rng = {ts_mix64(seed ^ (i << 40))}, .stop = stop};
    if (pthread_create(&bg[i].thread, NULL, churn_main, &bg[i])) return 0;
  }
  return 1;
}

/* Forks `forks` times while `threads` threads churn; 1 when every child
 * exited 0. */
static int run(uint64_t forks, uint64_t threads, uint64_t seed) {
  static atomic_bool stop;
  static blk_t inherited[INHERITED];
  uint64_t bg_ops = 0;
  churn_t *bg = calloc(threads ? threads : 1, sizeof *bg);
  ts_rng_t rng = {seed};
  if (!bg || !start_churners(bg, threads, seed, &stop)) exit(99);
  while (atomic_load(&churners_started) < threads)
    sched_yield();
  bool ok = true;
  for (uint64_t f = 0; f < forks && ok; f++) { /* a hung child costs the whole timeout */
    for (int i = 0; i < INHERITED; i++)
      blk_new("parent", &inherited[i], &rng);
    ok = fork_once((int)f, inherited, ts_next(&rng));
    for (int i = 0; i < INHERITED; i++) {
      blk_check("parent", &inherited[i], "after the fork, before free");
      T_FREE(inherited[i].p);
    }
  }
  atomic_store(&stop, true);
  for (uint64_t i = 0; i < threads; i++) {
    pthread_join(bg[i].thread, NULL);
    bg_ops += bg[i].ops_done;
  }
  free(bg);
  if (!ok) {
    fprintf(stderr, "fork_mt: stopped at the first failed child (seed %" PRIu64 ")\n", seed);
    return 0;
  }
  printf("fork_mt: ok api=%s forks=%" PRIu64 " threads=%" PRIu64 " seed=%" PRIu64
         " background_ops=%" PRIu64 "\n",
         T_API_NAME, forks, threads, seed, bg_ops);
  return 1;
}

#if defined(TS_ASAN) && !defined(T_API_SPAN)
static const char *const skip_reason = "under ASan the malloc tested would be ASan's, which may "
                                       "hang after a fork with threads (llvm-project#75290)";
#else
static const char *const skip_reason = NULL;
#endif

int main(int argc, char **argv) {
  uint64_t forks = 50, threads = 4, seed = 1;
  if (skip_reason) {
    fprintf(stderr, "fork_mt: skip: %s\n", skip_reason);
    return 77;
  }
  if (argc > 4 || (argc > 1 && !ts_parse_u64("fork_mt", "FORKS", argv[1], 1, 100000, &forks)) ||
      (argc > 2 && !ts_parse_u64("fork_mt", "THREADS", argv[2], 0, 256, &threads)) ||
      (argc > 3 && !ts_parse_u64("fork_mt", "SEED", argv[3], 0, UINT64_MAX, &seed))) {
    fprintf(stderr, "usage: %s [FORKS [THREADS [SEED]]]\n", argv[0]);
    return 2;
  }
  return run(forks, threads, seed) ? 0 : 1;
}
