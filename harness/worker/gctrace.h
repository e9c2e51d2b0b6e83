/* Reading Go's gctrace lines (GODEBUG=gctrace=1) back into cycles: the
 * inverse of hl_gctrace_format (gc_timeline.h), for a real Go program's
 * stderr. Two layouts are read:
 *   Go <= 1.17  gc 7 @0.171s 1%: 0.055+7.9+0.018 ms clock,
 *               0.16+4.8/4.8/7.4+0.056 ms cpu, 27->28->25 MB, 28 MB goal, 4 P
 *   Go >= 1.18  the same with "0 MB stacks, 0 MB globals, " before "N P"
 * each optionally followed by " (forced)". Sizes are MiB (Go shifts bytes
 * right by 20), so the bytes here are multiples of 1 MiB; the pause is the
 * two stop-the-world phases (sweep and mark termination). */
#ifndef HL_GCTRACE_H
#define HL_GCTRACE_H

#include "backend.h"

#include <stddef.h>

/* 1 and *out filled when line (without its newline) is a gctrace line of
 * either layout; 0 when it is anything else. */
int hl_gctrace_parse(const char *line, size_t len, hl_gc_cycle_t *out);

#endif
