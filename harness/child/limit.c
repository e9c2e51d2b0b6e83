/* Memory limits for one child process (limit.h). */
#include "limit.h"

#include <dirent.h>

#include "error.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

const char *hl_limit_mode_name(hl_limit_mode_t mode) {
  switch (mode) {
  case HL_LIMIT_CGROUP: return "cgroup";
  case HL_LIMIT_RLIMIT: return "rlimit";
  case HL_LIMIT_WATCHDOG: return "watchdog";
  default: return "none";
  }
}

int hl_limit_mode_parse(const char *name, hl_limit_mode_t *mode) {
  static const hl_limit_mode_t modes[] = {HL_LIMIT_CGROUP, HL_LIMIT_RLIMIT, HL_LIMIT_WATCHDOG};
  for (size_t i = 0; i < sizeof modes / sizeof modes[0]; i++) {
    if (!strcmp(name, hl_limit_mode_name(modes[i]))) {
      *mode = modes[i];
      return 0;
    }
  }
  return HL_EINVAL;
}

/* Reads a small file into buf; 0 or -1. */
static int read_small(const char *dir, const char *file, char *buf, size_t len) {
  char path[4352];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, buf, len - 1);
  close(fd);
  if (n < 0) return -1;
  buf[n] = '\0';
  return 0;
}

static int has_word(const char *text, const char *word) {
  size_t n = strlen(word);
  for (const char *p = text; (p = strstr(p, word)) != NULL; p += n) {
    int start = p == text || p[-1] == ' ' || p[-1] == '\n';
    int end = p[n] == '\0' || p[n] == ' ' || p[n] == '\n';
    if (start && end) return 1;
  }
  return 0;
}

int hl_cgroup_usable(const char *dir, char *why, size_t why_len) {
  char buf[1024];
  struct stat st;
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
    snprintf(why, why_len, "%s is not a directory", dir);
    return HL_ENOENT;
  }
  if (read_small(dir, "cgroup.controllers", buf, sizeof buf) != 0) {
    snprintf(why, why_len, "%s has no cgroup.controllers: not a cgroup v2 directory", dir);
    return HL_EINVAL;
  }
  if (!has_word(buf, "memory")) {
    snprintf(why, why_len, "the memory controller is not available in %s", dir);
    return HL_EINVAL;
  }
  if (read_small(dir, "cgroup.subtree_control", buf, sizeof buf) != 0 || !has_word(buf, "memory")) {
    snprintf(why, why_len,
             "%s does not enable the memory controller for its children "
             "(echo +memory > %s/cgroup.subtree_control)",
             dir, dir);
    return HL_EINVAL;
  }
  if (access(dir, W_OK | X_OK) != 0) {
    snprintf(why, why_len, "%s is not writable: %s", dir, strerror(errno));
    return HL_ESYS;
  }
  return 0;
}

/* Writes text to dir/file; a cgroup's files exist already, a test tree's
 * are created. */
static int write_file(const char *dir, const char *file, const char *text) {
  char path[4352];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) return -1;
  size_t len = strlen(text);
  ssize_t n = write(fd, text, len);
  int saved = errno;
  close(fd);
  errno = saved;
  return n == (ssize_t)len ? 0 : -1;
}

int hl_cgroup_create(const char *dir, uint64_t limit_bytes, hl_cgroup_t *cg, char *why,
                     size_t why_len) {
  static atomic_uint seq;
  memset(cg, 0, sizeof *cg);
  cg->procs_fd = -1;
  snprintf(cg->path, sizeof cg->path, "%s/heaplab-%d-%u", dir, (int)getpid(),
           atomic_fetch_add(&seq, 1));
  if (mkdir(cg->path, 0755) != 0) {
    snprintf(why, why_len, "cannot create %s: %s", cg->path, strerror(errno));
    return HL_ESYS;
  }
  char text[32];
  snprintf(text, sizeof text, "%llu\n", (unsigned long long)limit_bytes);
  if (write_file(cg->path, "memory.max", text) != 0) {
    snprintf(why, why_len, "cannot set %s/memory.max: %s", cg->path, strerror(errno));
    hl_cgroup_destroy(cg);
    return HL_ESYS;
  }
  /* no swap: a kernel without swap accounting has no such file */
  if (write_file(cg->path, "memory.swap.max", "0\n") != 0 && errno != ENOENT && errno != EPERM &&
      errno != EACCES) {
    snprintf(why, why_len, "cannot set %s/memory.swap.max: %s", cg->path, strerror(errno));
    hl_cgroup_destroy(cg);
    return HL_ESYS;
  }
  char procs[4352];
  snprintf(procs, sizeof procs, "%s/cgroup.procs", cg->path);
  cg->procs_fd = open(procs, O_WRONLY | O_CREAT | O_CLOEXEC, 0644);
  if (cg->procs_fd < 0) {
    snprintf(why, why_len, "cannot open %s: %s", procs, strerror(errno));
    hl_cgroup_destroy(cg);
    return HL_ESYS;
  }
  return 0;
}

int hl_cgroup_join(const hl_cgroup_t *cg) {
  char buf[24];
  size_t n = sizeof buf;
  buf[--n] = '\n';
  unsigned long v = (unsigned long)getpid();
  do {
    buf[--n] = (char)('0' + v % 10);
    v /= 10;
  } while (v && n);
  ssize_t len = (ssize_t)(sizeof buf - n);
  return write(cg->procs_fd, buf + n, (size_t)len) == len ? 0 : -1;
}

/* "key value" lines: the value of key, or 0. */
static uint64_t keyed_value(const char *text, const char *key) {
  size_t n = strlen(key);
  for (const char *p = text; p && *p; p = strchr(p, '\n'), p = p ? p + 1 : NULL)
    if (!strncmp(p, key, n) && p[n] == ' ') return strtoull(p + n + 1, NULL, 10);
  return 0;
}

void hl_cgroup_read(const hl_cgroup_t *cg, uint64_t *oom_kills, uint64_t *peak_bytes) {
  char buf[1024];
  *oom_kills = read_small(cg->path, "memory.events", buf, sizeof buf) == 0
                   ? keyed_value(buf, "oom_kill")
                   : 0;
  *peak_bytes =
      read_small(cg->path, "memory.peak", buf, sizeof buf) == 0 ? strtoull(buf, NULL, 10) : 0;
}

int hl_cgroup_destroy(hl_cgroup_t *cg) {
  if (cg->procs_fd >= 0) close(cg->procs_fd);
  cg->procs_fd = -1;
  if (!cg->path[0]) return 0;
  int rc = rmdir(cg->path) == 0 ? 0 : HL_ESYS;
  if (rc == 0) cg->path[0] = '\0';
  return rc;
}

uint64_t hl_mem_available_bytes(void) {
  char buf[8192];
  if (read_small("/proc", "meminfo", buf, sizeof buf) != 0) return 0;
  const char *p = strstr(buf, "\nMemAvailable:");
  return p ? strtoull(p + 14, NULL, 10) * 1024 : 0; /* "MemAvailable:   N kB" */
}

uint64_t hl_proc_rss_bytes(pid_t pid) {
  char path[64], buf[128];
  snprintf(path, sizeof path, "/proc/%d/statm", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = '\0';
  char *p = strchr(buf, ' '); /* size, then resident */
  if (!p) return 0;
  static long page;
  if (!page) page = sysconf(_SC_PAGESIZE);
  return strtoull(p + 1, NULL, 10) * (uint64_t)page;
}

/* ---- process trees ------------------------------------------------------------
 *
 * Breadth first over a fixed array of pids: a child's children are read
 * from every thread's "children" file (a child belongs to the thread that
 * forked it). A process that exits meanwhile just has no file to read. */

static size_t add_children(pid_t pid, pid_t *pids, size_t n) {
  char path[64];
  snprintf(path, sizeof path, "/proc/%d/task", (int)pid);
  DIR *d = opendir(path);
  if (!d) return n;
  struct dirent *e;
  while ((e = readdir(d)) && n < HL_TREE_MAX) {
    if (e->d_name[0] < '0' || e->d_name[0] > '9') continue;
    char file[96], buf[4096];
    snprintf(file, sizeof file, "/proc/%d/task/%.16s/children", (int)pid, e->d_name);
    int fd = open(file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) continue;
    ssize_t len = read(fd, buf, sizeof buf - 1);
    close(fd);
    if (len <= 0) continue;
    buf[len] = '\0';
    for (char *p = buf, *end; n < HL_TREE_MAX; p = end) {
      long c = strtol(p, &end, 10);
      if (end == p) break;
      pids[n++] = (pid_t)c;
    }
  }
  closedir(d);
  return n;
}

size_t hl_proc_tree_walk(pid_t pid, void (*fn)(pid_t pid, void *ctx), void *ctx) {
  pid_t pids[HL_TREE_MAX];
  size_t n = 1;
  pids[0] = pid;
  for (size_t i = 0; i < n; i++) {
    fn(pids[i], ctx);
    n = add_children(pids[i], pids, n);
  }
  return n;
}

typedef struct rss_sum {
  pid_t skip;
  uint64_t bytes;
} rss_sum_t;

static void add_rss(pid_t pid, void *ctx) {
  rss_sum_t *s = ctx;
  if (pid != s->skip) s->bytes += hl_proc_rss_bytes(pid);
}

uint64_t hl_proc_tree_rss_bytes(pid_t pid, pid_t skip) {
  rss_sum_t s = {skip, 0};
  hl_proc_tree_walk(pid, add_rss, &s);
  return s.bytes;
}
