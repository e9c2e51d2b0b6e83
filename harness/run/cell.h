/* Cells: one workload with one set of parameter values on one backend.
 *
 * The parent plans cells from the run options and the worker rebuilds the
 * same cell from its command line; both use these functions, so a cell's
 * parameters and its benchmark name are computed in one place. */
#ifndef HL_CELL_H
#define HL_CELL_H

#include "backend.h"
#include "options.h"
#include "workload.h"

#include <stddef.h>
#include <stdint.h>

/* Parameter values of w: its defaults (--quick or normal), overridden by the
 * -p settings naming its keys, setting i taking value choice[i] (choice may be
 * NULL when every setting has one value). Settings naming keys w lacks are
 * skipped. Fails with a message in why on a bad value or combination. */
int hl_cell_params(const hl_workload_t *w, const hl_run_options_t *o, const size_t *choice,
                   uint64_t *param, char *why, size_t why_len);

/* WORKLOAD/BACKEND (the backend spec's canonical name, options included:
 * "glibc:arena_max=2"), then /key=value for each parameter that differs
 * from the workload's normal default (not the --quick one, so a quick run
 * and a full run never share names), then /threads:N when N > 1. Stable
 * across runs: compare matches on it. */
void hl_cell_name(const hl_workload_t *w, const char *backend, const uint64_t *param,
                  unsigned threads, char *buf, size_t len);

#endif
