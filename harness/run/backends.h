/* The backends of a run: the -b specs, checked, then probed.
 *
 * A spec (NAME[:KEY=VALUE]...) is parsed and checked without a process; a
 * probe is a short `heaplab __probe SPEC` child with the backend's
 * LD_PRELOAD, which starts the backend as a worker would and reports its
 * version, library and settings, so a backend that cannot start here is
 * found before any cell runs. "all" (or no -b) takes every backend that
 * probes, and says which it skipped and why. Backends come in the order
 * -b gave them (registry order for "all" or no -b): cells run and print in
 * that order. The context's "backends" object records
 * every probe. */
#ifndef HL_BACKENDS_H
#define HL_BACKENDS_H

#include "backend.h"
#include "request.h"

#include <jansson.h>

typedef struct hl_backends {
  hl_backend_spec_t *spec; /* the usable ones, in run order */
  size_t n;
  hl_backend_spec_t *asked; /* every spec -b named (or all), parsed */
  size_t nasked;
  int everything; /* "all" or no -b: skip what does not probe */
  json_t *info;   /* spec name -> {kind, status, version, library_path, settings, ...} */
} hl_backends_t;

/* Parses and checks the -b specs (no process). 0, or HL_EINVAL after one
 * message. */
int hl_backends_parse(const hl_run_request_t *rq, hl_backends_t *b);

/* Probes every parsed spec. 0; HL_EINVAL after a message when a named one
 * is unavailable, or when none is available. */
int hl_backends_probe(hl_backends_t *b);

/* Whether a parsed spec names backend b. */
int hl_backends_asked(const hl_backends_t *bs, const hl_backend_t *b);

void hl_backends_free(hl_backends_t *b);

/* Probes one spec in a child. 1 when it is usable (info, when not NULL, gets
 * its version, library path and settings); otherwise 0 with why. */
int hl_backend_probe(const hl_backend_spec_t *spec, json_t **info, char *why, size_t why_len);

#endif
