/* `heaplab plot` (plot.h). */
#include "plot.h"

#include "error.h"
#include "charts.h"
#include "opts.h"
#include "results.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plot_opts {
  const char *input, *dir, *terminal, *ext, *baseline;
} plot_opts_t;

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
