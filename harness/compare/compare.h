/* `heaplab compare BASE.json NEW.json`: decides, per benchmark present in
 * both files, whether NEW regressed, by the gate's rule (gate_decide.h):
 * deterministic metrics equal in every repetition, CPU time by a U test
 * with Holm's correction over all benchmarks and a threshold from the
 * noise, peak memory within a tolerance. Unlike `gate`, a benchmark in one
 * file only is shown, not failed. Exit 0 no regression, 1 regression,
 * metric change or nothing compared, 2 bad input. */
#ifndef HL_COMPARE_H
#define HL_COMPARE_H

int hl_compare_main(int argc, char **argv);

#endif
