/* The note under a results table when its timings are noisy: a cell whose
 * CPU time per iteration spread over more than 30% of its median across its
 * repetitions ((max - min) / median, the table's "spread"), or a load
 * average above the machine's CPU count at the start or the end of the run
 * (the context's load_avg and load_avg_end). One line saying what was seen
 * and what to do: more --reps, a quieter machine, or heaplab gate. Reads
 * only the document's view (view.h). */
#ifndef HL_NOISE_H
#define HL_NOISE_H

#include "view.h"

#include <stddef.h>

#define HL_NOISE_SPREAD 0.30 /* a cell's spread above this is noisy */

/* Writes the note into buf and returns 1, or returns 0 when the timings
 * look quiet (or there are none). */
int hl_noise_note(const hl_results_t *v, char *buf, size_t len);

#endif
