/* `heaplab plot` (plot.h). */
#include "plot.h"

#include "error.h"
#include "charts.h"
#include "gnuplot.h"
#include "opts.h"
#include "plot_templates.h"
#include "results.h"
#include "stats.h"
#include "rows.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_REPS 1024

typedef struct metric {
  const char *key;  /* results field */
  const char *file; /* output base name */
  const char *title;
  const char *ylabel;
  double scale; /* value / scale is plotted */
} metric_t;


/* Groups ("steady-service/live=4M") by backends, each cell's ok rows. */
typedef hl_grid_t layout_t;

typedef struct plot_opts {
  const char *input, *dir, *terminal, *ext, *baseline;
} plot_opts_t;

/* Median, min and max of the metric for one group and backend; 0 values
 * found means a missing bar. */
static size_t cell_values(const layout_t *l, size_t g, size_t b, const metric_t *m, double *v) {
  const hl_row_group_t *c = l->cell[g][b];
  size_t n = 0;
  for (size_t i = 0; c && i < c->n && n < MAX_REPS; i++) {
    double x;
    if (hl_row_number(c->row[i], m->key, &x) == 0 && x > 0 && isfinite(x)) v[n++] = x / m->scale;
  }
  return n;
}

/* `set xtics (...)` labels, one per cluster at its index, and the plot
 * commands, one clause per backend; every name a quoted literal. */
static char *xtics_list(const layout_t *l) {
  size_t cap = 64, len = 0;
  for (size_t g = 0; g < l->ngroups; g++)
    cap += 4 * strlen(l->group[g]) + 32; /* hl_gp_quote makes at most 4 bytes of one */
  char *s = malloc(cap);
  if (!s) return NULL;
  s[0] = '\0';
  for (size_t g = 0; g < l->ngroups; g++) {
    len += (size_t)snprintf(s + len, cap - len, "%s", g ? ", " : "");
    hl_gp_quote(l->group[g], s + len, cap - len);
    len += strlen(s + len);
    len += (size_t)snprintf(s + len, cap - len, " %zu", g);
  }
  return s;
}

/* Quoted gnuplot literals of a figure's strings (gnuplot.h). */
typedef struct quoted {
  char title[1024], ylabel[512], data[512], points[512];
} quoted_t;

static int quote_all(quoted_t *q, const char *title, const char *ylabel, const char *data,
                     const char *points) {
  return hl_gp_quote(title, q->title, sizeof q->title) |
         hl_gp_quote(ylabel, q->ylabel, sizeof q->ylabel) |
         hl_gp_quote(data, q->data, sizeof q->data) |
         hl_gp_quote(points ? points : "", q->points, sizeof q->points);
}

/* ---- box plots (heaplab report) ------------------------------------------ */

/* Quantile q of sorted x (linear interpolation between order statistics,
 * the default of R and numpy). */
static double quantile(const double *x, size_t n, double q) {
  double pos = q * (double)(n - 1);
  size_t i = (size_t)pos;
  double f = pos - (double)i;
  return i + 1 < n ? x[i] * (1 - f) + x[i + 1] * f : x[i];
}

static int cmp_dbl(const void *a, const void *b) {
  double x = *(const double *)a, y = *(const double *)b;
  return x < y ? -1 : x > y;
}

/* One block per backend (gnuplot `index`): x, min, q1, median, q3, max per
 * cell; the repetitions go to a second file as x, value. A backend's boxes
 * sit side by side around the cell's integer x. */
static int write_box_data(FILE *f, FILE *p, const layout_t *l, const metric_t *m, double *lo,
                          double *hi) {
  double *v = calloc(MAX_REPS, sizeof *v);
  int rc = f && p && v ? 0 : HL_EIO;
  double step = 0.8 / (double)l->nbackends;
  *lo = INFINITY;
  *hi = 0;
  for (size_t b = 0; rc == 0 && b < l->nbackends; b++) {
    fprintf(f, "%s# backend %zu\n", b ? "\n\n" : "", b + 1);
    fprintf(p, "%s# backend %zu\n", b ? "\n\n" : "", b + 1);
    for (size_t g = 0; g < l->ngroups; g++) {
      size_t n = cell_values(l, g, b, m, v);
      if (n == 0) continue;
      qsort(v, n, sizeof *v, cmp_dbl);
      double x = (double)g + ((double)b - (double)(l->nbackends - 1) / 2) * step;
      fprintf(f, "%.4f\t%.6g\t%.6g\t%.6g\t%.6g\t%.6g\n", x, v[0], quantile(v, n, 0.25),
              quantile(v, n, 0.5), quantile(v, n, 0.75), v[n - 1]);
      for (size_t k = 0; k < n; k++)
        fprintf(p, "%.4f\t%.6g\n", x, v[k]);
      if (v[0] < *lo) *lo = v[0];
      if (v[n - 1] > *hi) *hi = v[n - 1];
    }
  }
  free(v);
  if (p && fclose(p) != 0) rc = HL_EIO;
  if (f && fclose(f) != 0) rc = HL_EIO;
  return rc == 0 && *hi > 0 ? 0 : HL_EIO;
}

static char *box_plot_cmd(const layout_t *l, const quoted_t *q) {
  size_t cap = 256, len = 0;
  for (size_t b = 0; b < l->nbackends; b++)
    cap += 3 * strlen(q->data) + 3 * strlen(q->points) + 4 * strlen(l->backend[b]) + 256;
  char *s = malloc(cap), title[1100];
  if (!s) return NULL;
  len += (size_t)snprintf(s + len, cap - len, "plot ");
  for (size_t b = 0; b < l->nbackends; b++) {
    hl_gp_quote(l->backend[b], title, sizeof title);
    len += (size_t)snprintf(s + len, cap - len,
                            "%s%s index %zu using 1:3:2:6:5 with candlesticks whiskerbars 0.5 "
                            "lc %zu title %s, \\\n  %s index %zu using 1:4:4:4:4 with "
                            "candlesticks lc %zu lw 2 notitle, \\\n  %s index %zu using 1:2 "
                            "with points pt 7 ps 0.3 lc %zu notitle",
                            b ? ", \\\n  " : "", q->data, b, b + 1, title, q->data, b, b + 1,
                            q->points, b, b + 1);
  }
  return s;
}

int hl_plot_box(const hl_results_t *v, const hl_plot_spec_t *spec, hl_output_set_t *set,
                const char *folder, int svg, char *why, size_t len) {
  layout_t l = {0};
  char *xtics = NULL, *cmd = NULL;
  int rc = hl_grid_build(v, &l);
  if (rc) {
    snprintf(why, len, "%s",
             rc == HL_ENOENT ? "no successful repetition to plot"
                             : "too many workloads or backends");
    goto out;
  }
  const char *ext = svg ? "svg" : "png";
  char data[256], points[256], script[256], image[256];
  snprintf(data, sizeof data, "%s.dat", spec->file);
  snprintf(points, sizeof points, "%s.points.dat", spec->file);
  snprintf(script, sizeof script, "%s.%s.gp", spec->file, ext);
  snprintf(image, sizeof image, "%s.%s", spec->file, ext);
  hl_figure_t fig = {set, folder, image, script};
  metric_t m = {spec->key, spec->file, spec->title, spec->unit, spec->scale};
  double lo, hi;
  FILE *f = hl_figure_data(&fig, data, why, len),
       *p = f ? hl_figure_data(&fig, points, why, len) : NULL;
  if (!f || !p) {
    if (f) fclose(f);
    rc = HL_EIO;
    goto out;
  }
  if ((rc = write_box_data(f, p, &l, &m, &lo, &hi)) != 0) {
    snprintf(why, len, "no %s values to plot", spec->key);
    goto out;
  }
  /* Log scale when the values span more than a factor of 20. */
  int logy = hi / lo > 20;
  char ymin[32], ymax[32], width[16], ngroups[16], boxw[16], ylabel[256];
  if (logy) {
    snprintf(ymin, sizeof ymin, "%g", pow(10, floor(log10(lo * 0.8))));
    snprintf(ymax, sizeof ymax, "%g", pow(10, ceil(log10(hi * 1.25))));
  } else {
    snprintf(ymin, sizeof ymin, "%g",
             lo > 0 && hi - lo < lo ? lo - (hi - lo) * 0.1 - lo * 0.02 : 0);
    snprintf(ymax, sizeof ymax, "%g", hi + (hi - lo) * 0.1 + hi * 0.02);
  }
  snprintf(ylabel, sizeof ylabel, "%s%s", spec->unit, logy ? " (log scale)" : "");
  size_t w = 360 + l.ngroups * (l.nbackends * 26 + 30);
  snprintf(width, sizeof width, "%zu", w < 900 ? 900 : w > 4000 ? 4000 : w);
  snprintf(ngroups, sizeof ngroups, "%zu", l.ngroups);
  snprintf(boxw, sizeof boxw, "%.3f", 0.8 / (double)l.nbackends * 0.8);
  quoted_t q;
  if (quote_all(&q, spec->title, ylabel, data, points) != 0) {
    snprintf(why, len, "a name is too long to plot");
    rc = HL_ERANGE;
    goto out;
  }
  xtics = xtics_list(&l);
  cmd = box_plot_cmd(&l, &q);
  const char *kv[] = {"TERMINAL", svg ? "svg dynamic" : "pngcairo",
                      "WIDTH",    width,
                      "TITLE",    q.title,
                      "YLABEL",   q.ylabel,
                      "LOGSCALE", logy ? "set logscale y" : "unset logscale y",
                      "YMIN",     ymin,
                      "YMAX",     ymax,
                      "NGROUPS",  ngroups,
                      "XTICS",    xtics ? xtics : "",
                      "BOXWIDTH", boxw,
                      "PLOT",     cmd ? cmd : ""};
  rc = xtics && cmd ? hl_plot_render(hl_template_box, kv, sizeof kv / sizeof kv[0], &fig, why, len)
                    : HL_ENOMEM;
  if (rc == HL_ENOMEM) snprintf(why, len, "out of memory");
out:
  free(xtics);
  free(cmd);
  hl_grid_free(&l);
  return rc;
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab plot FILE.json -o DIR [--baseline BACKEND] [--format png|svg]\n\n"
          "Draws the comparison of a results file, a panel per workload (with its parameter "
          "values) and a bar per backend:\n"
          "  DIR/time.png  CPU time per iteration as a ratio to the baseline backend, the "
          "absolute median at each bar, error bars from the fastest to the slowest repetition\n"
          "  DIR/rss.png   peak RSS in MiB on a linear axis, heaplab's own RSS dashed\n"
          "  DIR/sweep-WORKLOAD-KEY.png  when one parameter or knob was swept (-p k=a,b,c, "
          "--gogc 50,100): CPU time and peak RSS against the swept value, a line per backend\n"
          "A cell with no ok repetition is drawn as a cross with how it ended (oom-kill "
          "5/5). The subtitle is the run's context (date, host, CPUs, repetitions, load). "
          "DIR/*.gp and DIR/*.dat are each figure's gnuplot script and data: `gnuplot "
          "time.gp` there redraws it. Needs gnuplot (Debian: gnuplot-nox).\n\n");
}

enum { O_OUTPUT, O_FORMAT, O_BASELINE };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  plot_opts_t *o = ctx;
  if (opt->id == O_OUTPUT) {
    o->dir = v;
  } else if (opt->id == O_BASELINE) {
    o->baseline = v;
  } else if (!strcmp(v, "png") || !strcmp(v, "svg")) {
    o->terminal = !strcmp(v, "png") ? "pngcairo" : "svg";
    o->ext = !strcmp(v, "png") ? "png" : "svg";
  } else {
    return hl_opts_bad(source, v, "expected png or svg");
  }
  return 0;
}

static const hl_opt_t plot_opts[] = {
    {"output", 'o', "DIR", "the figures' folder (made when absent)", NULL, 0, apply, O_OUTPUT},
    {"baseline", 0, "BACKEND",
     "the backend CPU times are divided by (default glibc; in a workload without it, the "
     "fastest backend there, named in the panel's title)",
     NULL, 0, apply, O_BASELINE},
    {"format", 0, "png|svg", "the images' format (default png)", NULL, 0, apply, O_FORMAT},
};

static int parse_args(int argc, char **argv, plot_opts_t *o) {
  o->terminal = "pngcairo";
  o->ext = "png";
  hl_opt_group_t g = {"Options", plot_opts, sizeof plot_opts / sizeof plot_opts[0], o, {{0}}, 0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("plot", &g, 1, argc, argv, 1, &ops, usage);
  if (rc) return rc;
  o->input = ops.n ? ops.v[0] : NULL;
  free(ops.v);
  if (!o->input || !o->dir) {
    hl_msg("plot", "expected one results file and -o DIR (see heaplab plot --help)");
    return HL_EINVAL;
  }
  return 0;
}

/* The figures in a set, committed only when all were drawn; their names
 * printed, one a line. */
static int draw(const plot_opts_t *o, const hl_results_t *v) {
  hl_output_set_t *set = NULL;
  char why[1024], *names = NULL;
  size_t names_len = 0;
  FILE *nf = open_memstream(&names, &names_len);
  hl_charts_opts_t fo = {o->baseline, o->terminal, o->ext, NULL};
  int rc = nf ? hl_output_set_open(o->dir, &set, why, sizeof why) : HL_ENOMEM;
  if (rc == 0) rc = hl_charts_draw(v, &fo, set, nf, why, sizeof why);
  if (rc == 0) rc = hl_output_set_commit(set, why, sizeof why);
  else if (set) hl_output_set_abort(set);
  if (nf) fclose(nf);
  if (rc)
    hl_msg("plot", "%s: %s", o->input, rc == HL_ENOMEM && !nf ? "out of memory" : why);
  for (char *line = names; rc == 0 && line && *line;) {
    size_t n = strcspn(line, "\n");
    printf("%s/%.*s\n", o->dir, (int)n, line);
    line += n + (line[n] == '\n');
  }
  free(names);
  return rc;
}

int hl_plot_main(int argc, char **argv) {
  plot_opts_t o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  json_t *root = NULL;
  char why[1024];
  if (hl_results_load(o.input, &root, why, sizeof why) != 0) {
    hl_msg("plot", "%s", why);
    return HL_EXIT_USAGE;
  }
  hl_results_t v;
  rc = hl_results_view(root, &v);
  if (rc)
    hl_msg("plot", "%s: not a results document", o.input);
  else
    rc = draw(&o, &v);
  hl_results_view_free(&v);
  json_decref(root);
  return rc ? HL_EXIT_USAGE : HL_EXIT_OK;
}
