/* The progress of a run on the terminal's status line (console.h): runs
 * done of the total, cells done, elapsed time, an ETA, and what is running:
 *
 *   [7/40 runs, 0/8 cells done] 0:12 elapsed, ETA 0:31 | pool-reuse/glibc, repetition 2/5
 *
 * The ETA comes from repetitions that finished: each cell's remaining
 * repetitions at its own mean time (a cell with none finished yet at the
 * mean of all), less what the running one has had; "ETA --:--" until one
 * finished. For a search, whose runs per cell are not known beforehand
 * (oom --find-min-limit: "[11 runs, 1/4 cells done]"), the remaining cells
 * at the mean time of the finished ones, less what the current cell has had.
 *
 * The parent's bookkeeping only: it times whole repetitions from the outside
 * (start to reaped), draws nothing off a terminal, and redraws at most once
 * a second while a worker runs. */
#ifndef HL_PROGRESS_H
#define HL_PROGRESS_H

#include <stddef.h>
#include <stdint.h>

typedef struct hl_progress {
  size_t ncells;
  unsigned reps;           /* per cell; 0: not known beforehand (a search) */
  uint64_t start_ns;       /* the run's */
  uint64_t rep_start_ns;   /* the running repetition's; 0: none runs */
  size_t running;          /* its cell */
  double *cell_s;          /* per cell: seconds of its finished repetitions */
  unsigned *cell_reps;     /* per cell: its finished repetitions */
  uint64_t *cell_start_ns; /* per cell: when its first repetition started */
  unsigned char *cell_done;
  size_t runs_done, cells_done;
  double done_cells_s; /* a search: seconds of the cells done */
  uint64_t drawn_ns;   /* when the line was last drawn */
  char name[160], what[160];
} hl_progress_t;

/* 0, or HL_ENOMEM. */
int hl_progress_init(hl_progress_t *p, size_t ncells, unsigned reps, uint64_t now_ns);
void hl_progress_free(hl_progress_t *p);

/* A repetition of cell starts: name is the cell's, what says which
 * ("repetition 2/5", "bisect at 48.0 MiB, run 3/5"). Draws the line. */
void hl_progress_begin(hl_progress_t *p, size_t cell, const char *name, const char *what,
                       uint64_t now_ns);
/* The running repetition ended. With a known repetition count its cell is
 * done after the last; returns 1 when the cell is done now. */
int hl_progress_end(hl_progress_t *p, uint64_t now_ns);
/* A search's cell is done. */
void hl_progress_cell_done(hl_progress_t *p, size_t cell, uint64_t now_ns);
/* Redraws the line when a second has passed since it was drawn (elapsed
 * ticks while a long repetition runs). */
void hl_progress_tick(hl_progress_t *p, uint64_t now_ns);
/* Removes the line (the run is over). */
void hl_progress_clear(hl_progress_t *p);

/* Seconds left, or a negative value when not known yet. */
double hl_progress_eta_s(const hl_progress_t *p, uint64_t now_ns);
/* The line, as drawn. */
void hl_progress_format(const hl_progress_t *p, uint64_t now_ns, char *buf, size_t len);

#endif
