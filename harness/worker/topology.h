/* Machine topology (hwloc) for results, and thread pinning.
 *
 * The topology goes into every results file's context; --pin binds each
 * worker thread to a processing unit (PU) chosen among the PUs this process
 * may use (hwloc's allowed cpuset, which honours cgroup cpusets):
 *   none     no binding; the scheduler decides
 *   compact  thread i on the i-th allowed PU in hwloc's logical order, so
 *            threads fill a core's PUs, then the next core, then the next
 *            package
 *   scatter  threads spread as far apart as possible (hwloc_distrib over the
 *            allowed PUs: different packages, then cores, first)
 * With more threads than PUs, assignment wraps around. Without hwloc (built
 * with -Dhwloc=disabled) the summary is unavailable and only `none` works.
 */
#ifndef HL_TOPOLOGY_H
#define HL_TOPOLOGY_H

#include <stddef.h>
#include <stdint.h>

typedef enum { HL_PIN_NONE, HL_PIN_COMPACT, HL_PIN_SCATTER } hl_pin_t;

/* "none" | "compact" | "scatter"; HL_EPARSE otherwise. */
int hl_pin_parse(const char *text, hl_pin_t *out);
const char *hl_pin_name(hl_pin_t pin);

typedef struct hl_topology hl_topology_t;

/* Loads the topology of this machine (with instruction caches: hwloc filters
 * them out by default). HL_EUNAVAIL when built without hwloc. */
int hl_topology_load(hl_topology_t **out);
void hl_topology_free(hl_topology_t *topo);

#define HL_MAX_CACHE_KINDS 8

typedef struct hl_cache_info {
  unsigned level;      /* 1, 2, 3 */
  char type[16];       /* "Data", "Instruction", "Unified" (Google Benchmark's words) */
  uint64_t size_bytes; /* one cache of this kind */
  unsigned line_bytes;
  unsigned count;       /* caches of this kind in the machine */
  unsigned num_sharing; /* PUs sharing one cache */
} hl_cache_info_t;

/* Counts cover the part of the machine this process may use (hwloc drops
 * PUs outside the cgroup's cpuset), not the whole host. */
typedef struct hl_topology_summary {
  char source[32]; /* "hwloc 2.9.0" */
  unsigned packages, numa_nodes, cores, pus;
  char allowed_pus[128]; /* OS indexes this process may run on, "0-1" */
  hl_cache_info_t cache[HL_MAX_CACHE_KINDS];
  unsigned ncaches; /* ordered by level, data before instruction */
} hl_topology_summary_t;

int hl_topology_summary(const hl_topology_t *topo, hl_topology_summary_t *out);

/* Binds the calling thread as `pin` says for thread thread_index of threads.
 * On success *pu_os_index is the OS index of the PU it is bound to (-1 for
 * HL_PIN_NONE). Thread-safe after load. */
int hl_topology_bind_thread(hl_topology_t *topo, hl_pin_t pin, unsigned thread_index,
                            unsigned threads, int *pu_os_index);

/* OS index of the PU the calling thread last ran on, or -1. */
int hl_topology_last_cpu(hl_topology_t *topo);

#endif
