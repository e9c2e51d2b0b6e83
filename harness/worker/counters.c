/* Performance counters by event name: libpfm4 encodes the name, the kernel's
 * perf_event_open counts it on the calling thread.
 *
 * A set is a fixed array of per-event file descriptors, each opened on its
 * own (no group), so one event the machine cannot count never hides another.
 * Every event that cannot be counted keeps a short reason ("ENOENT: ...",
 * "unknown to libpfm4: ...") for the results context; it is never reported as
 * 0, NaN or infinity. Software events (page faults, task clock, context
 * switches, migrations) come from a built-in table first, so they work in a
 * build without libpfm4 and never depend on its event tables.
 *
 * Deliberately not here: event groups (all-or-nothing scheduling would make a
 * VM without a PMU lose the software events too), sampling, counting other
 * threads or processes (inherit stays 0: a worker counts only itself), kernel
 * or hypervisor counting (user space only, which also keeps EACCES from
 * hiding ENOENT for unprivileged users), and uncore events (they need a CPU,
 * not a thread, and fail here with EINVAL).
 */
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif

#include "counters.h"

#include "error.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <limits.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/ioctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#ifndef HL_HAVE_PFM
#define HL_HAVE_PFM 0
#endif

#if HL_HAVE_PFM
/* libpfm4 ships its own copy of the perf_event ABI; it must not meet
 * <linux/perf_event.h> in the same translation unit. */
#include <link.h>
#include <perfmon/pfmlib_perf_event.h>
#else
#include <linux/perf_event.h>
#endif

#define PMU_DEVICES_DIR "/sys/bus/event_source/devices"
#define PARANOID_PATH "/proc/sys/kernel/perf_event_paranoid"

struct hl_counter_set {
  size_t n;
  int fd[HL_MAX_COUNTERS]; /* -1: unavailable */
  hl_counter_status_t status[HL_MAX_COUNTERS];
};

static const char *const default_events[] = {
    "perf::DTLB-LOAD-MISSES", "perf::PERF_COUNT_HW_CACHE_MISSES",
    "perf::INSTRUCTIONS",     "perf::CYCLES",
    "perf::PAGE-FAULTS",
};

const char *const *hl_counters_default(size_t *n_out) {
  *n_out = sizeof default_events / sizeof default_events[0];
  return default_events;
}

/* Copies src into dst[len], cut short if it does not fit; always terminated. */
static void copy_text(char *dst, size_t len, const char *src) {
  size_t n = strlen(src);
  if (n >= len) n = len - 1;
  memcpy(dst, src, n);
  dst[n] = '\0';
}

/* ---- names to perf_event_attr ------------------------------------------ */

/* The software events, by the names libpfm4's generic "perf" PMU gives them
 * (short name and PERF_COUNT_SW_* alias). Looked up before libpfm4, with or
 * without it, so page faults and task clock never depend on libpfm4. The
 * "perf::" prefix is optional and case does not matter, as in libpfm4. */
static const struct sw_event {
  const char *name;
  const char *alias;
  unsigned long long config;
} sw_events[] = {
    {"PAGE-FAULTS", "PERF_COUNT_SW_PAGE_FAULTS", PERF_COUNT_SW_PAGE_FAULTS},
    {"MINOR-FAULTS", "PERF_COUNT_SW_PAGE_FAULTS_MIN", PERF_COUNT_SW_PAGE_FAULTS_MIN},
    {"MAJOR-FAULTS", "PERF_COUNT_SW_PAGE_FAULTS_MAJ", PERF_COUNT_SW_PAGE_FAULTS_MAJ},
    {"TASK-CLOCK", "PERF_COUNT_SW_TASK_CLOCK", PERF_COUNT_SW_TASK_CLOCK},
    {"CONTEXT-SWITCHES", "PERF_COUNT_SW_CONTEXT_SWITCHES", PERF_COUNT_SW_CONTEXT_SWITCHES},
    {"CPU-MIGRATIONS", "PERF_COUNT_SW_CPU_MIGRATIONS", PERF_COUNT_SW_CPU_MIGRATIONS},
};

static int sw_event_lookup(const char *name, unsigned long long *config) {
  if (strncasecmp(name, "perf::", 6) == 0) name += 6;
  for (size_t i = 0; i < sizeof sw_events / sizeof sw_events[0]; i++) {
    if (strcasecmp(name, sw_events[i].name) == 0 || strcasecmp(name, sw_events[i].alias) == 0) {
      *config = sw_events[i].config;
      return 1;
    }
  }
  return 0;
}

#if HL_HAVE_PFM
static pthread_once_t pfm_once = PTHREAD_ONCE_INIT;
static int pfm_init_status = PFM_ERR_NOINIT;

static void pfm_init_once(void) {
  pfm_init_status = pfm_initialize();
}

static int pfm_encode(const char *name, struct perf_event_attr *attr, unsigned long *flags,
                      char *reason, size_t len) {
  pthread_once(&pfm_once, pfm_init_once);
  if (pfm_init_status != PFM_SUCCESS) {
    snprintf(reason, len, "libpfm4 failed to initialize: %s", pfm_strerror(pfm_init_status));
    return -1;
  }
  pfm_perf_encode_arg_t arg;
  memset(&arg, 0, sizeof arg);
  arg.attr = attr;
  arg.fstr = NULL; /* the full string would be malloc'd; not needed */
  arg.size = sizeof arg;
  int ret = pfm_get_os_event_encoding(name, PFM_PLM3, PFM_OS_PERF_EVENT_EXT, &arg);
  if (ret != PFM_SUCCESS) {
    snprintf(reason, len, "unknown to libpfm4: %s", pfm_strerror(ret));
    return -1;
  }
  *flags |= (unsigned long)arg.flags;
  return 0;
}
#endif

/* Fills attr (and extra open flags) for name, or reason on failure. */
static int event_encode(const char *name, struct perf_event_attr *attr, unsigned long *flags,
                        char *reason, size_t len) {
  unsigned long long config;
  memset(attr, 0, sizeof *attr);
  *flags = PERF_FLAG_FD_CLOEXEC;
  if (sw_event_lookup(name, &config)) {
    attr->type = PERF_TYPE_SOFTWARE;
    attr->config = config;
  } else {
#if HL_HAVE_PFM
    if (pfm_encode(name, attr, flags, reason, len) != 0) return -1;
#else
    snprintf(reason, len, "built without libpfm4 (only software events)");
    return -1;
#endif
  }
  /* Whatever the encoding said: counted disabled, user space only, with the
   * two times that tell multiplexing and "never scheduled" apart. */
  attr->size = sizeof *attr;
  attr->disabled = 1;
  attr->exclude_kernel = 1;
  attr->exclude_hv = 1;
  attr->inherit = 0;
  attr->read_format = PERF_FORMAT_TOTAL_TIME_ENABLED | PERF_FORMAT_TOTAL_TIME_RUNNING;
  return 0;
}

/* ---- why perf_event_open failed ---------------------------------------- */

static const char *errno_name(int err) {
  switch (err) {
  case ENOENT: return "ENOENT";
  case ENODEV: return "ENODEV";
  case EOPNOTSUPP: return "EOPNOTSUPP";
  case EACCES: return "EACCES";
  case EPERM: return "EPERM";
  case EINVAL: return "EINVAL";
  case EMFILE: return "EMFILE";
  case ENFILE: return "ENFILE";
  case EBUSY: return "EBUSY";
  case ENOSPC: return "ENOSPC";
  case ENOSYS: return "ENOSYS";
  case E2BIG: return "E2BIG";
  default: return "errno";
  }
}

/* Name of the kernel's core (CPU) PMU, or NULL when there is none: "cpu" on
 * x86, "cpu_core"/"cpu_atom" on hybrid Intel, "armv8_pmuv3*" on ARM. */
static const char *core_pmu_name(char *buf, size_t len) {
  DIR *dir = opendir(PMU_DEVICES_DIR);
  if (!dir) return NULL;
  const char *found = NULL;
  struct dirent *ent;
  while (!found && (ent = readdir(dir)) != NULL) {
    const char *d = ent->d_name;
    if (strcmp(d, "cpu") == 0 || strcmp(d, "cpu_core") == 0 || strcmp(d, "cpu_atom") == 0 ||
        strncmp(d, "armv8_pmuv3", 11) == 0) {
      copy_text(buf, len, d);
      found = buf;
    }
  }
  closedir(dir);
  return found;
}

static int is_cpu_pmu_type(unsigned type) {
  return type == PERF_TYPE_HARDWARE || type == PERF_TYPE_HW_CACHE || type == PERF_TYPE_RAW;
}

static void reason_unsupported(int err, const struct perf_event_attr *attr, char *buf, size_t len) {
  char pmu[64];
  const char *e = errno_name(err);
  if (!is_cpu_pmu_type(attr->type))
    snprintf(buf, len, "%s: not supported by this kernel (type=%u config=%#llx)", e, attr->type,
             (unsigned long long)attr->config);
  else if (!core_pmu_name(pmu, sizeof pmu))
    snprintf(buf, len,
             "%s: not supported here (no hardware PMU? " PMU_DEVICES_DIR "/cpu is absent)", e);
  else
    snprintf(buf, len, "%s: the '%s' PMU does not support this event", e, pmu);
}

static void reason_forbidden(int err, char *buf, size_t len) {
  char level[32];
  if (hl_read_line(PARANOID_PATH, level, sizeof level) != 0)
    snprintf(level, sizeof level, "unknown");
  snprintf(buf, len,
           "%s: not permitted (perf_event_paranoid=%s; user-only counting "
           "needs <= 2 or CAP_PERFMON; seccomp can also deny it)",
           errno_name(err), level);
}

/* Turns a perf_event_open errno into the reason kept for the results. We
 * only ever ask for user-space counting, so EACCES/EPERM really mean "not
 * allowed" (paranoid level above 2, seccomp, a container) and not a missing
 * PMU in disguise: the kernel checks permission before it looks for the
 * PMU, so asking for kernel counting would turn ENOENT into EACCES. */
static void reason_from_errno(int err, const struct perf_event_attr *attr, char *buf, size_t len) {
  switch (err) {
  case ENOENT:
  case ENODEV:
  case EOPNOTSUPP: reason_unsupported(err, attr, buf, len); break;
  case EACCES:
  case EPERM: reason_forbidden(err, buf, len); break;
  case EINVAL:
  case E2BIG:
    snprintf(buf, len, "%s: the kernel rejected the encoding (type=%u config=%#llx)",
             errno_name(err), attr->type, (unsigned long long)attr->config);
    break;
  case EMFILE:
  case ENFILE:
    snprintf(buf, len,
             "%s: out of file descriptors (raise ulimit -n or ask "
             "for fewer events)",
             errno_name(err));
    break;
  case EBUSY:
  case ENOSPC:
    snprintf(buf, len,
             "%s: no free hardware counter (NMI watchdog or "
             "another profiler holding it?)",
             errno_name(err));
    break;
  case ENOSYS:
    snprintf(buf, len,
             "ENOSYS: perf_event_open is missing (kernel without "
             "CONFIG_PERF_EVENTS, or blocked by seccomp)");
    break;
  default: snprintf(buf, len, "perf_event_open failed: %s (errno %d)", strerror(err), err);
  }
}

/* ---- opening ----------------------------------------------------------- */

static const char *event_kind(unsigned type) {
  switch (type) {
  case PERF_TYPE_SOFTWARE: return "software";
  case PERF_TYPE_HARDWARE: return "hardware";
  case PERF_TYPE_HW_CACHE: return "cache";
  case PERF_TYPE_RAW: return "raw";
  default: return "other";
  }
}

/* Fills st for name and returns the open, disabled fd, or -1 (st says why). */
static int counter_open_one(const char *name, hl_counter_status_t *st) {
  memset(st, 0, sizeof *st);
  st->kind = "unknown";
  copy_text(st->name, sizeof st->name, name);
  if (strlen(name) >= sizeof st->name) {
    snprintf(st->reason, sizeof st->reason, "event name longer than %zu bytes",
             sizeof st->name - 1);
    return -1;
  }
  struct perf_event_attr attr;
  unsigned long flags;
  if (event_encode(name, &attr, &flags, st->reason, sizeof st->reason) != 0) return -1;
  st->kind = event_kind(attr.type);
  int fd = (int)syscall(__NR_perf_event_open, &attr, 0, -1, -1, flags);
  if (fd < 0) {
    reason_from_errno(errno, &attr, st->reason, sizeof st->reason);
    return -1;
  }
  st->available = 1;
  return fd;
}

static int check_names(char *const *names, size_t n) {
  if (n > HL_MAX_COUNTERS || (n > 0 && !names)) return HL_EINVAL;
  for (size_t i = 0; i < n; i++)
    if (!names[i]) return HL_EINVAL;
  return 0;
}

int hl_counters_probe(char *const *names, size_t n, hl_counter_status_t *out) {
  int err = check_names(names, n);
  if (err) return err;
  if (n > 0 && !out) return HL_EINVAL;
  for (size_t i = 0; i < n; i++) {
    int fd = counter_open_one(names[i], &out[i]);
    if (fd >= 0) close(fd);
  }
  return 0;
}

int hl_counter_set_open(char *const *names, size_t n, hl_counter_set_t **out) {
  if (!out) return HL_EINVAL;
  *out = NULL;
  int err = check_names(names, n);
  if (err) return err;
  hl_counter_set_t *set = calloc(1, sizeof *set);
  if (!set) return HL_ENOMEM;
  set->n = n;
  for (size_t i = 0; i < n; i++)
    set->fd[i] = counter_open_one(names[i], &set->status[i]);
  *out = set;
  return 0;
}

void hl_counter_set_close(hl_counter_set_t *set) {
  if (!set) return;
  for (size_t i = 0; i < set->n; i++)
    if (set->fd[i] >= 0) close(set->fd[i]);
  free(set);
}

/* ---- counting ---------------------------------------------------------- */

/* Enable and disable sit right around the timed loop: one ioctl per event
 * (two for enable, which first zeroes the count and both times), nothing
 * else. Events are started one after the other, so their windows differ by
 * a few syscalls; that is noise next to any workload worth timing. */
void hl_counter_set_enable(hl_counter_set_t *set) {
  for (size_t i = 0; i < set->n; i++) {
    if (set->fd[i] < 0) continue;
    ioctl(set->fd[i], PERF_EVENT_IOC_RESET, 0);
    ioctl(set->fd[i], PERF_EVENT_IOC_ENABLE, 0);
  }
}

void hl_counter_set_disable(hl_counter_set_t *set) {
  for (size_t i = 0; i < set->n; i++)
    if (set->fd[i] >= 0) ioctl(set->fd[i], PERF_EVENT_IOC_DISABLE, 0);
}

/* Multiplexing: when the kernel had more events than counters it rotates
 * them, and reports how long each was enabled and how long it actually ran.
 * The usual estimate is value * enabled / running. value and enabled can
 * both be large (cycles over hours, nanoseconds), so the product is taken in
 * 128 bits (long double without __int128) and clamped to UINT64_MAX; the
 * result is an integer, never NaN or infinity. running == 0 (never
 * scheduled, or never enabled) is handled by the caller: no estimate. */
#ifdef __SIZEOF_INT128__
__extension__ typedef unsigned __int128 wide_uint;
#endif

static uint64_t scale_count(uint64_t value, uint64_t enabled, uint64_t running) {
#ifdef __SIZEOF_INT128__
  wide_uint q = (wide_uint)value * enabled / running;
  return q > UINT64_MAX ? UINT64_MAX : (uint64_t)q;
#else
  long double q = (long double)value * (long double)enabled / running;
  return q >= 18446744073709551615.0L ? UINT64_MAX : (uint64_t)q;
#endif
}

/* Reads one event; on failure marks v unavailable and says why in st. */
static void counter_read_one(int fd, hl_counter_status_t *st, hl_counter_value_t *v) {
  uint64_t buf[3]; /* value, time_enabled, time_running */
  memset(v, 0, sizeof *v);
  ssize_t r = read(fd, buf, sizeof buf);
  if (r != (ssize_t)sizeof buf) {
    snprintf(st->reason, sizeof st->reason, "read failed: %s",
             r < 0 ? strerror(errno) : "short read");
    return;
  }
  if (buf[2] == 0) {
    snprintf(st->reason, sizeof st->reason,
             "never scheduled (time_running=0): not enabled, or no free "
             "counter");
    return;
  }
  st->reason[0] = '\0';
  v->available = 1;
  v->value = buf[0];
  if (buf[2] < buf[1]) {
    v->value = scale_count(buf[0], buf[1], buf[2]);
    v->multiplexed = 1;
  }
}

int hl_counter_set_read(hl_counter_set_t *set, hl_counter_value_t *values) {
  if (!set || (set->n > 0 && !values)) return HL_EINVAL;
  for (size_t i = 0; i < set->n; i++) {
    if (set->fd[i] < 0) {
      memset(&values[i], 0, sizeof values[i]);
      continue;
    }
    counter_read_one(set->fd[i], &set->status[i], &values[i]);
  }
  return 0;
}

const hl_counter_status_t *hl_counter_set_status(const hl_counter_set_t *set, size_t i) {
  if (!set || i >= set->n) return NULL;
  return &set->status[i];
}

/* ---- backend string ---------------------------------------------------- */

#if HL_HAVE_PFM
/* pfm_get_version() says "4.0" (the API), and the header carries no release
 * number either, so take it from the loaded library's file name:
 * libpfm.so.4 -> libpfm.so.4.13.0. Static links fall back to the API. */
static char backend_text[64];
static pthread_once_t backend_once = PTHREAD_ONCE_INIT;

static int find_libpfm(struct dl_phdr_info *info, size_t size, void *data) {
  (void)size;
  const char *path = info->dlpi_name;
  if (!path || !strstr(path, "/libpfm.so")) return 0;
  char real[PATH_MAX];
  if (!realpath(path, real)) return 0;
  const char *ver = strstr(real, "libpfm.so.");
  if (!ver || !ver[10]) return 0;
  snprintf((char *)data, sizeof backend_text, "libpfm4 %s", ver + 10);
  return 1;
}

static void backend_init(void) {
  if (dl_iterate_phdr(find_libpfm, backend_text) == 0)
    snprintf(backend_text, sizeof backend_text, "libpfm4 (API %d.%d)",
             PFM_MAJ_VERSION(LIBPFM_VERSION), PFM_MIN_VERSION(LIBPFM_VERSION));
}

const char *hl_counters_backend(void) {
  pthread_once(&backend_once, backend_init);
  return backend_text;
}
#else
const char *hl_counters_backend(void) {
  return "built without libpfm4";
}
#endif
