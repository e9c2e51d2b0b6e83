/* `heaplab run`: plans cells, runs each repetition in its own worker process,
 * interleaved (repetition-major: every cell's first repetition, then every
 * cell's second, ...), classifies outcomes, and writes the results file. */
#ifndef HL_RUNNER_H
#define HL_RUNNER_H

#include "child.h"
#include "options.h"

#include <jansson.h>
#include <stdio.h>

int hl_run_main(int argc, char **argv);

/* The runner as a library, for commands built on it (heaplab oom): the same
 * options, cells, workers, rows and results file as `run`, driven one
 * repetition at a time. */
typedef struct run hl_runner_t;
typedef struct hl_runner_spec {
  void (*defaults)(hl_run_options_t *o); /* the command's own defaults, before parsing */
  void (*usage)(FILE *out);              /* --help */
  /* The command's own checks of the parsed options (contradictions with
   * its own options), before anything is probed or planned; NULL: none.
   * 0, or HL_E* after printing why. */
  int (*check)(const hl_run_options_t *o, void *ctx);
  void *ctx;
} hl_runner_spec_t;

/* Parses argv (argv[0]: the command), probes backends and plans the cells.
 * 0, 1 when --help was printed, or HL_E* after printing why. */
int hl_runner_open(const hl_runner_spec_t *spec, int argc, char **argv, hl_runner_t **out);
void hl_runner_close(hl_runner_t *r);
const hl_run_options_t *hl_runner_options(const hl_runner_t *r);
size_t hl_runner_ncells(const hl_runner_t *r);
const char *hl_runner_cell_name(const hl_runner_t *r, size_t i);
/* The rows of cell i so far (borrowed). */
json_t *hl_runner_cell_rows(const hl_runner_t *r, size_t i);
/* Runs repetition rep of cell i in a worker under limit_bytes (0: none),
 * in the run's --limit-mode (the watchdog when none was given); appends its
 * row (with the limit_bytes it ran under). */
hl_outcome_t hl_runner_run_one(hl_runner_t *r, size_t i, unsigned rep, uint64_t limit_bytes);
/* A top-level key of the results document (takes the reference). */
void hl_runner_set_extra(hl_runner_t *r, const char *key, json_t *value);
/* The results document now; with_aggregates: also Google Benchmark's
 * aggregate rows. */
json_t *hl_runner_doc(const hl_runner_t *r, int with_aggregates);
/* Rewrites the results file (-o), if any: at most once a second until the
 * final call. */
int hl_runner_save(hl_runner_t *r, int final);
int hl_runner_interrupted(void);
void hl_runner_mark_interrupted(hl_runner_t *r);
/* A progress line on stderr, only on a terminal. */
void hl_runner_progress(const hl_runner_t *r, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* Probes backend b in a child (LD_PRELOAD as for a cell). Returns 1 when it
 * is usable; otherwise 0 with the reason in why. On success info gets the
 * version, library path and settings (may be NULL). */
#include "backend.h"
#include <jansson.h>
int hl_runner_probe_backend(const hl_backend_t *b, json_t **info, char *why, size_t why_len);
/* The same for a backend with options: the probe starts it with them. */
int hl_runner_probe_spec(const hl_backend_spec_t *spec, json_t **info, char *why, size_t why_len);

#endif
