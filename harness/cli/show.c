/* `heaplab show FILE.json`: the summary table of a results file, or with
 * --ratio every backend's figure over one backend's, repetition by
 * repetition (resultsdoc/summary.h, ratio.h). */
#include "commands.h"

#include "error.h"
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
     "the figure of --ratio (default cpu_time; also real_time, rss_peak_bytes, any numeric "
     "field)",
     NULL, 0, apply, O_METRIC},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab show FILE.json [--markdown] [--ratio BACKEND [--metric KEY]]\n\n"
               "Prints the summary table of a results file.\n\n");
}

int hl_show_main(int argc, char **argv) {
  show_t s = {.metric = "cpu_time"};
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
  hl_table_t *t =
      s.base ? hl_ratio_table(root, s.base, s.metric, why, sizeof why) : hl_summary_table(root);
  char note[512];
  if (t) {
    hl_table_print(t, stdout, s.markdown);
    fflush(stdout);
    if (hl_noise_note(root, note, sizeof note)) hl_msg("show", "%s", note);
  } else if (s.base)
    hl_msg("show", "%s", why);
  hl_table_free(t);
  json_decref(root);
  return t ? HL_EXIT_OK : HL_EXIT_USAGE;
}
