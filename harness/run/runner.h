/* `heaplab run`: plans the cells of a request, runs each repetition in its
 * own worker process, interleaved (repetition-major: every cell's first
 * repetition, then every cell's second, ...), classifies outcomes, and
 * writes the results file.
 *
 * The runner is also a library for commands built on it (heaplab oom): the
 * same options, cells, workers, rows and results file, driven one
 * repetition at a time. */
#ifndef HL_RUNNER_H
#define HL_RUNNER_H

#include "outcome.h"
#include "request.h"

#include <jansson.h>
#include <stdint.h>
#include <stdio.h>

int hl_run_main(int argc, char **argv);

typedef struct hl_runner hl_runner_t;

typedef struct hl_runner_spec {
  const char *command; /* "run", "oom": names messages and --help */
  /* --help: the command's text with the option groups (hl_opts_help) */
  void (*usage)(FILE *out, const hl_opt_group_t *groups, size_t ngroups);
  /* the command's own defaults, before parsing (ctx: the spec's) */
  void (*defaults)(hl_run_request_t *rq, void *ctx);
  hl_opt_group_t *own; /* the command's own options, or NULL */
  /* The command's own checks of the request (contradictions with its own
   * options), before anything is probed or planned; NULL: none. 0, or
   * HL_E* after printing why. */
  int (*check)(const hl_run_request_t *rq, void *ctx);
  void *ctx;
  /* oom: a death (oom-alloc, oom-kill, gc-thrash) is a result, not a
   * message; the command sums up each cell itself */
  int deaths_expected;
} hl_runner_spec_t;

/* Parses argv (argv[0]: the command), checks everything that needs no
 * process, takes the results file, probes the backends and plans the
 * cells. 0, 1 when --help was printed, or HL_E* after printing why. */
int hl_runner_open(const hl_runner_spec_t *spec, int argc, char **argv, hl_runner_t **out);
void hl_runner_close(hl_runner_t *r);

const hl_run_request_t *hl_runner_request(const hl_runner_t *r);
/* The cells this run runs (one shard's with --shard). */
const struct hl_plan *hl_runner_plan(const hl_runner_t *r);
/* The context's "plan": id, cells, repetitions, the whole plan's cells, and
 * the shard. */
const json_t *hl_runner_plan_info(const hl_runner_t *r);
size_t hl_runner_ncells(const hl_runner_t *r);
const char *hl_runner_cell_name(const hl_runner_t *r, size_t i);
/* The rows of cell i so far (borrowed). */
json_t *hl_runner_cell_rows(const hl_runner_t *r, size_t i);

/* Runs repetition rep of cell i in a worker under hard_limit_bytes (0:
 * none), in the request's --limit-mode (the watchdog when none was given);
 * appends its row (with the limit it ran under). */
hl_outcome_t hl_runner_run_one(hl_runner_t *r, size_t i, unsigned rep, uint64_t hard_limit_bytes);

/* A top-level key of the results document (takes the reference). */
void hl_runner_set_extra(hl_runner_t *r, const char *key, json_t *value);
/* The results document now (a new reference); with_aggregates: also
 * Google Benchmark's aggregate rows. */
json_t *hl_runner_doc(const hl_runner_t *r, int with_aggregates);
/* Rewrites the results file (-o), if any: at most once a second. */
int hl_runner_save(hl_runner_t *r);
/* The end of a run: records an interruption, builds the final document
 * (with aggregates) once, writes it, and hands it over (*doc, a new
 * reference, NULL when out of memory). 0, or HL_E* after one message. */
int hl_runner_finish(hl_runner_t *r, json_t **doc);

/* The progress line (progress.h), on a terminal only. It counts what
 * hl_runner_run_one runs; hl_runner_note() says what the next run is
 * ("bisect at 48.0 MiB, run 3/5"; default "repetition 2/5").
 * hl_runner_progress_search(): the runs per cell are not known beforehand,
 * and hl_runner_cell_done() says when a cell is. hl_runner_progress_end()
 * removes the line. */
void hl_runner_note(hl_runner_t *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hl_runner_progress_search(hl_runner_t *r);
void hl_runner_cell_done(hl_runner_t *r, size_t i);
void hl_runner_progress_end(hl_runner_t *r);

#endif
