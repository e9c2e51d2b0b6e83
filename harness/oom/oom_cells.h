/* The cells of the out-of-memory report (oom_report.h), shared by
 * oom_cells.c, which builds them from a results document, and
 * oom_report.c, which writes them out; internal to the two (oom_ names).
 *
 * Cells are the rows' run names (workload, backend, parameters and any swept
 * knob are in the name), in file order. A run survived when it ended ok; a
 * run that could not run at all (outcome error, or interrupted) is counted
 * apart and is neither a survival nor a death, so it cannot make a setting
 * look better or worse than it is. A cell whose rows ran under several
 * limits was searched (--find-min-limit): the summary counts the rows at
 * the run's limit (context.options.limit_bytes) when there are any, else at
 * the smallest limit found to survive, and the search is kept step by step. */
#ifndef HL_OOM_CELLS_H
#define HL_OOM_CELLS_H

#include "child.h"
#include "view.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

typedef struct oom_step {
  uint64_t limit_bytes;
  size_t runs, survived;
  const char *step; /* the search's name for it ("bisect"); NULL: from the rows */
} oom_step_t;

/* A limit this high is no limit: heaplab oom's first search run is only
 * watched (its limit is 2^62 bytes), to learn the cell's peak. */
#define OOM_UNLIMITED_BYTES (UINT64_C(1) << 60)

typedef struct oom_cell {
  const char *name;   /* run_name */
  const json_t *oom;  /* its entry in the document's "oom" cells, or NULL */
  const hl_row_t **all; /* every iteration row, in file order */
  size_t nall;
  const hl_row_t **rows; /* the rows the summary counts: those at limit_bytes */
  size_t nrows;
  uint64_t limit_bytes;               /* the limit those rows ran under; 0: none */
  size_t count[HL_OUTCOME_COUNT + 1]; /* per outcome; the last: one heaplab does not know */
  size_t runs, survived;              /* runs: rows that ran (every outcome but error) */
  double ci_lo, ci_hi;                /* Wilson 95% interval of survived / runs */
  const hl_row_t *drawn;              /* the run the timeline shows */
  oom_step_t *search; /* the "oom" search's steps in order, else by limit; NULL: none */
  size_t nsearch;
  uint64_t min_limit_bytes; /* smallest limit that survived every run; 0: none */
} oom_cell_t;

typedef struct oom_doc {
  hl_results_t view; /* the document's rows, read once */
  const json_t *ctx, *opts, *oom;
  const char *limit_mode;
  uint64_t limit_bytes; /* the run's limit; 0: none */
  oom_cell_t *cells;
  size_t ncells;
  double *scratch; /* one value per row of the document */
} oom_doc_t;

/* How a run that died died: its outcome, and for oom-kill who killed it
 * (the row's message says: child.c's classify()). */
enum {
  OOM_K_WATCHDOG,
  OOM_K_CGROUP,
  OOM_K_KILLED,
  OOM_K_ALLOC,
  OOM_K_THRASH,
  OOM_K_CRASH,
  OOM_K_TIMEOUT,
  OOM_K_OTHER,
  OOM_K_COUNT
};
int oom_kill_class(const hl_row_t *row);

/* Which rows oom_values() reads: those that ran, those that died, or those of
 * one kill class (OOM_K_*). */
enum { OOM_ROWS_RAN = -1, OOM_ROWS_DIED = -2 };

const char *oom_str(const json_t *o, const char *key); /* "" when absent */
uint64_t oom_u64(const json_t *o, const char *key);    /* 0 when absent or not positive */
int oom_survived(const hl_row_t *row); /* ended ok */
int oom_ran(const hl_row_t *row);      /* any outcome but error */
int oom_died(const hl_row_t *row);     /* ran and did not survive */
int oom_row_selected(const hl_row_t *row, int which);

/* Values of key over the cell's selected rows into d->scratch; returns how
 * many (rows without the key are left out). */
size_t oom_values(const oom_doc_t *d, const oom_cell_t *c, int which, const char *key);

/* Reads the document into d (zeroed by the caller): its context, limit,
 * "oom" object and cells. 0; HL_EPARSE (not a results file, or "oom" not
 * an object), HL_ENOENT (no iteration row), HL_ENOMEM; why filled. d must
 * be closed either way; it points into doc, which must outlive it. */
int oom_doc_open(oom_doc_t *d, const json_t *doc, char *why, size_t len);
void oom_doc_close(oom_doc_t *d);

#endif
