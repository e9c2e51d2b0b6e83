/* `heaplab pacer-sim [SCENARIO|all] [--pacer-model go122|go119]
 * [--format table|csv]`: the 19 scenarios of Go's TestGcPacer
 * (runtime/mgcpacer_test.go) driven through heaplab's port of the pacer
 * (allocators/span/pacer.h) with Go's simulation harness, and Go's own
 * checks of each scenario.
 *
 * The harness is Go's, step for step: each cycle starts at the pacer's
 * trigger, then marking proceeds in 500 us steps on 8 cores; in each step
 * the assist ratio sets the GC's CPU share (at least the 25% of background
 * marking), which sets the bytes scanned (globals, then stacks, then heap)
 * and the bytes allocated (black, so they survive the cycle); the pacer
 * revises after every step; when the work is done the cycle ends and the
 * next starts from what was marked. No non-heap memory is modelled, so a
 * memory limit is the heap limit less its headroom.
 *
 * The point is to show that the port computes what Go computes (the
 * numbers match Go's, see tests/cli/pacer_sim.sh) and to let a reader watch
 * the pacer settle, for example how the trigger moves under GOGC=1500 or
 * when the live heap exceeds GOMEMLIMIT. Exit 0 when every check passes,
 * 1 when one fails, 2 on bad input. */
#ifndef HL_PACER_SIM_H
#define HL_PACER_SIM_H

int hl_pacer_sim_main(int argc, char **argv);

#endif
