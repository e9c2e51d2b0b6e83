/* GC timeline and gctrace lines (gc_timeline.h). */
#include "gc_timeline.h"

#include "child.h"
#include "error.h"
#include "util.h"

#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

int hl_gc_timeline_init(hl_gc_timeline_t *t, size_t capacity, int trace_fd) {
  memset(t, 0, sizeof *t);
  t->kept = calloc(capacity ? capacity : 1, sizeof *t->kept);
  if (!t->kept) return HL_ENOMEM;
  t->capacity = capacity;
  t->trace_fd = trace_fd;
  t->stream_fd = -1;
  atomic_store(&t->recording, 1);
  return 0;
}

void hl_gc_timeline_free(hl_gc_timeline_t *t) {
  free(t->kept);
  free(t->ring_end_ns);
  free(t->ring_cpu_ns);
  t->kept = NULL;
  t->ring_end_ns = t->ring_cpu_ns = NULL;
}

int hl_gc_timeline_stream(hl_gc_timeline_t *t, int fd, uint64_t window_ns) {
  t->stream_fd = fd;
  t->thrash_window_ns = window_ns;
  if (!window_ns) return 0;
  t->ring_end_ns = calloc(HL_GC_THRASH_RING, sizeof *t->ring_end_ns);
  t->ring_cpu_ns = calloc(HL_GC_THRASH_RING, sizeof *t->ring_cpu_ns);
  return t->ring_end_ns && t->ring_cpu_ns ? 0 : HL_ENOMEM;
}

static void stream_cycle(const hl_gc_timeline_t *t, const hl_gc_cycle_t *c);
static void check_thrash(hl_gc_timeline_t *t, const hl_gc_cycle_t *c);

/* Runs inside the collector with the world stopped: copies only. */
void hl_gc_timeline_record(void *ctx, const hl_gc_cycle_t *cycle) {
  hl_gc_timeline_t *t = ctx;
  if (!atomic_load_explicit(&t->recording, memory_order_acquire)) return;
  if (t->nkept < t->capacity) t->kept[t->nkept++] = *cycle;
  t->last = *cycle;
  t->ncycles++;
  t->pause_total_ns += cycle->pause_ns;
  if (cycle->pause_ns > t->pause_max_ns) t->pause_max_ns = cycle->pause_ns;
  if (cycle->heap_end_bytes > t->heap_peak_bytes) t->heap_peak_bytes = cycle->heap_end_bytes;
  if (t->trace_fd >= 0) {
    char line[512];
    hl_write_all(t->trace_fd, line, hl_gctrace_format(cycle, line, sizeof line));
  }
  if (t->stream_fd >= 0) stream_cycle(t, cycle);
  if (t->thrash_window_ns) check_thrash(t, cycle);
}

void hl_gc_timeline_stop(hl_gc_timeline_t *t) {
  atomic_store_explicit(&t->recording, 0, memory_order_release);
}

uint64_t hl_gc_timeline_dropped(const hl_gc_timeline_t *t) {
  return t->ncycles > t->nkept ? t->ncycles - t->nkept - 1 : 0;
}

static json_t *u64_array(const uint64_t *v, size_t n) {
  json_t *a = json_array();
  for (size_t i = 0; i < n; i++)
    json_array_append_new(a, json_integer((json_int_t)v[i]));
  return a;
}

static json_t *cycle_json(const hl_gc_cycle_t *c) {
  json_t *o = json_pack("{s:I, s:I, s:o, s:o, s:I}", "num", (json_int_t)c->num, "start_ns",
                        (json_int_t)c->start_ns, "clock_ns", u64_array(c->clock_ns, 3), "cpu_ns",
                        u64_array(c->cpu_ns, 5), "pause_ns", (json_int_t)c->pause_ns);
  if (!o) return NULL;
#define HL_X(f) json_object_set_new(o, #f, json_integer((json_int_t)c->f));
  HL_GC_CYCLE_HEAP_FIELDS(HL_X)
#undef HL_X
  json_object_set_new(o, "stw_ns", u64_array(c->stw_ns, 2));
  json_object_set_new(o, "stw_wait_ns", u64_array(c->stw_wait_ns, 2));
  json_object_set_new(o, "stw_cpu_ns", u64_array(c->stw_cpu_ns, 2));
  json_object_set_new(o, "barrier_calls", json_integer((json_int_t)c->barrier_calls));
  json_object_set_new(o, "barrier_buffered", json_integer((json_int_t)c->barrier_buffered));
  json_object_set_new(o, "barrier_skipped", json_integer((json_int_t)c->barrier_skipped));
  json_object_set_new(o, "black_bytes", json_integer((json_int_t)c->black_bytes));
  json_object_set_new(o, "markterm_scan_bytes", json_integer((json_int_t)c->markterm_scan_bytes));
  json_object_set_new(o, "gc_cpu_fraction", json_real(c->gc_cpu_fraction));
  json_object_set_new(o, "procs", json_integer(c->procs));
  json_object_set_new(o, "forced", json_boolean(c->forced));
  json_object_set_new(o, "limiter_on", json_boolean(c->limiter_on));
  return o;
}

json_t *hl_gc_timeline_json(const hl_gc_timeline_t *t) {
  json_t *arr = json_array();
  for (size_t i = 0; arr && i < t->nkept; i++)
    if (json_array_append_new(arr, cycle_json(&t->kept[i])) != 0) goto fail;
  if (arr && t->ncycles > t->nkept && json_array_append_new(arr, cycle_json(&t->last)) != 0)
    goto fail;
  return arr;
fail:
  json_decref(arr);
  return NULL;
}

/* ---- pause distribution ------------------------------------------------------ */

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

/* {"p50", "p99", "max"} of window k over the kept cycles (nearest rank). */
static json_t *window_quantiles(const hl_gc_timeline_t *t, int k, uint64_t *v) {
  size_t n = 0;
  for (size_t i = 0; i < t->nkept; i++)
    v[n++] = t->kept[i].stw_ns[k];
  if (t->ncycles > t->nkept) v[n++] = t->last.stw_ns[k];
  qsort(v, n, sizeof *v, cmp_u64);
  size_t p50 = n / 2, p99 = (size_t)((double)n * 0.99);
  return json_pack("{s:I, s:I, s:I}", "p50", (json_int_t)v[p50 < n ? p50 : n - 1], "p99",
                   (json_int_t)v[p99 < n ? p99 : n - 1], "max", (json_int_t)v[n - 1]);
}

json_t *hl_gc_timeline_pauses_json(const hl_gc_timeline_t *t) {
  size_t n = t->nkept + (t->ncycles > t->nkept);
  int any = 0;
  for (size_t i = 0; i < t->nkept; i++)
    any |= t->kept[i].stw_ns[0] || t->kept[i].stw_ns[1];
  if (!n || !any) return NULL; /* no cycle, or a collector that does not tell */
  uint64_t *v = malloc(n * sizeof *v);
  if (!v) return NULL;
  json_t *o = json_pack("{s:o, s:o}", "sweep_termination", window_quantiles(t, 0, v),
                        "mark_termination", window_quantiles(t, 1, v));
  free(v);
  return o;
}

/* ---- gctrace ----------------------------------------------------------------
 *
 * Go prints the line with the runtime's own print(), not fmt: integers in
 * decimal, times through itoaDiv and fmtNSAsMS (runtime/mgc.go), which are
 * ported below digit for digit. */

typedef struct line {
  char *buf;
  size_t len, cap; /* cap excludes the terminating NUL */
} line_t;

static void put(line_t *l, const char *s, size_t n) {
  if (n > l->cap - l->len) n = l->cap - l->len;
  memcpy(l->buf + l->len, s, n);
  l->len += n;
}

static void put_str(line_t *l, const char *s) {
  put(l, s, strlen(s));
}

/* Go's itoaDiv: val / 10^dec with dec decimals, into the end of a 24-byte
 * buffer. Like Go's, it prints a leading 0 for dec == 0 and val < 10; Go
 * never asks for that, and neither does this file. */
static void put_div(line_t *l, uint64_t val, int dec) {
  char buf[24];
  int i = (int)sizeof buf - 1, idec = i - dec;
  while (val >= 10 || i >= idec) {
    buf[i--] = (char)('0' + val % 10);
    if (i == idec) buf[i--] = '.';
    val /= 10;
  }
  buf[i] = (char)('0' + val);
  put(l, buf + i, sizeof buf - (size_t)i);
}

static void put_u64(line_t *l, uint64_t v) {
  char buf[24];
  int i = (int)sizeof buf;
  do {
    buf[--i] = (char)('0' + v % 10);
    v /= 10;
  } while (v);
  put(l, buf + i, sizeof buf - (size_t)i);
}

/* Go's fmtNSAsMS: whole milliseconds from 10 ms up, else two significant
 * digits with at most three decimals ("0.055", "7.9"), and "0" below 1 us. */
static void put_ms(line_t *l, uint64_t ns) {
  if (ns >= 10000000) {
    put_div(l, ns / 1000000, 0);
    return;
  }
  uint64_t x = ns / 1000;
  if (x == 0) {
    put_str(l, "0");
    return;
  }
  int dec = 3;
  while (x >= 100) {
    x /= 10;
    dec--;
  }
  put_div(l, x, dec);
}

static void put_mib(line_t *l, uint64_t bytes, const char *after) {
  put_u64(l, bytes >> 20);
  put_str(l, after);
}

size_t hl_gctrace_format(const hl_gc_cycle_t *c, char *buf, size_t len) {
  if (!len) return 0;
  line_t l = {buf, 0, len - 1};
  put_str(&l, "gc ");
  put_u64(&l, c->num);
  put_str(&l, " @");
  put_div(&l, c->start_ns / 1000000, 3);
  put_str(&l, "s ");
  double pct = c->gc_cpu_fraction * 100; /* Go: int(gc_cpu_fraction * 100) */
  put_u64(&l, pct > 0 ? (uint64_t)pct : 0);
  put_str(&l, "%: ");
  for (int i = 0; i < 3; i++) {
    if (i) put_str(&l, "+");
    put_ms(&l, c->clock_ns[i]);
  }
  put_str(&l, " ms clock, ");
  for (int i = 0; i < 5; i++) {
    if (i == 2 || i == 3)
      put_str(&l, "/");
    else if (i)
      put_str(&l, "+");
    put_ms(&l, c->cpu_ns[i]);
  }
  put_str(&l, " ms cpu, ");
  put_mib(&l, c->heap_start_bytes, "->");
  put_mib(&l, c->heap_end_bytes, "->");
  put_mib(&l, c->heap_marked_bytes, " MB, ");
  put_mib(&l, c->heap_goal_bytes, " MB goal, ");
  put_mib(&l, c->stack_scan_bytes, " MB stacks, ");
  put_mib(&l, c->globals_scan_bytes, " MB globals, ");
  put_u64(&l, c->procs);
  put_str(&l, " P");
  if (c->forced) put_str(&l, " (forced)");
  put_str(&l, "\n");
  buf[l.len] = '\0';
  return l.len;
}

/* ---- streaming and gc-thrash (heaplab oom) ------------------------------------ */

static uint64_t cycle_cpu_ns(const hl_gc_cycle_t *c) {
  uint64_t cpu = 0;
  for (int i = 0; i < 5; i++)
    cpu += c->cpu_ns[i];
  return cpu;
}

/* What the gc-thrash window counts: the CPU the collector took from the
 * program, without idle marking (Go's idle workers run only on processors
 * that had nothing else to do, and Go's CPU limiter leaves them out too;
 * heaplab's collectors report none). */
static uint64_t cycle_taken_ns(const hl_gc_cycle_t *c) {
  return cycle_cpu_ns(c) - c->cpu_ns[3];
}

static void put_field(line_t *l, const char *key, uint64_t v) {
  put_str(l, ",\"");
  put_str(l, key);
  put_str(l, "\":");
  put_u64(l, v);
}

/* One "gc" record, built without stdio or heap, sent in one write (well
 * under PIPE_BUF, so records of several threads never interleave). */
static void stream_cycle(const hl_gc_timeline_t *t, const hl_gc_cycle_t *c) {
  char buf[512];
  line_t l = {buf, 0, sizeof buf - 1};
  struct timespec ts; /* when the cycle ended, on the parent's clock too */
  clock_gettime(CLOCK_MONOTONIC, &ts);
  put_str(&l, "{\"type\":\"gc\"");
  put_field(&l, "mono_ns", (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec);
  put_field(&l, "num", c->num);
  put_field(&l, "start_ns", c->start_ns);
  put_field(&l, "pause_ns", c->pause_ns);
  put_field(&l, "cpu_ns", cycle_cpu_ns(c));
#define HL_X(f) put_field(&l, #f, c->f);
  HL_GC_CYCLE_HEAP_FIELDS(HL_X)
#undef HL_X
  put_field(&l, "gc_cpu_permille", (uint64_t)(c->gc_cpu_fraction * 1000));
  put_field(&l, "procs", c->procs);
  put_field(&l, "forced", c->forced);
  put_field(&l, "limiter_on", c->limiter_on);
  put_str(&l, "}\n");
  hl_write_all(t->stream_fd, buf, l.len);
}

/* The GC's share of the CPU over the last window, from the ring of recent
 * cycles; a cycle straddling the window's start counts in part. */
static double window_share(hl_gc_timeline_t *t, uint64_t now_ns, unsigned procs) {
  uint64_t from = now_ns > t->thrash_window_ns ? now_ns - t->thrash_window_ns : 0;
  uint64_t cpu = 0;
  for (size_t k = 0; k < t->ring_len; k++) {
    size_t i = (t->ring_head + HL_GC_THRASH_RING - 1 - k) % HL_GC_THRASH_RING;
    if (t->ring_end_ns[i] <= from) {
      t->ring_len = k; /* older ones will never count again */
      break;
    }
    cpu += t->ring_cpu_ns[i];
  }
  return (double)cpu / ((double)t->thrash_window_ns * (procs ? procs : 1));
}

/* Ends the worker with the gc-thrash record whose message l holds (its
 * closing quote written): the figures after it, in one write. */
static void thrash_exit(const hl_gc_timeline_t *t, line_t *l, uint64_t num, double share) {
  put_field(l, "num_gc", num);
  put_field(l, "window_gc_cpu_permille", (uint64_t)(share * 1000));
  put_str(l, "}\n");
  hl_write_all(t->stream_fd >= 0 ? t->stream_fd : HL_REPORT_FD, l->buf, l->len);
  _exit(HL_WORKER_EXIT_THRASH);
}

static void check_spiral(hl_gc_timeline_t *t, const hl_gc_cycle_t *c);

static void check_thrash(hl_gc_timeline_t *t, const hl_gc_cycle_t *c) {
  if (t->spiral_limit_bytes) {
    check_spiral(t, c);
    return;
  }
  uint64_t end = c->start_ns + c->pause_ns;
  t->ring_end_ns[t->ring_head] = end;
  t->ring_cpu_ns[t->ring_head] = cycle_taken_ns(c);
  t->ring_head = (t->ring_head + 1) % HL_GC_THRASH_RING;
  if (t->ring_len < HL_GC_THRASH_RING) t->ring_len++;
  if (end < t->thrash_window_ns && !c->limiter_on) return; /* not a whole window yet */
  double share = window_share(t, end, c->procs);
  if (share <= 0.5 && !c->limiter_on) return;
  char buf[384];
  line_t l = {buf, 0, sizeof buf - 1};
  put_str(&l, "{\"type\":\"gc-thrash\",\"message\":\"");
  if (c->limiter_on) {
    put_str(&l, "the GC CPU limiter turned on at cycle ");
    put_u64(&l, c->num);
    put_str(&l, ": the collector took over half the CPU for a sustained window\"");
  } else {
    put_str(&l, "the collector used ");
    put_u64(&l, (uint64_t)(share * 100));
    put_str(&l, "% of the CPU over the last ");
    put_u64(&l, t->thrash_window_ns / 1000000);
    put_str(&l, " ms, at cycle ");
    put_u64(&l, c->num);
    put_str(&l, "\"");
  }
  thrash_exit(t, &l, c->num, share);
}

/* ---- the memory-limit death spiral (backend go) ------------------------------
 *
 * Go >= 1.19 caps its collector at about half the CPU (the runtime's GC
 * CPU limiter: a leaky bucket of GC time, one CPU-second per P, that fills
 * only while the GC takes more than the mutator), so a leaking program under GOMEMLIMIT
 * (golang/go issue 58106) sits at that cap, degraded, for hours: its CPU
 * share over a window hovers at the one-half threshold and decides nothing
 * reliably (and gctrace counts a mark worker's wall time while it holds its
 * P, so a loaded machine inflates the share). What does not hover is the
 * pacer's state. Once the live heap passes the limit's heap goal, the goal
 * is the marked heap itself (Go 1.19's pacer: never below marked), the
 * trigger with it, and the next cycle starts as soon as the program
 * allocates: cycles back to back, the limiter engaged. gctrace shows both:
 * a cycle whose "MB goal" is at most the previous cycle's marked heap (the
 * third "->" figure; both in whole MiB), and a start ("@S s") no further
 * after the previous cycle's end (its start plus its three clock phases)
 * than the cycle's own clock time, i.e. the collector in a cycle at least
 * half the time. A streak of such cycles spanning the whole --thrash-window
 * is gc-thrash; a cycle with runway (goal above marked) or a pause longer
 * than the cycle ends the streak. The message says what was seen: the
 * streak, the limit and the live heap, the share of the time spent in a
 * cycle and the collector's CPU share (idle-time marking apart, then with
 * it), for the record rather than the decision. */

void hl_gc_timeline_watch_spiral(hl_gc_timeline_t *t, uint64_t limit_bytes) {
  t->spiral_limit_bytes = limit_bytes;
}

static uint64_t cycle_clock_ns(const hl_gc_cycle_t *c) {
  return c->clock_ns[0] + c->clock_ns[1] + c->clock_ns[2];
}

static void put_pct(line_t *l, uint64_t part, uint64_t whole) {
  put_u64(l, whole ? part * 100 / whole : 0);
  put_str(l, "%");
}

static void spiral_exit(const hl_gc_timeline_t *t, const hl_gc_cycle_t *c, uint64_t span_ns) {
  uint64_t capacity_ns = span_ns * (c->procs ? c->procs : 1);
  char buf[640];
  line_t l = {buf, 0, sizeof buf - 1};
  put_str(&l, "{\"type\":\"gc-thrash\",\"message\":\"the heap goal stayed at the live heap for ");
  put_u64(&l, t->spiral.cycles);
  put_str(&l, " cycles back to back over the last ");
  put_u64(&l, span_ns / 1000000);
  put_str(&l, " ms (GOMEMLIMIT ");
  put_mib(&l, t->spiral_limit_bytes, " MiB, live ");
  put_mib(&l, c->heap_marked_bytes, " MiB at cycle ");
  put_u64(&l, c->num);
  put_str(&l, "; in a cycle ");
  put_pct(&l, t->spiral.clock_ns, span_ns);
  put_str(&l, " of the time, the collector taking ");
  put_pct(&l, t->spiral.taken_ns, capacity_ns);
  put_str(&l, " of the CPU, ");
  put_pct(&l, t->spiral.taken_ns + t->spiral.idle_ns, capacity_ns);
  put_str(&l, " with idle-time marking): the GOMEMLIMIT death spiral, a collection as soon as "
              "the program allocates instead of an out-of-memory death\"");
  thrash_exit(t, &l, c->num, (double)t->spiral.taken_ns / (double)capacity_ns);
}

static void check_spiral(hl_gc_timeline_t *t, const hl_gc_cycle_t *c) {
  uint64_t clock = cycle_clock_ns(c), end = c->start_ns + clock;
  int pinned = t->spiral.have_prev && c->heap_goal_bytes <= t->spiral.prev_marked_bytes;
  uint64_t gap = c->start_ns > t->spiral.prev_end_ns ? c->start_ns - t->spiral.prev_end_ns : 0;
  if (pinned && gap <= clock) {
    if (!t->spiral.cycles) t->spiral.since_ns = c->start_ns;
    t->spiral.cycles++;
    t->spiral.clock_ns += clock;
    t->spiral.taken_ns += cycle_taken_ns(c);
    t->spiral.idle_ns += c->cpu_ns[3];
  } else {
    t->spiral.cycles = t->spiral.clock_ns = t->spiral.taken_ns = t->spiral.idle_ns = 0;
  }
  t->spiral.have_prev = 1;
  t->spiral.prev_end_ns = end;
  t->spiral.prev_marked_bytes = c->heap_marked_bytes;
  if (t->spiral.cycles >= 2 && end - t->spiral.since_ns >= t->thrash_window_ns)
    spiral_exit(t, c, end - t->spiral.since_ns);
}
