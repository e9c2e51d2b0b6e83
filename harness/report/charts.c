/* The default comparison charts (charts.h). */
#include "charts.h"

#include "error.h"
#include "figlayout.h"
#include "gnuplot.h"
#include "plot_templates.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define COLUMNS 3           /* panels side by side */
#define PANEL_WIDTH_PX 430  /* one panel */
#define PANEL_TOP_PX 70     /* its title (up to three lines) and axis */
#define BAR_PX 22           /* per backend */
#define FIG_TITLE_PX 70     /* the figure's title and context line */
#define BAR_HALF_HEIGHT 0.35
#define PANEL_TITLE_CHARS 44 /* a longer name takes two lines */
#define MAX_SWEEPS 16
#define MIB 1048576.0
#define MIN_WIDTH_PX 900 /* room for the title */

/* A figure being written: its data file, the script's body, how many data
 * blocks are in the file so far (gnuplot's `index` of the next). */
typedef struct fig {
  FILE *data, *body;
  char *body_text;
  size_t body_len, blocks;
  const hl_fig_layout_t *l;
  char data_name[600]; /* the data file's name, quoted */
  size_t bars, dead;   /* drawn: bars, and cells that did not end ok */
} fig_t;

/* A quoted literal, printed. Strings longer than the buffer print as "". */
static void q(FILE *f, const char *s) {
  char buf[1024];
  hl_gp_quote(s, buf, sizeof buf);
  fputs(buf, f);
}

/* 8.56 ns, 492 ns, 11.1 us, 50.5 ms */
static void time_text(double ns, char *buf, size_t len) {
  if (ns < 10)
    snprintf(buf, len, "%.2f ns", ns);
  else if (ns < 1000)
    snprintf(buf, len, "%.0f ns", ns);
  else if (ns < 1e6)
    snprintf(buf, len, "%.3g us", ns / 1e3);
  else
    snprintf(buf, len, "%.3g ms", ns / 1e6);
}

/* ---- one panel of bars ------------------------------------------------------ */

typedef struct bars {
  const char *key; /* cpu_time, rss_peak_bytes */
  double scale;    /* value / scale is shown */
  int ratio;       /* 1: divided by the baseline's median */
  const char *baseline;
  double marker; /* a dashed vertical line here (heaplab's own RSS); < 0 none */
} bars_t;

/* The divisor of group g: the baseline's median, else the fastest
 * backend's; *who names it. 0 when no backend has an ok repetition. */
static double divisor(const fig_t *f, const bars_t *m, size_t g, const char **who) {
  double best = 0;
  for (size_t b = 0; b < f->l->nbackends; b++) {
    hl_fig_stat_t s;
    hl_fig_stat(f->l, g, b, m->key, m->scale, &s);
    if (!s.nok || s.med <= 0) continue;
    if (m->baseline && !strcmp(f->l->backend[b], m->baseline)) {
      *who = f->l->backend[b];
      return s.med;
    }
    if (!best || s.med < best) best = s.med, *who = f->l->backend[b];
  }
  return best;
}

/* The y tics: the backends, the first at the top. */
static void backend_tics(const fig_t *f) {
  size_t nb = f->l->nbackends;
  fprintf(f->body, "set ytics (");
  for (size_t b = 0; b < nb; b++) {
    fprintf(f->body, "%s", b ? ", " : "");
    q(f->body, f->l->backend[b]);
    fprintf(f->body, " %zu", nb - b);
  }
  fprintf(f->body, ")\nset yrange [0.4:%zu.6]\n", nb);
}

/* The labels of group g's bars (the absolute median, or how a dead cell
 * ended) and its data block; returns the largest extent drawn, 0 when no
 * bar was. */
static double bar_rows(fig_t *f, const bars_t *m, size_t g, double div, int *rows) {
  double most = 0;
  size_t nb = f->l->nbackends;
  *rows = 0;
  for (size_t b = 0; b < nb; b++) {
    hl_fig_stat_t s;
    hl_fig_stat(f->l, g, b, m->key, m->scale, &s);
    size_t y = nb - b;
    char text[96];
    if (!s.nok) {
      if (!s.n) continue; /* not run in this group */
      f->dead += s.outcome != NULL;
      snprintf(text, sizeof text, "%s %zu/%zu", s.outcome ? s.outcome : "no value", s.noutcome,
               s.n);
      fprintf(f->body, "set label at 0,%zu point pt 2 ps 1.3 lc rgb \"#c0392b\" offset 0.9,0 "
                       "tc rgb \"#c0392b\" ",
              y);
      q(f->body, text);
      fprintf(f->body, "\n");
      continue;
    }
    double k = m->ratio ? 1 / div : 1;
    if (m->ratio)
      time_text(s.med, text, sizeof text);
    else
      snprintf(text, sizeof text, "%.1f MiB", s.med);
    fprintf(f->body, "set label at %.6g,%zu offset 0.6,0 font \",9\" ", s.hi * k, y);
    q(f->body, text);
    fprintf(f->body, "\n");
    fprintf(f->data, "%zu\t%.6g\t%.6g\t%.6g\t%zu\n", y, s.med * k, s.lo * k, s.hi * k, b + 1);
    if (s.hi * k > most) most = s.hi * k;
    ++*rows;
    f->bars++;
  }
  return most;
}

/* A panel's title: the group's name, broken at a '/' when it is longer
 * than a panel is wide, and the note on a line of its own; literals joined
 * by gnuplot (a literal holds no newline). */
static void panel_title(FILE *out, const char *name, const char *note) {
  size_t n = strlen(name), cut = n;
  if (n > PANEL_TITLE_CHARS)
    for (size_t i = 1; i < n && i <= PANEL_TITLE_CHARS; i++)
      if (name[i] == '/') cut = i;
  char head[256];
  snprintf(head, sizeof head, "%.*s", (int)cut, name);
  q(out, head);
  if (cut < n) {
    fprintf(out, ".\"\\n\".");
    q(out, name + cut);
  }
  if (note[0]) {
    fprintf(out, ".\"\\n\".");
    q(out, note);
  }
}

/* One panel: group g's bars. */
static void bar_panel(fig_t *f, const bars_t *m, size_t g) {
  const char *who = NULL;
  double div = m->ratio ? divisor(f, m, g, &who) : 1;
  char note[200] = "";
  if (m->ratio && who && (!m->baseline || strcmp(who, m->baseline)))
    snprintf(note, sizeof note, "(ratio to %s)", who);
  fprintf(f->body, "\nunset label\nunset arrow\nset title ");
  panel_title(f->body, f->l->group[g], note);
  fprintf(f->body, " font \",10\"\n");
  backend_tics(f);
  fprintf(f->data, "# panel: ");
  hl_gp_datum(f->data, f->l->group[g]);
  fprintf(f->data, "\n");
  int rows;
  double most = bar_rows(f, m, g, div, &rows);
  double ref = m->ratio ? 1 : m->marker;
  if (ref > most) most = ref;
  fprintf(f->body, "set xrange [0:%.6g]\n", (most > 0 ? most : 1) * 1.45);
  fprintf(f->body, "set format x \"%s\"\n", m->ratio ? "%gx" : "%g");
  if (ref > 0 && rows)
    fprintf(f->body, "set arrow from %.6g, graph 0 to %.6g, graph 1 nohead dt 2 lc rgb "
                     "\"#555555\"\n",
            ref, ref);
  if (!rows) { /* nothing to plot: the labels only, no scale */
    fprintf(f->body, "set format x \"\"\nplot -1 notitle\n");
    return;
  }
  fprintf(f->data, "\n\n");
  fprintf(f->body,
          "plot %s index %zu using (0):1:(0):2:($1-%g):($1+%g):5 with boxxyerror lc variable "
          "notitle, \\\n  '' index %zu using 2:1:3:4 with xerrorbars pt 0 lc rgb \"#333333\" "
          "notitle\n",
          f->data_name, f->blocks, BAR_HALF_HEIGHT, BAR_HALF_HEIGHT, f->blocks);
  f->blocks++;
}

/* ---- a figure ---------------------------------------------------------------- */

/* Opens the figure NAME: its data file NAME.dat in the set, its body. */
static int fig_open(fig_t *f, const hl_fig_layout_t *l, hl_output_set_t *set, const char *folder, const char *name,
                    hl_figure_t *fig, char names[3][256], char *why, size_t len) {
  memset(f, 0, sizeof *f);
  f->l = l;
  snprintf(names[0], 256, "%s.dat", name);
  *fig = (hl_figure_t){set, folder, names[1], names[2]};
  hl_gp_quote(names[0], f->data_name, sizeof f->data_name);
  f->data = hl_figure_data(fig, names[0], why, len);
  f->body = f->data ? open_memstream(&f->body_text, &f->body_len) : NULL;
  if (!f->body) {
    if (f->data) fclose(f->data);
    snprintf(why, len, "cannot write the figure's data");
    return HL_EIO;
  }
  return 0;
}

/* The figure's title, and the context on a second line, open the
 * multiplot (two literals joined by gnuplot: a literal holds no newline). */
static void fig_title(fig_t *f, const char *title, const char *context, size_t rows,
                      size_t cols) {
  fprintf(f->body, "set multiplot layout %zu,%zu title ", rows, cols);
  q(f->body, title);
  fprintf(f->body, ".\"\\n\".");
  q(f->body, context);
  fprintf(f->body, " font \",12\"\n");
}

/* Draws the figure (template panels) and releases it. */
static int fig_close(fig_t *f, const hl_figure_t *fig, const char *terminal, size_t width,
                     size_t height, char *why, size_t len) {
  int rc = fclose(f->data) == 0 ? 0 : HL_EIO;
  fclose(f->body);
  char w[16], h[16];
  snprintf(w, sizeof w, "%zu", width);
  snprintf(h, sizeof h, "%zu", height);
  const char *kv[] = {"TERMINAL", terminal, "WIDTH", w, "HEIGHT", h, "BODY", f->body_text};
  if (rc == 0 && f->body_text)
    rc = hl_plot_render(hl_template_panels, kv, sizeof kv / sizeof kv[0], fig, why, len);
  else
    snprintf(why, len, "cannot write the figure's data");
  free(f->body_text);
  return rc;
}

/* Two or three panels a row, whichever leaves fewer empty places (three
 * on a tie); fewer when there are fewer. */
static size_t columns(size_t n) {
  if (n <= COLUMNS) return n ? n : 1;
  size_t empty3 = (COLUMNS - n % COLUMNS) % COLUMNS, empty2 = n % 2;
  return empty2 < empty3 ? 2 : COLUMNS;
}

/* time or rss: a panel per group. */
static int bars_figure(const hl_fig_layout_t *l, const hl_charts_opts_t *o, hl_output_set_t *set,
                       const bars_t *m, const char *name, const char *title, const char *context,
                       FILE *names_out, char *why, size_t len) {
  fig_t f;
  hl_figure_t fig;
  char names[3][256];
  snprintf(names[1], sizeof names[1], "%s.%s", name, o->ext);
  snprintf(names[2], sizeof names[2], "%s.gp", name);
  int rc = fig_open(&f, l, set, o->folder ? o->folder : "", name, &fig, names, why, len);
  if (rc) return rc;
  size_t cols = columns(l->ngroups);
  size_t rows = (l->ngroups + cols - 1) / cols;
  fig_title(&f, title, context, rows, cols);
  fprintf(f.body, "set lmargin 14\nset rmargin 2\n");
  for (size_t g = 0; g < l->ngroups; g++)
    bar_panel(&f, m, g);
  if (!f.bars && !f.dead) { /* ok repetitions, none with the figure: nothing to show */
    fclose(f.data);
    fclose(f.body);
    free(f.body_text);
    snprintf(why, len, "no %s values to plot", m->key);
    return HL_ENOENT;
  }
  size_t height = FIG_TITLE_PX + rows * (PANEL_TOP_PX + BAR_PX * l->nbackends);
  size_t width = cols * PANEL_WIDTH_PX < MIN_WIDTH_PX ? MIN_WIDTH_PX : cols * PANEL_WIDTH_PX;
  rc = fig_close(&f, &fig, o->terminal, width, height, why, len);
  if (rc == 0 && names_out) fprintf(names_out, "%s\n", names[1]);
  return rc;
}

/* ---- sweeps ------------------------------------------------------------------- */

/* A block per backend with an ok point: x, CPU ns, peak RSS MiB; the dead
 * points as labels. Returns how many blocks; blocks[b] is backend b's index
 * or -1. */
static size_t sweep_data(fig_t *f, const hl_fig_sweep_t *s, long *blocks, double range[4]) {
  const hl_fig_layout_t *l = f->l;
  size_t n = 0, dead[HL_FIG_MAX_GROUPS] = {0};
  range[0] = range[2] = INFINITY, range[1] = range[3] = 0;
  for (size_t b = 0; b < l->nbackends; b++) {
    blocks[b] = -1;
    for (size_t j = 0; j < s->n; j++) {
      hl_fig_stat_t t, r;
      hl_fig_stat(l, s->group[j], b, "cpu_time", 1, &t);
      hl_fig_stat(l, s->group[j], b, "rss_peak_bytes", MIB, &r);
      if (!t.n) continue;
      if (s->x[j] < range[2]) range[2] = s->x[j];
      if (s->x[j] > range[3]) range[3] = s->x[j];
      if (!t.nok) {
        char text[160];
        snprintf(text, sizeof text, "%s: %s %zu/%zu", l->backend[b],
                 t.outcome ? t.outcome : "no value", t.noutcome, t.n);
        /* the text on the side away from the nearer edge */
        int right_half = j * 2 >= s->n;
        fprintf(f->body, "set label at %.6g, graph %.2f %s point pt 2 ps 1.3 lc rgb \"#c0392b\" "
                         "offset %s,0 tc rgb \"#c0392b\" font \",8\" ",
                s->x[j], 0.05 + 0.07 * (double)dead[j]++, right_half ? "right" : "left",
                right_half ? "-0.8" : "0.8");
        q(f->body, text);
        fprintf(f->body, "\n");
        continue;
      }
      if (blocks[b] < 0) blocks[b] = (long)n++;
      fprintf(f->data, "%.6g\t%.6g\t%.6g\n", s->x[j], t.med, r.nok ? r.med : 0.0);
      if (t.med < range[0]) range[0] = t.med;
      if (t.med > range[1]) range[1] = t.med;
    }
    if (blocks[b] >= 0) fprintf(f->data, "\n\n");
  }
  return n;
}

/* One panel of the sweep: column col of every backend's block. */
static void sweep_panel(fig_t *f, const long *blocks, size_t col, const char *title, int logy) {
  fprintf(f->body, "set title ");
  q(f->body, title);
  fprintf(f->body, " font \",11\"\n%s\nset yrange [%s:*]\nplot ",
          logy ? "set logscale y" : "unset logscale y", logy ? "*" : "0");
  int first = 1;
  for (size_t b = 0; b < f->l->nbackends; b++) {
    if (blocks[b] < 0) continue;
    fprintf(f->body, "%s%s index %ld using 1:%zu with linespoints lt %zu title ",
            first ? "" : ", \\\n  ", f->data_name, blocks[b], col, b + 1);
    q(f->body, f->l->backend[b]);
    first = 0;
  }
  fprintf(f->body, "%s\n", first ? "-1 notitle" : "");
}

static int sweep_figure(const hl_fig_layout_t *l, const hl_charts_opts_t *o,
                        hl_output_set_t *set, const hl_fig_sweep_t *s, const char *context,
                        FILE *names_out, char *why, size_t len) {
  fig_t f;
  hl_figure_t fig;
  char names[3][256], name[160], title[400];
  snprintf(name, sizeof name, "sweep-%s-%s", s->workload, s->key);
  snprintf(names[1], sizeof names[1], "%s.%s", name, o->ext);
  snprintf(names[2], sizeof names[2], "%s.gp", name);
  int rc = fig_open(&f, l, set, o->folder ? o->folder : "", name, &fig, names, why, len);
  if (rc) return rc;
  snprintf(title, sizeof title, "%s: %s swept (median of the ok repetitions)", s->rest, s->key);
  fig_title(&f, title, context, 1, 2);
  fprintf(f.body, "set xlabel ");
  q(f.body, s->key);
  fprintf(f.body, "\nset key top left Left reverse samplen 2 font \",9\"\n");
  long blocks[HL_FIG_MAX_BACKENDS];
  double range[4];
  sweep_data(&f, s, blocks, range);
  /* every value swept on the axis, the dead ones too, a margin each side */
  if (range[2] > 0 && range[3] / range[2] > 20)
    fprintf(f.body, "set logscale x\nset xrange [%.6g:%.6g]\n", range[2] / 1.3, range[3] * 1.3);
  else if (range[3] >= range[2])
    fprintf(f.body, "set xrange [%.6g:%.6g]\n", range[2] - (range[3] - range[2]) * 0.06,
            range[3] + (range[3] - range[2]) * 0.06 + (range[3] == range[2]));
  sweep_panel(&f, blocks, 2, "CPU time per iteration (ns)", range[0] > 0 && range[1] / range[0] > 20);
  sweep_panel(&f, blocks, 3, "peak RSS (MiB)", 0);
  rc = fig_close(&f, &fig, o->terminal, 2 * 560, 480, why, len);
  if (rc == 0 && names_out) fprintf(names_out, "%s\n", names[1]);
  return rc;
}

/* ---- the figures ---------------------------------------------------------------- */

int hl_charts_draw(const hl_results_t *v, const hl_charts_opts_t *o, hl_output_set_t *set,
                    FILE *names, char *why, size_t len) {
  hl_fig_layout_t l;
  int rc = hl_fig_layout_build(v, &l);
  if (rc == HL_ENOENT || rc == HL_ENOMEM) {
    snprintf(why, len, "%s", rc == HL_ENOENT ? "no repetition to plot" : "out of memory");
    hl_fig_layout_free(&l);
    return rc;
  }
  char context[400], title[400];
  hl_fig_context(v, context, sizeof context);
  const char *base = o->baseline ? o->baseline : "glibc";
  bars_t time = {"cpu_time", 1, 1, base, -1};
  snprintf(title, sizeof title,
           "CPU time per iteration as a ratio to %s (at each bar: the median; error bars: "
           "fastest..slowest)",
           base);
  rc = bars_figure(&l, o, set, &time, "time", title, context, names, why, len);
  double own = hl_fig_median_all(&l, "rss_start_bytes");
  bars_t rss = {"rss_peak_bytes", MIB, 0, NULL, own > 0 ? own / MIB : -1};
  snprintf(title, sizeof title,
           "Peak RSS of the worker (VmHWM), MiB (median; error bars: min..max; dashed: "
           "heaplab's own %.1f MiB)",
           own > 0 ? own / MIB : 0.0);
  if (rc == 0) rc = bars_figure(&l, o, set, &rss, "rss", title, context, names, why, len);
  hl_fig_sweep_t *sweeps = calloc(MAX_SWEEPS, sizeof *sweeps);
  size_t nsweeps = sweeps && rc == 0 ? hl_fig_sweeps(&l, sweeps, MAX_SWEEPS) : 0;
  for (size_t i = 0; rc == 0 && i < nsweeps; i++)
    rc = sweep_figure(&l, o, set, &sweeps[i], context, names, why, len);
  free(sweeps);
  hl_fig_layout_free(&l);
  return rc;
}
