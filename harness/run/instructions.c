/* `run --measure instructions` in the parent (instructions.h): valgrind
 * found once, one temporary directory for callgrind's count files, each
 * worker started under callgrind, and its count read back into its row. */
#include "instructions.h"

#include "callgrind.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The row's figures from callgrind's file: the count of the timed region
 * of all threads, per iteration of all threads, and what it is. */
int hl_run_instructions_add(const char *path, json_t *entry, unsigned threads, char *why,
                            size_t why_len) {
  hl_callgrind_counts_t c;
  int rc = hl_callgrind_read(path, &c, why, why_len);
  remove(path);
  if (rc) return rc;
  double iters = json_number_value(json_object_get(entry, "iterations")) * threads;
  if (!(iters > 0)) {
    snprintf(why, why_len, "no iterations to divide the instructions by");
    return HL_EPARSE;
  }
  json_object_set_new(entry, "measure", json_string(c.have_cache ? "cache" : "instructions"));
  json_object_set_new(entry, "measure_note",
                      json_string("instructions counted by callgrind in the timed region, every "
                                  "thread serialised: a count, not time (cpu_time is valgrind's)"));
  json_object_set_new(entry, "instructions", json_integer((json_int_t)c.instructions));
  json_object_set_new(entry, "instructions_per_iter", json_real((double)c.instructions / iters));
  if (c.have_cache) {
    json_object_set_new(entry, "l1_misses_per_iter", json_real((double)c.l1_misses / iters));
    json_object_set_new(entry, "ll_misses_per_iter", json_real((double)c.ll_misses / iters));
  }
  return 0;
}

int hl_run_callgrind_open(hl_run_callgrind_t *cg, const char *command) {
  char why[256];
  cg->dir[0] = '\0';
  if (hl_callgrind_find(cg->valgrind, sizeof cg->valgrind, why, sizeof why) != 0) {
    hl_msg(command, "%s", why);
    return HL_EINVAL;
  }
  snprintf(cg->dir, sizeof cg->dir, "/tmp/heaplab-callgrind.XXXXXX");
  if (!mkdtemp(cg->dir)) {
    cg->dir[0] = '\0';
    hl_msg(command, "cannot create a temporary directory for callgrind");
    return HL_EIO;
  }
  return 0;
}

void hl_run_argv(const hl_run_callgrind_t *cg, size_t cell, unsigned rep, char *exe, char *spec,
                 hl_run_argv_t *w) {
  size_t n = 0;
  w->out[0] = '\0';
  if (cg) {
    snprintf(w->out, sizeof w->out, "%s/cell-%zu-%u.out", cg->dir, cell, rep);
    n = hl_callgrind_argv(cg->valgrind, w->out, cg->cache_sim, w->argv, w->arg, sizeof w->arg);
  }
  w->argv[n++] = exe;
  w->argv[n++] = (char *)"__worker";
  w->argv[n++] = spec;
  w->argv[n] = NULL;
}

void hl_run_callgrind_close(hl_run_callgrind_t *cg) {
  if (cg->dir[0]) rmdir(cg->dir);
  cg->dir[0] = '\0';
}
