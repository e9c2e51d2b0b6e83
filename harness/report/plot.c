/* `heaplab plot` (plot.h). */
#include "plot.h"

#include "error.h"
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

static const metric_t metrics[] = {
    {"cpu_time", "time", "CPU time per iteration (median of repetitions; bars: min..max)",
     "ns per iteration (log scale)", 1},
    {"rss_peak_bytes", "rss", "Peak resident memory of the worker (VmHWM)", "MiB (log scale)",
     1048576},
};

/* Groups ("steady-service/live=4M") by backends, each cell's ok rows. */
typedef hl_grid_t layout_t;

typedef struct plot_opts {
  const char *input, *dir, *terminal, *ext;
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

/* Writes the data file: a comment line naming the columns, then per cluster
 * its name (for people: gnuplot takes the labels from the script) and the
 * median, min and max of each backend. Returns the smallest and largest
 * value. */
static int write_data(FILE *f, const layout_t *l, const metric_t *m, double *lo, double *hi) {
  double *v = calloc(MAX_REPS, sizeof *v);
  if (!v) {
    fclose(f);
    return HL_ENOMEM;
  }
  *lo = INFINITY;
  *hi = 0;
  fprintf(f, "# workload");
  for (size_t b = 0; b < l->nbackends; b++) {
    fputc('\t', f);
    hl_gp_datum(f, l->backend[b]);
    fprintf(f, "\tmin\tmax");
  }
  fprintf(f, "\n");
  for (size_t g = 0; g < l->ngroups; g++) {
    hl_gp_datum(f, l->group[g]);
    for (size_t b = 0; b < l->nbackends; b++) {
      size_t n = cell_values(l, g, b, m, v);
      if (n == 0) {
        fprintf(f, "\t-\t-\t-");
        continue;
      }
      double mn = hl_stats_min(v, n), mx = hl_stats_max(v, n);
      fprintf(f, "\t%.6g\t%.6g\t%.6g", hl_stats_median(v, n), mn, mx);
      if (mn < *lo) *lo = mn;
      if (mx > *hi) *hi = mx;
    }
    fprintf(f, "\n");
  }
  free(v);
  return fclose(f) == 0 && *hi > 0 ? 0 : HL_EIO;
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

/* One histogram clause per backend: its median with the min..max error bar,
 * titled with its quoted name. */
static char *bars_plot_cmd(const layout_t *l, const quoted_t *q) {
  size_t cap = 64, len = 0;
  for (size_t b = 0; b < l->nbackends; b++)
    cap += strlen(q->data) + 4 * strlen(l->backend[b]) + 128;
  char *s = malloc(cap), title[1100];
  if (!s) return NULL;
  len += (size_t)snprintf(s + len, cap - len, "plot ");
  for (size_t b = 0; b < l->nbackends; b++) {
    hl_gp_quote(l->backend[b], title, sizeof title);
    len += (size_t)snprintf(s + len, cap - len, "%s%s using %zu:%zu:%zu title %s lc %zu",
                            b ? ", \\\n  " : "", q->data, 2 + 3 * b, 3 + 3 * b, 4 + 3 * b, title,
                            b + 1);
  }
  return s;
}

static int plot_metric(const plot_opts_t *o, hl_output_set_t *set, const layout_t *l,
                       const metric_t *m, char *why, size_t len) {
  char data[256], script[256], image[256];
  snprintf(data, sizeof data, "%s.dat", m->file);
  snprintf(script, sizeof script, "%s.gp", m->file);
  snprintf(image, sizeof image, "%s.%s", m->file, o->ext);
  hl_figure_t fig = {set, "", image, script};
  FILE *f = hl_figure_data(&fig, data, why, len);
  double lo, hi;
  if (!f) return HL_EIO;
  if (write_data(f, l, m, &lo, &hi) != 0) {
    snprintf(why, len, "%.400s: no %s values to plot", o->input, m->key);
    return HL_EIO;
  }
  quoted_t q;
  if (quote_all(&q, m->title, m->ylabel, data, NULL) != 0) {
    snprintf(why, len, "a name is too long to plot");
    return HL_ERANGE;
  }
  char ymin[32], ymax[32], width[16], ngroups[16];
  snprintf(ymin, sizeof ymin, "%g", pow(10, floor(log10(lo * 0.8))));
  snprintf(ymax, sizeof ymax, "%g", pow(10, ceil(log10(hi * 1.25))));
  size_t w = 360 + l->ngroups * (l->nbackends * 26 + 30);
  snprintf(width, sizeof width, "%zu", w < 900 ? 900 : w > 4000 ? 4000 : w);
  snprintf(ngroups, sizeof ngroups, "%zu", l->ngroups);
  char *xtics = xtics_list(l), *cmd = bars_plot_cmd(l, &q);
  const char *kv[] = {
      "TERMINAL", o->terminal,   "WIDTH", width, "TITLE",   q.title, "YLABEL", q.ylabel,
      "YMIN",     ymin,          "YMAX",  ymax,  "NGROUPS", ngroups, "XTICS",  xtics ? xtics : "",
      "PLOT",     cmd ? cmd : ""};
  int rc = xtics && cmd
               ? hl_plot_render(hl_template_bars, kv, sizeof kv / sizeof kv[0], &fig, why, len)
               : HL_ENOMEM;
  if (rc == HL_ENOMEM) snprintf(why, len, "out of memory");
  free(xtics);
  free(cmd);
  return rc;
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
  fprintf(out, "Usage: heaplab plot FILE.json -o DIR [--format png|svg]\n\n"
               "Draws DIR/time.png (CPU time per iteration) and DIR/rss.png (peak RSS): one\n"
               "cluster per workload, one bar per backend (median of the ok repetitions, error\n"
               "bars min..max), log scale. DIR/*.gp and DIR/*.dat are the gnuplot script and\n"
               "data of each figure. Needs gnuplot (Debian: gnuplot-nox).\n\n");
}

enum { O_OUTPUT, O_FORMAT };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  plot_opts_t *o = ctx;
  if (opt->id == O_OUTPUT) {
    o->dir = v;
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

int hl_plot_main(int argc, char **argv) {
  plot_opts_t o = {0};
  int rc = parse_args(argc, argv, &o);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  json_t *root = NULL;
  hl_output_set_t *set = NULL;
  char why[1024];
  if (hl_results_load(o.input, &root, why, sizeof why) != 0) {
    hl_msg("plot", "%s", why);
    return HL_EXIT_USAGE;
  }
  layout_t l = {0};
  hl_results_t v;
  rc = hl_results_view(root, &v);
  if (rc == 0) rc = hl_grid_build(&v, &l);
  if (rc) {
    hl_msg("plot", "%s: %s", o.input,
           rc == HL_ENOENT ? "no successful repetition to plot" : "too many workloads or backends");
  } else if ((rc = hl_output_set_open(o.dir, &set, why, sizeof why)) != 0) {
    hl_msg("plot", "%s", why);
  }
  for (size_t i = 0; rc == 0 && i < sizeof metrics / sizeof metrics[0]; i++)
    if ((rc = plot_metric(&o, set, &l, &metrics[i], why, sizeof why)) != 0)
      hl_msg("plot", "%s", why);
  if (rc == 0) {
    rc = hl_output_set_commit(set, why, sizeof why);
    if (rc) hl_msg("plot", "%s", why);
    for (size_t i = 0; rc == 0 && i < sizeof metrics / sizeof metrics[0]; i++)
      printf("%s/%s.%s\n", o.dir, metrics[i].file, o.ext);
  } else {
    hl_output_set_abort(set);
  }
  hl_grid_free(&l);
  hl_results_view_free(&v);
  json_decref(root);
  return rc ? HL_EXIT_USAGE : HL_EXIT_OK;
}
