/* `heaplab show FILE.json`: the summary table of a results file, or with
 * --ratio every backend's figure over one backend's, repetition by
 * repetition (resultsdoc/summary.h, ratio.h). */
#include "commands.h"

#include "error.h"
#include "escape.h"
#include "noise.h"
#include "opts.h"
#include "ratio.h"
#include "results.h"
#include "summary.h"

#include <stdio.h>
#include <stdlib.h>

typedef struct show {
  int markdown;
  const char *base, *metric;
} show_t;

enum { O_MARKDOWN, O_RATIO, O_METRIC };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  show_t *s = ctx;
  (void)source;
  if (opt->id == O_MARKDOWN)
    s->markdown = 1;
  else if (opt->id == O_RATIO)
    s->base = v;
  else
    s->metric = v;
  return 0;
}

static const hl_opt_t show_opts[] = {
    {"markdown", 0, NULL, "print the table in Markdown", NULL, 0, apply, O_MARKDOWN},
    {"ratio", 0, "BACKEND",
     "every backend's figure divided by BACKEND's, repetition by repetition (heaplab "
     "interleaves them): the median ratio and its range",
     NULL, 0, apply, O_RATIO},
    {"metric", 0, "KEY",
     "a figure by its results key (real_time, rss_peak_bytes, gc_pause_max_ns, any numeric "
     "key of the rows): with --ratio the figure divided (default cpu_time), else one more "
     "column of the summary, its median; a key no row has as a number is an error that lists "
     "the numeric keys",
     NULL, 0, apply, O_METRIC},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab show FILE.json [--markdown] [--ratio BACKEND] [--metric KEY]\n\n"
               "Prints the summary table of a results file; a table per machine when its rows\n"
               "ran on several (heaplab merge of shards run on different machines).\n\n");
}

/* The machine a table is of, above it (a file's strings: escaped). */
static void machine_heading(const hl_results_t *v, int markdown) {
  char text[1024] = "rows that name no machine", md[2100];
  if (v->machine) hl_machine_describe(v->machine, text, sizeof text);
  char *clean = markdown ? NULL : hl_term_clean(text);
  printf(markdown ? "### Machine %s\n\n" : "machine %s\n",
         markdown ? hl_md_text(text, md, sizeof md) : clean ? clean : "?");
  free(clean);
}

/* --metric names a numeric key of the rows; the message (which lists the
 * keys, strings of the file) is cleaned for the terminal. */
static int metric_check(const hl_results_t *v, const char *key, char *why, size_t len) {
  int rc = hl_summary_metric_check(v, key, why, len);
  char *clean = rc ? hl_term_clean(why) : NULL;
  if (clean) snprintf(why, len, "%s", clean);
  free(clean);
  return rc;
}

/* The table of each machine's rows (one table when one machine); 0 when
 * at least one could be made, else why says why not. */
static int show_tables(const show_t *s, const hl_results_t *v, char *why, size_t len) {
  hl_results_t *by;
  size_t n, shown = 0;
  snprintf(why, len, "out of memory");
  if (hl_results_by_machine(v, &by, &n) != 0) return HL_ENOMEM;
  for (size_t k = 0; k < n; k++) {
    const hl_results_t *g = n > 1 ? &by[k] : v;
    if (n > 1) machine_heading(g, s->markdown);
    hl_table_t *t = s->base ? hl_ratio_table(g, s->base, s->metric ? s->metric : "cpu_time", why,
                                             len)
                            : hl_summary_table_metric(g, s->metric);
    if (t) hl_table_print(t, stdout, s->markdown);
    if (!t && n > 1) printf("%s\n", why);
    if (n > 1 && k + 1 < n) printf("\n");
    shown += t != NULL;
    hl_table_free(t);
  }
  hl_results_groups_free(by, n);
  return shown ? 0 : HL_EINVAL;
}

int hl_show_main(int argc, char **argv) {
  show_t s = {0};
  hl_opt_group_t g = {"Options", show_opts, sizeof show_opts / sizeof show_opts[0], &s, {{0}}, 0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("show", &g, 1, argc, argv, 1, &ops, usage);
  if (rc == 1) return HL_EXIT_OK;
  if (rc) return HL_EXIT_USAGE;
  if (ops.n != 1) {
    free(ops.v);
    hl_msg("show", "expected one results file (see heaplab show --help)");
    return HL_EXIT_USAGE;
  }
  json_t *root;
  char why[1024];
  rc = hl_results_load(ops.v[0], &root, why, sizeof why);
  free(ops.v);
  if (rc) {
    hl_msg("show", "%s", why);
    return HL_EXIT_USAGE;
  }
  hl_results_t v;
  snprintf(why, sizeof why, "out of memory");
  rc = hl_results_view(root, &v);
  if (rc == 0 && s.metric) rc = metric_check(&v, s.metric, why, sizeof why);
  if (rc == 0) rc = show_tables(&s, &v, why, sizeof why);
  char note[512];
  fflush(stdout);
  if (rc == 0 && hl_noise_note(&v, note, sizeof note)) hl_msg("show", "%s", note);
  if (rc) hl_msg("show", "%s", why);
  hl_results_view_free(&v);
  json_decref(root);
  return rc ? HL_EXIT_USAGE : HL_EXIT_OK;
}
