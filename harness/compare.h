/* `heaplab compare BASE.json NEW.json`: decides, per benchmark present in
 * both files, whether NEW regressed.
 *
 * Timing: the CPU time per iteration of the ok repetitions, median change
 * plus a two-sided Mann-Whitney U test; a regression needs both p < alpha
 * and a slowdown above the threshold (default 5%). Deterministic metrics
 * (allocs, alloc_bytes) must be equal exactly: at a fixed seed a workload
 * makes the same allocations every time, so any difference is a behaviour
 * change. Exit 0 no regression, 1 regression or metric change, 2 bad input. */
#ifndef HL_COMPARE_H
#define HL_COMPARE_H

int hl_compare_main(int argc, char **argv);

#endif
