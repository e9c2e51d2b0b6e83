/* The cell spec: everything one worker needs to run one repetition of one
 * cell, and the only thing that crosses from the parent to the worker.
 *
 * The plan makes one spec per cell from the user's request (run/plan.c);
 * the parent encodes it as one JSON argument of `heaplab __worker` and the
 * worker decodes it (protocol.c). The worker never sees the user's command
 * line, environment defaults or sweep lists: a spec holds single, resolved
 * values. The names follow the value from the command line to the backend:
 * gc_percent (--gogc, GOGC), memory_limit_bytes (--memlimit, GOMEMLIMIT, a
 * soft limit the collector paces against), and hard_limit (--limit, what
 * the parent holds the whole worker process to: it is never the soft one). */
#ifndef HL_CELLSPEC_H
#define HL_CELLSPEC_H

#include "backend.h"
#include "callgrind.h"
#include "counters.h"
#include "limit.h"
#include "mutator.h"
#include "pacer.h"
#include "topology.h"
#include "workload.h"

#include <stddef.h>
#include <stdint.h>

/* A user's program as the cell's workload (-x): the command as given
 * (split by core/argsplit.h in the worker, or handed to /bin/sh -c with
 * shell) and the name its cells carry. Its stdout and stderr go to files
 * the parent opened (HL_PROGRAM_STDOUT_FD, HL_PROGRAM_STDERR_FD in the
 * worker), so they survive a worker the limit killed. */
#define HL_COMMAND_MAX 2048
#define HL_PROGRAM_NAME_MAX 64
typedef struct hl_program_spec {
  int on; /* 0: the cell runs `workload` */
  char command[HL_COMMAND_MAX];
  char name[HL_PROGRAM_NAME_MAX];
  int shell;
} hl_program_spec_t;
#define HL_PROGRAM_STDOUT_FD 4
#define HL_PROGRAM_STDERR_FD 5

typedef struct hl_cell_spec {
  const hl_workload_t *workload; /* hl_program_workload for a program */
  hl_program_spec_t program;
  uint64_t param[HL_MAX_PARAMS]; /* resolved values, in the workload's parameter order */
  hl_backend_spec_t backend;     /* the backend and its options (-b NAME:KEY=V) */
  int gc_percent;                /* GOGC, or HL_GC_OFF */
  int64_t memory_limit_bytes;    /* GOMEMLIMIT, or HL_NO_MEMORY_LIMIT */
  /* --memlimit-ratio: GOMEMLIMIT is this share of hard_limit_bytes (the
   * runner sets memory_limit_bytes from it for each run); 0: none */
  double memory_limit_ratio;
  hl_pacer_model_t pacer_model;
  hl_escape_mode_t escape;
  unsigned threads;
  hl_pin_t pin;
  char counters[HL_MAX_COUNTERS][HL_COUNTER_NAME_MAX]; /* libpfm4 event names */
  size_t ncounters;
  uint64_t seed;
  unsigned rep_index;              /* which repetition this is (0-based) */
  unsigned sample_ms;              /* timeline samples this often; 0: none */
  hl_measure_t measure;            /* time, or instructions under callgrind (callgrind.h) */
  double thrash_window_s;          /* gc-thrash after a window this long; 0: never */
  int gctrace;                     /* Go's gctrace line per collection to stderr */
  uint64_t hard_limit_bytes;       /* the process limit the parent holds; 0: none */
  hl_limit_mode_t hard_limit_mode; /* how (HL_LIMIT_NONE without one) */
} hl_cell_spec_t;

/* The stand-in workload of a program's cells: no parameters, one
 * iteration (the program is the measured stretch). Not in the registry. */
extern const hl_workload_t hl_program_workload;

/* A spec with the defaults of a run: no workload, the backend unset, GOGC
 * 100, no soft or hard limit, escape on, one thread, seed 1. */
void hl_cell_spec_init(hl_cell_spec_t *s);

/* The counter names as an array of strings for counters.h (no copy). */
void hl_cell_spec_counter_names(const hl_cell_spec_t *s, const char **names);

/* The spec as one JSON text (malloc'd, NULL when out of memory). */
char *hl_cell_spec_encode(const hl_cell_spec_t *s);

/* The spec back from hl_cell_spec_encode's text. 0, or HL_EPARSE/HL_EINVAL/
 * HL_ENOENT with why naming the field. Every field is checked as the
 * command line's value would be; a field missing is an error, not a
 * default, so the two sides cannot drift apart silently. */
int hl_cell_spec_decode(const char *text, hl_cell_spec_t *s, char *why, size_t why_len);

#endif
