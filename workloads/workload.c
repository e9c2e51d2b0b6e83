/* Workload registry and parameter parsing (workload.h). */
#include "workload.h"

#include "error.h"
#include "size.h"
#include "util.h"

#include <inttypes.h>
#include <time.h>
#include <stdatomic.h>
#include <sched.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

extern const hl_workload_t hl_workload_escape_return;
extern const hl_workload_t hl_workload_pool_reuse;
extern const hl_workload_t hl_workload_sizeclass_sweep;
extern const hl_workload_t hl_workload_large_objects;
extern const hl_workload_t hl_workload_steady_service;
extern const hl_workload_t hl_workload_fault_inject;
extern const hl_workload_t hl_workload_leak;
extern const hl_workload_t hl_workload_spike;
extern const hl_workload_t hl_workload_fragmentation;
extern const hl_workload_t hl_workload_retention;
extern const hl_workload_t hl_workload_closure_capture;
extern const hl_workload_t hl_workload_interface_boxing;
extern const hl_workload_t hl_workload_slice_growth;
extern const hl_workload_t hl_workload_string_build;
extern const hl_workload_t hl_workload_struct_layout;
extern const hl_workload_t hl_workload_producer_consumer;
extern const hl_workload_t hl_workload_remote_free;
extern const hl_workload_t hl_workload_batch;

static const hl_workload_t *const registry[] = {
    &hl_workload_escape_return,
    &hl_workload_closure_capture,
    &hl_workload_interface_boxing,
    &hl_workload_slice_growth,
    &hl_workload_string_build,
    &hl_workload_struct_layout,
    &hl_workload_pool_reuse,
    &hl_workload_producer_consumer,
    &hl_workload_remote_free,
    &hl_workload_batch,
    &hl_workload_sizeclass_sweep,
    &hl_workload_large_objects,
    &hl_workload_steady_service,
    &hl_workload_fault_inject,
    &hl_workload_leak,
    &hl_workload_spike,
    &hl_workload_fragmentation,
    &hl_workload_retention,
};

#define NREG (sizeof registry / sizeof registry[0])

const hl_workload_t *const *hl_workload_all(size_t *n_out) {
  *n_out = NREG;
  return registry;
}

const hl_workload_t *hl_workload_find(const char *name) {
  for (size_t i = 0; i < NREG; i++)
    if (strcmp(registry[i]->name, name) == 0) return registry[i];
  return NULL;
}

void hl_workload_names(char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < NREG; i++) {
    int n = snprintf(buf + off, len - off, "%s%s", i ? " " : "", registry[i]->name);
    if (n < 0 || (size_t)n >= len - off) break;
    off += (size_t)n;
  }
}

int hl_workload_param_index(const hl_workload_t *w, const char *key) {
  for (size_t i = 0; i < w->nparams; i++)
    if (strcmp(w->params[i].key, key) == 0) return (int)i;
  return -1;
}

static void choices_list(const hl_param_spec_t *spec, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; spec->choices[i]; i++) {
    int n = snprintf(buf + off, len - off, "%s%s", i ? "|" : "", spec->choices[i]);
    if (n < 0 || (size_t)n >= len - off) break;
    off += (size_t)n;
  }
}

int hl_param_parse(const hl_param_spec_t *spec, const char *text, uint64_t *out, char *why,
                   size_t len) {
  uint64_t v = 0;
  int rc;
  switch (spec->kind) {
  case HL_PARAM_BYTES:
    rc = hl_parse_size(text, &v);
    if (rc) {
      snprintf(why, len, "'%s' is not a size (examples: 1024, 64K, 64M, 1G, 100MiB)", text);
      return rc;
    }
    break;
  case HL_PARAM_CHOICE:
    for (size_t i = 0; spec->choices[i]; i++) {
      if (strcmp(spec->choices[i], text) == 0) {
        *out = i;
        return 0;
      }
    }
    {
      char list[256];
      choices_list(spec, list, sizeof list);
      snprintf(why, len, "'%s' is not one of %s", text, list);
    }
    return HL_EPARSE;
  default:
    rc = hl_parse_count(text, 0, UINT64_MAX, &v);
    if (rc) {
      snprintf(why, len, "'%s' is not a non-negative integer", text);
      return rc;
    }
    break;
  }
  if (v < spec->min || v > spec->max) {
    char lo[32], hi[32];
    hl_param_format(spec, spec->min, lo, sizeof lo);
    hl_param_format(spec, spec->max, hi, sizeof hi);
    snprintf(why, len, "%s out of range [%s, %s]", text, lo, hi);
    return HL_ERANGE;
  }
  *out = v;
  return 0;
}

void hl_param_format(const hl_param_spec_t *spec, uint64_t v, char *buf, size_t len) {
  if (spec->kind == HL_PARAM_BYTES)
    hl_size_format_exact(v, buf, len);
  else if (spec->kind == HL_PARAM_CHOICE)
    snprintf(buf, len, "%s", spec->choices[v]);
  else
    snprintf(buf, len, "%" PRIu64, v);
}

void hl_workload_defaults(const hl_workload_t *w, int quick, uint64_t *param) {
  for (size_t i = 0; i < w->nparams; i++)
    param[i] = quick ? w->params[i].quick : w->params[i].def;
}

int hl_wl_fail(hl_wl_thread_t *t, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(t->error, sizeof t->error, fmt, ap);
  va_end(ap);
  return HL_EINVAL;
}

void hl_wl_report(hl_wl_thread_t *t, const char *name, double value) {
  for (unsigned i = 0; i < t->nextra; i++) {
    if (strcmp(t->extra[i].name, name) == 0) {
      t->extra[i].value = value;
      return;
    }
  }
  if (t->nextra < HL_MAX_EXTRAS) {
    t->extra[t->nextra].name = name;
    t->extra[t->nextra].value = value;
    t->nextra++;
  }
}

/* ---- phases of a multi-threaded workload, outside the timed loop ------------- */

/* Threads of one worker meet here between phases. Workload state is per
 * thread and the harness gives workloads nothing shared, so the barrier is
 * process-wide static state (one workload runs per worker process); it is
 * sense-reversing, so it serves any number of phases. Waiting threads are
 * marked blocked, so a stop-the-world collector does not wait for them. */
static atomic_uint barrier_arrived;
static atomic_uint barrier_generation;

void hl_wl_barrier(hl_wl_thread_t *t) {
  if (t->threads == 1) return;
  hl_mutator_block(t->m);
  unsigned gen = atomic_load(&barrier_generation);
  if (atomic_fetch_add(&barrier_arrived, 1) + 1 == t->threads) {
    atomic_store(&barrier_arrived, 0);
    atomic_fetch_add(&barrier_generation, 1);
  } else {
    while (atomic_load(&barrier_generation) == gen)
      sched_yield();
  }
  hl_mutator_unblock(t->m);
}

void hl_wl_idle_ms(hl_wl_thread_t *t, uint64_t ms) {
  if (!ms) return;
  struct timespec ts = {(time_t)(ms / 1000), (long)(ms % 1000) * 1000000L};
  hl_mutator_block(t->m);
  while (nanosleep(&ts, &ts) != 0) {
  }
  hl_mutator_unblock(t->m);
}

void hl_wl_rss_snapshot(hl_wl_thread_t *t, const char *name) {
  hl_wl_barrier(t);
  uint64_t rss;
  if (t->thread_index == 0 && hl_proc_status_bytes(0, "VmRSS", &rss) == 0)
    hl_wl_report(t, name, (double)rss);
}

const char *hl_unit_name(hl_unit_t unit) {
  switch (unit) {
  case HL_UNIT_BYTES: return "bytes";
  case HL_UNIT_PERCENT: return "percent";
  default: return "count";
  }
}
