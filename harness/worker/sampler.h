/* The worker's timeline sampler (heaplab oom, run --sample-ms).
 *
 * A thread in the worker that, every period, writes one "sample" record to
 * the report pipe: the time (CLOCK_MONOTONIC, the parent's clock too), the
 * worker's resident set, and the backend's own heap figures (heap in use,
 * mapped, released, the collector's cycle count and goal). Records go out as
 * they are taken, one write each, so when the worker is killed the parent
 * still has everything up to the last period. The thread formats into a
 * stack buffer and allocates nothing; the backend's stats() may take its
 * locks, which is the price of watching a heap while it runs (off unless
 * asked for). */
#ifndef HL_SAMPLER_H
#define HL_SAMPLER_H

#include "backend.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdint.h>

typedef struct hl_sampler {
  const hl_backend_t *backend;
  uint64_t period_ns;
  int fd;
  atomic_int stop;
  pthread_t thread;
  int running;
} hl_sampler_t;

/* Starts sampling b every period_ns to fd. 0 or HL_ESYS. */
int hl_sampler_start(hl_sampler_t *s, const hl_backend_t *b, uint64_t period_ns, int fd);
/* Takes a last sample and joins the thread (no-op when not running). */
void hl_sampler_stop(hl_sampler_t *s);

#endif
