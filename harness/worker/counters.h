/* Performance counters by libpfm4 event name, opened with perf_event_open.
 *
 * Each worker thread opens its own set (pid 0, cpu -1, user-space only),
 * enables it right before the timed loop and disables it right after. On a
 * machine without a hardware PMU (most VMs and CI runners) the hardware
 * events cannot be opened: they are reported as unavailable with the reason,
 * never as 0, NaN or infinity. Software events (page faults, task clock,
 * context switches) work everywhere, and without libpfm too: a built-in
 * table maps the perf:: names of the software events.
 */
#ifndef HL_COUNTERS_H
#define HL_COUNTERS_H

#include <stddef.h>
#include <stdint.h>

#define HL_MAX_COUNTERS 16
#define HL_COUNTER_NAME_MAX 96
#define HL_COUNTER_REASON_MAX 160

/* The default --counters list: dTLB load misses, LLC misses, instructions,
 * cycles, page faults (as libpfm4 perf:: names). */
const char *const *hl_counters_default(size_t *n_out);

/* What became of one requested event. */
typedef struct hl_counter_status {
  char name[HL_COUNTER_NAME_MAX];
  const char *kind; /* "software", "hardware", "cache", "raw", "other"; "unknown" when the name did
                       not encode */
  int available;    /* 1: it can be counted here */
  char reason[HL_COUNTER_REASON_MAX]; /* when not, why: "ENOENT: not supported here (no hardware
                                         PMU? ...)" */
} hl_counter_status_t;

/* Opens and closes each event on the calling thread to see whether it can
 * be counted; fills out[i] for names[i]. Unknown event names are reported as
 * unavailable ("unknown to libpfm4 ..."), not as an error. Returns 0, or
 * HL_EINVAL when n > HL_MAX_COUNTERS. */
int hl_counters_probe(char *const *names, size_t n, hl_counter_status_t *out);

/* One thread's open counters. */
typedef struct hl_counter_set hl_counter_set_t;

typedef struct hl_counter_value {
  int available;   /* 0: not counted (reason in the set's status) */
  uint64_t value;  /* scaled by time_enabled/time_running when multiplexed */
  int multiplexed; /* 1: the kernel time-shared the counter; value is an estimate */
} hl_counter_value_t;

/* Opens every event it can on the calling thread, disabled. Events that
 * cannot be opened are kept as unavailable with their reason. Returns 0 or
 * HL_ENOMEM / HL_EINVAL. */
int hl_counter_set_open(char *const *names, size_t n, hl_counter_set_t **out);
void hl_counter_set_enable(hl_counter_set_t *set); /* one ioctl per event */
void hl_counter_set_disable(hl_counter_set_t *set);
/* values[i] for names[i]; an event whose time_running is 0 is unavailable. */
int hl_counter_set_read(hl_counter_set_t *set, hl_counter_value_t *values);
/* Status of event i, or NULL when i is out of range. A read that finds an
 * event never scheduled writes its reason here while available stays 1 (the
 * event did open). */
const hl_counter_status_t *hl_counter_set_status(const hl_counter_set_t *set, size_t i);
void hl_counter_set_close(hl_counter_set_t *set);

/* "libpfm4 4.13.0" or "built without libpfm4" for the results context. */
const char *hl_counters_backend(void);

#endif
