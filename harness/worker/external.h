/* The worker's side of a program cell (-x): runs the user's program as its
 * own child and measures that process tree alone (external.c). */
#ifndef HL_EXTERNAL_H
#define HL_EXTERNAL_H

#include "cellspec.h"

/* Runs one repetition of s (s->program.on) and sends its records on
 * HL_REPORT_FD; returns the worker's exit status (child.h). */
int hl_external_run(const hl_cell_spec_t *s);

#endif
