/* The worker process: measures one repetition of one cell (worker.h).
 *
 * Sequence, per thread (Google Benchmark runs `threads` copies of
 * bench_thread, thread 0 on the main thread):
 *   pin -> attach to the backend -> mutator -> workload setup (untimed)
 *   -> open counters -> enable -> [timer] run N iterations [timer] -> disable
 *   -> thread 0: VmHWM, backend heap statistics, end of the GC timeline
 *   -> snapshot counts -> teardown (untimed) -> detach
 * Nothing is allocated, printed or locked between enable and disable except
 * what the workload itself does through the mutator (and, with --gctrace, a
 * write(2) per collection).
 *
 * Blocked threads. Google Benchmark's start and stop barriers (inside
 * hl_gb_batch_begin/end) park a thread outside the mutator. A stop-the-world
 * collector that waited for every attached thread would wait forever for one
 * parked there while another thread collects, so each barrier is bracketed
 * by the backend's thread_block/thread_unblock (Go's entersyscall and
 * exitsyscall): a thread is unblocked exactly while it runs setup, the timed
 * loop and teardown. The one unblock after the start barrier and the one
 * block before the stop barrier sit at the timed loop's edges, outside it.
 *
 * GC timeline. Collectors get the timeline's recorder as on_gc_cycle; it is
 * allocated before the backend starts and stopped by thread 0 with the other
 * end-of-loop figures, so num_gc, the cycles and the gctrace lines cover
 * setup and the timed loop, not teardown.
 *
 * Out of memory: when the backend returns NULL, the mutator calls on_oom(),
 * which writes one "oom" record with a stack buffer and raw write(2) (the
 * heap is exhausted, so nothing may allocate) and _exit()s. */
#include "worker.h"

#include "backend.h"
#include "cellspec.h"
#include "child.h"
#include "counters.h"
#include "error.h"
#include "external.h"
#include "gbench.h"
#include "gc_timeline.h"
#include "results.h"
#include "sampler.h"
#include "topology.h"
#include "util.h"
#include "workload.h"

#include <inttypes.h>
#include <sched.h>
#include <jansson.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

typedef struct thread_result {
  hl_wl_thread_t wl;
  hl_mutator_counts_t counts;
  hl_counter_value_t counter[HL_MAX_COUNTERS];
  int counted;  /* counters were open and read */
  int pu_bound; /* -1: not pinned */
  int cpu_last; /* -1: unknown */
  int attached; /* the backend knows the thread (thread_block applies) */
  int failed;
} thread_result_t;

typedef struct worker {
  hl_cell_spec_t s; /* what to run: decoded from the command line */
  const hl_workload_t *w;
  const hl_backend_t *b;
  uint64_t iterations; /* per thread */
  hl_topology_t *topo;
  thread_result_t *tr;
  hl_heap_stats_t heap;
  hl_cell_metrics_t metrics;
  hl_backend_info_t info;
  hl_gc_timeline_t timeline; /* collectors only (timeline.kept != NULL) */
} worker_t;

static void send_record(json_t *rec) {
  char *text = json_dumps(rec, JSON_COMPACT);
  if (!text) return;
  hl_write_all(HL_REPORT_FD, text, strlen(text));
  hl_write_all(HL_REPORT_FD, "\n", 1);
  free(text);
}

static int send_error(const char *stage, const char *message) {
  json_t *rec = json_pack("{s:s, s:s, s:s}", "type", "error", "stage", stage, "message", message);
  if (rec) send_record(rec);
  json_decref(rec);
  hl_msg("worker", "%s: %s", stage, message);
  return HL_WORKER_EXIT_ERROR;
}

/* The out-of-memory path: no allocation from here on. */
static void on_oom(void *ctx, const hl_site_t *site, size_t bytes) {
  static atomic_int once;
  worker_t *wk = ctx;
  if (atomic_fetch_add(&once, 1) == 0) {
    uint64_t hwm = 0;
    hl_proc_status_bytes(0, "VmHWM", &hwm);
    char buf[512];
    int n = snprintf(buf, sizeof buf,
                     "{\"type\":\"oom\",\"message\":\"allocation of %zu bytes failed at site "
                     "%s (backend %s)\",\"bytes\":%zu,\"site\":\"%s\",\"rss_peak_bytes\":%" PRIu64
                     "}\n",
                     bytes, site->name, wk->b->name, bytes, site->name, hwm);
    if (n > 0) hl_write_all(HL_REPORT_FD, buf, (size_t)n < sizeof buf ? (size_t)n : sizeof buf);
  }
  _exit(HL_WORKER_EXIT_OOM);
}

static int thread_start(worker_t *wk, unsigned tid, unsigned threads, thread_result_t *tr) {
  hl_wl_thread_t *t = &tr->wl;
  tr->pu_bound = -1;
  tr->cpu_last = -1;
  if (wk->s.pin != HL_PIN_NONE &&
      hl_topology_bind_thread(wk->topo, wk->s.pin, tid, threads, &tr->pu_bound) != 0) {
    snprintf(t->error, sizeof t->error, "thread %u: cannot bind (--pin %s)", tid,
             hl_pin_name(wk->s.pin));
    return HL_ESYS;
  }
  if (wk->b->thread_attach && wk->b->thread_attach() != 0) {
    snprintf(t->error, sizeof t->error, "thread %u: backend %s refused the thread", tid,
             wk->b->name);
    return HL_ESYS;
  }
  tr->attached = 1;
  hl_mutator_config_t mc = {.backend = wk->b,
                            .escape = wk->s.escape,
                            .sites = wk->w->sites,
                            .nsites = wk->w->nsites,
                            .on_oom = on_oom,
                            .oom_ctx = wk,
                            .gc_cycles = wk->timeline.kept ? &wk->timeline.ncycles : NULL};
  t->param = wk->s.param;
  t->thread_index = tid;
  t->threads = threads;
  uint64_t seed = wk->s.seed + tid;
  t->seed = hl_rng_next(&seed);
  t->iterations = wk->iterations;
  int rc = hl_mutator_new(&mc, &t->m);
  if (rc == 0 && wk->w->setup) rc = wk->w->setup(t);
  if (rc && !t->error[0])
    snprintf(t->error, sizeof t->error, "%s setup failed: %s", wk->w->name, hl_strerror(rc));
  return rc;
}

/* Thread 0, right after the timed loop: figures that describe the peak. */
static void snapshot_process(worker_t *wk) {
  uint64_t hwm;
  if (hl_proc_status_bytes(0, "VmHWM", &hwm) == 0)
    hl_metrics_set(&wk->metrics, HL_CF_rss_peak_bytes, hwm);
  if (wk->timeline.kept) hl_gc_timeline_stop(&wk->timeline);
  if (wk->b->stats) wk->b->stats(&wk->heap);
}

/* Around a wait outside the mutator (see "Blocked threads" above). */
static void wait_begin(const worker_t *wk, const thread_result_t *tr) {
  if (tr->attached && wk->b->thread_block) wk->b->thread_block();
}

static void wait_end(const worker_t *wk, const thread_result_t *tr) {
  if (tr->attached && wk->b->thread_unblock) wk->b->thread_unblock();
}

static int open_counters(const worker_t *wk, hl_counter_set_t **ctr) {
  char *names[HL_MAX_COUNTERS];
  for (size_t i = 0; i < wk->s.ncounters; i++)
    names[i] = (char *)wk->s.counters[i];
  return hl_counter_set_open(names, wk->s.ncounters, ctr);
}

static void bench_thread(hl_gb_state_t *st, void *arg) {
  worker_t *wk = arg;
  unsigned tid = hl_gb_thread_index(st), threads = hl_gb_threads(st);
  thread_result_t *tr = &wk->tr[tid];
  hl_counter_set_t *ctr = NULL;
  if (tid == 0) {
    uint64_t rss;
    if (hl_proc_status_bytes(0, "VmRSS", &rss) == 0)
      hl_metrics_set(&wk->metrics, HL_CF_rss_start_bytes, rss);
  }
  if (thread_start(wk, tid, threads, tr) != 0) {
    tr->failed = 1;
  } else if (wk->s.ncounters && open_counters(wk, &ctr) != 0) {
    snprintf(tr->wl.error, sizeof tr->wl.error, "thread %u: cannot set up counters", tid);
    tr->failed = 1;
  }
  if (tr->failed) hl_gb_skip_with_error(st, tr->wl.error);
  if (ctr) hl_counter_set_enable(ctr);
  wait_begin(wk, tr);
  uint64_t n = hl_gb_batch_begin(st);
  wait_end(wk, tr);
  if (n) {
    /* --measure instructions: callgrind counts from here (callgrind.h) */
    if (wk->s.measure != HL_MEASURE_TIME) hl_callgrind_begin();
    wk->w->run(&tr->wl, n);
    if (wk->s.measure != HL_MEASURE_TIME) hl_callgrind_end();
    wait_begin(wk, tr);
    hl_gb_batch_end(st);
    wait_end(wk, tr);
  }
  if (ctr) {
    hl_counter_set_disable(ctr);
    tr->counted = hl_counter_set_read(ctr, tr->counter) == 0;
    hl_counter_set_close(ctr);
  }
  if (tid == 0 && !tr->failed) snapshot_process(wk);
  tr->cpu_last = sched_getcpu();
  if (tr->wl.m) {
    tr->counts = *hl_mutator_counts(tr->wl.m);
    if (!tr->failed && wk->w->teardown) wk->w->teardown(&tr->wl);
    hl_mutator_free(tr->wl.m);
    tr->wl.m = NULL;
  }
  if (wk->b->thread_detach) wk->b->thread_detach();
}

/* Sums what the threads counted into the metrics. */
static void gather_counts(worker_t *wk, unsigned threads) {
  hl_mutator_counts_t sum = {0};
  for (unsigned t = 0; t < threads; t++) {
    const hl_mutator_counts_t *c = &wk->tr[t].counts;
    sum.allocs += c->allocs;
    sum.alloc_bytes += c->alloc_bytes;
    sum.frees += c->frees;
    sum.free_bytes += c->free_bytes;
    sum.stack_allocs += c->stack_allocs;
    sum.stack_alloc_bytes += c->stack_alloc_bytes;
  }
  hl_cell_metrics_t *m = &wk->metrics;
  hl_metrics_set(m, HL_CF_allocs, sum.allocs);
  hl_metrics_set(m, HL_CF_alloc_bytes, sum.alloc_bytes);
  hl_metrics_set(m, HL_CF_frees, sum.frees);
  hl_metrics_set(m, HL_CF_free_bytes, sum.free_bytes);
  hl_metrics_set(m, HL_CF_stack_allocs, sum.stack_allocs);
  hl_metrics_set(m, HL_CF_stack_alloc_bytes, sum.stack_alloc_bytes);
  for (int i = 0; i < HL_HS_COUNT; i++)
    if (wk->heap.present & (1u << i)) hl_metrics_set(m, HL_CF_HEAP_BASE + i, wk->heap.value[i]);
}

/* A collector's figures from its timeline: when it reported cycles, num_gc
 * and gc_pause_total_ns are theirs (so they agree with gc_cycles exactly),
 * whatever the backend's own counters said; heap_peak_bytes is the largest
 * heap at a cycle's mark end, or the heap at the end without a cycle. */
static void add_gc_figures(worker_t *wk, json_t *e) {
  const hl_gc_timeline_t *t = &wk->timeline;
  hl_cell_metrics_t *m = &wk->metrics;
  uint64_t peak = t->heap_peak_bytes;
  if (t->ncycles) {
    hl_metrics_set(m, HL_CF_HEAP_BASE + HL_HS_num_gc, t->ncycles);
    hl_metrics_set(m, HL_CF_HEAP_BASE + HL_HS_gc_pause_total_ns, t->pause_total_ns);
  } else {
    if (!(wk->heap.present & (1u << HL_HS_num_gc)))
      hl_metrics_set(m, HL_CF_HEAP_BASE + HL_HS_num_gc, 0);
    if (!(wk->heap.present & (1u << HL_HS_gc_pause_total_ns)))
      hl_metrics_set(m, HL_CF_HEAP_BASE + HL_HS_gc_pause_total_ns, 0);
    int f = wk->heap.present & (1u << HL_HS_heap_alloc_bytes) ? HL_HS_heap_alloc_bytes
                                                              : HL_HS_heap_inuse_bytes;
    peak = wk->heap.present & (1u << f) ? wk->heap.value[f] : 0;
  }
  hl_metrics_set(m, HL_CF_heap_peak_bytes, peak);
  hl_metrics_set(m, HL_CF_gc_cycles_dropped, hl_gc_timeline_dropped(t));
  hl_metrics_set(m, HL_CF_gc_pause_max_ns, t->pause_max_ns);
  json_object_set_new(e, "gc_cpu_fraction", json_real(t->ncycles ? t->last.gc_cpu_fraction : 0.0));
  json_t *cycles = hl_gc_timeline_json(t);
  if (cycles) json_object_set_new(e, "gc_cycles", cycles);
  json_t *pauses = hl_gc_timeline_pauses_json(t);
  if (pauses) json_object_set_new(e, "gc_pause_ns", pauses);
}

/* The allocation sites with their calls summed over threads. */
static json_t *sites_json(const worker_t *wk, unsigned threads) {
  json_t *arr = json_array();
  for (size_t s = 0; s < wk->w->nsites; s++) {
    uint64_t calls = 0, bytes = 0;
    for (unsigned t = 0; t < threads; t++) {
      calls += wk->tr[t].counts.site[s].calls;
      bytes += wk->tr[t].counts.site[s].bytes;
    }
    const hl_site_t *site = &wk->w->sites[s];
    json_array_append_new(arr, json_pack("{s:s, s:b, s:s, s:I, s:I}", "name", site->name, "escapes",
                                         site->escapes, "reason", site->reason, "calls",
                                         (json_int_t)calls, "bytes", (json_int_t)bytes));
  }
  return arr;
}

/* counter.<event>: summed over threads, only when every thread counted it. */
static void add_counters(const worker_t *wk, unsigned threads, json_t *entry) {
  for (size_t i = 0; i < wk->s.ncounters; i++) {
    uint64_t sum = 0;
    int ok = 1, mux = 0;
    for (unsigned t = 0; t < threads; t++) {
      const thread_result_t *tr = &wk->tr[t];
      if (!tr->counted || !tr->counter[i].available) ok = 0;
      sum += tr->counter[i].value;
      mux |= tr->counter[i].multiplexed;
    }
    if (!ok) continue;
    char key[160];
    snprintf(key, sizeof key, "counter.%s", wk->s.counters[i]);
    json_object_set_new(entry, key, json_integer((json_int_t)sum));
    if (mux) {
      snprintf(key, sizeof key, "counter.%s.multiplexed", wk->s.counters[i]);
      json_object_set_new(entry, key, json_true());
    }
  }
}

static json_t *classes_json(const hl_wl_thread_t *t) {
  json_t *arr = json_array();
  for (unsigned i = 0; i < t->nclasses; i++) {
    const hl_class_row_t *r = &t->classes[i];
    json_t *row = json_pack("{s:I, s:I, s:I}", "object_bytes", (json_int_t)r->object_bytes,
                            "min_request_bytes", (json_int_t)r->min_request, "max_request_bytes",
                            (json_int_t)r->max_request);
    if (r->span_bytes) {
      json_object_set_new(row, "objects", json_integer((json_int_t)r->objects));
      json_object_set_new(row, "span_bytes", json_integer((json_int_t)r->span_bytes));
    }
    json_object_set_new(row, "max_waste_pct", json_real(r->max_waste_pct));
    json_array_append_new(arr, row);
  }
  return arr;
}

/* The backend's own per-class counts (classes it never used left out). */
static json_t *heap_classes_json(const hl_heap_stats_t *h) {
  json_t *arr = json_array();
  for (unsigned i = 0; i < h->nclasses; i++) {
    const hl_class_count_t *c = &h->by_class[i];
    if (!c->mallocs && !c->frees) continue;
    json_array_append_new(arr, json_pack("{s:I, s:I, s:I}", "object_bytes",
                                         (json_int_t)c->object_bytes, "mallocs",
                                         (json_int_t)c->mallocs, "frees", (json_int_t)c->frees));
  }
  return arr;
}

static json_t *cpu_list(const worker_t *wk, unsigned threads, int bound) {
  json_t *arr = json_array();
  for (unsigned t = 0; t < threads; t++) {
    int cpu = bound ? wk->tr[t].pu_bound : wk->tr[t].cpu_last;
    json_array_append_new(arr, cpu >= 0 ? json_integer(cpu) : json_null());
  }
  return arr;
}

/* Google Benchmark's figures plus heaplab's measurements: the row. */
static json_t *build_entry(worker_t *wk, const hl_gb_run_t *run, unsigned threads) {
  json_t *e =
      json_pack("{s:I, s:f, s:f, s:s}", "iterations", (json_int_t)run->iterations, "real_time",
                run->real_time_ns, "cpu_time", run->cpu_time_ns, "time_unit", "ns");
  if (!e) return NULL;
  gather_counts(wk, threads);
  if (wk->timeline.kept) add_gc_figures(wk, e);
  hl_metrics_to_json(&wk->metrics, e);
  add_counters(wk, threads, e);
  const hl_wl_thread_t *t0 = &wk->tr[0].wl;
  for (unsigned i = 0; i < t0->nextra; i++)
    json_object_set_new(e, t0->extra[i].name, json_real(t0->extra[i].value));
  json_object_set_new(e, "sites", sites_json(wk, threads));
  if (t0->nclasses) json_object_set_new(e, "size_classes", classes_json(t0));
  if (wk->heap.nclasses) json_object_set_new(e, "heap_classes", heap_classes_json(&wk->heap));
  if (wk->s.pin != HL_PIN_NONE) json_object_set_new(e, "cpus_bound", cpu_list(wk, threads, 1));
  json_object_set_new(e, "cpus_ran", cpu_list(wk, threads, 0));
  return e;
}

static int report_result(worker_t *wk, const hl_gb_run_t *run) {
  if (run->error_occurred) return send_error("setup", run->error_message);
  json_t *entry = build_entry(wk, run, wk->s.threads);
  json_t *rec = json_pack("{s:s, s:o, s:{s:s, s:s, s:s}}", "type", "result", "entry", entry,
                          "backend", "version", wk->info.version, "library_path",
                          wk->info.library_path, "settings", wk->info.settings);
  if (rec) send_record(rec);
  json_decref(rec);
  return rec ? 0 : send_error("report", "cannot build the result record");
}

/* timeline: where a collector reports its cycles, or NULL (probes). */
static int start_backend(const hl_cell_spec_t *s, hl_gc_timeline_t *timeline,
                         hl_backend_info_t *info) {
  const hl_backend_t *b = s->backend.backend;
  char why[256] = "";
  hl_backend_config_t cfg = {.gc_percent = s->gc_percent,
                             .threads = s->threads,
                             .memory_limit_bytes = s->memory_limit_bytes,
                             .pacer_model = (int)s->pacer_model,
                             .on_gc_cycle = timeline ? hl_gc_timeline_record : NULL,
                             .gc_cycle_ctx = timeline};
  hl_backend_spec_apply(&s->backend, &cfg);
  if (b->init(&cfg, info, why, sizeof why) != 0) return send_error("backend", why);
  return 0;
}

/* The collector's timeline: kept for the row and gctrace, streamed to the
 * parent as cycles end when it samples or watches for gc-thrash. */
static int start_timeline(worker_t *wk) {
  if (wk->b->kind != HL_BACKEND_GC) return 0;
  if (hl_gc_timeline_init(&wk->timeline, HL_GC_CYCLES_KEPT, wk->s.gctrace ? STDERR_FILENO : -1) !=
      0)
    return send_error("worker", "out of memory");
  if ((wk->s.sample_ms || wk->s.thrash_window_s > 0) &&
      hl_gc_timeline_stream(&wk->timeline, wk->s.sample_ms ? HL_REPORT_FD : -1,
                            (uint64_t)(wk->s.thrash_window_s * 1e9)) != 0)
    return send_error("worker", "out of memory");
  return 0;
}

/* Registers the cell, runs it with the timeline sampler beside it from
 * setup to teardown (stopped before the result record is written), and
 * reports. */
static int measure(worker_t *wk) {
  char why[256];
  hl_gb_run_t run;
  if (hl_gb_register("cell", bench_thread, wk, wk->iterations, wk->s.threads) != 0)
    return send_error("benchmark", "cannot register");
  hl_sampler_t sampler = {0};
  if (wk->s.sample_ms &&
      hl_sampler_start(&sampler, wk->b, (uint64_t)wk->s.sample_ms * 1000000u, HL_REPORT_FD) != 0)
    return send_error("worker", "cannot start the timeline sampler");
  int rc = hl_gb_run(&run, why, sizeof why);
  hl_sampler_stop(&sampler);
  if (rc) return send_error("benchmark", why);
  return report_result(wk, &run);
}

int hl_worker_main(int argc, char **argv) {
  worker_t wk = {0};
  char why[512];
  int rc;
  if (argc != 2) return send_error("spec", "usage: heaplab __worker CELL-SPEC");
  if (hl_cell_spec_decode(argv[1], &wk.s, why, sizeof why) != 0) return send_error("spec", why);
  if (wk.s.measure != HL_MEASURE_TIME && !hl_callgrind_active())
    return send_error("spec", "--measure instructions: the worker is not running under valgrind");
  if (wk.s.program.on) return hl_external_run(&wk.s);
  wk.w = wk.s.workload;
  wk.b = wk.s.backend.backend;
  if (wk.b->unbuilt) return send_error("spec", "unbuilt backend");
  wk.iterations = wk.w->iterations(wk.s.param, wk.s.threads);
  if (wk.s.pin != HL_PIN_NONE && hl_topology_load(&wk.topo) != 0) {
    rc = send_error("topology", "--pin needs hwloc, which this build lacks");
    goto done;
  }
  if (!(wk.tr = calloc(wk.s.threads, sizeof *wk.tr))) {
    rc = send_error("worker", "out of memory");
    goto done;
  }
  if ((rc = start_timeline(&wk)) != 0 ||
      (rc = start_backend(&wk.s, wk.timeline.kept ? &wk.timeline : NULL, &wk.info)) != 0)
    goto done;
  rc = measure(&wk);
  if (wk.b->fini) wk.b->fini();
done:
  free(wk.tr);
  hl_gc_timeline_free(&wk.timeline);
  hl_topology_free(wk.topo);
  return rc;
}

int hl_probe_main(int argc, char **argv) {
  if (argc != 2) return send_error("probe", "usage: heaplab __probe BACKEND[:KEY=VALUE]...");
  hl_cell_spec_t s;
  char why[256];
  hl_cell_spec_init(&s); /* a run's defaults: GOGC 100, no soft limit, one thread */
  if (hl_backend_spec_parse(argv[1], &s.backend, why, sizeof why) != 0)
    return send_error("probe", why);
  const hl_backend_t *b = s.backend.backend;
  if (b->unbuilt) return send_error("probe", "unbuilt backend");
  hl_backend_info_t info = {0};
  int rc = start_backend(&s, NULL, &info);
  if (rc) return rc;
  json_t *rec = json_pack("{s:s, s:s, s:s, s:s}", "type", "probe", "version", info.version,
                          "library_path", info.library_path, "settings", info.settings);
  if (rec) send_record(rec);
  json_decref(rec);
  if (b->fini) b->fini();
  return rec ? 0 : HL_WORKER_EXIT_ERROR;
}
