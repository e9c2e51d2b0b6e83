/* The timing tests and the instruction counts of hl_gate_decide()
 * (gate_timing.c); internal to compare/. */
#ifndef HL_GATE_TIMING_H
#define HL_GATE_TIMING_H

#include "gate_decide.h"

/* Medians and both tests' raw figures (before Holm) of a benchmark whose
 * sides both have timings. 0, HL_EINVAL, HL_ENOMEM. */
int hl_gate_timing_measure(hl_gate_bench_t *b, const hl_gate_opts_t *o);
/* Holm over the benchmarks idx[0..m) (each test its own family) at the
 * look's level (hl_gate_look_alpha), then their verdicts. */
int hl_gate_timing_decide(hl_gate_bench_t *b, const size_t *idx, size_t m,
                          const hl_gate_opts_t *o);
/* The top-level timing figures from test[used]. */
void hl_gate_timing_publish(hl_gate_bench_t *b);
/* A benchmark decided at an earlier look takes that look's figures back. */
void hl_gate_timing_thaw(hl_gate_bench_t *b);
/* Instructions per iteration and, with --measure cache, the simulated
 * misses: b->instr and b->misses[]. 0, or HL_EINVAL on a bad value. */
int hl_gate_instr_decide(hl_gate_bench_t *b, const hl_gate_opts_t *o);

#endif
