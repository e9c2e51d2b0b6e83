/* The "context" block of a results file: Google Benchmark's keys (date,
 * host_name, executable, num_cpus, mhz_per_cpu, caches, load_avg,
 * library_build_type) and heaplab's (version, build, kernel, THP mode,
 * command line, effective options, backends, counters, topology). */
#ifndef HL_CONTEXT_H
#define HL_CONTEXT_H

#include "counters.h"
#include "request.h"
#include "topology.h"
#include "workload.h"

#include <jansson.h>

/* Machine and build facts, plus the topology summary when topo != NULL. */
json_t *hl_context_new(int argc, char **argv, const hl_topology_t *topo);
/* The load averages at the end of the run, "load_avg_end" (the start's are
 * "load_avg"): the noise note compares both with num_cpus. */
void hl_context_load_end(json_t *ctx);
/* {workload: [{key, column, unit}]}: the headline figures (workload.h) of
 * the workloads that declare some; readers make them columns. */
json_t *hl_context_headlines(const hl_workload_t *const *workloads, size_t n);
/* The options as they took effect ("options" key). */
json_t *hl_context_options(const hl_run_request_t *rq, json_t *workloads, json_t *backends);
/* {event: "counted" | "unavailable: reason"} */
json_t *hl_context_counters(const hl_counter_status_t *status, size_t n);

#endif
