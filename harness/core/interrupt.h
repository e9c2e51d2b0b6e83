/* SIGINT and SIGTERM stop a long command cleanly.
 *
 * The handler only records which signal came; the command's loops poll it,
 * stop starting work, let child.c kill the child in flight, write what was
 * measured, and exit with the shell's code for a death by that signal
 * (128 + the signal: 130 for SIGINT, 143 for SIGTERM), so a CI runner and
 * a shell script see the same status as if heaplab had died of it.
 * One flag for the whole process: every command shares it. */
#ifndef HL_INTERRUPT_H
#define HL_INTERRUPT_H

#include <signal.h>

/* The flag: 0, or the signal that interrupted the process. */
extern volatile sig_atomic_t hl_interrupted;

/* Installs the handler for SIGINT and SIGTERM. */
void hl_interrupt_install(void);

/* 128 + the signal, or 0 when no signal came. */
int hl_interrupt_exit_code(void);

#endif
