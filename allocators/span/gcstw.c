/* Stopping the world for the collector: mutator threads, safepoints, and
 * where each thread's machine stack is (gcstw.h).
 *
 * The collector marks with every mutator thread stopped (Go's
 * stopTheWorld). Threads stop cooperatively, as goroutines do at
 * preemption points: every allocation polls one global word
 * (span_gc_poll), and a thread that finds a stop requested parks in
 * gc_safepoint() until the world starts again. A thread that waits outside
 * the mutator (a barrier, I/O) says so first with gc_thread_block(), and
 * the collector does not wait for it (Go's entersyscall); it can only come
 * back through gc_thread_unblock(), which waits while a collection runs.
 *
 * Machine stacks. A C function keeps pointers in locals and registers
 * without the stack maps Go's compiler emits, so the part of each stopped
 * thread's stack that is in use is scanned conservatively (gcmark.c). A
 * thread records where that part begins when it stops: registers are
 * spilled into the stopping function's frame first (__builtin_unwind_init,
 * as Boehm's GC_with_callee_saves_pushed does), and the address of a local
 * below them marks the start. A blocked thread's record is the frame of
 * its gc_thread_block() call; by contract it holds no object that only a
 * register or a deeper frame refers to while blocked (the harness blocks
 * only around Google Benchmark's barriers, where no object is in hand).
 *
 * Locking: one mutex (world_lock) orders every state change; the poll word
 * is only a hint read without it. A collection's handshake costs two
 * condition-variable round trips, once per cycle, never per allocation. */
#include "gcstw.h"

#include "gcconc.h"
#include "internal.h"

#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

enum { T_RUNNING, T_BLOCKED, T_PARKED, T_COLLECTING };

typedef struct gc_thread {
  uintptr_t stack_lo, stack_hi; /* the thread's whole stack */
  uintptr_t scan_lo;            /* in-use part: [scan_lo, stack_hi) when stopped */
  int state;
  struct gc_thread *next, *prev;
  gc_local_t local; /* concurrent marking's per-thread state (gcconc.c) */
} gc_thread_t;

_Atomic int span_gc_poll;

static pthread_mutex_t world_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t stopped_cv = PTHREAD_COND_INITIALIZER; /* a thread stopped */
static pthread_cond_t resume_cv = PTHREAD_COND_INITIALIZER;  /* the world started */
static gc_thread_t *threads;
static int stopping;   /* a collector has stopped, or is stopping, the world */
static int collect_due; /* gc_request_collect() since the last cycle */
static int scan_due;    /* marking: threads are to scan their own stacks at their next poll */
static __thread gc_thread_t *self;
__thread gc_local_t *gc_tls_local;

static void update_poll_locked(void) {
  atomic_store_explicit(&span_gc_poll, stopping || collect_due || scan_due, memory_order_relaxed);
}

void gc_set_scan_due(int on) {
  pthread_mutex_lock(&world_lock);
  scan_due = on;
  update_poll_locked();
  pthread_mutex_unlock(&world_lock);
}

/* World stopped: every thread's stack is to be scanned this cycle. */
void gc_grey_all_stacks(void) {
  pthread_mutex_lock(&world_lock);
  for (gc_thread_t *t = threads; t; t = t->next)
    atomic_store_explicit(&t->local.stack_grey, 1, memory_order_relaxed);
  scan_due = 1;
  update_poll_locked();
  pthread_mutex_unlock(&world_lock);
}

int gc_thread_attach(void) {
  if (self) return 0;
  gc_thread_t *t = calloc(1, sizeof *t);
  if (!t) return -1;
  pthread_attr_t attr;
  void *addr;
  size_t bytes;
  if (pthread_getattr_np(pthread_self(), &attr) != 0) {
    free(t);
    return -1;
  }
  int rc = pthread_attr_getstack(&attr, &addr, &bytes);
  pthread_attr_destroy(&attr);
  if (rc != 0) {
    free(t);
    return -1;
  }
  t->stack_lo = (uintptr_t)addr;
  t->stack_hi = (uintptr_t)addr + bytes;
  pthread_mutex_lock(&world_lock);
  while (stopping)
    pthread_cond_wait(&resume_cv, &world_lock);
  t->state = T_RUNNING;
  t->next = threads;
  if (threads) threads->prev = t;
  threads = t;
  pthread_mutex_unlock(&world_lock);
  self = t;
  gc_tls_local = &t->local; /* a thread that comes while marking starts black */
  return 0;
}

void gc_thread_detach(void) {
  gc_thread_t *t = self;
  if (!t) return;
  pthread_mutex_lock(&world_lock);
  if (stopping) { /* wait as a blocked thread: the collector must not wait for it */
    t->state = T_BLOCKED;
    pthread_cond_broadcast(&stopped_cv);
    while (stopping)
      pthread_cond_wait(&resume_cv, &world_lock);
    t->state = T_RUNNING;
  }
  gc_conc_thread_exit(&t->local); /* world_lock: no marker reads it meanwhile */
  if (t->prev)
    t->prev->next = t->next;
  else
    threads = t->next;
  if (t->next) t->next->prev = t->prev;
  pthread_cond_broadcast(&stopped_cv); /* one thread fewer to wait for */
  pthread_mutex_unlock(&world_lock);
  self = NULL;
  gc_tls_local = NULL;
  gc_work_release(&t->local.work);
  free(t);
}

int gc_thread_attached(void) {
  return self != NULL;
}

void gc_set_stack_scan_start(uintptr_t sp) {
  if (self) self->scan_lo = sp & ~(uintptr_t)(sizeof(void *) - 1);
}

#define RECORD_STACK(t) GC_RECORD_STACK()

__attribute__((noinline)) void gc_thread_block(void) {
  gc_thread_t *t = self;
  if (!t) return;
  RECORD_STACK(t);
  gc_thread_block_recorded();
}

void gc_thread_block_recorded(void) {
  gc_thread_t *t = self;
  if (!t) return;
  pthread_mutex_lock(&world_lock);
  t->state = T_BLOCKED;
  pthread_cond_broadcast(&stopped_cv);
  pthread_mutex_unlock(&world_lock);
}

void gc_thread_unblock(void) {
  gc_thread_t *t = self;
  if (!t) return;
  pthread_mutex_lock(&world_lock);
  while (stopping)
    pthread_cond_wait(&resume_cv, &world_lock);
  t->state = T_RUNNING;
  pthread_mutex_unlock(&world_lock);
}

/* With world_lock held: stop here until the collector restarts the world. */
static void park_locked(gc_thread_t *t) {
  t->state = T_PARKED;
  pthread_cond_broadcast(&stopped_cv);
  while (stopping)
    pthread_cond_wait(&resume_cv, &world_lock);
  t->state = T_RUNNING;
}

__attribute__((noinline)) void gc_safepoint(void) {
  gc_thread_t *t = self;
  if (!t) return;
  RECORD_STACK(t);
  pthread_mutex_lock(&world_lock);
  if (stopping) park_locked(t);
  pthread_mutex_unlock(&world_lock);
}

void gc_request_collect(void) {
  pthread_mutex_lock(&world_lock);
  collect_due = 1;
  update_poll_locked();
  pthread_mutex_unlock(&world_lock);
}

int gc_collect_requested(void) {
  return atomic_load_explicit(&span_gc_poll, memory_order_relaxed) != 0;
}

int gc_collect_due(void) {
  pthread_mutex_lock(&world_lock);
  int due = collect_due;
  pthread_mutex_unlock(&world_lock);
  return due;
}

static int others_running_locked(void) {
  for (gc_thread_t *t = threads; t; t = t->next)
    if (t != self && t->state == T_RUNNING) return 1;
  return 0;
}

/* The collector's own stack was recorded by its caller (GC_RECORD_STACK in
 * the frame that stays for the whole cycle): a record made here would
 * take in this function's frame, dead by the time the stacks are scanned,
 * where the marker's own pointers then lie. */
__attribute__((noinline)) int gc_stop_world(void) {
  gc_thread_t *t = self;
  if (!t) return -1;
  pthread_mutex_lock(&world_lock);
  if (stopping) { /* another thread is collecting: stop like the others */
    pthread_mutex_unlock(&world_lock);
    gc_safepoint();
    return -1;
  }
  stopping = 1;
  update_poll_locked();
  t->state = T_COLLECTING;
  while (others_running_locked())
    pthread_cond_wait(&stopped_cv, &world_lock);
  pthread_mutex_unlock(&world_lock);
  return 0;
}

/* The same for a collector that is not a mutator (a background mark
 * worker ending the mark): it waits for every attached thread. */
void gc_stop_world_collector(void) {
  pthread_mutex_lock(&world_lock);
  while (stopping) /* a mutator's stop (none while marking, but be safe) */
    pthread_cond_wait(&resume_cv, &world_lock);
  stopping = 1;
  update_poll_locked();
  while (others_running_locked())
    pthread_cond_wait(&stopped_cv, &world_lock);
  pthread_mutex_unlock(&world_lock);
}

void gc_start_world(void) {
  pthread_mutex_lock(&world_lock);
  stopping = 0;
  collect_due = 0;
  update_poll_locked();
  if (self) self->state = T_RUNNING;
  pthread_cond_broadcast(&resume_cv);
  pthread_mutex_unlock(&world_lock);
}

/* The world is stopped by the caller: no thread changes state or list. */
void gc_for_each_stack(void (*fn)(uintptr_t lo, uintptr_t hi, void *arg), void *arg) {
  for (gc_thread_t *t = threads; t; t = t->next)
    if (t->scan_lo >= t->stack_lo && t->scan_lo < t->stack_hi) fn(t->scan_lo, t->stack_hi, arg);
}

/* The world is stopped by the caller. */
void gc_for_each_local(void (*fn)(gc_local_t *l, uintptr_t lo, uintptr_t hi, void *arg),
                       void *arg) {
  for (gc_thread_t *t = threads; t; t = t->next) {
    int has = t->scan_lo >= t->stack_lo && t->scan_lo < t->stack_hi;
    fn(&t->local, has ? t->scan_lo : 0, has ? t->stack_hi : 0, arg);
  }
}

/* A blocked thread's stack is frozen at its record while world_lock is
 * held (it unblocks through the lock), so a marker may read it. */
int gc_scan_blocked_stacks(void (*fn)(gc_local_t *l, uintptr_t lo, uintptr_t hi, void *arg),
                           void *arg) {
  int n = 0;
  pthread_mutex_lock(&world_lock);
  for (gc_thread_t *t = threads; t; t = t->next)
    if (t->state == T_BLOCKED && atomic_load_explicit(&t->local.stack_grey, memory_order_relaxed) &&
        atomic_exchange_explicit(&t->local.stack_grey, 0, memory_order_relaxed)) {
      if (t->scan_lo >= t->stack_lo && t->scan_lo < t->stack_hi) fn(&t->local, t->scan_lo, t->stack_hi, arg);
      n++;
    }
  pthread_mutex_unlock(&world_lock);
  return n;
}

int gc_grey_stacks(void) {
  int n = 0;
  pthread_mutex_lock(&world_lock);
  for (gc_thread_t *t = threads; t; t = t->next)
    n += atomic_load_explicit(&t->local.stack_grey, memory_order_relaxed) != 0;
  pthread_mutex_unlock(&world_lock);
  return n;
}

void gc_self_stack(uintptr_t *lo, uintptr_t *hi) {
  gc_thread_t *t = self;
  int has = t && t->scan_lo >= t->stack_lo && t->scan_lo < t->stack_hi;
  *lo = has ? t->scan_lo : 0;
  *hi = has ? t->stack_hi : 0;
}

unsigned gc_thread_count(void) {
  unsigned n = 0;
  pthread_mutex_lock(&world_lock);
  for (gc_thread_t *t = threads; t; t = t->next)
    n++;
  pthread_mutex_unlock(&world_lock);
  return n;
}
