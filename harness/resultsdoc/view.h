/* The typed view of a results document: every row read once into an
 * hl_row_t, and the one place that knows the keys a row is known by.
 *
 * A results row is JSON (results.h); readers used to look its identity up
 * by key, each in its own way ("outcome" and "run_type" were spelled in
 * nine files, with three ideas of what an absent outcome means). Here the
 * document is read once, after hl_results_load() has validated it: each
 * row's name, cell, repetition, outcome and run type, its times in ns, the
 * metrics heaplab measures (HL_CELL_FIELDS and HL_HEAP_STATS: counts,
 * peaks, GC figures) and the machine it ran on become fields. compare,
 * gate, show, plot, report, oom and oom-report read these fields; only a
 * figure the view does not type (a user's --metric, an OOM run's samples)
 * is read from the row's JSON, through hl_row_number() or r->json.
 *
 * The same file writes a row's identity (hl_row_new, the aggregate rows'
 * and a baseline's), so that the keys are spelled in one place, read and
 * written. The view points into the document: it must not outlive it.
 */
#ifndef HL_VIEW_H
#define HL_VIEW_H

#include "outcome.h"
#include "results.h"

#include <jansson.h>
#include <stddef.h>
#include <stdint.h>

/* The title of the column that shows how a cell's repetitions ended: the
 * rows' own word for it. */
#define HL_VIEW_OUTCOME_TITLE "outcome"

typedef enum { HL_RUN_ITERATION = 0, HL_RUN_AGGREGATE } hl_run_type_t;

/* A machine rows ran on: a fingerprint (run/fingerprint.h), the document's
 * context.fingerprint, or one of context.machines once files from several
 * machines are merged (each row then names its own). Two fingerprints that
 * differ only in heaplab's revision and the allocator libraries' versions
 * are one host: those are what compare and gate compare, on one machine. */
typedef struct hl_machine {
  const char *id;            /* the fingerprint's id */
  const json_t *fingerprint; /* its fields; NULL: the document has none for it */
  char *host;                /* the fields timings depend on (the id when unknown) */
} hl_machine_t;

typedef struct hl_row {
  const json_t *json;          /* the row: for what the view does not type */
  const char *name;            /* never NULL ("" when absent) */
  const char *run_name;        /* the cell's name: run_name, else name */
  const char *cell_id;         /* the plan's id of the cell; NULL: none */
  const char *workload;        /* NULL: absent */
  const char *backend;         /* NULL: absent */
  const hl_machine_t *machine; /* the row's own, else the document's; NULL: none */
  const char *error_message;   /* "" when absent */
  hl_run_type_t run_type;      /* absent: iteration */
  const char *aggregate;       /* an aggregate row's aggregate_name; NULL otherwise */
  long repetition;             /* repetition_index; -1: absent */
  const char *outcome;         /* the outcome word as written; NULL: absent */
  hl_outcome_t outcome_id;     /* HL_OUTCOME_COUNT: absent, or a word heaplab does not know */
  int error_occurred;          /* Google Benchmark's error flag */
  int ok;                      /* an iteration that ended ok: outcome absent or ok, no error */
  double real_ns, cpu_ns;      /* per iteration; < 0: absent */
  double metric[HL_CF_COUNT];  /* heaplab's figures (results.h), bit i of present: measured */
  uint64_t present;
} hl_row_t;

typedef struct hl_results {
  const json_t *doc, *context;
  hl_row_t *row; /* the benchmarks that are objects, in file order */
  size_t n;
  hl_machine_t *machine; /* the machines of the rows, first-appearance order */
  size_t nmachines;
  int borrowed; /* a selection (hl_results_select): the machines are another view's */
} hl_results_t;

/* Reads doc ({"context", "benchmarks"}, as hl_results_load() leaves it)
 * into v. 0; HL_EPARSE when doc is not a results document; HL_ENOMEM. v is
 * zeroed on failure; hl_results_view_free() either way. */
int hl_results_view(const json_t *doc, hl_results_t *v);
void hl_results_view_free(hl_results_t *v);

/* The rows of v that ran on machine m (NULL: the rows without a machine),
 * as a view of their own (its machines are v's: out must not outlive v).
 * 0 or HL_ENOMEM. */
int hl_results_select(const hl_results_t *v, const hl_machine_t *m, hl_results_t *out);

/* v split by machine, for readers that show one machine at a time (show,
 * report): a selection per machine in first-appearance order, then one of
 * the rows without a machine when there are such rows and others; a single
 * group when every row ran on one machine (or none says). *groups is
 * malloc'd; free with hl_results_groups_free(). 0 or HL_ENOMEM. */
int hl_results_by_machine(const hl_results_t *v, hl_results_t **groups, size_t *n);
void hl_results_groups_free(hl_results_t *groups, size_t n);

/* Whether two rows ran on one host (hl_machine_t): 1 yes, 0 no, -1 when
 * either has no machine (a file older than fingerprints, a baseline). */
int hl_row_same_host(const hl_row_t *a, const hl_row_t *b);

/* "3f2a9c1b0d4e: Intel(R) Xeon(R) ..., 2 CPUs, Linux 6.1.0 x86_64" (data
 * from a file: escape it for where it is printed). */
void hl_machine_describe(const hl_machine_t *m, char *buf, size_t len);

/* The outcome word of a row for people: the row's, else "error" when
 * Google Benchmark flagged an error, else "ok". */
const char *hl_row_outcome_word(const hl_row_t *r);

/* A figure by its results key: cpu_time and real_time (ns), heaplab's
 * metrics, else any numeric key of the row's JSON. 0, or HL_ENOENT. */
int hl_row_number(const hl_row_t *r, const char *key, double *out);
/* Figure `field` (HL_CF_*, a heap statistic after HL_CF_HEAP_BASE). */
int hl_row_metric(const hl_row_t *r, int field, double *out);

/* An iteration row of the JSON that ended ok (as hl_row_t.ok says): for the
 * writer, which aggregates its rows before any view exists. */
int hl_row_json_ok(const json_t *row);
/* An iteration row of the JSON (hl_row_t.run_type): for claims/figures.c,
 * which selects rows as JSON (to be moved onto the view). */
int hl_row_json_is_iteration(const json_t *row);

/* Checks what the view relies on of a row's identity (run_type iteration
 * or aggregate); writes why on failure. 0 or HL_EPARSE. */
int hl_row_check_identity(const json_t *row, char *why, size_t len);

/* ---- writing: the identity every row heaplab makes carries ---------------- */

typedef struct hl_row_identity {
  const char *name;     /* the cell's name, also its run_name */
  size_t family_index;  /* the cell's index in the plan */
  unsigned repetitions; /* of the run */
  unsigned repetition_index;
  unsigned threads;
  hl_outcome_t outcome;
  const char *workload, *backend;
} hl_row_identity_t;

/* A new iteration row: Google Benchmark's identity keys first, in its order
 * (name, family_index, per_family_instance_index, run_name, run_type,
 * repetitions, repetition_index, threads), then the keys of `measured` not
 * among them, then heaplab's outcome, workload and backend. NULL when out of
 * memory. */
json_t *hl_row_new(const hl_row_identity_t *id, const json_t *measured);

/* The identity of an aggregate row (Google Benchmark's keys) of the
 * iteration rows whose first is `first`: name RUN_NAME_AGG, run_type
 * aggregate, aggregate_name agg, aggregate_unit unit, iterations n. */
json_t *hl_row_aggregate_new(const json_t *first, const char *agg, const char *unit, size_t n);

/* Copies what identifies row and how it ended (name, run_name, run_type,
 * workload, backend, params, threads, outcome) into out: a baseline's row. */
void hl_row_copy_identity(const json_t *row, json_t *out);

#endif
