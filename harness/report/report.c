/* `heaplab report FILE.json... -o DIR` (report.h).
 *
 * One pass over each results file writes the same sections to two outputs:
 * DIR/report.md (tables in Markdown, figures as PNG links) and
 * DIR/report.html (one self-contained file: tables in HTML, figures as
 * inline SVG, so it can be mailed or attached to CI as it is). Every table
 * comes from an existing reporter (summary.c, ratio.c) and every figure from
 * plot.c; this file only composes them and adds the context. It reads
 * results files only, never console output. */
#include "report.h"

#include "error.h"
#include "opts.h"
#include "escape.h"
#include "charts.h"
#include "plot.h"
#include "ratio.h"
#include "report_context.h"
#include "results.h"
#include "summary.h"
#include "table.h"
#include "util.h"

#include <stddef.h>
#include <stdarg.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct report {
  FILE *md, *html, *toc; /* toc: the HTML contents list, put above the body at the end */
  size_t nheadings;
  const char *dir;
  hl_output_set_t *set;     /* everything goes to dir through it (output.h) */
  const char *base_backend; /* --baseline-backend, or NULL: glibc when present */
  const char *title;
  int depth; /* 1 inside a machine's section: its sections a level down */
} report_t;


/* ---- writing both outputs -------------------------------------------------- */

static void heading(report_t *r, int level, const char *text) {
  if (level >= 3) level += r->depth;
  fprintf(r->md, "\n%.*s ", level, "######");
  hl_md_escape(r->md, text);
  fputs("\n\n", r->md);
  size_t id = ++r->nheadings;
  fprintf(r->html, "<h%d id=\"s%zu\">", level, id);
  hl_html_escape(r->html, text);
  fprintf(r->html, "</h%d>\n", level);
  if (level > 3) return; /* the contents list: runs and their sections */
  fprintf(r->toc, "<li class=\"l%d\"><a href=\"#s%zu\">", level, id);
  hl_html_escape(r->toc, text);
  fputs("</a></li>\n", r->toc);
}

__attribute__((format(printf, 2, 3))) static void para(report_t *r, const char *fmt, ...) {
  char text[2048];
  va_list ap;
  va_start(ap, fmt);
  vsnprintf(text, sizeof text, fmt, ap);
  va_end(ap);
  hl_md_escape(r->md, text);
  fputs("\n\n", r->md);
  fputs("<p>", r->html);
  hl_html_escape(r->html, text);
  fputs("</p>\n", r->html);
}

static void table(report_t *r, const hl_table_t *t) {
  hl_table_print(t, r->md, 1);
  fputs("\n", r->md);
  hl_table_print_html(t, r->html);
}

static int context_section(report_t *r, const json_t *ctx) {
  hl_table_t *t = hl_report_context_table(ctx);
  if (!t) return HL_ENOMEM;
  heading(r, 3, "Context");
  table(r, t);
  hl_table_free(t);
  return 0;
}

/* ---- counters and outcomes ------------------------------------------------- */

static int counters_section(report_t *r, const json_t *ctx) {
  static const char *const headers[] = {"event", "status"};
  heading(r, 3, "Counters");
  const json_t *c = json_object_get(ctx, "counters");
  if (!json_object_size(c)) {
    para(r, "No hardware or software counters were requested for this run (--counters none).");
    return 0;
  }
  hl_table_t *t = hl_table_new(headers, 2, "ll");
  if (!t) return HL_ENOMEM;
  size_t counted = 0, total = 0;
  const char *name;
  const json_t *v;
  int rc = 0;
  json_object_foreach((json_t *)c, name, v) {
    const char *s = json_is_string(v) ? json_string_value(v) : "?";
    const char *row[] = {name, s};
    counted += !strcmp(s, "counted");
    total++;
    if (rc == 0) rc = hl_table_add(t, row);
  }
  para(r,
       "%zu of %zu requested events were counted; an unavailable event is left out of the rows, "
       "never reported as 0.",
       counted, total);
  if (rc == 0) table(r, t);
  hl_table_free(t);
  return rc;
}

static int failed(const hl_row_t *e) {
  return e->outcome && e->outcome_id != HL_OUTCOME_OK;
}

static int same_failure(const hl_row_t *a, const hl_row_t *b) {
  return !strcmp(a->outcome, b->outcome) && !strcmp(a->error_message, b->error_message);
}

/* One row per distinct failure (outcome and message), however many
 * repetitions ended so: how many, and the cells, each once. */
static int failures(report_t *r, const hl_results_t *v) {
  static const char *const headers[] = {"how it ended", "repetitions", "cells", "message"};
  hl_table_t *t = hl_table_new(headers, 4, "lrll");
  if (!t) return HL_ENOMEM;
  size_t total = 0;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < v->n; i++) {
    const hl_row_t *e = &v->row[i];
    if (!failed(e)) continue;
    total++;
    size_t j = 0;
    while (j < i && !(failed(&v->row[j]) && same_failure(&v->row[j], e)))
      j++;
    if (j < i) continue; /* counted with the first of its kind */
    char count[32], cells[2048] = "";
    size_t n = 0, off = 0;
    for (size_t k = i; k < v->n; k++) {
      const hl_row_t *o = &v->row[k];
      if (!failed(o) || !same_failure(o, e)) continue;
      n++;
      size_t m = i;
      while (m < k && !(failed(&v->row[m]) && same_failure(&v->row[m], e) &&
                        !strcmp(v->row[m].name, o->name)))
        m++;
      if (m == k && off < sizeof cells)
        off += (size_t)snprintf(cells + off, sizeof cells - off, "%s%s", off ? ", " : "", o->name);
    }
    snprintf(count, sizeof count, "%zu", n);
    const char *row[] = {e->outcome, count, cells, *e->error_message ? e->error_message : "-"};
    rc = hl_table_add(t, row);
  }
  if (rc == 0 && total) {
    para(r, "%zu repetition(s) did not end ok; each kind of failure once:", total);
    table(r, t);
  } else if (rc == 0) {
    para(r, "Every repetition of every cell ended ok.");
  }
  hl_table_free(t);
  return rc;
}

static int outcomes_section(report_t *r, const hl_results_t *v) {
  heading(r, 3, "Every cell and how it ended");
  para(r, "One row per cell (workload, parameters, backend): how its repetitions ended, the median "
          "CPU time per iteration and its spread ((max - min) / median), and its memory figures.");
  hl_table_t *t = hl_summary_table(v);
  if (!t) return HL_ENOMEM;
  table(r, t);
  hl_table_free(t);
  return failures(r, v);
}

/* ---- ratios and figures ---------------------------------------------------- */

static int has_backend(const hl_results_t *v, const char *b) {
  for (size_t i = 0; i < v->n; i++)
    if (v->row[i].backend && !strcmp(v->row[i].backend, b)) return 1;
  return 0;
}

static const char *pick_base(const report_t *r, const hl_results_t *v) {
  if (r->base_backend) return has_backend(v, r->base_backend) ? r->base_backend : NULL;
  if (has_backend(v, "glibc")) return "glibc";
  return v->n ? v->row[0].backend : NULL;
}

static int ratio_section(report_t *r, const hl_results_t *v) {
  const char *base = pick_base(r, v);
  heading(r, 3, "Normalised to one backend");
  if (!base) {
    para(r, "Backend %s is not %s: no normalised tables.", r->base_backend,
         r->depth ? "on this machine" : "in this file");
    return 0;
  }
  static const char *const metrics[][2] = {{"cpu_time", "CPU time per iteration"},
                                           {"rss_peak_bytes", "peak RSS"}};
  para(r,
       "Each backend's figure divided by %s's, repetition by repetition (repetition i of every "
       "backend ran within moments of the others): the median ratio and its range. Below 1 is "
       "less than %s. The %s column is its own median.",
       base, base, base);
  fputs("<p class=\"legend\"><span class=\"better\">better: every repetition below 1, the "
        "median more than 5% below</span> <span class=\"worse\">worse: every repetition above "
        "1, the median more than 5% above</span> <span class=\"same\">same: within the "
        "noise</span></p>\n",
        r->html);
  for (size_t i = 0; i < 2; i++) {
    char why[512];
    hl_table_t *t = hl_ratio_table(v, base, metrics[i][0], why, sizeof why);
    if (!t) {
      para(r, "%s: %s", metrics[i][1], why);
      continue;
    }
    para(r, "%s, as a ratio to %s:", metrics[i][1], base);
    table(r, t);
    hl_table_free(t);
  }
  return 0;
}

/* Inline SVG: the file from its <svg element on (no XML prolog). */
static void inline_svg(report_t *r, const char *path) {
  char *text = NULL;
  size_t len = 0;
  if (hl_read_file(path, &text, &len) != 0) return;
  const char *svg = strstr(text, "<svg");
  fprintf(r->html, "<div class=\"fig\">%s</div>\n", svg ? svg : "");
  free(text);
}

/* The allocations are deterministic (one value per cell, the same in every
 * repetition): a table, not a figure. */
static int allocs_section(report_t *r, const hl_results_t *v) {
  static const char *const keys[][2] = {{"allocs", "Objects allocated from the backend"},
                                        {"alloc_bytes", "Bytes allocated from the backend"}};
  heading(r, 3, "Allocations");
  para(r, "Counted, not timed: the same in every repetition of a cell, so one value each.");
  for (size_t i = 0; i < 2; i++) {
    char why[512];
    hl_table_t *t = hl_value_table(v, keys[i][0], why, sizeof why);
    if (!t) return HL_ENOMEM;
    para(r, "%s:", keys[i][1]);
    table(r, t);
    hl_table_free(t);
  }
  return 0;
}

/* The figures of heaplab plot (charts.h), in folder ("figures/run1"):
 * SVG inline in the HTML, PNG linked from the Markdown. Each panel has a
 * fixed size, so the figures stay readable however many cells there are. */
static int figures_section(report_t *r, const hl_results_t *v, const char *folder) {
  heading(r, 3, "Figures");
  para(r, "A panel per workload and a bar per backend: CPU time as a ratio to %s with the "
          "median at each bar, and peak RSS in MiB; the error bars span the repetitions. "
          "PNG and SVG of each, with their gnuplot scripts and data, are in %s/.",
       pick_base(r, v) ? pick_base(r, v) : "glibc", folder);
  char why[1024], *names = NULL, path[4200];
  size_t names_len = 0;
  FILE *nf = open_memstream(&names, &names_len);
  if (!nf) return HL_ENOMEM;
  hl_charts_opts_t png = {pick_base(r, v), "pngcairo", "png", folder};
  hl_charts_opts_t svg = {pick_base(r, v), "svg dynamic", "svg", folder};
  int rc = hl_charts_draw(v, &png, r->set, NULL, why, sizeof why);
  if (rc == 0) rc = hl_charts_draw(v, &svg, r->set, nf, why, sizeof why);
  fclose(nf);
  if (rc == HL_EUNAVAIL || rc == HL_ECHILD) {
    hl_msg("report", "%s", why);
    free(names);
    return rc;
  }
  if (rc) para(r, "No figures (%s).", why);
  for (char *line = rc ? NULL : names; line && *line;) {
    size_t n = strcspn(line, "\n");
    size_t stem = n > 4 ? n - 4 : n; /* without ".svg" */
    fprintf(r->md, "![%.*s](%s/%.*s.png)\n\n", (int)stem, line, folder, (int)stem, line);
    snprintf(path, sizeof path, "%s/%s/%.*s", hl_output_set_stage(r->set), folder, (int)n, line);
    inline_svg(r, path);
    line += n + (line[n] == '\n');
  }
  free(names);
  return 0;
}

static int run_section(report_t *r, const char *path, const json_t *root, size_t run) {
  char title[4200];
  snprintf(title, sizeof title, "Run %zu: %s", run, path);
  heading(r, 2, title);
  hl_results_t v, *by = NULL;
  size_t n = 0;
  if (hl_results_view(root, &v) != 0 || hl_results_by_machine(&v, &by, &n) != 0) {
    hl_results_view_free(&v);
    return HL_ENOMEM;
  }
  int rc = context_section(r, v.context);
  if (rc == 0 && n > 1)
    para(r,
         "These rows ran on %zu machines (their fingerprints differ): each has its own "
         "section, and no table or figure sets one machine's timings or peaks beside another's.",
         n);
  for (size_t k = 0; rc == 0 && k < n; k++) {
    char text[1024] = "Rows that name no machine", folder[64];
    snprintf(folder, sizeof folder, n > 1 ? "figures/run%zu/machine%zu" : "figures/run%zu", run,
             k + 1);
    if (by[k].machine) {
      memcpy(text, "Machine ", 8);
      hl_machine_describe(by[k].machine, text + 8, sizeof text - 8);
    }
    if (n > 1) heading(r, 3, text);
    const hl_results_t *g = n > 1 ? &by[k] : &v;
    r->depth = n > 1;
    rc = outcomes_section(r, g);
    if (rc == 0) rc = ratio_section(r, g);
    if (rc == 0) rc = allocs_section(r, g);
    if (rc == 0) rc = figures_section(r, g, folder);
    r->depth = 0;
  }
  if (rc == 0) rc = counters_section(r, v.context);
  hl_results_groups_free(by, n);
  hl_results_view_free(&v);
  return rc;
}

/* ---- the command ------------------------------------------------------------ */

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab report FILE.json... -o DIR [--baseline-backend NAME] [--title TEXT]\n\n"
          "Writes DIR/report.md and DIR/report.html (self-contained: figures inline as SVG)\n"
          "from one or more results files, a section per file: the context (machine,\n"
          "topology, versions, options), every cell and how its repetitions ended, CPU time\n"
          "and peak RSS normalised to one backend (--baseline-backend, default glibc when\n"
          "present; better, worse or the same coloured in the HTML), the allocation\n"
          "counts as tables, the figures of heaplab plot (DIR/figures/runN/*.png and *.svg,\n"
          "with their gnuplot scripts and data), the failures once per kind, and the\n"
          "counters that were and were not available. Needs gnuplot (gnuplot-nox).\n"
          "Exit status: 0 written, 2 bad input or a file that cannot be written.\n");
}

static const char *html_head =
    "<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f0f0}"
    ".fig{overflow-x:auto}.fig svg{max-width:none;height:auto}"
    "h2{border-bottom:2px solid #444;margin-top:2em}"
    "td.better,span.better{background:#d4f4d2}td.worse,span.worse{background:#f9d3cf}"
    "td.same,span.same{background:#eeeeee}.legend span{padding:2px 8px;margin-right:.5em;"
    "font-size:13px}nav{border:1px solid #ccc;padding:.3em 1em;display:inline-block}"
    "nav ul{margin:.3em 0;padding-left:1.2em}nav li.l3{margin-left:1.5em;font-size:90%}"
    "</style></head><body>\n";

static int write_report(report_t *r, char **files, size_t nfiles) {
  fputs("# ", r->md);
  hl_md_escape(r->md, r->title);
  fputs("\n\n", r->md);
  para(r,
       "Made by heaplab report from %zu results file(s). Times are medians over repetitions "
       "that each ran in their own process, interleaved across cells; compare cells within "
       "one run, not absolute times across machines.",
       nfiles);
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < nfiles; i++) {
    json_t *root;
    char why[1024];
    if (hl_results_load(files[i], &root, why, sizeof why) != 0) {
      hl_msg("report", "%s", why);
      return HL_EINVAL;
    }
    rc = run_section(r, files[i], root, i + 1);
    json_decref(root);
  }
  return rc;
}

/* The HTML page: head, title, the contents list, then the body. */
static void html_page(FILE *out, const report_t *r, const char *toc, const char *body) {
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", out);
  hl_html_escape(out, r->title);
  fputs("</title>\n", out);
  fputs(html_head, out);
  fputs("<h1>", out);
  hl_html_escape(out, r->title);
  fprintf(out, "</h1>\n<nav><b>Contents</b><ul>\n%s</ul></nav>\n%s</body></html>\n", toc,
          body);
}

/* Writes the report of the files to r->dir, every file at once (output.h). */
static int make_report(report_t *r, char **files, size_t nfiles) {
  char why[1024], *md = NULL, *html = NULL, *body = NULL, *toc = NULL;
  size_t md_len = 0, html_len = 0, body_len = 0, toc_len = 0;
  int rc = hl_output_set_open(r->dir, &r->set, why, sizeof why);
  if (rc) {
    hl_msg("report", "%s", why);
    return HL_EXIT_USAGE;
  }
  r->md = open_memstream(&md, &md_len);
  r->html = open_memstream(&body, &body_len);
  r->toc = open_memstream(&toc, &toc_len);
  rc = r->md && r->html && r->toc ? write_report(r, files, nfiles) : HL_ENOMEM;
  int said = rc && rc != HL_ENOMEM; /* write_report said what failed */
  if (r->md && fclose(r->md) != 0 && rc == 0) rc = HL_ENOMEM;
  if (r->html && fclose(r->html) != 0 && rc == 0) rc = HL_ENOMEM;
  if (r->toc && fclose(r->toc) != 0 && rc == 0) rc = HL_ENOMEM;
  FILE *page = rc == 0 ? open_memstream(&html, &html_len) : NULL;
  if (page) html_page(page, r, toc, body);
  if (rc == 0 && (!page || fclose(page) != 0)) rc = HL_ENOMEM;
  free(body);
  free(toc);
  snprintf(why, sizeof why, "out of memory");
  if (rc == 0) rc = hl_output_set_put(r->set, "report.md", md, md_len, why, sizeof why);
  if (rc == 0) rc = hl_output_set_put(r->set, "report.html", html, html_len, why, sizeof why);
  free(md);
  free(html);
  if (rc == 0)
    rc = hl_output_set_commit(r->set, why, sizeof why);
  else
    hl_output_set_abort(r->set);
  if (rc) {
    if (!said) hl_msg("report", "cannot write the report in %s: %s", r->dir, why);
    return HL_EXIT_USAGE;
  }
  printf("%s/report.md\n%s/report.html\n", r->dir, r->dir);
  return HL_EXIT_OK;
}

static const hl_opt_t report_opts[] = {
    {"output", 'o', "DIR", "the report's folder (made when absent)", NULL, 0, hl_opts_store_string,
     offsetof(report_t, dir)},
    {"baseline-backend", 0, "NAME",
     "the backend the ratio tables divide by (default glibc when present)", NULL, 0,
     hl_opts_store_string, offsetof(report_t, base_backend)},
    {"title", 0, "TEXT", "the report's title (default: heaplab report)", NULL, 0,
     hl_opts_store_string, offsetof(report_t, title)},
};

int hl_report_main(int argc, char **argv) {
  report_t r = {.title = "heaplab report"};
  hl_opt_group_t g = {"Options", report_opts, sizeof report_opts / sizeof report_opts[0],
                      &r,        {{0}},       0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("report", &g, 1, argc, argv, (size_t)argc, &ops, usage);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  if (ops.n == 0 || !r.dir) {
    free(ops.v);
    hl_msg("report", "expected one or more results files and -o DIR (see heaplab report --help)");
    return HL_EXIT_USAGE;
  }
  rc = make_report(&r, ops.v, ops.n);
  free(ops.v);
  return rc;
}
