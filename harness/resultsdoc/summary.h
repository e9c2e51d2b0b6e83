/* The summary table of a results file: one row per benchmark (cell), with
 * how its repetitions ended, its median CPU time per iteration and spread,
 * its memory figures, the collectors' GC figures and the workloads' own
 * headline figures. Printed by `heaplab run` at the end and by
 * `heaplab show`. Reads only the document's view (view.h). */
#ifndef HL_SUMMARY_H
#define HL_SUMMARY_H

#include "table.h"
#include "view.h"

hl_table_t *hl_summary_table(const hl_results_t *v);

/* The same with more columns: the collectors' (GC CPU %, total and longest
 * pause) when a collector's rows are there, each present workload's
 * headline figures (the context's "headlines", workload.h), in human units,
 * and metric's median (any numeric key; NULL: none) last. */
hl_table_t *hl_summary_table_metric(const hl_results_t *v, const char *metric);

/* A figure of key in its unit, from the key's name (cpu_time: "19.1 ns",
 * _bytes: "7.2 MiB", _ns: milliseconds, _pct and _fraction: percent). */
void hl_summary_format_key(const char *key, double v, char *buf, size_t len);

/* 0 when some ok iteration row has key as a number; else HL_EINVAL with a
 * message in why that lists the numeric keys the rows have. */
int hl_summary_metric_check(const hl_results_t *v, const char *key, char *why, size_t len);

#endif
