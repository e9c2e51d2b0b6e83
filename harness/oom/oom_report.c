/* The out-of-memory report (oom_report.h): the document, from the cells
 * oom_cells.c builds (what a cell is, which rows count, and the search are
 * explained in oom_cells.h): its context and summary here, each cell in
 * oom_cell.c, what moved a cell from death to survival in oom_knobs.c, and
 * the numbers and tables they share in oom_format.c (oom_md.h).
 *
 * Survival rates near a limit are random (a collector's cycles land at
 * slightly different heaps each time), so every rate carries a Wilson score
 * interval (stats.c), and a statement that one setting moved death to
 * survival says when the two intervals still overlap. The timelines are
 * oom_timeline.c's (plot.c's renderer, plots/timeline.gp); tables are
 * table.c's. */
#include "oom_report.h"

#include "error.h"
#include "oom_md.h"
#include "opts.h"
#include "results.h"
#include "stats.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- context and summary ------------------------------------------------------ */

static const char *mode_words(const char *mode) {
  if (!strcmp(mode, "watchdog"))
    return "the parent reads the worker's resident set every millisecond and kills it at the "
           "limit, as a container's OOM killer would";
  if (!strcmp(mode, "cgroup"))
    return "a child cgroup v2 group with memory.max at the limit and swap off; the kernel's OOM "
           "killer ends the worker";
  if (!strcmp(mode, "rlimit"))
    return "RLIMIT_DATA: the kernel refuses to grow private memory past the limit, so "
           "allocations fail inside the worker";
  return "";
}

static int context_section(FILE *md, const oom_doc_t *d) {
  const json_t *ctx = d->ctx, *o = d->opts;
  char machine[512], heaplab[256], limit[512], sampling[160], runs[64], lim[32];
  double cpus = 0, mhz = 0, sample_ms = 0, reps = 0;
  hl_json_number(ctx, "num_cpus", &cpus);
  hl_json_number(ctx, "mhz_per_cpu", &mhz);
  hl_json_number(o, "sample_ms", &sample_ms);
  hl_json_number(o, "reps", &reps);
  snprintf(
      machine, sizeof machine, "%s: %.0f CPUs at %.0f MHz, kernel %s, transparent huge pages %s",
      oom_str(ctx, "host_name"), cpus, mhz, oom_str(ctx, "kernel"), oom_str(ctx, "thp_enabled"));
  snprintf(heaplab, sizeof heaplab, "%s (%s build, revision %s)", oom_str(ctx, "heaplab_version"),
           oom_str(ctx, "heaplab_build_type"), oom_str(ctx, "heaplab_revision"));
  oom_fmt_mib((double)d->limit_bytes, lim, sizeof lim);
  if (d->limit_bytes)
    snprintf(limit, sizeof limit, "%s, %s: %s%s%s", lim, d->limit_mode ? d->limit_mode : "?",
             mode_words(d->limit_mode ? d->limit_mode : ""),
             json_object_get(o, "cgroup") ? " under " : "", oom_str(o, "cgroup"));
  else
    snprintf(limit, sizeof limit, "none (the runs had no --limit)");
  if (sample_ms > 0)
    snprintf(sampling, sizeof sampling,
             "every %.0f ms (--sample-ms): the parent's RSS samples and the worker's own",
             sample_ms);
  else
    snprintf(sampling, sizeof sampling, "none (--sample-ms 0): timelines need --sample-ms");
  snprintf(runs, sizeof runs, "%.0f, each its own process", reps);
  const char *const rows[][2] = {
      {"date", oom_str(ctx, "date")}, {"machine", machine},
      {"heaplab", heaplab},           {"command", oom_str(ctx, "command")},
      {"memory limit", limit},        {"timeline samples", sampling},
      {"runs per cell", runs},
  };
  fputs("## Context\n\n", md);
  return oom_md_what_value(md, rows, sizeof rows / sizeof rows[0]);
}

static int summary_section(FILE *md, const oom_doc_t *d) {
  static const char *const headers[] = {
      "cell",     "limit",         "runs",     "survived", "survival (95% CI)",
      "outcomes", "time to death", "peak RSS", "min limit"};
  hl_table_t *t = hl_table_new(headers, 9, "llrrllrrr");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < d->ncells; i++) {
    const oom_cell_t *c = &d->cells[i];
    char limit[64], runs[16], surv[16], rate[64], outcomes[160], ttd[32], rss[32], min[32];
    oom_fmt_limit(d, c->limit_bytes, limit, sizeof limit);
    snprintf(runs, sizeof runs, "%zu", c->runs);
    snprintf(surv, sizeof surv, "%zu", c->survived);
    oom_fmt_survival(c, rate, sizeof rate);
    oom_fmt_outcomes(c, outcomes, sizeof outcomes);
    size_t n = oom_values(d, c, OOM_ROWS_DIED, "end_s");
    oom_fmt_seconds(n ? hl_stats_median(d->scratch, n) : -1, ttd, sizeof ttd);
    n = oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes");
    oom_fmt_mib(n ? hl_stats_median(d->scratch, n) : 0, rss, sizeof rss);
    oom_fmt_mib((double)c->min_limit_bytes, min, sizeof min);
    const char *row[] = {c->name, limit, runs, surv, rate, outcomes, ttd, rss, min};
    rc = hl_table_add(t, row);
  }
  fputs("## Cells\n\n"
        "A run survived when it ended ok. Survival rates carry a Wilson 95% interval; time to "
        "death is the median over the runs that died (seconds since the worker was spawned), "
        "peak RSS the median over all runs; min limit is the smallest limit at which every run "
        "survived (--find-min-limit).\n\n",
        md);
  return oom_md_table(md, t, rc);
}


/* ---- the report ------------------------------------------------------------------ */

static int write_markdown(FILE *md, const oom_doc_t *d, hl_output_set_t *set, int *fig_rc,
                          char *why, size_t len) {
  fputs("# heaplab OOM report\n\n"
        "Cells run under a memory limit, each run in its own process: whether they died, how "
        "often, how fast, what killed them, and which single setting moved a cell from death "
        "to survival. Made by heaplab from the results rows (the \"oom\" summary adds the "
        "limit searches).\n\n",
        md);
  int rc = context_section(md, d);
  if (rc == 0) rc = summary_section(md, d);
  if (rc == 0) oom_moves_section(md, d);
  if (rc == 0) fputs("## Cell by cell\n\n", md);
  for (size_t i = 0; rc == 0 && i < d->ncells; i++)
    rc = oom_cell_section(md, d, i, set, fig_rc, why, len);
  return rc;
}

int hl_oom_report_write(const json_t *doc, const char *dir, char *why, size_t why_len) {
  oom_doc_t d = {0};
  hl_output_set_t *set = NULL;
  char *text = NULL;
  size_t text_len = 0;
  int fig_rc = 0, rc = oom_doc_open(&d, doc, why, why_len);
  if (rc == 0) rc = hl_output_set_open(dir, &set, why, why_len);
  if (rc) goto out;
  FILE *md = open_memstream(&text, &text_len);
  if (!md) {
    snprintf(why, why_len, "out of memory");
    rc = HL_ENOMEM;
    goto out;
  }
  rc = write_markdown(md, &d, set, &fig_rc, why, why_len);
  if (fclose(md) != 0 && rc == 0) rc = HL_ENOMEM;
  if (rc == 0) rc = fig_rc;
  if (rc) {
    if (rc == HL_ENOMEM) snprintf(why, why_len, "out of memory");
    goto out;
  }
  rc = hl_output_set_put(set, "oom-report.md", text, text_len, why, why_len);
  if (rc == 0) rc = hl_output_set_commit(set, why, why_len);
  set = NULL;
out:
  hl_output_set_abort(set);
  free(text);
  oom_doc_close(&d);
  return rc;
}

/* ---- the command ------------------------------------------------------------------ */

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab oom-report FILE.json -o DIR\n\n"
               "Writes DIR/oom-report.md from a results file whose runs had a memory limit\n"
               "(heaplab oom, or heaplab run --limit --sample-ms MS): per cell the runs,\n"
               "survivals with a 95%% interval, outcomes, time to death, peak RSS, what killed\n"
               "it, and which single setting (GOGC, GOMEMLIMIT, backend, escape analysis, a\n"
               "parameter) moved a cell from death to survival; and DIR/timelines/*.png, one\n"
               "timeline per cell (RSS, heap live, heap goal, the limit, GC cycles, the death),\n"
               "with the gnuplot script and data of each. Needs gnuplot (gnuplot-nox).\n"
               "Exit status: 0 written, 2 bad input or a report that cannot be written.\n\n");
}

static const hl_opt_t oom_report_opts[] = {
    {"output", 'o', "DIR", "the report's folder (made when absent)", NULL, 0, hl_opts_store_string,
     0},
};

int hl_oom_report_main(int argc, char **argv) {
  const char *dir = NULL, *input = NULL;
  hl_opt_group_t g = {"Options", oom_report_opts, 1, &dir, {{0}}, 0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("oom-report", &g, 1, argc, argv, 1, &ops, usage);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  input = ops.n ? ops.v[0] : NULL;
  free(ops.v);
  if (!input || !dir) {
    hl_msg("oom-report", "expected one results file and -o DIR (see heaplab oom-report --help)");
    return HL_EXIT_USAGE;
  }
  json_t *root = NULL;
  char why[1024];
  if (hl_results_load(input, &root, why, sizeof why) != 0) {
    hl_msg("oom-report", "%s", why);
    return HL_EXIT_USAGE;
  }
  rc = hl_oom_report_write(root, dir, why, sizeof why);
  json_decref(root);
  if (rc) {
    hl_msg("oom-report", "%s: %s", input, why);
    return HL_EXIT_USAGE;
  }
  printf("%s/oom-report.md\n", dir);
  return HL_EXIT_OK;
}
