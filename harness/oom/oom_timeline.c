/* One run's timeline as a gnuplot PNG (oom_timeline.h).
 *
 * The data file holds the blocks oom_tlseries.h writes (seconds and MiB,
 * only blocks with points, numbered as written); the plot commands name
 * only the series the run has, each by its block's index, so the legend
 * never lists an empty line and an index never names a missing block. */
#include "oom_timeline.h"

#include "error.h"
#include "gnuplot.h"
#include "oom_tlseries.h"
#include "plot_templates.h"
#include "results.h"
#include "size.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB 1048576.0
#define FAR_ABOVE 2.5 /* a limit this many times the data's top is a note, not a line */

static const char *outcome_of(const hl_row_t *row) {
  return row->outcome ? row->outcome : "?";
}

/* The top panel's plot command: a clause per memory series the run has,
 * then the limits (those not far above the data). data, limit_title and
 * end_title are quoted literals (gnuplot.h). */
static char *memory_plot(const char *data, const hl_tl_series_t *s, const char *limit_title,
                         const char *end_title, double limit_mib, double soft_mib) {
  static const char *const style[HL_TL_END] = {
      "with lines lw 2 lc rgb '#1f77b4' title 'RSS (parent samples)'",
      "with lines lw 2 lc rgb '#2ca02c' title 'heap live (heap_alloc)'",
      "with steps lw 1.5 dt 2 lc rgb '#9467bd' title 'heap goal'",
      "with points pt 7 ps 0.6 lc rgb '#ff7f0e' title 'GC cycle (heap at mark end)'",
  };
  size_t cap = 2048 + 8 * strlen(data) + strlen(limit_title) + strlen(end_title), off = 0;
  char *cmd = malloc(cap);
  if (!cmd) return NULL;
  off += (size_t)snprintf(cmd, cap, "plot ");
  for (int b = 0; b < HL_TL_END; b++)
    if (s->index[b] >= 0)
      off += (size_t)snprintf(cmd + off, cap - off, "%s%s index %d using 1:2 %s",
                              off > 5 ? ", \\\n  " : "", data, s->index[b], style[b]);
  if (limit_mib > 0)
    off += (size_t)snprintf(cmd + off, cap - off,
                            "%s%.6f with lines lw 2 dt 3 lc rgb '#d62728' title %s",
                            off > 5 ? ", \\\n  " : "", limit_mib, limit_title);
  if (soft_mib > 0)
    off += (size_t)snprintf(cmd + off, cap - off,
                            "%s%.6f with lines lw 1.5 dt 4 lc rgb '#8c564b' title "
                            "'GOMEMLIMIT %.1f MiB (soft)'",
                            off > 5 ? ", \\\n  " : "", soft_mib, soft_mib);
  if (s->index[HL_TL_END] >= 0)
    snprintf(cmd + off, cap - off,
             "%s%s index %d using 1:2 with points pt 2 ps 3 lw 3 lc rgb 'black' title %s",
             off > 5 ? ", \\\n  " : "", data, s->index[HL_TL_END], end_title);
  return cmd;
}

/* The bottom panel, a collector's GC CPU share per cycle; "" without one. */
static void gc_panel(const char *data, const hl_tl_series_t *s, char *buf, size_t len) {
  if (s->index[HL_TL_GC_CPU] < 0) {
    snprintf(buf, len, "%s", "");
    return;
  }
  snprintf(buf, len,
           "unset label\nunset title\nset origin 0,0\nset size 1,0.3\n"
           "set ylabel 'GC CPU %%'\nset xlabel 'time since the worker was spawned (s)'\n"
           "set yrange [0:100]\nset ytics 25\n"
           "plot %s index %d using 1:2 with impulses lw 2 lc rgb '#ff7f0e' title "
           "'GC CPU share at each cycle', 50 with lines dt 3 lc rgb '#999999' title "
           "'half the CPU'",
           data, s->index[HL_TL_GC_CPU]);
}

/* The limit line, or a note at the top when the limit is far above what
 * the run reached (a line there would squash the data into the bottom). */
static double limit_shown(const hl_oom_timeline_t *tl, const hl_tl_series_t *s, double mib,
                          char *note, size_t len) {
  note[0] = '\0';
  if (!(mib > 0) || mib <= FAR_ABOVE * s->ymax_mib) return mib;
  char text[200], quoted[420];
  snprintf(text, sizeof text, "limit %.1f MiB (%s), far above", mib,
           tl->limit_mode ? tl->limit_mode : "limit");
  hl_gp_quote(text, quoted, sizeof quoted);
  snprintf(note, len, "set label 2 %s at graph 0.99, graph 0.96 right tc rgb '#d62728'\n",
           quoted);
  return 0;
}

/* Quoted titles of the figure: its title, the limit's, the end's, the
 * label at the end. 0, or HL_ERANGE when one does not fit. */
typedef struct titles {
  char title[2100], limit[300], end[600], data[1100], label[1400];
} titles_t;

static int make_titles(const hl_oom_timeline_t *tl, const hl_tl_series_t *s, const char *data,
                       double limit_mib, titles_t *t) {
  char text[1024];
  long rep = tl->row->repetition < 0 ? 0 : tl->row->repetition;
  snprintf(text, sizeof text, "limit %.1f MiB (%s)", limit_mib,
           tl->limit_mode ? tl->limit_mode : "limit");
  int rc = hl_gp_quote(text, t->limit, sizeof t->limit);
  snprintf(text, sizeof text, "%s (the end of the run)", outcome_of(tl->row));
  rc |= hl_gp_quote(text, t->end, sizeof t->end) | hl_gp_quote(data, t->data, sizeof t->data);
  snprintf(text, sizeof text, "%s: repetition %ld of %zu, %s", tl->cell_name, rep + 1,
           tl->cell_runs, outcome_of(tl->row));
  rc |= hl_gp_quote(text, t->title, sizeof t->title);
  t->label[0] = '\0';
  if (s->index[HL_TL_END] >= 0) {
    char quoted[600];
    snprintf(text, sizeof text, "%s, ended at %.3g s", outcome_of(tl->row), s->end_s);
    rc |= hl_gp_quote(text, quoted, sizeof quoted);
    snprintf(t->label, sizeof t->label, "set label 1 %s at %.9f,%.6f offset -2,1.5 right\n",
             quoted, s->end_s, s->end_mib);
  }
  return rc;
}

/* Stages the data file: the blocks that have points. */
static int put_data(const hl_tl_series_t *s_in, hl_output_set_t *set, const char *data,
                    char *why, size_t len) {
  hl_tl_series_t *s = (hl_tl_series_t *)s_in;
  char *text = NULL, rel[600];
  size_t text_len = 0;
  FILE *f = open_memstream(&text, &text_len);
  if (!f) {
    snprintf(why, len, "out of memory");
    return HL_ENOMEM;
  }
  hl_tl_series_write(s, f);
  int rc = fclose(f) == 0 ? 0 : HL_ENOMEM;
  snprintf(rel, sizeof rel, "timelines/%s", data);
  if (rc == 0 && s->index[HL_TL_RSS] < 0 && s->index[HL_TL_LIVE] < 0) {
    snprintf(why, len, "the run has no timeline samples (run with --sample-ms)");
    rc = HL_ENOENT;
  } else if (rc == 0) {
    rc = hl_output_set_put(set, rel, text, text_len, why, len);
  }
  free(text);
  return rc;
}

static double soft_limit_mib(const hl_row_t *row) {
  uint64_t soft;
  const char *memlimit = json_string_value(json_object_get(row->json, "memlimit"));
  return memlimit && hl_parse_count(memlimit, 1, UINT64_MAX, &soft) == 0 ? (double)soft / MIB
                                                                          : 0;
}

static int render(const hl_oom_timeline_t *tl, const hl_tl_series_t *s, const hl_figure_t *fig,
                  const char *data, char *why, size_t len) {
  double soft_mib = soft_limit_mib(tl->row), limit_mib = (double)tl->limit_bytes / MIB;
  char note[600], xmax[32], ymax[32], gc[1024], labels[2100];
  double line_mib = limit_shown(tl, s, limit_mib, note, sizeof note);
  titles_t t;
  int rc = make_titles(tl, s, data, limit_mib, &t);
  char *cmd = rc ? NULL : memory_plot(t.data, s, t.limit, t.end, line_mib, soft_mib);
  if (!cmd) {
    snprintf(why, len, rc ? "a name is too long to plot" : "out of memory");
    return rc ? HL_ERANGE : HL_ENOMEM;
  }
  double top = fmax(s->ymax_mib, fmax(line_mib, soft_mib));
  snprintf(xmax, sizeof xmax, "%.6g", s->xmax_s > 0 ? s->xmax_s * 1.03 : 1);
  snprintf(ymax, sizeof ymax, "%.6g", top > 0 ? top * 1.12 : 1);
  snprintf(labels, sizeof labels, "%s%s", t.label, note);
  gc_panel(t.data, s, gc, sizeof gc);
  int panel = gc[0] != '\0';
  const char *kv[] = {"TERMINAL",   "pngcairo",
                      "HEIGHT",     panel ? "760" : "560",
                      "TITLE",      t.title,
                      "XMAX",       xmax,
                      "YMAX",       ymax,
                      "TOP_ORIGIN", panel ? "0.3" : "0",
                      "TOP_SIZE",   panel ? "0.7" : "1",
                      "XLABEL_TOP", panel ? "unset xlabel"
                                          : "set xlabel 'time since the worker was spawned (s)'",
                      "LABELS",     labels,
                      "PLOT",       cmd,
                      "GC_PANEL",   gc};
  rc = hl_plot_render(hl_template_timeline, kv, sizeof kv / sizeof kv[0], fig, why, len);
  free(cmd);
  return rc;
}

int hl_oom_timeline_draw(const hl_oom_timeline_t *tl, hl_output_set_t *set, const char *file,
                         char *why, size_t len) {
  char data[512], script[512], image[512];
  snprintf(data, sizeof data, "%s.dat", file);
  snprintf(script, sizeof script, "%s.png.gp", file);
  snprintf(image, sizeof image, "%s.png", file);
  hl_figure_t fig = {set, "timelines", image, script};
  hl_tl_series_t s;
  int rc = hl_tl_series_read(&s, tl->row, tl->died);
  if (rc) snprintf(why, len, "out of memory");
  if (rc == 0) rc = put_data(&s, set, data, why, len);
  if (rc == 0) rc = render(tl, &s, &fig, data, why, len);
  hl_tl_series_free(&s);
  return rc;
}
