/* The run options' defaults as --help states them (request.h's
 * hl_run_request_default): read from the request as the command starts it
 * (run's, or oom's own), so each default is stated once and is the one that
 * applies. By option name, so this file needs nothing of request.c's table. */
#include "request.h"

#include "opts.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

int hl_run_request_default(const void *ctx, const hl_opt_t *opt, char *buf, size_t len) {
  const hl_run_request_t *rq = ctx;
  const char *n = opt->name;
  if (!strcmp(n, "reps")) {
    /* the gate refuses --reps (its --rounds stand for them): no default */
    if (!strcmp(hl_opts_command(), "gate")) return 0;
    snprintf(buf, len, "%u", rq->reps);
  } else if (!strcmp(n, "threads")) {
    snprintf(buf, len, "%u", rq->threads);
  } else if (!strcmp(n, "pin")) {
    snprintf(buf, len, "%s", hl_pin_name(rq->pin));
  } else if (!strcmp(n, "escape")) {
    snprintf(buf, len, "on");
  } else if (!strcmp(n, "gogc")) {
    snprintf(buf, len, "$HEAPLAB_GOGC, else %d", HL_DEFAULT_GC_PERCENT);
  } else if (!strcmp(n, "memlimit")) {
    snprintf(buf, len, "$HEAPLAB_MEMLIMIT, else off");
  } else if (!strcmp(n, "pacer-model")) {
    snprintf(buf, len, "%s", hl_pacer_model_name(rq->pacer_model));
  } else if (!strcmp(n, "seed")) {
    snprintf(buf, len, "%" PRIu64, rq->seed);
  } else if (!strcmp(n, "timeout")) {
    snprintf(buf, len, "%g", rq->timeout_s);
  } else if (!strcmp(n, "sample-ms")) {
    snprintf(buf, len, rq->sample_ms ? "%u" : "%u: none", rq->sample_ms);
  } else if (!strcmp(n, "thrash-window")) {
    snprintf(buf, len, rq->thrash_window_s > 0 ? "%g" : "%g: never", rq->thrash_window_s);
  } else {
    return 0;
  }
  return 1;
}
