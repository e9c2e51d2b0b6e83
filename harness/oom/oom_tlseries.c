/* The blocks of a run's timeline (oom_tlseries.h). */
#include "oom_tlseries.h"

#include "error.h"
#include "results.h"
#include "stats.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

#define MIB 1048576.0
#define GAP_INTERVALS 5 /* a pause this many usual intervals long is a gap */

static const char *const names[HL_TL_COUNT] = {
    "rss_bytes", "heap_alloc_bytes", "heap_goal_bytes", "heap_end_bytes of each GC cycle",
    "the end of a run that died", "gc_cpu_permille of each GC cycle, in percent"};

static void point(hl_tl_series_t *s, int which, double t_ns, double y, int memory) {
  double x = t_ns / 1e9;
  fprintf(s->f[which], "%.9f\t%.6f\n", x, y);
  s->points[which]++;
  if (x > s->xmax_s) s->xmax_s = x;
  if (memory && y > s->ymax_mib) s->ymax_mib = y;
}

/* The usual interval between times t[0..n): their median difference. */
static double usual_interval(const double *t, size_t n) {
  if (n < 3) return 0;
  double *d = calloc(n - 1, sizeof *d);
  if (!d) return 0;
  for (size_t i = 1; i < n; i++)
    d[i - 1] = t[i] - t[i - 1];
  double m = hl_stats_median(d, n - 1);
  free(d);
  return m;
}

/* A memory series of (t_ns, bytes) pairs: zeros left out (a figure the
 * backend cannot tell), a blank line at each gap. */
static void memory_series(hl_tl_series_t *s, int which, const double *t, const double *v,
                          size_t n) {
  double usual = usual_interval(t, n);
  int any = 0;
  for (size_t i = 0; i < n; i++) {
    if (!(v[i] > 0)) continue;
    if (any && usual > 0 && t[i] - t[i - 1] > GAP_INTERVALS * usual)
      fprintf(s->f[which], "\n"); /* one blank line: a gap in the line */
    point(s, which, t[i], v[i] / MIB, 1);
    any = 1;
  }
}

/* key of each object of array (samples, gc_marks) against its t_ns. Only
 * every step-th object (and the last) when step > 1. */
static void object_series(hl_tl_series_t *s, int which, const json_t *array, const char *key,
                          size_t step) {
  size_t n = json_array_size(array), k = 0;
  double *t = calloc(n ? n : 1, sizeof *t), *v = calloc(n ? n : 1, sizeof *v);
  for (size_t i = 0; t && v && i < n; i++) {
    const json_t *o = json_array_get(array, i);
    if ((i % step && i + 1 < n) || hl_json_number(o, "t_ns", &t[k]) != 0 ||
        hl_json_number(o, key, &v[k]) != 0)
      continue;
    k++;
  }
  if (t && v) memory_series(s, which, t, v, k);
  free(t);
  free(v);
}

/* The parent's RSS samples (rss_timeline), else the worker's own. */
static void rss_series(hl_tl_series_t *s, const hl_row_t *row) {
  const json_t *tl = json_object_get(row->json, "rss_timeline");
  const json_t *t = json_object_get(tl, "t_ns"), *r = json_object_get(tl, "rss_bytes");
  size_t n = json_array_size(t);
  if (!n || n != json_array_size(r)) {
    object_series(s, HL_TL_RSS, json_object_get(row->json, "samples"), "rss_bytes", 1);
    return;
  }
  double *x = calloc(n, sizeof *x), *y = calloc(n, sizeof *y);
  for (size_t i = 0; x && y && i < n; i++) {
    x[i] = json_number_value(json_array_get(t, i));
    y[i] = json_number_value(json_array_get(r, i));
  }
  if (x && y) memory_series(s, HL_TL_RSS, x, y, n);
  free(x);
  free(y);
}

/* GC CPU % per cycle, thinned like the cycles. */
static void gc_cpu_series(hl_tl_series_t *s, const json_t *marks, size_t step) {
  size_t n = json_array_size(marks);
  for (size_t i = 0; i < n; i++) {
    double t, permille;
    const json_t *o = json_array_get(marks, i);
    if ((i % step && i + 1 < n) || hl_json_number(o, "t_ns", &t) != 0 ||
        hl_json_number(o, "gc_cpu_permille", &permille) != 0)
      continue;
    point(s, HL_TL_GC_CPU, t, permille / 10, 0);
  }
}

/* The end of a run that died: its last RSS sample, else its peak at end_s. */
static void end_point(hl_tl_series_t *s, const hl_row_t *row) {
  const json_t *r = json_object_get(json_object_get(row->json, "rss_timeline"), "rss_bytes");
  double end_s = s->xmax_s, rss = json_number_value(json_array_get(r, json_array_size(r) - 1));
  if (hl_row_number(row, "end_s", &end_s) != 0) end_s = s->xmax_s;
  if (!(rss > 0)) hl_row_number(row, "rss_peak_bytes", &rss);
  if (!(rss > 0)) return;
  point(s, HL_TL_END, end_s * 1e9, rss / MIB, 1);
  s->end_s = end_s;
  s->end_mib = rss / MIB;
}

int hl_tl_series_read(hl_tl_series_t *s, const hl_row_t *row, int died) {
  memset(s, 0, sizeof *s);
  for (int b = 0; b < HL_TL_COUNT; b++) {
    s->index[b] = -1;
    if (!(s->f[b] = open_memstream(&s->text[b], &s->len[b]))) return HL_ENOMEM;
  }
  const json_t *samples = json_object_get(row->json, "samples"),
               *marks = json_object_get(row->json, "gc_marks");
  size_t nmarks = json_array_size(marks);
  size_t step = nmarks > HL_TL_MAX_GC_POINTS ? (nmarks + HL_TL_MAX_GC_POINTS - 1) /
                                                   HL_TL_MAX_GC_POINTS
                                             : 1;
  rss_series(s, row);
  object_series(s, HL_TL_LIVE, samples, "heap_alloc_bytes", 1);
  object_series(s, HL_TL_GOAL, samples, "heap_goal_bytes", 1);
  if (!s->points[HL_TL_GOAL]) object_series(s, HL_TL_GOAL, marks, "heap_goal_bytes", step);
  object_series(s, HL_TL_GC, marks, "heap_end_bytes", step);
  gc_cpu_series(s, marks, step);
  double end_s;
  if (hl_row_number(row, "end_s", &end_s) == 0 && end_s > s->xmax_s) s->xmax_s = end_s;
  if (died) end_point(s, row);
  return 0;
}

void hl_tl_series_write(hl_tl_series_t *s, FILE *out) {
  int next = 0;
  for (int b = 0; b < HL_TL_COUNT; b++) {
    if (s->f[b]) fflush(s->f[b]);
    if (!s->points[b]) continue;
    fprintf(out, "%s# block %d: %s\n", next ? "\n\n" : "", next, names[b]);
    fwrite(s->text[b], 1, s->len[b], out);
    s->index[b] = next++;
  }
}

void hl_tl_series_free(hl_tl_series_t *s) {
  for (int b = 0; b < HL_TL_COUNT; b++) {
    if (s->f[b]) fclose(s->f[b]);
    free(s->text[b]);
  }
  memset(s, 0, sizeof *s);
}
