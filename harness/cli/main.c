/* heaplab: the command line. One table of commands (name, one-line help,
 * entry point) gives the dispatch, `heaplab --help` and the message for an
 * unknown command, so the three cannot disagree. Each command parses its own
 * arguments with the option-table engine (core/opts.h) and returns its exit
 * status (0 ok, 1 the check found something, 2 usage or input error,
 * 128 + the signal when interrupted). The hidden __worker and __probe
 * commands are the child side of `run`. */
#include "claims.h"
#include "commands.h"
#include "compare.h"
#include "config.h"
#include "counters.h"
#include "error.h"
#include "gate.h"
#include "oom.h"
#include "oom_report.h"
#include "merge.h"
#include "pacer_sim.h"
#include "plancmd.h"
#include "plot.h"
#include "report.h"
#include "revision.h"
#include "runner.h"
#include "worker.h"
#include "workload.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

typedef struct command {
  const char *name;
  const char *help; /* NULL: hidden */
  int (*main)(int argc, char **argv);
} command_t;

static int worker_main(int argc, char **argv) {
  return hl_worker_main(argc, argv) == 0 ? HL_EXIT_OK : HL_EXIT_FOUND;
}

static int probe_main(int argc, char **argv) {
  return hl_probe_main(argc, argv) == 0 ? HL_EXIT_OK : HL_EXIT_FOUND;
}

static const command_t commands[] = {
    {"run", "run workloads on backends, print a table, write a results file", hl_run_main},
    {"compare", "compare two results files: regressions of time, memory and exact counts",
     hl_compare_main},
    {"gate", "CI regression gate: two binaries run interleaved, or results files", hl_gate_main},
    {"oom",
     "run cells under a memory limit: survival rate, how they die, the smallest limit that "
     "survives (--find-min-limit), timelines",
     hl_oom_main},
    {"plot", "draw the bar charts of a results file with gnuplot", hl_plot_main},
    {"report", "Markdown and HTML report of results files: context, tables, figures",
     hl_report_main},
    {"oom-report",
     "Markdown report and timelines of runs under a memory limit: what killed each cell, and "
     "which setting moved it from death to survival",
     hl_oom_report_main},
    {"show", "print the summary table of a results file", hl_show_main},
    {"plan", "print the cells a run would run, with stable ids, and how they split into shards",
     hl_plan_main},
    {"merge", "join the results files of a plan's shards into one", hl_merge_main},
    {"list", "list backends, workloads, params or counters, and whether they work here",
     hl_list_main},
    {"claims", "measure the article's claims (C1-C19) and give each a verdict, with a report",
     hl_claims_main},
    {"pacer-sim", "run Go's GC pacer tests (TestGcPacer) on heaplab's port of the pacer",
     hl_pacer_sim_main},
    {"__worker", NULL, worker_main},
    {"__probe", NULL, probe_main},
};
#define NCOMMANDS (sizeof commands / sizeof commands[0])

#define COMMAND_COLUMN 13

static void usage(FILE *out) {
  fprintf(out,
          "heaplab %s: measure memory allocators and garbage collectors, reproduce\n"
          "out-of-memory failures.\n\n"
          "Usage: heaplab COMMAND [ARGS]\n\nCommands:\n",
          HL_VERSION);
  for (size_t i = 0; i < NCOMMANDS; i++) {
    if (!commands[i].help) continue;
    fprintf(out, "  %-*s", COMMAND_COLUMN - 2, commands[i].name);
    size_t at = COMMAND_COLUMN;
    if (strlen(commands[i].name) + 2 >= COMMAND_COLUMN) {
      fprintf(out, "\n%*s", COMMAND_COLUMN, "");
    }
    hl_opts_wrap(out, commands[i].help, at, COMMAND_COLUMN, 80);
  }
  fprintf(out, "\n  heaplab COMMAND --help   explains a command\n"
               "  heaplab --version        version and build\n\n"
               "Example:\n"
               "  heaplab run -w steady-service,pool-reuse -b glibc,jemalloc --quick -o r.json\n"
               "  heaplab plot r.json -o plots/\n");
}

static void print_usage(FILE *out) {
  FILE *page = hl_opts_page_open(out);
  usage(page);
  hl_opts_page_close(page, out);
}

static int version(void) {
  printf("heaplab %s (%s build, revision %s)\nGoogle Benchmark %s, jansson %s, %s\n", HL_VERSION,
         HL_BUILD_TYPE, HL_REVISION, HL_GBENCH_VERSION, JANSSON_VERSION, hl_counters_backend());
  if (hl_inject_slowdown_pct() > 0)
    printf("TESTING BUILD: escape-return made %d%% slower on purpose (-Dinject_slowdown_pct)\n",
           hl_inject_slowdown_pct());
  if (hl_inject_retain_kib() > 0 || hl_inject_retain_pct() > 0)
    printf("TESTING BUILD: escape-return retains %d KiB + %d%% more on purpose "
           "(-Dinject_retain_kib, -Dinject_retain_pct)\n",
           hl_inject_retain_kib(), hl_inject_retain_pct());
  return HL_EXIT_OK;
}

int main(int argc, char **argv) {
  if (argc < 2) {
    print_usage(stderr);
    return HL_EXIT_USAGE;
  }
  const char *cmd = argv[1];
  for (size_t i = 0; i < NCOMMANDS; i++)
    if (!strcmp(cmd, commands[i].name)) return commands[i].main(argc - 1, argv + 1);
  if (!strcmp(cmd, "--version") || !strcmp(cmd, "version")) return version();
  if (!strcmp(cmd, "--help") || !strcmp(cmd, "-h") || !strcmp(cmd, "help")) {
    print_usage(stdout);
    return HL_EXIT_OK;
  }
  char names[256];
  size_t off = 0;
  for (size_t i = 0; i < NCOMMANDS && off < sizeof names; i++)
    if (commands[i].help)
      off += (size_t)snprintf(names + off, sizeof names - off, "%s%s", off ? " " : "",
                              commands[i].name);
  hl_msg("main", "unknown command '%s'; commands: %s (see heaplab --help)", cmd, names);
  return HL_EXIT_USAGE;
}
