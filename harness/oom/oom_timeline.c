/* One run's timeline as a gnuplot PNG (oom_timeline.h).
 *
 * The data file holds the blocks plots/timeline.gp documents, in seconds
 * and MiB; the plot command names only the series the run has (a malloc
 * backend has no goal and no cycles, an unsampled run nothing but its end),
 * so the legend never lists an empty line. */
#include "oom_timeline.h"

#include "error.h"
#include "gnuplot.h"
#include "plot_templates.h"
#include "results.h"
#include "size.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB 1048576.0

static const char *outcome_of(const hl_row_t *row) {
  return row->outcome ? row->outcome : "?";
}

enum { SER_RSS, SER_LIVE, SER_GOAL, SER_GC, SER_END, SER_COUNT };

typedef struct series {
  double xmax_s, ymax_mib, end_s, end_mib;
  unsigned present; /* bit i: block i has points */
} series_t;

static void point(FILE *f, series_t *s, int block, double t_ns, double bytes) {
  double x = t_ns / 1e9, y = bytes / MIB;
  fprintf(f, "%.9f\t%.6f\n", x, y);
  s->present |= 1u << block;
  if (x > s->xmax_s) s->xmax_s = x;
  if (y > s->ymax_mib) s->ymax_mib = y;
}

/* key of each object of array (samples, gc_marks) against its t_ns; zeros
 * are left out (a figure the backend cannot tell). */
static void object_series(FILE *f, series_t *s, int block, const json_t *array, const char *key) {
  size_t i;
  const json_t *o;
  double t, v;
  fprintf(f, "%s# block %d: %s\n", block ? "\n\n" : "", block, key);
  json_array_foreach(array, i, o) {
    if (hl_json_number(o, "t_ns", &t) == 0 && hl_json_number(o, key, &v) == 0 && v > 0)
      point(f, s, block, t, v);
  }
}

/* The blocks of plots/timeline.gp. RSS is the parent's samples
 * (rss_timeline), or the worker's own when the parent took none; the goal
 * is the worker's samples', or each cycle's when samples lack it; the end
 * is the last RSS point (or end_s at the peak) of a run that died. */
static void write_series(FILE *f, const hl_row_t *row, int died, series_t *s) {
  const json_t *tl = json_object_get(row->json, "rss_timeline");
  const json_t *t = json_object_get(tl, "t_ns"), *r = json_object_get(tl, "rss_bytes");
  const json_t *samples = json_object_get(row->json, "samples"),
               *marks = json_object_get(row->json, "gc_marks");
  if (json_array_size(t) && json_array_size(t) == json_array_size(r)) {
    fprintf(f, "# block 0: rss_bytes (the parent's samples)\n");
    for (size_t i = 0; i < json_array_size(t); i++)
      point(f, s, SER_RSS, json_number_value(json_array_get(t, i)),
            json_number_value(json_array_get(r, i)));
  } else {
    object_series(f, s, SER_RSS, samples, "rss_bytes");
  }
  double last_t = s->xmax_s, last_rss = 0;
  if (s->present & 1u << SER_RSS)
    last_rss = json_number_value(json_array_get(r, json_array_size(r) - 1));
  object_series(f, s, SER_LIVE, samples, "heap_alloc_bytes");
  object_series(f, s, SER_GOAL, samples, "heap_goal_bytes");
  if (!(s->present & 1u << SER_GOAL)) object_series(f, s, SER_GOAL, marks, "heap_goal_bytes");
  object_series(f, s, SER_GC, marks, "heap_end_bytes");
  fprintf(f, "\n\n# block 4: the end of a run that died\n");
  if (!died) return;
  double end_s, peak = 0;
  hl_row_number(row, "rss_peak_bytes", &peak);
  if (!(s->present & 1u << SER_RSS) || last_rss <= 0 || !json_array_size(t)) {
    last_t = hl_row_number(row, "end_s", &end_s) == 0 ? end_s : s->xmax_s;
    last_rss = peak;
  }
  if (last_rss > 0) point(f, s, SER_END, last_t * 1e9, last_rss);
  s->end_s = last_t;
  s->end_mib = last_rss / MIB;
}

/* The plot command: a clause per series the run has, then the limits.
 * data, limit_title and end_title are quoted literals (gnuplot.h). */
static char *timeline_plot(const char *data, const series_t *s, const char *limit_title,
                           const char *end_title, double limit_mib, double soft_mib) {
  static const char *const style[SER_END] = {
      "with lines lw 2 lc rgb '#1f77b4' title 'RSS (parent samples)'",
      "with lines lw 2 lc rgb '#2ca02c' title 'heap live (heap_alloc)'",
      "with steps lw 1.5 dt 2 lc rgb '#9467bd' title 'heap goal'",
      "with points pt 7 ps 0.7 lc rgb '#ff7f0e' title 'GC cycle (heap at mark end)'",
  };
  size_t cap = 2048 + 8 * strlen(data) + strlen(limit_title) + strlen(end_title), off = 0;
  char *cmd = malloc(cap);
  if (!cmd) return NULL;
  off += (size_t)snprintf(cmd, cap, "plot ");
  for (int b = 0; b < SER_END; b++)
    if (s->present & 1u << b)
      off += (size_t)snprintf(cmd + off, cap - off, "%s%s index %d using 1:2 %s",
                              off > 5 ? ", \\\n  " : "", data, b, style[b]);
  if (limit_mib > 0)
    off += (size_t)snprintf(cmd + off, cap - off,
                            "%s%.6f with lines lw 2 dt 3 lc rgb '#d62728' title %s",
                            off > 5 ? ", \\\n  " : "", limit_mib, limit_title);
  if (soft_mib > 0)
    off += (size_t)snprintf(cmd + off, cap - off,
                            "%s%.6f with lines lw 1.5 dt 4 lc rgb '#8c564b' title "
                            "'GOMEMLIMIT %.1f MiB (soft)'",
                            off > 5 ? ", \\\n  " : "", soft_mib, soft_mib);
  if (s->present & 1u << SER_END)
    snprintf(cmd + off, cap - off,
             "%s%s index %d using 1:2 with points pt 2 ps 3 lw 3 lc rgb 'black' title %s",
             off > 5 ? ", \\\n  " : "", data, SER_END, end_title);
  return cmd;
}

int hl_oom_timeline_draw(const hl_oom_timeline_t *tl, hl_output_set_t *set, const char *file,
                         char *why, size_t len) {
  char data[512], script[512], image[512];
  snprintf(data, sizeof data, "%s.dat", file);
  snprintf(script, sizeof script, "%s.png.gp", file);
  snprintf(image, sizeof image, "%s.png", file);
  hl_figure_t fig = {set, "timelines", image, script};
  char *points = NULL, rel[600];
  size_t points_len = 0;
  FILE *f = open_memstream(&points, &points_len);
  series_t s = {0};
  if (f) write_series(f, tl->row, tl->died, &s);
  if (!f || fclose(f) != 0) {
    free(points);
    snprintf(why, len, "out of memory");
    return HL_ENOMEM;
  }
  int rc = HL_ENOENT;
  snprintf(rel, sizeof rel, "timelines/%s", data);
  if (!(s.present & ~(1u << SER_END)))
    snprintf(why, len, "the run has no timeline samples (run with --sample-ms)");
  else
    rc = hl_output_set_put(set, rel, points, points_len, why, len);
  free(points);
  if (rc) return rc;
  double limit_mib = (double)tl->limit_bytes / MIB, soft_mib = 0;
  long rep = tl->row->repetition < 0 ? 0 : tl->row->repetition;
  uint64_t soft;
  const char *memlimit = json_string_value(json_object_get(tl->row->json, "memlimit"));
  if (memlimit && hl_parse_count(memlimit, 1, UINT64_MAX, &soft) == 0)
    soft_mib = (double)soft / MIB;
  char text[1024], title[2100], limit_title[300], end_title[600], qdata[1100], xmax[32], ymax[32];
  char label[1200] = "";
  snprintf(text, sizeof text, "limit %.1f MiB (%s)", limit_mib,
           tl->limit_mode ? tl->limit_mode : "limit");
  rc = hl_gp_quote(text, limit_title, sizeof limit_title);
  snprintf(text, sizeof text, "%s (last sample)", outcome_of(tl->row));
  rc |= hl_gp_quote(text, end_title, sizeof end_title) | hl_gp_quote(data, qdata, sizeof qdata);
  snprintf(text, sizeof text, "%s: repetition %ld of %zu, %s", tl->cell_name, rep + 1,
           tl->cell_runs, outcome_of(tl->row));
  rc |= hl_gp_quote(text, title, sizeof title);
  double top = fmax(s.ymax_mib, fmax(limit_mib, soft_mib));
  snprintf(xmax, sizeof xmax, "%.6g", s.xmax_s > 0 ? s.xmax_s * 1.04 : 1);
  snprintf(ymax, sizeof ymax, "%.6g", top > 0 ? top * 1.12 : 1);
  double end_s = s.end_s;
  hl_row_number(tl->row, "end_s", &end_s);
  if (s.present & 1u << SER_END) {
    char quoted[600];
    snprintf(text, sizeof text, "%s, ended at %.3g s", outcome_of(tl->row), end_s);
    rc |= hl_gp_quote(text, quoted, sizeof quoted);
    snprintf(label, sizeof label, "set label 1 %s at %.9f,%.6f offset -2,1.5 right", quoted,
             s.end_s, s.end_mib);
  }
  char *cmd = rc ? NULL : timeline_plot(qdata, &s, limit_title, end_title, limit_mib, soft_mib);
  if (!cmd) {
    snprintf(why, len, rc ? "a name is too long to plot" : "out of memory");
    return rc ? HL_ERANGE : HL_ENOMEM;
  }
  const char *kv[] = {"TERMINAL", "pngcairo", "TITLE",  title, "XMAX", xmax,
                      "YMAX",     ymax,       "LABELS", label, "PLOT", cmd};
  rc = hl_plot_render(hl_template_timeline, kv, sizeof kv / sizeof kv[0], &fig, why, len);
  free(cmd);
  return rc;
}
