/* Memory limits for one child process (heaplab oom, heaplab run --limit).
 *
 * Three ways to hold a cell to a number of bytes, as the failures they
 * reproduce differ:
 *   cgroup    a child cgroup v2 group under a directory the user named
 *             (--cgroup DIR), with memory.max set and swap off: the kernel
 *             counts what a container counts (anonymous memory, page cache,
 *             kernel memory) and its OOM killer ends the process; memory.events
 *             says it did (oom_kill) and memory.peak how high it got
 *   rlimit    RLIMIT_DATA: the kernel refuses to grow the data segment and
 *             private mappings, so allocation fails inside the child (never
 *             RLIMIT_AS, which counts reserved address space: allocators
 *             reserve far more than they touch)
 *   watchdog  the parent reads the child's resident set every millisecond
 *             and kills it once it reaches the limit, as a container's OOM
 *             killer would; no privilege needed
 * heaplab creates nothing but its own child groups inside the named
 * directory and removes them afterwards; it never writes to the directory's
 * own files. */
#ifndef HL_LIMIT_H
#define HL_LIMIT_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

typedef enum {
  HL_LIMIT_NONE = 0,
  HL_LIMIT_CGROUP,
  HL_LIMIT_RLIMIT,
  HL_LIMIT_WATCHDOG,
} hl_limit_mode_t;

typedef struct hl_limit {
  hl_limit_mode_t mode;
  uint64_t bytes;
  const char *cgroup_dir; /* HL_LIMIT_CGROUP: the user's cgroup v2 directory */
} hl_limit_t;

/* Watchdog sampling period. */
#define HL_WATCHDOG_PERIOD_NS UINT64_C(1000000)

const char *hl_limit_mode_name(hl_limit_mode_t mode);
/* 0, or HL_EINVAL for a name that is not cgroup, rlimit or watchdog. */
int hl_limit_mode_parse(const char *name, hl_limit_mode_t *mode);

/* Whether dir is a cgroup v2 directory heaplab can make limited child
 * groups in: cgroup.controllers lists memory, cgroup.subtree_control
 * enables it for children, and the directory is writable. 0, or HL_E* with
 * the reason in why. */
int hl_cgroup_usable(const char *dir, char *why, size_t why_len);

/* One child group: dir/heaplab-<pid>-<seq>. */
typedef struct hl_cgroup {
  char path[4096];
  int procs_fd; /* cgroup.procs of the group, open for the child to join */
} hl_cgroup_t;

/* Makes the group with memory.max = limit_bytes and memory.swap.max = 0,
 * and opens its cgroup.procs. 0 or HL_E* (why filled). */
int hl_cgroup_create(const char *dir, uint64_t limit_bytes, hl_cgroup_t *cg, char *why,
                     size_t why_len);
/* In the forked child, before exec (async-signal-safe): moves the calling
 * process into the group. 0 or -1. */
int hl_cgroup_join(const hl_cgroup_t *cg);
/* After the child is gone: memory.events' oom_kill count and memory.peak
 * (0 where a file is missing). */
void hl_cgroup_read(const hl_cgroup_t *cg, uint64_t *oom_kills, uint64_t *peak_bytes);
/* Closes and removes the group (rmdir: the kernel's interface files go
 * with it). 0, or HL_E* when it cannot be removed. */
int hl_cgroup_destroy(hl_cgroup_t *cg);

/* The machine's available memory, bytes (MemAvailable of /proc/meminfo):
 * what a limit must stay below for a run that grows until stopped. 0 when
 * unknown. */
uint64_t hl_mem_available_bytes(void);

/* Resident set of a process, bytes (/proc/PID/statm); 0 when unknown.
 * Opens and reads into a stack buffer: no allocation. */
uint64_t hl_proc_rss_bytes(pid_t pid);

/* A process tree (a -x program and whatever it started): calls fn for pid
 * and each descendant, found through /proc/PID/task/TID/children, at most
 * HL_TREE_MAX processes. Returns how many were visited. */
#define HL_TREE_MAX 512
size_t hl_proc_tree_walk(pid_t pid, void (*fn)(pid_t pid, void *ctx), void *ctx);

/* The sum of the resident sets of pid's tree, bytes; skip (a process of
 * the tree, or 0) is left out but its descendants are not. */
uint64_t hl_proc_tree_rss_bytes(pid_t pid, pid_t skip);

#endif
