/* Child processes: spawn one, stream its records, enforce its time and
 * memory limits, and classify how it ended.
 *
 * Every measured cell runs in a fresh process (allocators cannot share one,
 * RSS is per process, and a crash must not take anyone else down). The
 * child writes JSON records, one per line, to file descriptor 3; its stderr
 * is captured (the last 2 KiB are kept for error messages, and everything is
 * passed on to ours with forward_stderr, line by line, each line after
 * forward_prefix and above the progress line: console.h) and its stdout
 * discarded. The
 * parent never blocks on the child: it polls both pipes against the
 * deadline, kills the child's whole process group on timeout or
 * interruption, and always reaps it.
 */
#ifndef HL_CHILD_H
#define HL_CHILD_H

#include "limit.h"
#include "outcome.h"

#include <jansson.h>
#include <signal.h>
#include <stddef.h>
#include <stdint.h>

#define HL_REPORT_FD 3
/* Worker exit statuses (besides 0). */
#define HL_WORKER_EXIT_ERROR 1
#define HL_WORKER_EXIT_OOM 3
#define HL_WORKER_EXIT_THRASH 4
#define HL_WORKER_EXIT_CRASH 5 /* the -x program died by a signal (a "crash" record) */

typedef struct hl_spawn_config {
  char *const *argv;   /* argv[0]: the program to exec */
  const char *preload; /* LD_PRELOAD for the child; NULL removes it */
  hl_limit_t limit;    /* memory limit (limit.h); mode NONE: none */
  uint32_t sample_ms;  /* record the child's RSS this often; 0: never */
  double timeout_s;    /* 0: none */
  int forward_stderr;  /* copy the child's stderr to ours as it comes */
  const char *forward_prefix; /* before each forwarded line ("[cell] "), or NULL */
  /* The resident set the watchdog and samples see: 0 the child's own; 1
   * its whole process tree (a worker running a -x program: the program
   * and what it started, the worker itself left out). */
  int tree_rss;
  /* Open files the child gets as fds 4 and 5 (a program's stdout and
   * stderr, HL_PROGRAM_STDOUT_FD); 0: none. */
  int pass_fd[2];
  volatile sig_atomic_t *interrupted; /* polled; when set the child is killed */
  /* called from the supervising loop (every few ms to 50 ms) while the child
   * runs: the progress line's clock; NULL: none */
  void (*tick)(void *arg);
  void *tick_arg;
} hl_spawn_config_t;

typedef struct hl_child_result {
  hl_outcome_t outcome;
  int exit_status; /* -1 when killed by a signal */
  int signal;      /* 0 when it exited */
  double elapsed_s;
  json_t *records;        /* array of the child's records, in order */
  char stderr_tail[2048]; /* last bytes the child wrote to stderr */
  char message[512];      /* what happened, for people: "SIGSEGV (Segmentation fault)" */
  /* Resident set as the parent saw it (watchdog or sample_ms): the peak,
   * and samples (time since start, bytes), the last one taken just before
   * the child ended or was killed. */
  uint64_t start_mono_ns; /* CLOCK_MONOTONIC at the fork */
  uint64_t rss_peak_bytes;
  uint64_t *sample_t_ns, *sample_rss_bytes;
  size_t nsamples;
  uint64_t cgroup_peak_bytes, cgroup_oom_kills; /* cgroup mode */
  int limit_killed;                             /* the watchdog killed it */
} hl_child_result_t;

/* Runs the child to its end. Returns 0 whatever the child did (the outcome
 * says), or HL_E* when the child could not be started at all. */
int hl_child_run(const hl_spawn_config_t *cfg, hl_child_result_t *out);
void hl_child_result_free(hl_child_result_t *r);

/* The last record of the given type ("result", "oom", "error"), or NULL. */
json_t *hl_child_record(const hl_child_result_t *r, const char *type);

#endif
