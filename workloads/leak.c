/* leak (claim C17): a program that keeps what it allocates. Each iteration
 * allocates a `buf`-byte buffer (4 MiB by default), writes one byte in each
 * of its 4 KiB pages, so the memory is really resident and not just
 * reserved, and keeps it forever in a global list, until `total` bytes have
 * been allocated. The default total (1 TiB) is meant never to be reached:
 * under a memory limit (`heaplab oom ... --limit 64M`, or `run --limit`) the
 * cell dies within seconds, which is the failure this workload reproduces;
 * without a limit it would take the machine's memory, so it is not in `-w
 * all`, and heaplab refuses to run it at that total without a limit below
 * the available memory (`-p total=SIZE` makes it a bounded run).
 *
 * With `garbage`, each leaked buffer comes with that many bytes of
 * short-lived 1 KiB objects, dropped at once: a slow leak inside a program
 * that works, the shape of Go's GOMEMLIMIT death spiral (golang/go#58106):
 * under a soft limit the collector runs ever more often as the leak eats
 * the room, until it takes most of the CPU.
 *
 * Buffers are pointer-free (a []byte), and they stay reachable from root
 * slots, so a collector finds them all live at every cycle and can reclaim
 * nothing: what a leak does to Go's pacer is grow the heap goal with it.
 * Teardown, after the measurement, drops them all. */
#include "workload.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>

enum { P_BUF, P_TOTAL, P_GARBAGE, P_COUNT };

#define PAGE_BYTES 4096u

static const hl_param_spec_t params[P_COUNT] = {
    [P_BUF] = {"buf", HL_PARAM_BYTES, 4 << 20, 1 << 20, 8, UINT64_C(1) << 32,
               "bytes per leaked buffer (each page written)", NULL},
    [P_TOTAL] = {"total", HL_PARAM_BYTES, UINT64_C(1) << 40, 16 << 20, 8, UINT64_C(1) << 50,
                 "bytes leaked in total before the loop ends (iterations = total/buf)", NULL},
    [P_GARBAGE] = {"garbage", HL_PARAM_BYTES, 0, 0, 0, UINT64_C(1) << 40,
                   "short-lived bytes (1 KiB objects) allocated per leaked buffer: a slow leak "
                   "inside a working program",
                   NULL},
};

#define GARBAGE_OBJ_BYTES 1024u

enum { SITE_BUF, SITE_GARBAGE, SITE_COUNT };

static const hl_site_t sites[SITE_COUNT] = {
    [SITE_BUF] = {"leakBuffer", SITE_BUF, 1, "appended to a global slice, never removed"},
    [SITE_GARBAGE] = {"handleRequest", SITE_GARBAGE, 1, "sent on a channel, dropped by the reader"},
};

typedef struct leak_state {
  hl_roots_t *kept; /* every buffer this thread allocated, in order */
} leak_state_t;

static int lk_check(const uint64_t *p, unsigned threads, char *why, size_t len) {
  if (p[P_BUF] > p[P_TOTAL]) {
    snprintf(why, len, "buf is larger than total");
    return HL_EINVAL;
  }
  /* One root slot per buffer: 2 MiB of slots for the default 1 TiB of 4 MiB
   * buffers; refuse shapes whose slot table alone would be the leak. */
  if (p[P_TOTAL] / p[P_BUF] / threads > (UINT64_C(1) << 24)) {
    snprintf(why, len, "total/buf is over 16M buffers per thread (raise buf)");
    return HL_EINVAL;
  }
  return 0;
}

/* The default total is no bound; one the user gave is (and so is
 * --quick's 16 MiB). */
static const char *lk_unbounded(const uint64_t *p, uint32_t given) {
  if ((given & (1u << P_TOTAL)) || p[P_TOTAL] != params[P_TOTAL].def) return NULL;
  return "it keeps every buffer until total (default 1T) is reached, more than a machine has "
         "(-p total=SIZE bounds it)";
}

static uint64_t lk_iterations(const uint64_t *p, unsigned threads) {
  return p[P_TOTAL] / p[P_BUF] / threads;
}

static int lk_setup(hl_wl_thread_t *t) {
  leak_state_t *s = calloc(1, sizeof *s);
  if (!s) return HL_ENOMEM;
  int rc = hl_roots_new(t->m, t->iterations, &s->kept);
  if (rc) {
    free(s);
    return rc;
  }
  t->state = s;
  return 0;
}

static void lk_run(hl_wl_thread_t *t, uint64_t iterations) {
  leak_state_t *s = t->state;
  hl_mutator_t *m = t->m;
  const size_t bytes = t->param[P_BUF];
  const uint64_t garbage = t->param[P_GARBAGE] / GARBAGE_OBJ_BYTES;
  uint64_t sink = 0;
  for (uint64_t i = 0; i < iterations && i < s->kept->n; i++) {
    unsigned char *p = hl_new(m, &sites[SITE_BUF], bytes, 0);
    for (size_t off = 0; off < bytes; off += PAGE_BYTES)
      p[off] = (unsigned char)(i + off / PAGE_BYTES);
    p[bytes - 1] = (unsigned char)i;
    hl_escape_to_compiler(p);
    hl_root_set(m, s->kept, i, p);
    sink += p[0];
    for (uint64_t g = 0; g < garbage; g++) { /* the work around the leak */
      unsigned char *o = hl_new(m, &sites[SITE_GARBAGE], GARBAGE_OBJ_BYTES, 1);
      o[GARBAGE_OBJ_BYTES - 1] = (unsigned char)g;
      sink += o[GARBAGE_OBJ_BYTES - 1];
      hl_drop(m, o, GARBAGE_OBJ_BYTES);
    }
  }
  t->sink += sink;
}

static void lk_teardown(hl_wl_thread_t *t) {
  leak_state_t *s = t->state;
  for (size_t i = 0; i < s->kept->n; i++) {
    void *p = hl_root_get(s->kept, i);
    if (!p) break;
    hl_root_set(t->m, s->kept, i, NULL);
    hl_drop(t->m, p, t->param[P_BUF]);
  }
  hl_roots_free(t->m, s->kept);
  free(s);
  t->state = NULL;
}

const hl_workload_t hl_workload_leak = {
    .name = "leak",
    .claim = "C17",
    .summary = "4 MiB buffers kept forever, every page written, until total (1 TiB): dies under a "
               "limit",
    .kind = "oom",
    .params = params,
    .nparams = P_COUNT,
    .sites = sites,
    .nsites = SITE_COUNT,
    .check = lk_check,
    .unbounded = lk_unbounded,
    .iterations = lk_iterations,
    .setup = lk_setup,
    .run = lk_run,
    .teardown = lk_teardown,
};
