/* `heaplab plan`: prints the plan a run would run (plancmd.c). */
#ifndef HL_PLANCMD_H
#define HL_PLANCMD_H

int hl_plan_main(int argc, char **argv);

#endif
