/* The plan: the cells a request asks for, the second of the three layers of
 * options (request.h). A cell is one workload with one set of parameter
 * values on one backend with one value of each knob the backend honours;
 * its spec (worker/cellspec.h) is what each of its repetitions' workers
 * gets, with the repetition's index filled in.
 *
 * Planning checks everything that needs no process: workload names, that
 * every -p key belongs to a chosen workload, every parameter value and
 * combination (the workload's own check), and that a cell that grows until
 * stopped runs only under a hard limit below the machine's available memory.
 * Planned with no backend it makes no cell but checks all of that, so bad
 * input is reported before any backend is probed. */
#ifndef HL_PLAN_H
#define HL_PLAN_H

#include "cellspec.h"
#include "request.h"

#include <jansson.h>
#include <stddef.h>

#define HL_CELL_NAME_MAX 256

typedef struct hl_cell {
  hl_cell_spec_t spec; /* rep_index 0 */
  char name[HL_CELL_NAME_MAX];
  char id[13];  /* stable: the hash of the spec's encoding (shard.h) */
  json_t *rows; /* one per finished repetition, in repetition order */
} hl_cell_t;

typedef struct hl_plan {
  const hl_workload_t **workloads; /* as -w named them ("all": the benchmarks) */
  size_t nworkloads;
  hl_cell_t *cells; /* workload-major, then parameter values, backends, knob values */
  size_t ncells;
} hl_plan_t;

/* Picks the workloads of rq and checks the -p keys against them. 0, or
 * HL_EINVAL after one message. */
int hl_plan_workloads(const hl_run_request_t *rq, hl_plan_t *p);

/* The cells of rq on the nb backends (nb 0: only checks). 0, or HL_E*
 * after one message. Call hl_plan_workloads() first. */
int hl_plan_cells(const hl_run_request_t *rq, const hl_backend_spec_t *backends, size_t nb,
                  hl_plan_t *p);

void hl_plan_free(hl_plan_t *p);

/* The plan's id: the hash of its cells' ids in order and the repetitions,
 * the same wherever the same options are given. buf: 13 bytes. */
void hl_plan_id(const hl_plan_t *p, unsigned reps, char *buf);

/* Keeps only the cells [first, end). */
void hl_plan_keep(hl_plan_t *p, size_t first, size_t end);

/* Whether the cell's backend honours the knob: gc_percent (--gogc:
 * HL_CAP_GC_PERCENT) or memory_limit (--memlimit: HL_CAP_MEMORY_LIMIT). */
int hl_cell_knob_applies(const hl_cell_t *c, unsigned cap);

/* Parameter values of w: its defaults (--quick or normal), overridden by the
 * -p settings naming its keys, setting i taking value choice[i] (choice may
 * be NULL when every setting has one value). Fails with why on a bad value
 * or combination. */
int hl_plan_params(const hl_workload_t *w, const hl_run_request_t *rq, const size_t *choice,
                   uint64_t *param, char *why, size_t why_len);

/* WORKLOAD/BACKEND (the backend spec's canonical name, options included:
 * "glibc:arena_max=2"), then /key=value for each parameter that differs
 * from the workload's normal default (not the --quick one, so a quick run
 * and a full run never share names), then /threads:N when N > 1. Stable
 * across runs: compare matches on it. */
void hl_cell_name(const hl_workload_t *w, const char *backend, const uint64_t *param,
                  unsigned threads, char *buf, size_t len);

#endif
