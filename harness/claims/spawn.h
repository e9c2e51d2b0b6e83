/* Running the programs an experiment needs: heaplab itself (its run and oom
 * commands) and the Go toolchain.
 *
 * Unlike child/ (which supervises a measured worker: records, limits, RSS),
 * these are ordinary commands whose whole console output is kept: handed to
 * the caller and written (core/output.h) to a log file beside the results,
 * for the reader of the claims report. It is captured in a private temporary
 * file first, so a log in the output directory is never half-written. The command
 * runs in its own process group, stdin from /dev/null; SIGINT/SIGTERM
 * (core/interrupt.h) and the timeout kill the group.
 */
#ifndef HL_SPAWN_H
#define HL_SPAWN_H

typedef struct hl_exec {
  char *const *argv;      /* argv[0]: a path, or a name looked up in PATH */
  const char *const *env; /* extra NAME=VALUE settings, NULL ended; NULL: none */
  const char *cwd;        /* NULL: ours */
  const char *log_path;   /* stdout and stderr are kept here; NULL: not kept */
  double timeout_s;       /* 0: none */
} hl_exec_t;

/* Runs the command to its end. 0 with *exit_status (the command's status,
 * or 128 + the signal that ended it; 124 when the timeout killed it) and,
 * when output is not NULL, its stdout and stderr (malloc'd, NUL-ended); or
 * an HL_E* error with a message when it could not be started. */
int hl_exec_run(const hl_exec_t *x, int *exit_status, char **output);

#endif
