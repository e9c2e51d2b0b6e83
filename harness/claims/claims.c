/* heaplab claims: runs each chosen claim's experiment, prints a line per
 * claim (id, verdict, the figure) and writes DIR/claims.md and
 * DIR/claims.html. See claims.h for the pieces.
 *
 * Every experiment command is a heaplab child process (`heaplab run ...
 * -o DIR/ID-N.json`), so a cell that crashes or is killed stays inside its
 * own run, and the results files stay in DIR for anyone to read, plot or
 * compare. A claim whose command fails, or whose results lack what its rule
 * needs, "could not run": the others go on, and the exit status is 1. */
#include "claims.h"
#include "claims_doc.h"

#include "argsplit.h"
#include "error.h"
#include "escape.h"
#include "interrupt.h"
#include "opts.h"
#include "results.h"
#include "spawn.h"
#include "util.h"

#include <errno.h>
#include <stddef.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>

#define CLAIMS_DEFAULT_DIR "claims"

typedef struct claims_opts {
  const char *dir;
  int quick;
} claims_opts_t;

typedef struct claims_state {
  claims_opts_t o;
  char exe[PATH_MAX];
  int chosen[64];
  hl_claim_result_t result[64];
  int decided[64];
  hl_claims_machine_t machine;
} claims_state_t;

static const hl_opt_t claims_opts[] = {
    {"output", 'o', "DIR",
     "directory for the results files, logs, claims.md and claims.html (made when missing; "
     "default ./" CLAIMS_DEFAULT_DIR ")",
     NULL, 0, hl_opts_store_string, offsetof(claims_opts_t, dir)},
    {"quick", 0, NULL,
     "small parameters and fewer repetitions: every claim in about two minutes here (the "
     "full run: under 30)",
     NULL, 0, hl_opts_store_flag, offsetof(claims_opts_t, quick)},
};

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab claims [ID...|all] [--quick] [-o DIR]\n"
          "\n"
          "Measures the claims of the article heaplab grew from (C1-C19: escapes,\n"
          "pools, GOGC, size classes, the allocator's levels, the collector, OOMs)\n"
          "and gives each a verdict: holds, does not hold, depends (with the\n"
          "condition measured), or not measurable here (with the reason). Each\n"
          "experiment is ordinary heaplab runs; their results files and logs stay in\n"
          "DIR. Claims about Go's compiler and runtime (C6, C7, C14) are decided by\n"
          "the go found in PATH. Prints one line per claim and writes DIR/claims.md\n"
          "and DIR/claims.html. Exit status: 0 every experiment ran (whatever the\n"
          "verdicts), 1 one could not run, 2 bad input, 130/143 interrupted.\n"
          "\n"
          "Claims:");
  for (size_t i = 0; i < hl_nclaims; i++)
    fprintf(out, "%s %s", i % 10 ? "" : "\n ", hl_claims[i].id);
  fprintf(out, "\n\n");
}

/* ---- choosing claims ----------------------------------------------------- */

static size_t claim_index(const hl_claim_t *c) { return (size_t)(c - hl_claims); }

/* Chooses id and the claims it is made of. */
static int choose(claims_state_t *st, const char *id) {
  const hl_claim_t *c = hl_claim_find(id);
  if (!c) {
    hl_msg("claims", "unknown claim '%s' (heaplab claims --help lists them)", id);
    return HL_EINVAL;
  }
  st->chosen[claim_index(c)] = 1;
  if (!c->needs)
    return 0;
  char parts[64];
  snprintf(parts, sizeof parts, "%s", c->needs);
  for (char *save, *p = strtok_r(parts, ",", &save); p; p = strtok_r(NULL, ",", &save))
    if (choose(st, p) != 0)
      return HL_EINVAL;
  return 0;
}

static int choose_all(claims_state_t *st, const hl_opts_operands_t *ops) {
  if (ops->n == 0 || (ops->n == 1 && strcasecmp(ops->v[0], "all") == 0)) {
    for (size_t i = 0; i < hl_nclaims; i++)
      st->chosen[i] = 1;
    return 0;
  }
  for (size_t i = 0; i < ops->n; i++)
    if (choose(st, ops->v[i]) != 0)
      return HL_EINVAL;
  return 0;
}

/* ---- running an experiment ----------------------------------------------- */

/* heaplab, the words of the table's command line (core/argsplit.h), then
 * "-o out": a malloc'd argv (free it), or NULL after a message. */
static char **command_argv(claims_state_t *st, const char *line, char *out, char ***words) {
  char why[256];
  size_t n;
  if (hl_argsplit(line, words, &n, why, sizeof why) != 0) {
    hl_msg("claims", "%s: %s", line, why);
    return NULL;
  }
  char **argv = calloc(n + 4, sizeof *argv);
  if (!argv) {
    free(*words);
    return NULL;
  }
  argv[0] = st->exe;
  memcpy(argv + 1, *words, n * sizeof *argv);
  argv[n + 1] = (char *)"-o";
  argv[n + 2] = out;
  return argv;
}

/* Runs one command of claim c into DIR/ID-k.json and loads it. */
static int run_command(claims_state_t *st, const hl_claim_t *c, size_t k, json_t **doc) {
  const char *line = st->o.quick && c->cmd[k].quick ? c->cmd[k].quick : c->cmd[k].full;
  char out[PATH_MAX], log[PATH_MAX], why[1024];
  snprintf(out, sizeof out, "%s/%s-%zu.json", st->o.dir, c->id, k + 1);
  snprintf(log, sizeof log, "%s/%s-%zu.log", st->o.dir, c->id, k + 1);
  char **words, **argv = command_argv(st, line, out, &words);
  if (!argv)
    return HL_ECHILD;
  hl_exec_t x = {.argv = argv, .log_path = log};
  int status;
  int rc = hl_exec_run(&x, &status, NULL);
  free(argv);
  free(words);
  if (rc != 0)
    return HL_ECHILD;
  if (hl_interrupted)
    return HL_EINVAL;
  /* run: 1 when a cell did not end ok (a finding here); oom: 0 */
  if (status != 0 && status != 1) {
    hl_msg("claims", "%s: heaplab %s: exit status %d (see %s)", c->id, line, status, log);
    return HL_ECHILD;
  }
  if (hl_results_load(out, doc, why, sizeof why) != 0) {
    hl_msg("claims", "%s: %s", c->id, why);
    return HL_ECHILD;
  }
  hl_claims_machine_from(*doc, &st->machine);
  return 0;
}

static const hl_claim_result_t *result_of(const char *id, void *ctx) {
  claims_state_t *st = ctx;
  const hl_claim_t *c = hl_claim_find(id);
  return c && st->decided[claim_index(c)] ? &st->result[claim_index(c)] : NULL;
}

static void run_claim(claims_state_t *st, const hl_claim_t *c, hl_claim_result_t *r) {
  hl_claim_input_t in = {.dir = st->o.dir, .quick = st->o.quick, .result_of = result_of,
                         .ctx = st};
  memset(r, 0, sizeof *r);
  int rc = 0;
  for (size_t k = 0; k < c->ncmds && rc == 0; k++)
    if ((rc = run_command(st, c, k, &in.doc[k])) == 0)
      in.ndocs++;
  if (rc == 0 && !hl_interrupted) {
    rc = c->decide(&in, r);
    if (rc != 0)
      hl_msg("claims", "%s: the results lack what its rule needs (see %s/%s-*.json)", c->id,
             st->o.dir, c->id);
  }
  r->ran = rc == 0 && !hl_interrupted;
  if (!r->ran)
    snprintf(r->figure, sizeof r->figure, "could not run");
  for (size_t k = 0; k < in.ndocs; k++)
    json_decref(in.doc[k]);
}

/* ---- the console ---------------------------------------------------------- */

static void progress(const hl_claim_t *c, size_t done, size_t total) {
  if (isatty(2))
    fprintf(stderr, "\rclaims: %zu/%zu %s: %.60s\033[K", done + 1, total, c->id,
            c->ncmds ? c->cmd[0].full : c->experiment);
}

static void print_line(const hl_claim_t *c, const hl_claim_result_t *r) {
  if (isatty(2))
    fprintf(stderr, "\r\033[K");
  char *figure = hl_term_clean(r->figure);
  printf("%-4s %-19s %s\n", c->id, r->ran ? hl_verdict_name(r->verdict) : "could not run",
         figure ? figure : "");
  free(figure);
  fflush(stdout);
}

static int make_dir(const char *dir) {
  if (mkdir(dir, 0755) == 0 || errno == EEXIST) {
    struct stat sb;
    if (stat(dir, &sb) == 0 && S_ISDIR(sb.st_mode))
      return 0;
  }
  hl_msg("claims", "%s: cannot make the output directory: %s", dir,
         errno == EEXIST ? "not a directory" : strerror(errno));
  return HL_EINVAL;
}

static int run_all(claims_state_t *st) {
  size_t total = 0, done = 0, failed = 0;
  for (size_t i = 0; i < hl_nclaims; i++)
    total += st->chosen[i] != 0;
  /* Conjunctions read the verdicts of their parts: parts first. */
  for (int pass = 0; pass < 2 && !hl_interrupted; pass++)
    for (size_t i = 0; i < hl_nclaims && !hl_interrupted; i++) {
      const hl_claim_t *c = &hl_claims[i];
      if (!st->chosen[i] || (pass == 0) != (c->needs == NULL))
        continue;
      progress(c, done++, total);
      run_claim(st, c, &st->result[i]);
      if (hl_interrupted)
        break;
      st->decided[i] = 1;
      failed += !st->result[i].ran;
      print_line(c, &st->result[i]);
    }
  return failed ? HL_EXIT_FOUND : HL_EXIT_OK;
}

int hl_claims_main(int argc, char **argv) {
  claims_state_t *st = calloc(1, sizeof *st);
  if (!st)
    return HL_EXIT_USAGE;
  st->o.dir = CLAIMS_DEFAULT_DIR;
  hl_opt_group_t g = {"Options", claims_opts, sizeof claims_opts / sizeof claims_opts[0],
                      &st->o,    {{0}},       0};
  hl_opts_operands_t ops = {0};
  int rc = hl_opts_parse_command("claims", &g, 1, argc, argv, 64, &ops, usage);
  int exit_code = HL_EXIT_USAGE;
  if (rc == 1)
    exit_code = HL_EXIT_OK;
  else if (rc == 0 && choose_all(st, &ops) == 0 && make_dir(st->o.dir) == 0 &&
           hl_self_exe(st->exe, sizeof st->exe) == 0) {
    hl_interrupt_install();
    exit_code = run_all(st);
    if (hl_interrupted)
      exit_code = hl_interrupt_exit_code();
    else if (hl_claims_write_docs(st->o.dir, st->o.quick, &st->machine, st->chosen, st->result) != 0)
      exit_code = HL_EXIT_FOUND;
  }
  free(ops.v);
  free(st);
  return exit_code;
}
