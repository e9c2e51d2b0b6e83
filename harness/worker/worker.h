/* The worker: the child-process side of a cell (hidden subcommands).
 *
 *   heaplab __worker RUN-OPTIONS   measures one repetition of one cell
 *   heaplab __probe BACKEND        starts a backend and reports what it is
 *
 * Both write JSON records to file descriptor 3 (see child.h) and exit. */
#ifndef HL_WORKER_H
#define HL_WORKER_H

int hl_worker_main(int argc, char **argv);
int hl_probe_main(int argc, char **argv);

#endif
