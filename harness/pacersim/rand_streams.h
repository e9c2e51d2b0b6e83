/* Go's math/rand streams for the random inputs of TestGcPacer, compiled into
 * the binary from harness/pacersim/data/go_rand_streams.json by mkrandstreams.py (a
 * C program cannot regenerate them without Go's generator). */
#ifndef HL_RAND_STREAMS_H
#define HL_RAND_STREAMS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_rand_stream {
  int64_t seed;         /* rand.NewSource(seed) */
  size_t count;         /* values stored */
  const double *values; /* successive Float64() results, in [0, 1) */
} hl_rand_stream_t;

extern const hl_rand_stream_t hl_go_rand_streams[];
extern const size_t hl_go_rand_nstreams;

#endif
