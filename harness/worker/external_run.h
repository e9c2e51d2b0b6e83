/* The state of one program run inside the worker, shared by external.c
 * (starting and following the program) and external_report.c (its
 * figures and how it ended). Private to those two files. */
#ifndef HL_EXTERNAL_RUN_H
#define HL_EXTERNAL_RUN_H

#include "cellspec.h"
#include "gc_timeline.h"
#include "program.h"

#include <jansson.h>
#include <limits.h>
#include <stdint.h>
#include <sys/resource.h>
#include <sys/types.h>

/* Without --sample-ms the tree's peak is sampled this often. */
#define PEAK_PERIOD_NS UINT64_C(10000000)

typedef struct prog {
  const hl_cell_spec_t *s;
  char **argv;
  char *shell_argv[4];
  hl_program_info_t info;
  int go, traced;
  char want[PATH_MAX]; /* the library that must be mapped ("" for go) */
  char mapped[512];    /* where it was seen */
  pid_t pid;
  uint64_t start_ns, end_ns, period_ns, last_sample_ns, last_record_ns, tree_peak_bytes;
  int status;
  struct rusage ru;
  char line[8192]; /* the stderr line being read */
  size_t line_len;
  int oom_seen;       /* the runtime or the program said it ran out of memory */
  char oom_line[256]; /* the first line that said so */
  hl_gc_timeline_t timeline;
} prog_t;

/* One record to the parent (takes the reference). */
void hl_external_send(json_t *rec);
/* An "error" record; returns HL_WORKER_EXIT_ERROR. */
int hl_external_fail(const char *stage, const char *message);
/* The figures, then the record of how it ended; the worker's exit status. */
int hl_external_report(prog_t *p);

#endif
