/* `heaplab oom`: out-of-memory experiments (oom.c). */
#ifndef HL_OOM_H
#define HL_OOM_H

int hl_oom_main(int argc, char **argv);

#endif
