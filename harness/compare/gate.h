/* `heaplab gate`: the CI regression gate.
 *
 * gate.c is the command: options, and for each side given as a heaplab
 * binary, K rounds of `BIN run --reps 1` interleaved with the other side
 * (A B, B A, A B, ...: each side's cells in their own processes, the order
 * swapped every round so that a drift within a round hits both alike).
 * gate_io.c turns the two sides' results documents into samples for the
 * pure decision (gate_decide.h) and writes what it decided: the table, the
 * one-line verdict, the decision JSON for CI annotations, the Markdown for a
 * pull-request comment, and a metrics-only baseline. */
#ifndef HL_GATE_H
#define HL_GATE_H

#include "gate_decide.h"
#include "rows.h"

#include <jansson.h>
#include <stdio.h>

int hl_gate_main(int argc, char **argv);

/* ---- gate_io.c ---------------------------------------------------------- */

/* Benchmarks of two results documents' views, named in base order then
 * new-only ones; the samples live in the set, the names in its row indexes
 * (which point into the views: they must outlive the set). The rows are
 * indexed once (hl_row_index_build): linear in their number. */
typedef struct hl_gate_set {
  hl_gate_bench_t *bench;
  size_t n;
  double *storage;      /* CPU-time, instruction and peak samples of every side */
  unsigned *rounds;     /* the round (repetition_index) of each CPU-time sample */
  hl_row_index_t ix[2]; /* base, new */
  const hl_machine_t *other[2]; /* the machines of the first benchmark whose sides ran on
                                   different ones (other_machines); NULL: none did */
} hl_gate_set_t;

int hl_gate_set_load(const hl_results_t *base, const hl_results_t *new_, hl_gate_set_t *set,
                     char *why, size_t why_len);
/* The same with the rows keyed by key (hl_row_key_group: the cell without
 * its backend, for a gate of two backends); NULL: by run_name. */
int hl_gate_set_load_keyed(const hl_results_t *base, const hl_results_t *new_, hl_row_key_fn key,
                           hl_gate_set_t *set, char *why, size_t why_len);
void hl_gate_set_free(hl_gate_set_t *set);

/* Where each side came from, for the reports. */
typedef struct hl_gate_source {
  const char *path;
  int is_binary;
  const char *revision; /* heaplab_revision of its results, or NULL */
  const char *backend;  /* the side's backend (--base-backend, --new-backend), or NULL */
} hl_gate_source_t;

typedef struct hl_gate_report {
  const hl_gate_set_t *set;
  const hl_gate_opts_t *opts;
  const hl_gate_tally_t *tally;
  hl_gate_source_t base, new_;
  unsigned rounds;
  const struct hl_seq *seq; /* adaptive rounds (sequential.h), or NULL */
  const char *rounds_text;  /* rounds each benchmark needed, for the verdict line, or NULL */
} hl_gate_report_t;

/* The JSON of both timing tests of a benchmark and, with a sequential
 * gate, its figures at every look (gate_detail.c). */
json_t *hl_gate_tests_json(const hl_gate_bench_t *b, const struct hl_seq *seq);
/* --pmu on a machine without one: a note that the side's instructions were
 * not counted (its context's counter status says why). */
void hl_gate_pmu_note(const json_t *doc, const char *role, FILE *out);
/* The instruction counts of a benchmark (--measure instructions), or NULL. */
json_t *hl_gate_instr_json(const hl_gate_bench_t *b);
/* A benchmark's deterministic metrics and peaks in the decision JSON. */
json_t *hl_gate_metrics_json(const hl_gate_bench_t *b);
json_t *hl_gate_peaks_json(const hl_gate_bench_t *b);

int hl_gate_print_table(const hl_gate_report_t *r, FILE *out, int markdown);
/* The notes under the verdict: nothing compared, missing benchmarks, no
 * timings, sides on different machines (which, when set says), too few
 * repetitions for the U test. set may be NULL. */
void hl_gate_print_notes(const hl_gate_set_t *set, const hl_gate_tally_t *t,
                         const hl_gate_opts_t *o, FILE *out);
int hl_gate_write_json(const hl_gate_report_t *r, const char *path, char *why, size_t why_len);
int hl_gate_write_markdown(const hl_gate_report_t *r, const char *path, char *why, size_t why_len);

/* Keeps only what a committed baseline needs of a results document: the
 * cell identity, the outcome and the deterministic metrics of each
 * iteration row and its peak memory (no timings: those belong to the machine
 * that ran them; peaks are gated with a tolerance). */
json_t *hl_gate_baseline_doc(const hl_results_t *results);

#endif
