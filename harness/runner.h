/* `heaplab run`: plans cells, runs each repetition in its own worker process,
 * interleaved (repetition-major: every cell's first repetition, then every
 * cell's second, ...), classifies outcomes, and writes the results file. */
#ifndef HL_RUNNER_H
#define HL_RUNNER_H

int hl_run_main(int argc, char **argv);

/* Probes backend b in a child (LD_PRELOAD as for a cell). Returns 1 when it
 * is usable; otherwise 0 with the reason in why. On success info gets the
 * version, library path and settings (may be NULL). */
#include "backend.h"
#include <jansson.h>
int hl_runner_probe_backend(const hl_backend_t *b, json_t **info, char *why, size_t why_len);

#endif
