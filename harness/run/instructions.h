/* `run --measure instructions` (callgrind.h) for the runner: where
 * callgrind writes each worker's counts, and the row's figures from them.
 * Internal to run/. */
#ifndef HL_RUN_INSTRUCTIONS_H
#define HL_RUN_INSTRUCTIONS_H

#include <jansson.h>
#include <stddef.h>

typedef struct hl_run_callgrind {
  char valgrind[4096]; /* valgrind's path */
  char dir[64];        /* where callgrind writes its counts ("" until made) */
  int cache_sim;       /* --measure cache: with callgrind's cache simulation */
} hl_run_callgrind_t;

/* Finds valgrind and makes the directory: 0, or HL_EINVAL / HL_EIO after a
 * message under command's name. */
int hl_run_callgrind_open(hl_run_callgrind_t *cg, const char *command);
/* Removes the (by then empty) directory; safe when never opened. */
void hl_run_callgrind_close(hl_run_callgrind_t *cg);
/* A worker's command line: `EXE __worker SPEC`, under callgrind when
 * counting instructions (arg: callgrind's option text; out: the count
 * file's path, "" without callgrind). */
typedef struct hl_run_argv {
  char *argv[16];
  char arg[4200];
  char out[128];
} hl_run_argv_t;

/* Repetition rep of cell's worker; cg NULL: not under callgrind. */
void hl_run_argv(const hl_run_callgrind_t *cg, size_t cell, unsigned rep, char *exe, char *spec,
                 hl_run_argv_t *w);
/* The row's figures from callgrind's file at path (then removed): the
 * count of the timed region of all threads, per iteration of all threads,
 * and what it is. 0, or HL_E* with why. */
int hl_run_instructions_add(const char *path, json_t *entry, unsigned threads, char *why,
                            size_t why_len);

#endif
