/* heaplab: the command line. Dispatches subcommands; maps their outcomes to
 * exit codes (0 ok, 1 the check found something, 2 usage or input error).
 * The hidden __worker and __probe subcommands are the child side of `run`. */
#include "compare.h"
#include "config.h"
#include "revision.h"
#include "counters.h"
#include "error.h"
#include "gate.h"
#include "oom_report.h"
#include "pacer_sim.h"
#include "plot.h"
#include "ratio.h"
#include "report.h"
#include "results.h"
#include "oom.h"
#include "runner.h"
#include "summary.h"
#include "worker.h"
#include "workload.h"

#include <getopt.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <string.h>

static void usage(FILE *out) {
  fprintf(out,
          "heaplab %s: measure memory allocators and garbage collectors, reproduce\n"
          "out-of-memory failures.\n\n"
          "Usage: heaplab COMMAND [ARGS]\n\n"
          "Commands:\n"
          "  run      run workloads on backends, print a table, write a results file\n"
          "  compare  compare two results files: regressions by U test and exact metrics\n"
          "  gate     CI regression gate: two binaries run interleaved, or results files\n"
          "  oom      run cells under a memory limit: survival rate, how they die, the\n"
          "           smallest limit that survives (--find-min-limit), timelines\n"
          "  plot     draw the bar charts of a results file with gnuplot\n"
          "  report   Markdown and HTML report of results files: context, tables, box plots\n"
          "  oom-report Markdown report and timelines of runs under a memory limit: what\n"
          "           killed each cell, and which setting moved it from death to survival\n"
          "  show     print the summary table of a results file\n"
          "  list     list backends, workloads, params or counters, and whether they work here\n"
          "  pacer-sim run Go's GC pacer tests (TestGcPacer) on heaplab's port of the pacer\n\n"
          "  heaplab COMMAND --help   explains a command\n"
          "  heaplab --version        version and build\n\n"
          "Example:\n"
          "  heaplab run -w steady-service,escape-return -b glibc,jemalloc --quick -o r.json\n"
          "  heaplab plot r.json -o plots/\n",
          HL_VERSION);
}

static int version(void) {
  printf("heaplab %s (%s build, revision %s)\nGoogle Benchmark %s, jansson %s, %s\n", HL_VERSION,
         HL_BUILD_TYPE, HL_REVISION, HL_GBENCH_VERSION, JANSSON_VERSION, hl_counters_backend());
  if (hl_inject_slowdown_pct() > 0)
    printf("TESTING BUILD: escape-return made %d%% slower on purpose (-Dinject_slowdown_pct)\n",
           hl_inject_slowdown_pct());
  if (hl_inject_retain_kib() > 0 || hl_inject_retain_pct() > 0)
    printf("TESTING BUILD: escape-return retains %d KiB + %d%% of its peak RSS more on purpose "
           "(-Dinject_retain_kib, -Dinject_retain_pct)\n",
           hl_inject_retain_kib(), hl_inject_retain_pct());
  return HL_EXIT_OK;
}

static int list_backends(void) {
  size_t n;
  const hl_backend_t *const *all = hl_backend_all(&n);
  for (size_t i = 0; i < n; i++) {
    json_t *info = NULL;
    char why[512] = "";
    int ok = hl_runner_probe_backend(all[i], &info, why, sizeof why);
    const char *path = json_string_value(json_object_get(info, "library_path"));
    if (ok)
      printf("%-12s %-7s available: %s %s (%s)\n", all[i]->name, hl_backend_kind_name(all[i]->kind),
             all[i]->name, json_string_value(json_object_get(info, "version")),
             path && *path ? path : "built into heaplab");
    else
      printf("%-12s %-7s unavailable: %s\n", all[i]->name, hl_backend_kind_name(all[i]->kind), why);
    json_decref(info);
    /* Options, one indented line each: -b NAME:KEY=N. */
    for (size_t k = 0; k < all[i]->noptions; k++) {
      const hl_backend_option_t *opt = &all[i]->options[k];
      printf("%-12s option  %s:%s=N (%" PRId64 "..%" PRId64 "): %s\n", "", all[i]->name, opt->key,
             opt->min, opt->max, opt->help);
    }
  }
  return HL_EXIT_OK;
}

static int list_workloads(void) {
  size_t n;
  const hl_workload_t *const *all = hl_workload_all(&n);
  for (size_t i = 0; i < n; i++)
    printf("%-16s %-8s %-8s %s\n", all[i]->name, all[i]->kind, all[i]->claim, all[i]->summary);
  return HL_EXIT_OK;
}

static const char *kind_word(hl_param_kind_t k) {
  switch (k) {
  case HL_PARAM_BYTES: return "size";
  case HL_PARAM_PERCENT: return "percent";
  case HL_PARAM_BOOL: return "0|1";
  case HL_PARAM_CHOICE: return "word";
  default: return "count";
  }
}

static int list_params(const char *only) {
  size_t n;
  const hl_workload_t *const *all = hl_workload_all(&n);
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    if (only && strcmp(only, all[i]->name)) continue;
    found = 1;
    printf("%s (%s):\n", all[i]->name, all[i]->summary);
    for (size_t k = 0; k < all[i]->nparams; k++) {
      const hl_param_spec_t *s = &all[i]->params[k];
      char def[48], quick[48];
      hl_param_format(s, s->def, def, sizeof def);
      hl_param_format(s, s->quick, quick, sizeof quick);
      printf("  %-10s %-7s default %-8s --quick %-8s %s\n", s->key, kind_word(s->kind), def, quick,
             s->help);
    }
  }
  if (!found) {
    char names[512];
    hl_workload_names(names, sizeof names);
    hl_msg("list", "unknown workload '%s'; available: %s", only, names);
    return HL_EXIT_USAGE;
  }
  return HL_EXIT_OK;
}

static int list_counters(void) {
  size_t n;
  const char *const *names = hl_counters_default(&n);
  static const char *const software[] = {"perf::TASK-CLOCK", "perf::CONTEXT-SWITCHES",
                                         "perf::CPU-MIGRATIONS", "perf::MINOR-FAULTS",
                                         "perf::MAJOR-FAULTS"};
  char *all[HL_MAX_COUNTERS];
  size_t total = 0;
  for (size_t i = 0; i < n && total < HL_MAX_COUNTERS; i++)
    all[total++] = (char *)names[i];
  for (size_t i = 0; i < 5 && total < HL_MAX_COUNTERS; i++)
    all[total++] = (char *)software[i];
  hl_counter_status_t st[HL_MAX_COUNTERS];
  if (hl_counters_probe(all, total, st) != 0) return HL_EXIT_USAGE;
  for (size_t i = 0; i < total; i++)
    printf("%-34s %-9s %s%s%s\n", st[i].name, st[i].kind,
           st[i].available ? "available" : "unavailable: ", st[i].available ? "" : st[i].reason,
           i < n ? " (default)" : "");
  printf("(%s; any libpfm4 event name can be given to --counters)\n", hl_counters_backend());
  return HL_EXIT_OK;
}

static int list_main(int argc, char **argv) {
  const char *what = argc >= 2 ? argv[1] : "";
  if (!strcmp(what, "backends") && argc == 2) return list_backends();
  if (!strcmp(what, "workloads") && argc == 2) return list_workloads();
  if (!strcmp(what, "params") && argc <= 3) return list_params(argc == 3 ? argv[2] : NULL);
  if (!strcmp(what, "counters") && argc == 2) return list_counters();
  if (!strcmp(what, "--help") || !strcmp(what, "-h")) {
    printf("Usage: heaplab list backends|workloads|counters|params [WORKLOAD]\n");
    return HL_EXIT_OK;
  }
  hl_msg("list", "expected one of: backends, workloads, counters, params [WORKLOAD]");
  return HL_EXIT_USAGE;
}

static void show_usage(FILE *out) {
  fprintf(out, "Usage: heaplab show FILE.json [--markdown] [--ratio BACKEND [--metric KEY]]\n\n"
               "Prints the summary table of a results file. With --ratio, every backend's\n"
               "KEY (default cpu_time; also real_time, rss_peak_bytes, any numeric field)\n"
               "divided by BACKEND's, repetition by repetition (heaplab interleaves them):\n"
               "the median ratio and its range.\n");
}

static int show_main(int argc, char **argv) {
  static const struct option longopts[] = {{"markdown", no_argument, NULL, 'm'},
                                           {"ratio", required_argument, NULL, 'r'},
                                           {"metric", required_argument, NULL, 'k'},
                                           {"help", no_argument, NULL, 'h'},
                                           {NULL, 0, NULL, 0}};
  int markdown = 0, c;
  const char *base = NULL, *metric = "cpu_time";
  optind = 1;
  opterr = 0;
  while ((c = getopt_long(argc, argv, "h", longopts, NULL)) != -1) {
    if (c == 'm')
      markdown = 1;
    else if (c == 'r')
      base = optarg;
    else if (c == 'k')
      metric = optarg;
    else if (c == 'h') {
      show_usage(stdout);
      return HL_EXIT_OK;
    } else {
      hl_msg("show", "unknown option or missing value '%s' (see heaplab show --help)",
             argv[optind - 1]);
      return HL_EXIT_USAGE;
    }
  }
  if (argc - optind != 1) {
    hl_msg("show", "expected one results file (see heaplab show --help)");
    return HL_EXIT_USAGE;
  }
  json_t *root;
  char why[1024];
  if (hl_results_load(argv[optind], &root, why, sizeof why) != 0) {
    hl_msg("show", "%s", why);
    return HL_EXIT_USAGE;
  }
  hl_table_t *t =
      base ? hl_ratio_table(root, base, metric, why, sizeof why) : hl_summary_table(root);
  if (t)
    hl_table_print(t, stdout, markdown);
  else if (base)
    hl_msg("show", "%s", why);
  hl_table_free(t);
  json_decref(root);
  return t ? HL_EXIT_OK : HL_EXIT_USAGE;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    usage(stderr);
    return HL_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  argc--, argv++;
  if (!strcmp(cmd, "run")) return hl_run_main(argc, argv);
  if (!strcmp(cmd, "compare")) return hl_compare_main(argc, argv);
  if (!strcmp(cmd, "gate")) return hl_gate_main(argc, argv);
  if (!strcmp(cmd, "oom")) return hl_oom_main(argc, argv);
  if (!strcmp(cmd, "report")) return hl_report_main(argc, argv);
  if (!strcmp(cmd, "plot")) return hl_plot_main(argc, argv);
  if (!strcmp(cmd, "oom-report")) return hl_oom_report_main(argc, argv);
  if (!strcmp(cmd, "show")) return show_main(argc, argv);
  if (!strcmp(cmd, "list")) return list_main(argc, argv);
  if (!strcmp(cmd, "pacer-sim")) return hl_pacer_sim_main(argc, argv);
  if (!strcmp(cmd, "__worker")) return hl_worker_main(argc, argv) == 0 ? 0 : 1;
  if (!strcmp(cmd, "__probe")) return hl_probe_main(argc, argv) == 0 ? 0 : 1;
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) return version();
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    usage(stdout);
    return HL_EXIT_OK;
  }
  hl_msg("main",
         "unknown command '%s'; commands: run compare gate oom plot report oom-report show list "
         "pacer-sim (see heaplab --help)",
         cmd);
  return HL_EXIT_USAGE;
}
