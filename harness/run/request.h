/* What the user asked `run` (and `oom`, `gate`, which take the same run
 * options) to do: the first of the three layers of options.
 *
 *   request (this file): parsed once from the command line and the
 *     environment by the option-table engine (core/opts.h), lists and
 *     sweeps as the user gave them;
 *   plan (plan.h): the cells (workload x parameter values x backend x knob
 *     values) and the repetitions;
 *   cell spec (worker/cellspec.h): single resolved values, the only thing a
 *     worker receives.
 *
 * The request's names are the spec's: gc_percent for --gogc (GOGC),
 * memory_limit for --memlimit (GOMEMLIMIT, soft), hard_limit for --limit
 * (held by the parent over the whole worker process). */
#ifndef HL_REQUEST_H
#define HL_REQUEST_H

#include "callgrind.h"
#include "limit.h"
#include "mutator.h"
#include "opts.h"
#include "pacer.h"
#include "shard.h"
#include "topology.h"

#include <stdint.h>
#include <stdio.h>

#define HL_MAX_PARAM_SETTINGS 32
#define HL_MAX_KNOB_VALUES 16
/* 5: the U test of compare and gate can only reach p < 0.05 with 4 or more
 * repetitions a side, so a run's defaults are enough for them to decide. */
#define HL_DEFAULT_REPS 5
#define HL_DEFAULT_GC_PERCENT 100 /* Go's GOGC default */
#define HL_DEFAULT_TIMEOUT_S 600

/* One -p key=value[,value...]: several values sweep the parameter. */
typedef struct hl_param_setting {
  char *key;
  char **values;
  size_t nvalues;
} hl_param_setting_t;

typedef struct hl_run_request {
  char **workloads; /* names, or "all"; none given: the benchmarks */
  size_t nworkloads;
  char **commands; /* -x: programs to run instead of workloads, as given */
  size_t ncommands;
  char **names; /* --name: the i-th names the i-th -x */
  size_t nnames;
  int shell;       /* --shell: each -x through /bin/sh -c */
  unsigned warmup; /* --warmup: rounds run and discarded first */
  char **backends; /* specs (NAME[:KEY=V]...), or "all"; none given: every available one */
  size_t nbackends;
  hl_param_setting_t param[HL_MAX_PARAM_SETTINGS];
  size_t nparams;
  unsigned reps;         /* repetitions, each in its own process */
  const char *reps_from; /* "--reps", "--runs" (oom), or NULL: the default */
  const char *reps_text; /* as given */
  unsigned threads;
  hl_pin_t pin;
  char **counters; /* libpfm4 event names; empty = none */
  size_t ncounters;
  int counters_set; /* --counters given (else the default events) */
  /* The knobs: several values sweep them, as -p values do. */
  hl_escape_mode_t escape[2];
  size_t nescape;
  int gc_percent[HL_MAX_KNOB_VALUES]; /* GOGC values, or HL_GC_OFF */
  size_t ngc_percent;
  int64_t memory_limit_bytes[HL_MAX_KNOB_VALUES]; /* GOMEMLIMIT values, or HL_NO_MEMORY_LIMIT */
  size_t nmemory_limit;
  /* --memlimit-ratio: GOMEMLIMIT as a share of each run's hard limit
   * (automemlimit's model), swept like --memlimit's values, instead of them */
  double memory_limit_ratio[HL_MAX_KNOB_VALUES];
  size_t nmemory_limit_ratio;
  const char *gc_percent_from;   /* "--gogc", "HEAPLAB_GOGC", "default" */
  const char *memory_limit_from; /* "--memlimit", "HEAPLAB_MEMLIMIT", "default" */
  hl_pacer_model_t pacer_model;
  int gctrace;
  uint64_t seed;
  int quick;
  double timeout_s;                /* per repetition */
  uint64_t hard_limit_bytes;       /* --limit; 0: none */
  hl_limit_mode_t hard_limit_mode; /* resolved by hl_run_request_finish() */
  const char *cgroup_dir;          /* --cgroup DIR, or NULL */
  unsigned sample_ms;              /* timeline samples this often; 0: none */
  hl_measure_t measure;            /* --measure time|instructions */
  double thrash_window_s;          /* gc-thrash after a window this long; 0: never */
  const char *output;              /* results file, or NULL */
  hl_shard_t shard;                /* --shard K/N, --shard-from-env N[:VAR]; count 0: all */
  const char *shard_from;          /* which of the two gave it, or NULL */
} hl_run_request_t;

/* The defaults of `run`; a command built on it changes what it must after. */
void hl_run_request_init(hl_run_request_t *rq);
void hl_run_request_free(hl_run_request_t *rq);

/* The run options as a group of the option engine, filling rq; --help
 * shows the defaults rq holds (hl_run_request_default). */
hl_opt_group_t hl_run_request_group(hl_run_request_t *rq);
int hl_run_request_default(const void *ctx, const hl_opt_t *opt, char *buf, size_t len);

/* After hl_opts_parse(): the default values of knobs not given, and the
 * hard limit's mode (as given; else cgroup with --cgroup, else the
 * watchdog), with the contradictions checked. 0, or HL_EINVAL after one
 * message. */
int hl_run_request_finish(hl_run_request_t *rq);

/* Parses a whole `run` command line (argv[0]: "run") into rq: 0, 1 when
 * --help was asked for, HL_E* after one message. */
int hl_run_request_parse(int argc, char **argv, hl_run_request_t *rq);

/* The repetitions, from --reps or (oom) --runs: once, by either. */
int hl_run_request_set_reps(hl_run_request_t *rq, const char *value, const char *source);

/* "100" or "off"; "104857600" (bytes) or "off". */
void hl_gc_percent_format(int gc_percent, char *buf, size_t len);
void hl_memory_limit_format(int64_t memory_limit_bytes, char *buf, size_t len);

#endif
