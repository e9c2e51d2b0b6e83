/* The worker's timeline sampler (sampler.h). */
#include "sampler.h"

#include "error.h"
#include "limit.h"

#include <inttypes.h>
#include <signal.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

static uint64_t mono_ns(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void sample(const hl_sampler_t *s) {
  hl_heap_stats_t h;
  memset(&h, 0, sizeof h);
  if (s->backend->stats) s->backend->stats(&h);
  char buf[1024];
  int n = snprintf(buf, sizeof buf, "{\"type\":\"sample\",\"mono_ns\":%" PRIu64
                   ",\"rss_bytes\":%" PRIu64,
                   mono_ns(), hl_proc_rss_bytes(getpid()));
  for (int i = 0; i < HL_HS_COUNT && n > 0 && (size_t)n < sizeof buf; i++) {
    static const char *const names[] = {
#define HL_X(f, help) #f,
        HL_HEAP_STATS(HL_X)
#undef HL_X
    };
    if (h.present & (1u << i))
      n += snprintf(buf + n, sizeof buf - (size_t)n, ",\"%s\":%" PRIu64, names[i], h.value[i]);
  }
  if (n <= 0 || (size_t)n + 2 >= sizeof buf) return;
  buf[n++] = '}';
  buf[n++] = '\n';
  ssize_t w = write(s->fd, buf, (size_t)n);
  (void)w;
}

static void *sampler_main(void *arg) {
  hl_sampler_t *s = arg;
  while (!atomic_load(&s->stop)) {
    sample(s);
    struct timespec ts = {(time_t)(s->period_ns / 1000000000u),
                          (long)(s->period_ns % 1000000000u)};
    nanosleep(&ts, NULL);
  }
  sample(s);
  return NULL;
}

int hl_sampler_start(hl_sampler_t *s, const hl_backend_t *b, uint64_t period_ns, int fd) {
  memset(s, 0, sizeof *s);
  s->backend = b;
  s->period_ns = period_ns;
  s->fd = fd;
  /* the sampler takes no signals meant for the workload's threads */
  sigset_t all, old;
  sigfillset(&all);
  pthread_sigmask(SIG_SETMASK, &all, &old);
  int rc = pthread_create(&s->thread, NULL, sampler_main, s);
  pthread_sigmask(SIG_SETMASK, &old, NULL);
  if (rc != 0) return HL_ESYS;
  s->running = 1;
  return 0;
}

void hl_sampler_stop(hl_sampler_t *s) {
  if (!s->running) return;
  atomic_store(&s->stop, 1);
  pthread_join(s->thread, NULL);
  s->running = 0;
}
