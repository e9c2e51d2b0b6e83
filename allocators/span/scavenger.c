/* The scavenger: gives free pages back to the OS (Go's mgcscavenge.go).
 *
 * Goal. Go keeps the heap's retained memory (in use + free, not released)
 * within 10% above what the last collection's goal implies. Without a
 * collector the nearest stand-in is the memory in use now, so free pages are
 * kept resident up to max(10% of the in-use pages, 16 MiB) (the floor keeps
 * a small heap from paying page faults for churn) and the rest is released
 * with madvise(MADV_DONTNEED), highest addresses first, in 64 KiB quanta
 * (Go's scavengeQuantum). Released pages stay mapped and read as zero; the
 * page allocator reuses them like any free page, and the heap knows they
 * need no clearing.
 *
 * Modes (HEAPLAB_SPAN_SCAVENGER or span_set_scavenger):
 *   background  a thread, woken when a free leaves the heap over its goal,
 *               works at most 1 ms at a time and then sleeps 99 times as
 *               long: about 1% of one CPU, Go's scavengePercent
 *   inline      the thread whose free crossed the goal releases the excess
 *               itself, before free() returns
 *   off         nothing is released except by span_scavenge_all()
 * The background thread starts only when there is work, blocks every
 * signal, and is restarted on demand in a child after fork(). */
#include "gcrace.h"
#include "internal.h"

#include <errno.h>
#include <signal.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>

#define QUANTUM_PAGES (65536u / SPAN_PAGE_BYTES)
#define FLOOR_PAGES (16u * (1u << 20) / SPAN_PAGE_BYTES)
#define WORK_NS 1000000ull /* per wake */
#define SLEEP_FACTOR 99    /* 1% of one CPU */

enum { MODE_BACKGROUND, MODE_INLINE, MODE_OFF };

static _Atomic int mode = MODE_BACKGROUND;
static _Atomic uint64_t released_bytes;
static pthread_mutex_t scav_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t scav_wake = PTHREAD_COND_INITIALIZER;
static int thread_running, work_pending;

static uint64_t now_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

int span_set_scavenger(const char *name) {
  if (!name || !*name) return 0;
  if (!strcmp(name, "background"))
    atomic_store(&mode, MODE_BACKGROUND);
  else if (!strcmp(name, "inline"))
    atomic_store(&mode, MODE_INLINE);
  else if (!strcmp(name, "off"))
    atomic_store(&mode, MODE_OFF);
  else
    return -1;
  return 0;
}

uint64_t scavenger_released_bytes(void) {
  return atomic_load(&released_bytes);
}

/* Under the collector, the goal it sets after each cycle (gc.c: Go's
 * gcPercentGoal and memory-limit goal of gcPaceScavenger), in pages of
 * retained memory; 0 until then. */
static _Atomic uint64_t gc_retain_goal_pages;

void scavenger_race_init(void) {
  GC_RACE_HINT(gc_retain_goal_pages);
}

void scavenger_set_retain_goal(uint64_t pages) {
  atomic_store_explicit(&gc_retain_goal_pages, pages, memory_order_relaxed);
}

/* Free resident pages beyond the goal. */
uint64_t scavenger_excess_pages(const heap_stats_t *h) {
  uint64_t resident_free = h->free_pages - h->released_pages;
  uint64_t goal = atomic_load_explicit(&gc_retain_goal_pages, memory_order_relaxed);
  if (goal) {
    uint64_t retained = h->inuse_pages + resident_free;
    uint64_t over = retained > goal ? retained - goal : 0;
    return over < resident_free ? over : resident_free;
  }
  uint64_t keep = h->inuse_pages / 10 > FLOOR_PAGES ? h->inuse_pages / 10 : FLOOR_PAGES;
  return resident_free > keep ? resident_free - keep : 0;
}

static uint64_t excess_pages(void) {
  heap_stats_t h;
  heap_read_stats(&h);
  return scavenger_excess_pages(&h);
}

/* Releases one run of at most max pages; returns the pages released. The
 * madvise runs without the heap lock: the run is marked taken meanwhile. */
static uint32_t release_one(uint32_t max) {
  uint32_t n = 0;
  pthread_mutex_lock(&span_heap_lock);
  uintptr_t addr = pages_take_unscavenged(max, &n);
  pthread_mutex_unlock(&span_heap_lock);
  if (!addr) return 0;
  madvise((void *)addr, (size_t)n * SPAN_PAGE_BYTES, MADV_DONTNEED);
  pthread_mutex_lock(&span_heap_lock);
  pages_return_scavenged(addr, n);
  pthread_mutex_unlock(&span_heap_lock);
  atomic_fetch_add(&released_bytes, (uint64_t)n * SPAN_PAGE_BYTES);
  return n;
}

/* Releases up to `pages` pages, for at most budget_ns (0: no limit). */
static uint64_t scavenge(uint64_t pages, uint64_t budget_ns) {
  uint64_t done = 0, start = budget_ns ? now_ns() : 0;
  while (done < pages) {
    uint64_t want = pages - done < QUANTUM_PAGES ? pages - done : QUANTUM_PAGES;
    uint32_t n = release_one((uint32_t)want);
    if (!n) break;
    done += n;
    if (budget_ns && now_ns() - start >= budget_ns) break;
  }
  return done;
}

uint64_t scavenger_release_now(uint64_t pages) {
  return scavenge(pages, 0);
}

uint64_t span_scavenge_all(void) {
  span_ensure_init();
  mcache_t *c = mcache_peek(); /* other threads keep theirs: at most 512 KiB each */
  if (c) heap_flush_page_cache(&c->pcache);
  transfer_drain();
  central_release_empty();
  return scavenge(UINT64_MAX, 0) * SPAN_PAGE_BYTES;
}

static void *scavenger_main(void *arg) {
  (void)arg;
  for (;;) {
    pthread_mutex_lock(&scav_lock);
    while (!work_pending)
      pthread_cond_wait(&scav_wake, &scav_lock);
    work_pending = 0;
    pthread_mutex_unlock(&scav_lock);
    for (uint64_t excess; (excess = excess_pages()) > 0;) {
      uint64_t t0 = now_ns();
      if (!scavenge(excess, WORK_NS)) break;
      uint64_t worked = now_ns() - t0, pause = worked * SLEEP_FACTOR;
      struct timespec ts = {(time_t)(pause / 1000000000ull), (long)(pause % 1000000000ull)};
      while (nanosleep(&ts, &ts) != 0 && errno == EINTR) {
      }
    }
  }
  return NULL;
}

static void start_thread(void) {
  pthread_t t;
  pthread_attr_t attr;
  sigset_t all, old;
  sigfillset(&all);
  pthread_attr_init(&attr);
  pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
  pthread_sigmask(SIG_SETMASK, &all, &old); /* the thread inherits "all blocked" */
  int rc = pthread_create(&t, &attr, scavenger_main, NULL);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  pthread_attr_destroy(&attr);
  if (rc != 0) { /* try again at the next free over the goal */
    pthread_mutex_lock(&scav_lock);
    thread_running = 0;
    pthread_mutex_unlock(&scav_lock);
  }
}

void scavenger_note_free(const heap_stats_t *h) {
  int m = atomic_load_explicit(&mode, memory_order_relaxed);
  if (m == MODE_OFF) return;
  uint64_t excess = scavenger_excess_pages(h);
  if (!excess) return;
  if (m == MODE_INLINE) {
    scavenge(excess, 0);
    return;
  }
  pthread_mutex_lock(&scav_lock);
  work_pending = 1;
  int start = !thread_running;
  thread_running = 1; /* claimed by this caller; cleared if creation fails */
  pthread_cond_signal(&scav_wake);
  pthread_mutex_unlock(&scav_lock);
  if (start) start_thread(); /* outside every lock: pthread_create allocates */
}

void scavenger_after_fork_child(void) {
  pthread_mutex_init(&scav_lock, NULL);
  pthread_cond_init(&scav_wake, NULL);
  thread_running = 0;
  work_pending = 0;
}
