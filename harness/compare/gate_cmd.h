/* `heaplab gate`'s options (gate_opts.c), shared with the command (gate.c);
 * internal to compare/. */
#ifndef HL_GATE_CMD_H
#define HL_GATE_CMD_H

#include "gate_decide.h"
#include "request.h"

#define MAX_RUN_ARGS 96

typedef struct gate_opts {
  const char *base, *new_, *json_out, *md_out, *save_runs, *save_baseline;
  const char *base_x, *new_x; /* a program per side (--base-x, --new-x) */
  char program_name[64];      /* their cells' common name, when --name is not given */
  const char *base_backend, *new_backend; /* a backend per side (--base-backend, --new-backend) */
  char backend_name[2][160]; /* theirs as rows name them (base, new) */
  unsigned rounds, max_rounds, looks; /* max_rounds 0: the default */
  double budget_s;
  int test_given, rounds_given, instructions; /* --measure instructions forwarded */
  int pmu; /* --pmu: rounds count perf::INSTRUCTIONS and perf::CYCLES */
  int interleave_suite; /* --interleave suite: a round runs each side's suite whole */
  char *run_args[MAX_RUN_ARGS]; /* every run option given, forwarded to `BIN run` */
  size_t nrun_args;
  char run_arg_text[MAX_RUN_ARGS][96]; /* "--name" of each forwarded option */
  hl_gate_opts_t decide;
} gate_opts_t;

/* The gate's options and run's (values checked here as run checks them, so
 * a mistake is reported before any binary runs): 0, 1 after --help, HL_E*
 * after one message. */
int hl_gate_parse_args(int argc, char **argv, gate_opts_t *o, hl_run_request_t *rq);

#endif
