/* Options of `heaplab run` (and of the hidden worker mode, which takes the
 * same options with every parameter resolved). One table in options.c gives
 * the parser, the --help text and the worker's command line, so they cannot
 * disagree. */
#ifndef HL_OPTIONS_H
#define HL_OPTIONS_H

#include "limit.h"
#include "mutator.h"
#include "pacer.h"
#include "topology.h"

#include <stdint.h>
#include <stdio.h>

#define HL_MAX_PARAM_SETTINGS 32
#define HL_MAX_KNOB_VALUES 16

/* One -p key=value[,value...]: several values sweep the parameter. */
typedef struct hl_param_setting {
  char *key;
  char **values;
  size_t nvalues;
} hl_param_setting_t;

typedef struct hl_run_options {
  char **workloads; /* names, or "all" */
  size_t nworkloads;
  char **backends; /* names, or "all" (every available one) */
  size_t nbackends;
  hl_param_setting_t param[HL_MAX_PARAM_SETTINGS];
  size_t nparams;
  unsigned reps; /* repetitions, each in its own process */
  unsigned threads;
  hl_pin_t pin;
  char **counters; /* libpfm4 event names; empty = none */
  size_t ncounters;
  hl_escape_mode_t escape;
  int gogc;                  /* GOGC, or HL_GC_OFF */
  int64_t memlimit_bytes;    /* GOMEMLIMIT, or HL_NO_MEMORY_LIMIT */
  /* Several values of --escape, --gogc or --memlimit sweep them, as -p
   * values do; the fields above hold the first. */
  hl_escape_mode_t escape_values[2];
  int gogc_values[HL_MAX_KNOB_VALUES];
  int64_t memlimit_values[HL_MAX_KNOB_VALUES];
  size_t nescape, ngogc, nmemlimit;
  const char *gogc_from;     /* where gogc came from: "--gogc", "HEAPLAB_GOGC", "default" */
  const char *memlimit_from; /* likewise: "--memlimit", "HEAPLAB_MEMLIMIT", "default" */
  hl_pacer_model_t pacer_model;
  int gctrace; /* print Go's gctrace line per collection to stderr */
  uint64_t seed;
  int quick;
  double timeout_s;     /* per cell */
  uint64_t limit_bytes; /* memory limit per cell (limit.h); 0 = none */
  hl_limit_mode_t limit_mode; /* HL_LIMIT_NONE until resolved by hl_run_options_parse */
  const char *cgroup_dir;     /* --cgroup DIR, or NULL */
  unsigned sample_ms;         /* timeline samples this often (RSS, heap); 0: none */
  double thrash_window_s;     /* report gc-thrash after a window this long; 0: never */
  const char *output;   /* results file, or NULL */
  unsigned rep_index;   /* worker only: which repetition this is */
} hl_run_options_t;

void hl_run_options_init(hl_run_options_t *o);
/* Parses argv (argv[0] is the subcommand name). Prints one clear message and
 * returns HL_EINVAL / HL_EPARSE / HL_ERANGE on bad input; returns 1 when
 * --help was printed. HEAPLAB_GOGC and HEAPLAB_MEMLIMIT give --gogc and
 * --memlimit when those are absent (an option wins; the variable is then not
 * read; set but empty counts as unset, as Go treats GOGC and GOMEMLIMIT). */
int hl_run_options_parse(int argc, char **argv, hl_run_options_t *o);
void hl_run_options_free(hl_run_options_t *o);
void hl_run_options_help(FILE *out);

/* A single-valued option given twice is an error naming both values, in
 * every command's parser: *first is the value it was first given (NULL
 * until then). Records value and returns 0, or HL_EINVAL after the message
 * (for a list option, list says how to give several values in one). */
int hl_option_once(const char *component, const char *name, int list, const char **first,
                   const char *value);

/* "100" or "off". */
void hl_gogc_format(int gogc, char *buf, size_t len);
/* "104857600" (bytes) or "off". */
void hl_memlimit_format(int64_t memlimit_bytes, char *buf, size_t len);

#endif
