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
#include "plot.h"
#include "ratio.h"
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
  FILE *md, *html;
  const char *dir;
  hl_output_set_t *set;     /* everything goes to dir through it (output.h) */
  const char *base_backend; /* --baseline-backend, or NULL: glibc when present */
  const char *title;
  int depth; /* 1 inside a machine's section: its sections a level down */
} report_t;

static const hl_plot_spec_t figures[] = {
    {"cpu_time", "time", "CPU time per iteration, over the repetitions of each cell",
     "ns per iteration", 1},
    {"rss_peak_bytes", "rss", "Peak resident memory of the worker (VmHWM), over the repetitions",
     "MiB", 1048576},
    {"allocs", "allocs", "Objects allocated from the backend (deterministic: one value per cell)",
     "allocations", 1},
};
#define NFIGURES (sizeof figures / sizeof figures[0])

/* ---- writing both outputs -------------------------------------------------- */

static void heading(report_t *r, int level, const char *text) {
  if (level >= 3) level += r->depth;
  fprintf(r->md, "\n%.*s ", level, "######");
  hl_md_escape(r->md, text);
  fputs("\n\n", r->md);
  fprintf(r->html, "<h%d>", level);
  hl_html_escape(r->html, text);
  fprintf(r->html, "</h%d>\n", level);
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

/* ---- context --------------------------------------------------------------- */

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "-";
}

static void num(char *buf, size_t len, const json_t *o, const char *key, const char *unit) {
  double v;
  if (hl_json_number(o, key, &v) == 0)
    snprintf(buf, len, "%g%s", v, unit);
  else
    snprintf(buf, len, "-");
}

static void topology_text(const json_t *topo, char *buf, size_t len) {
  if (!json_is_object(topo)) {
    snprintf(buf, len, "unknown (built without hwloc)");
    return;
  }
  char p[32], n[32], c[32], u[32];
  num(p, sizeof p, topo, "packages", "");
  num(n, sizeof n, topo, "numa_nodes", "");
  num(c, sizeof c, topo, "cores", "");
  num(u, sizeof u, topo, "pus", "");
  size_t off = (size_t)snprintf(buf, len, "%s package(s), %s NUMA node(s), %s cores, %s PUs (%s)",
                                p, n, c, u, str(topo, "source"));
  size_t i;
  const json_t *cache;
  json_array_foreach(json_object_get(topo, "caches"), i, cache) {
    double lvl = 0, size = 0, count = 0;
    hl_json_number(cache, "level", &lvl);
    hl_json_number(cache, "size_bytes", &size);
    hl_json_number(cache, "count", &count);
    if (off < len)
      off += (size_t)snprintf(buf + off, len - off, "%s L%.0f %s %.0f KiB x%.0f", i ? ";" : ";",
                              lvl, str(cache, "type"), size / 1024, count);
  }
}

static void backends_text(const json_t *ctx, char *buf, size_t len) {
  size_t off = 0;
  const char *name;
  const json_t *b;
  buf[0] = '\0';
  json_object_foreach((json_t *)json_object_get(ctx, "backends"), name, b) {
    if (off >= len) break;
    const char *status = str(b, "status");
    const char *lib = str(b, "library_path");
    if (!strcmp(status, "available"))
      off += (size_t)snprintf(buf + off, len - off, "%s%s %s (%s)", off ? "; " : "", name,
                              str(b, "version"), *lib ? lib : "built into heaplab");
    else
      off += (size_t)snprintf(buf + off, len - off, "%s%s: %s", off ? "; " : "", name, status);
  }
}

static int context_section(report_t *r, const json_t *ctx) {
  static const char *const headers[] = {"what", "value"};
  hl_table_t *t = hl_table_new(headers, 2, "ll");
  if (!t) return HL_ENOMEM;
  char cpus[64], mhz[32], load[96], topo[1024], heaplab[256], backends[2048], opts[512];
  num(cpus, sizeof cpus, ctx, "num_cpus", "");
  num(mhz, sizeof mhz, ctx, "mhz_per_cpu", " MHz");
  const json_t *la = json_object_get(ctx, "load_avg");
  snprintf(load, sizeof load, "%.2f %.2f %.2f (at the start)",
           json_number_value(json_array_get(la, 0)), json_number_value(json_array_get(la, 1)),
           json_number_value(json_array_get(la, 2)));
  topology_text(json_object_get(ctx, "topology"), topo, sizeof topo);
  snprintf(heaplab, sizeof heaplab, "%s, %s build, revision %s; Google Benchmark %s; %s",
           str(ctx, "heaplab_version"), str(ctx, "heaplab_build_type"),
           str(ctx, "heaplab_revision"), str(ctx, "benchmark_library_version"),
           str(ctx, "counters_library"));
  backends_text(ctx, backends, sizeof backends);
  const json_t *o = json_object_get(ctx, "options");
  char reps[16], threads[16], seed[32];
  num(reps, sizeof reps, o, "reps", "");
  num(threads, sizeof threads, o, "threads", "");
  num(seed, sizeof seed, o, "seed", "");
  snprintf(opts, sizeof opts,
           "%s repetitions (interleaved, one process each), %s thread(s), pin %s, "
           "escape %s, GOGC %s, seed %s%s",
           reps, threads, str(o, "pin"), str(o, "escape"), str(o, "gogc"), seed,
           json_is_true(json_object_get(o, "quick")) ? ", --quick" : "");
  const char *rows[][2] = {
      {"date", str(ctx, "date")},
      {"host", str(ctx, "host_name")},
      {"command", str(ctx, "command")},
      {"options", opts},
      {"heaplab", heaplab},
      {"kernel", str(ctx, "kernel")},
      {"transparent huge pages", str(ctx, "thp_enabled")},
      {"CPUs", cpus},
      {"CPU clock", mhz},
      {"topology", topo},
      {"load average", load},
      {"backends", backends},
  };
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof rows / sizeof rows[0]; i++)
    rc = hl_table_add(t, rows[i]);
  if (json_is_true(json_object_get(ctx, "interrupted"))) {
    const char *row[] = {"interrupted", "yes: the run was stopped before its end"};
    if (rc == 0) rc = hl_table_add(t, row);
  }
  heading(r, 3, "Context");
  if (rc == 0) table(r, t);
  hl_table_free(t);
  return rc;
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

static int outcomes_section(report_t *r, const hl_results_t *v) {
  heading(r, 3, "Every cell and how it ended");
  para(r, "One row per cell (workload, parameters, backend): how its repetitions ended, the median "
          "CPU time per iteration and its spread ((max - min) / median), and its memory figures.");
  hl_table_t *t = hl_summary_table(v);
  if (!t) return HL_ENOMEM;
  table(r, t);
  hl_table_free(t);
  size_t failed = 0;
  for (size_t i = 0; i < v->n; i++) {
    const hl_row_t *e = &v->row[i];
    if (!e->outcome || e->outcome_id == HL_OUTCOME_OK) continue;
    para(r, "%s, repetition %ld: %s: %s", e->name, e->repetition < 0 ? 1 : e->repetition + 1,
         e->outcome, *e->error_message ? e->error_message : "-");
    failed++;
  }
  if (!failed) para(r, "Every repetition of every cell ended ok.");
  return 0;
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

/* folder: where the figures go in the report's folder, "figures/run1". */
static int figures_section(report_t *r, const hl_results_t *v, const char *folder) {
  heading(r, 3, "Figures");
  para(r, "Box plots over the repetitions of each cell: the box spans the quartiles, the thick "
          "bar is the median, the whiskers reach the extremes, the dots are the repetitions. "
          "PNG and SVG of each are in figures/.");
  for (size_t i = 0; i < NFIGURES; i++) {
    char why[1024], path[4200];
    int rc = hl_plot_box(v, &figures[i], r->set, folder, 0, why, sizeof why);
    if (rc == 0) rc = hl_plot_box(v, &figures[i], r->set, folder, 1, why, sizeof why);
    if (rc == HL_EUNAVAIL || rc == HL_ECHILD) {
      hl_msg("report", "%s", why);
      return rc;
    }
    if (rc) {
      para(r, "%s: no figure (%s).", figures[i].title, why);
      continue;
    }
    fprintf(r->md, "![%s](%s/%s.png)\n\n", figures[i].title, folder, figures[i].file);
    snprintf(path, sizeof path, "%s/%s/%s.svg", hl_output_set_stage(r->set), folder,
             figures[i].file);
    inline_svg(r, path);
  }
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
          "present), box plots of CPU time, peak RSS and allocations over the repetitions\n"
          "(DIR/figures/runN/*.png and *.svg, with their gnuplot scripts and data), and the\n"
          "counters that were and were not available. Needs gnuplot (gnuplot-nox).\n"
          "Exit status: 0 written, 2 bad input or a file that cannot be written.\n");
}

static const char *html_head =
    "<style>body{font-family:sans-serif;max-width:1400px;margin:1em auto;padding:0 1em;"
    "color:#222}table{border-collapse:collapse;margin:.5em 0 1em;font-size:13px}"
    "td,th{border:1px solid #ccc;padding:2px 6px;text-align:left;vertical-align:top}"
    "td.r,th.r{text-align:right;font-variant-numeric:tabular-nums}th{background:#f0f0f0}"
    ".fig svg{max-width:100%;height:auto}h2{border-bottom:2px solid #444;margin-top:2em}"
    "</style></head><body>\n";

static int write_report(report_t *r, char **files, size_t nfiles) {
  fputs("# ", r->md);
  hl_md_escape(r->md, r->title);
  fputs("\n\n", r->md);
  fputs("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n<title>", r->html);
  hl_html_escape(r->html, r->title);
  fputs("</title>\n", r->html);
  fputs(html_head, r->html);
  fprintf(r->html, "<h1>");
  hl_html_escape(r->html, r->title);
  fprintf(r->html, "</h1>\n");
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
  fputs("</body></html>\n", r->html);
  return rc;
}

/* Writes the report of the files to r->dir, every file at once (output.h). */
static int make_report(report_t *r, char **files, size_t nfiles) {
  char why[1024], *md = NULL, *html = NULL;
  size_t md_len = 0, html_len = 0;
  int rc = hl_output_set_open(r->dir, &r->set, why, sizeof why);
  if (rc) {
    hl_msg("report", "%s", why);
    return HL_EXIT_USAGE;
  }
  r->md = open_memstream(&md, &md_len);
  r->html = open_memstream(&html, &html_len);
  rc = r->md && r->html ? write_report(r, files, nfiles) : HL_ENOMEM;
  int said = rc && rc != HL_ENOMEM; /* write_report said what failed */
  if (r->md && fclose(r->md) != 0 && rc == 0) rc = HL_ENOMEM;
  if (r->html && fclose(r->html) != 0 && rc == 0) rc = HL_ENOMEM;
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
