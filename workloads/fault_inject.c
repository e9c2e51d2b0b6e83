/* fault-inject (selftest): a workload that fails on purpose, to check that
 * the runner classifies and survives every way a cell can end.
 *
 * It allocates and drops `obj`-byte objects; at iteration `after` it does
 * what `kind` says:
 *   none   nothing (the cell ends ok)
 *   crash  writes through a null pointer (SIGSEGV)
 *   abort  calls abort() (SIGABRT)
 *   hang   sleeps forever (the runner's --timeout must end it)
 *   oom    allocates 1 MiB objects, writing every page and keeping them all,
 *          until the backend refuses (allocation failure) or the process is
 *          killed. heaplab runs it only under a memory limit (--limit SIZE,
 *          any --limit-mode) below the machine's available memory, so it can
 *          never push the machine itself out of memory: the parent checks
 *          that before starting anything (runner.c), as only the parent
 *          knows the limit of the watchdog and cgroup modes.
 * Users run it to check that heaplab's outcome classification works on
 * their machine before trusting an OOM experiment. */
#include "workload.h"

#include "error.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

enum { KIND_NONE, KIND_CRASH, KIND_ABORT, KIND_HANG, KIND_OOM };

static const char *const kinds[] = {"none", "crash", "abort", "hang", "oom", NULL};

enum { P_KIND, P_AFTER, P_OPS, P_OBJ, P_COUNT };

static const hl_param_spec_t params[P_COUNT] = {
    [P_KIND] = {"kind", HL_PARAM_CHOICE, KIND_NONE, KIND_NONE, 0, KIND_OOM,
                "what goes wrong: none|crash|abort|hang|oom", kinds},
    [P_AFTER] = {"after", HL_PARAM_COUNT, 1000, 1000, 0, UINT64_C(1) << 40,
                 "iteration at which the fault happens", NULL},
    [P_OPS] = {"ops", HL_PARAM_COUNT, 100000, 10000, 1, UINT64_C(1) << 40, "iterations in total",
               NULL},
    [P_OBJ] = {"obj", HL_PARAM_BYTES, 64, 64, 8, 1 << 20, "bytes per object", NULL},
};

enum { SITE_OBJ, SITE_HOG, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_OBJ] = {"newObject", SITE_OBJ, 1, "returned pointer"},
    [SITE_HOG] = {"hogMemory", SITE_HOG, 1, "kept in a global list"},
};

#define HOG_BYTES (1u << 20)

static uint64_t fi_iterations(const uint64_t *p, unsigned threads) {
  return p[P_OPS] / threads;
}

static const char *fi_unbounded(const uint64_t *p, uint32_t given) {
  (void)given;
  return p[P_KIND] == KIND_OOM ? "kind=oom allocates until the backend refuses or the process "
                                 "is killed"
                               : NULL;
}

/* Allocate and keep 1 MiB objects, each linking the previous one, until the
 * backend fails; the mutator's out-of-memory handler ends the process. */
static void hog(hl_wl_thread_t *t) {
  hl_roots_t *head;
  if (hl_roots_new(t->m, 1, &head) != 0) abort();
  for (;;) {
    unsigned char *o = hl_new(t->m, &sites[SITE_HOG], HOG_BYTES, 1);
    hl_set(t->m, o, 0, hl_root_get(head, 0));
    for (size_t off = sizeof(void *); off < HOG_BYTES; off += 4096)
      o[off] = 1;
    hl_root_set(t->m, head, 0, o);
  }
}

static void fault(hl_wl_thread_t *t) {
  switch (t->param[P_KIND]) {
  case KIND_CRASH: {
    volatile int *null = NULL;
    *null = 1;
    break;
  }
  case KIND_ABORT: abort();
  case KIND_HANG:
    for (;;)
      pause();
  case KIND_OOM: hog(t); break;
  default: break;
  }
}

static void fi_run(hl_wl_thread_t *t, uint64_t iterations) {
  const size_t bytes = t->param[P_OBJ];
  const uint64_t after = t->param[P_AFTER];
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations; i++) {
    if (i == after) fault(t);
    unsigned char *o = hl_new(t->m, &sites[SITE_OBJ], bytes, 0);
    o[0] = (unsigned char)i;
    hl_escape_to_compiler(o);
    sink += o[0];
    hl_drop(t->m, o, bytes);
  }
  t->sink += sink;
}

const hl_workload_t hl_workload_fault_inject = {
    .name = "fault-inject",
    .claim = "-",
    .summary = "selftest: crashes, hangs or runs out of memory on purpose",
    .kind = "selftest",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .unbounded = fi_unbounded,
    .iterations = fi_iterations,
    .run = fi_run,
};
