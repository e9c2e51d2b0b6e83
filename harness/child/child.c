/* Child processes for cells and probes (child.h). */
#include "child.h"

#include "console.h"
#include "error.h"
#include "size.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

/* The child's environment: ours, with LD_PRELOAD replaced or removed. The
 * one string it allocates is returned in *owned. */
static char **child_env(const char *preload, char **owned) {
  size_t n = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 2, sizeof *env);
  if (!env) return NULL;
  size_t k = 0;
  for (size_t i = 0; i < n; i++)
    if (strncmp(environ[i], "LD_PRELOAD=", 11) != 0) env[k++] = environ[i];
  if (preload) {
    size_t len = strlen(preload) + 12;
    *owned = env[k] = malloc(len);
    if (!env[k]) {
      free(env);
      return NULL;
    }
    snprintf(env[k++], len, "LD_PRELOAD=%s", preload);
  }
  env[k] = NULL;
  return env;
}

/* In the forked child, before exec: only async-signal-safe calls. The child
 * dies with its parent (PR_SET_PDEATHSIG survives exec), so a killed heaplab
 * never leaves a hung worker behind. */
static void exec_child(const hl_spawn_config_t *cfg, const hl_cgroup_t *cg, char **env,
                       int report_w, int err_w, pid_t parent) {
  setpgid(0, 0);
  if (prctl(PR_SET_PDEATHSIG, SIGKILL) != 0 || getppid() != parent) _exit(127);
  int devnull = open("/dev/null", O_RDWR);
  if (devnull >= 0) {
    dup2(devnull, STDIN_FILENO);
    dup2(devnull, STDOUT_FILENO);
  }
  /* the passed files first out of the way of the pipes' numbers; dup2
   * onto another number clears close-on-exec */
  int passed[2] = {-1, -1};
  for (int i = 0; i < 2; i++)
    if (cfg->pass_fd[i] > 0) passed[i] = fcntl(cfg->pass_fd[i], F_DUPFD_CLOEXEC, 10);
  dup2(err_w, STDERR_FILENO);
  dup2(report_w, HL_REPORT_FD);
  for (int i = 0; i < 2; i++)
    if (passed[i] >= 0) dup2(passed[i], HL_REPORT_FD + 1 + i);
  if (cfg->limit.mode == HL_LIMIT_CGROUP && hl_cgroup_join(cg) != 0) {
    static const char msg[] = "heaplab: child: cannot join the cgroup\n";
    ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
    (void)w;
    _exit(127);
  }
  if (cfg->limit.mode == HL_LIMIT_RLIMIT) {
    struct rlimit rl = {(rlim_t)cfg->limit.bytes, (rlim_t)cfg->limit.bytes};
    if (setrlimit(RLIMIT_DATA, &rl) != 0) {
      static const char msg[] = "heaplab: child: setrlimit(RLIMIT_DATA) failed\n";
      ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
      (void)w;
      _exit(127);
    }
  }
  execve(cfg->argv[0], cfg->argv, env);
  static const char msg[] = "heaplab: child: exec failed\n";
  ssize_t w = write(STDERR_FILENO, msg, sizeof msg - 1);
  (void)w;
  _exit(127);
}

typedef struct collect {
  char *buf; /* report records */
  size_t len, cap;
  char tail[2048]; /* stderr ring, linearised at the end */
  size_t tail_len;
  char line[1024]; /* forward_stderr: the line being assembled */
  size_t line_len;
  /* the parent's RSS samples */
  uint64_t *t_ns, *rss_bytes;
  size_t nsamples, samples_cap;
  uint64_t rss_peak_bytes, last_sample_ns;
} collect_t;

static void add_sample(collect_t *c, uint64_t t_ns, uint64_t rss) {
  if (c->nsamples == c->samples_cap) {
    size_t cap = c->samples_cap ? c->samples_cap * 2 : 1024;
    uint64_t *t = realloc(c->t_ns, cap * sizeof *t),
             *r = t ? realloc(c->rss_bytes, cap * sizeof *r) : NULL;
    if (t) c->t_ns = t;
    if (!t || !r) return;
    c->rss_bytes = r;
    c->samples_cap = cap;
  }
  c->t_ns[c->nsamples] = t_ns;
  c->rss_bytes[c->nsamples++] = rss;
}

static void keep_tail(collect_t *c, const char *data, size_t n) {
  size_t cap = sizeof c->tail - 1;
  if (n >= cap) {
    memcpy(c->tail, data + n - cap, cap);
    c->tail_len = cap;
  } else {
    size_t keep = c->tail_len + n > cap ? cap - n : c->tail_len;
    memmove(c->tail, c->tail + c->tail_len - keep, keep);
    memcpy(c->tail + keep, data, n);
    c->tail_len = keep + n;
  }
  c->tail[c->tail_len] = '\0';
}

static int append(collect_t *c, const char *data, size_t n) {
  if (c->len + n + 1 > c->cap) {
    size_t cap = c->cap ? c->cap * 2 : 4096;
    while (cap < c->len + n + 1)
      cap *= 2;
    char *b = realloc(c->buf, cap);
    if (!b) return HL_ENOMEM;
    c->buf = b;
    c->cap = cap;
  }
  memcpy(c->buf + c->len, data, n);
  c->len += n;
  c->buf[c->len] = '\0';
  return 0;
}

/* The line assembled so far, after the prefix, as one line above the
 * progress line (a worker's gctrace line stays whole, in Go's format after
 * the prefix, never split across chunks of the pipe). */
static void forward_line(collect_t *c, const char *prefix) {
  char out[sizeof c->line + 256];
  int n = snprintf(out, sizeof out, "%s%.*s\n", prefix ? prefix : "", (int)c->line_len, c->line);
  if (n > 0) hl_console_lines(out, (size_t)n < sizeof out ? (size_t)n : sizeof out - 1);
  c->line_len = 0;
}

static void forward(collect_t *c, const char *prefix, const char *data, size_t n) {
  for (size_t i = 0; i < n; i++) {
    if (data[i] == '\n') {
      forward_line(c, prefix);
      continue;
    }
    c->line[c->line_len++] = data[i];
    if (c->line_len == sizeof c->line) forward_line(c, prefix); /* a very long line: in pieces */
  }
}

/* Reads what is there; returns 0 at EOF, 1 while open. */
static int drain(int fd, collect_t *c, int is_report, const hl_spawn_config_t *cfg) {
  char chunk[8192];
  ssize_t r = read(fd, chunk, sizeof chunk);
  if (r < 0) return errno == EINTR || errno == EAGAIN ? 1 : 0;
  if (r == 0) return 0;
  if (is_report) {
    append(c, chunk, (size_t)r);
  } else {
    keep_tail(c, chunk, (size_t)r);
    if (cfg && cfg->forward_stderr) forward(c, cfg->forward_prefix, chunk, (size_t)r);
  }
  return 1;
}

typedef struct watch {
  pid_t pid;
  int status;
  int reaped, timed_out, interrupted, limit_killed;
} watch_t;

static void kill_child(const watch_t *w) {
  kill(-w->pid, SIGKILL); /* the whole process group */
  kill(w->pid, SIGKILL);  /* in case it had not joined it yet */
}

/* Polls the pipes and the child until it is reaped, the deadline passes or
 * the run is interrupted. */
/* The resident set now: the watchdog's check, and a sample every
 * sample_ms (and always the one that crossed the limit). */
static void watch_rss(const hl_spawn_config_t *cfg, collect_t *c, watch_t *w, uint64_t now,
                      uint64_t start_ns) {
  uint64_t rss = cfg->tree_rss ? hl_proc_tree_rss_bytes(w->pid, w->pid) : hl_proc_rss_bytes(w->pid);
  if (!rss) return; /* gone, or not yet exec'd */
  if (rss > c->rss_peak_bytes) c->rss_peak_bytes = rss;
  int over = cfg->limit.mode == HL_LIMIT_WATCHDOG && rss >= cfg->limit.bytes;
  if (over || (cfg->sample_ms && now - c->last_sample_ns >= (uint64_t)cfg->sample_ms * 1000000u)) {
    add_sample(c, now - start_ns, rss);
    c->last_sample_ns = now;
  }
  if (over && !w->limit_killed && !w->timed_out && !w->interrupted) {
    w->limit_killed = 1;
    kill_child(w);
  }
}

static void supervise(const hl_spawn_config_t *cfg, int report_r, int err_r, collect_t *c,
                      watch_t *w, uint64_t start_ns) {
  int fds_open[2] = {1, 1};
  uint64_t deadline = cfg->timeout_s > 0 ? start_ns + (uint64_t)(cfg->timeout_s * 1e9) : 0;
  int watching = cfg->limit.mode == HL_LIMIT_WATCHDOG || cfg->sample_ms;
  /* the watchdog looks every millisecond, a sampler once a period (at most
   * 50 ms); otherwise the pipes wake us. The parent shares the machine with
   * the worker it measures, so it wakes no more often than it must. */
  int wait_open_ms = cfg->limit.mode == HL_LIMIT_WATCHDOG    ? 1
                     : cfg->sample_ms && cfg->sample_ms < 50 ? (int)cfg->sample_ms
                                                             : 50;
  while (!w->reaped) {
    if (cfg->interrupted && *cfg->interrupted && !w->interrupted) {
      w->interrupted = 1;
      kill_child(w);
    }
    uint64_t now = hl_now_ns();
    if (deadline && now >= deadline && !w->timed_out && !w->interrupted) {
      w->timed_out = 1;
      kill_child(w);
    }
    if (watching && !w->limit_killed) watch_rss(cfg, c, w, now, start_ns);
    struct pollfd p[2] = {{report_r, POLLIN, 0}, {err_r, POLLIN, 0}};
    int wait_ms = fds_open[0] || fds_open[1] ? wait_open_ms : watching ? wait_open_ms : 5;
    if (fds_open[0] || fds_open[1]) {
      if (!fds_open[0]) p[0].fd = -1;
      if (!fds_open[1]) p[1].fd = -1;
      if (poll(p, 2, wait_ms) > 0) {
        if (p[0].revents && !drain(report_r, c, 1, NULL)) fds_open[0] = 0;
        if (p[1].revents && !drain(err_r, c, 0, cfg)) fds_open[1] = 0;
      }
    } else {
      struct timespec ts = {0, wait_ms * 1000000L};
      nanosleep(&ts, NULL);
    }
    if (waitpid(w->pid, &w->status, WNOHANG) == w->pid) w->reaped = 1;
    if (cfg->tick) cfg->tick(cfg->tick_arg);
  }
  /* Whatever the child started and left in its process group (a program's
   * children, a program its worker could not stop) goes with it. */
  kill(-w->pid, SIGKILL);
  /* The child is gone: whatever is still in the pipes is complete now. */
  while (fds_open[0] && drain(report_r, c, 1, NULL)) {
  }
  while (fds_open[1] && drain(err_r, c, 0, cfg)) {
  }
  if (c->line_len) forward_line(c, cfg->forward_prefix); /* a last line without '\n' */
}

static json_t *parse_records(const char *buf) {
  json_t *arr = json_array();
  if (!arr || !buf) return arr;
  const char *line = buf;
  while (*line) {
    const char *nl = strchr(line, '\n');
    size_t len = nl ? (size_t)(nl - line) : strlen(line);
    json_t *rec = json_loadb(line, len, 0, NULL);
    if (json_is_object(rec))
      json_array_append_new(arr, rec);
    else
      json_decref(rec); /* a record cut short by a kill: ignore it */
    line += len + (nl ? 1 : 0);
  }
  return arr;
}

json_t *hl_child_record(const hl_child_result_t *r, const char *type) {
  json_t *found = NULL;
  size_t i;
  json_t *rec;
  json_array_foreach(r->records, i, rec) {
    const char *t = json_string_value(json_object_get(rec, "type"));
    if (t && strcmp(t, type) == 0) found = rec;
  }
  return found;
}

/* Allocation failures that end a process by signal rather than by NULL. */
static int stderr_says_oom(const char *tail) {
  return strstr(tail, "bad_alloc") || strstr(tail, "Cannot allocate memory") ||
         strstr(tail, "out of memory") || strstr(tail, "Out of memory");
}

static void last_line(const char *text, char *buf, size_t len) {
  const char *end = text + strlen(text);
  while (end > text && end[-1] == '\n')
    end--;
  const char *start = end;
  while (start > text && start[-1] != '\n')
    start--;
  snprintf(buf, len, "%.*s", (int)(end - start), start);
}

static void classify(const hl_spawn_config_t *cfg, const watch_t *w, hl_child_result_t *r) {
  json_t *oom = hl_child_record(r, "oom"), *err = hl_child_record(r, "error");
  json_t *thrash = hl_child_record(r, "gc-thrash"), *crash = hl_child_record(r, "crash");
  json_t *ok = hl_child_record(r, "result");
  char line[256];
  last_line(r->stderr_tail, line, sizeof line);
  if (WIFSIGNALED(w->status)) {
    r->signal = WTERMSIG(w->status);
    r->exit_status = -1;
  } else {
    r->exit_status = WEXITSTATUS(w->status);
  }
  if (w->interrupted) {
    r->outcome = HL_OUTCOME_ERROR;
    snprintf(r->message, sizeof r->message, "interrupted");
  } else if (w->timed_out) {
    r->outcome = HL_OUTCOME_TIMEOUT;
    snprintf(r->message, sizeof r->message, "killed after %g s (--timeout)", cfg->timeout_s);
  } else if (w->limit_killed) {
    r->outcome = HL_OUTCOME_OOM_KILL;
    char limit[32];
    hl_size_format_human(cfg->limit.bytes, limit, sizeof limit);
    snprintf(r->message, sizeof r->message,
             "killed by the watchdog: resident set reached the %s limit", limit);
  } else if (r->cgroup_oom_kills) {
    r->outcome = HL_OUTCOME_OOM_KILL;
    char limit[32], peak[32];
    hl_size_format_human(cfg->limit.bytes, limit, sizeof limit);
    hl_size_format_human(r->cgroup_peak_bytes, peak, sizeof peak);
    snprintf(r->message, sizeof r->message,
             "killed by the cgroup's OOM killer at memory.max %s (memory.peak %s)", limit, peak);
  } else if (oom) {
    r->outcome = HL_OUTCOME_OOM_ALLOC;
    snprintf(r->message, sizeof r->message, "%s",
             json_string_value(json_object_get(oom, "message")));
  } else if (thrash) {
    r->outcome = HL_OUTCOME_GC_THRASH;
    snprintf(r->message, sizeof r->message, "%s",
             json_string_value(json_object_get(thrash, "message")));
  } else if (r->signal == SIGKILL) {
    /* Every SIGKILL heaplab sends is accounted for above (the watchdog's,
     * the timeout's, the interrupt's), and a cgroup's kill is oom-kill only
     * when memory.events counts it: this one came from elsewhere (kill -9,
     * the kernel's system-wide OOM killer), whatever the limit mode. */
    r->outcome = HL_OUTCOME_CRASH;
    snprintf(r->message, sizeof r->message, "KILL (not sent by heaplab%s)%s%s",
             cfg->limit.mode == HL_LIMIT_CGROUP ? "; memory.events counts no oom_kill" : "",
             line[0] ? ": " : "", line);
  } else if (r->signal) {
    int limited = cfg->limit.mode != HL_LIMIT_NONE;
    r->outcome =
        limited && stderr_says_oom(r->stderr_tail) ? HL_OUTCOME_OOM_ALLOC : HL_OUTCOME_CRASH;
    snprintf(r->message, sizeof r->message, "%s%s (%s)%s%s",
             r->outcome != HL_OUTCOME_CRASH ? "died under the memory limit by " : "",
             sigabbrev_np(r->signal) ? sigabbrev_np(r->signal) : "signal", strsignal(r->signal),
             line[0] ? ": " : "", line);
  } else if (crash) {
    r->outcome = HL_OUTCOME_CRASH;
    snprintf(r->message, sizeof r->message, "%s",
             json_string_value(json_object_get(crash, "message")));
  } else if (err) {
    r->outcome = HL_OUTCOME_ERROR;
    snprintf(r->message, sizeof r->message, "%s",
             json_string_value(json_object_get(err, "message")));
  } else if (r->exit_status == 0 && ok) {
    r->outcome = HL_OUTCOME_OK;
    r->message[0] = '\0';
  } else {
    r->outcome = HL_OUTCOME_ERROR;
    snprintf(r->message, sizeof r->message, "worker exited with status %d without a result%s%s",
             r->exit_status, line[0] ? ": " : "", line);
  }
}

int hl_child_run(const hl_spawn_config_t *cfg, hl_child_result_t *out) {
  memset(out, 0, sizeof *out);
  int report[2] = {-1, -1}, err[2] = {-1, -1};
  char *owned = NULL;
  char **env = child_env(cfg->preload, &owned);
  if (!env) return HL_ENOMEM;
  hl_cgroup_t cg = {.procs_fd = -1};
  if (cfg->limit.mode == HL_LIMIT_CGROUP) {
    char why[512];
    if (hl_cgroup_create(cfg->limit.cgroup_dir, cfg->limit.bytes, &cg, why, sizeof why) != 0) {
      hl_msg("child", "%s", why);
      free(owned);
      free(env);
      return HL_ESYS;
    }
  }
  if (pipe2(report, O_CLOEXEC) != 0 || pipe2(err, O_CLOEXEC) != 0) goto fail;
  uint64_t start = hl_now_ns();
  pid_t parent = getpid();
  pid_t pid = fork();
  if (pid < 0) goto fail;
  if (pid == 0) exec_child(cfg, &cg, env, report[1], err[1], parent);
  setpgid(pid, pid); /* also done by the child; whichever runs first wins */
  close(report[1]);
  close(err[1]);
  collect_t c = {0};
  watch_t w = {.pid = pid};
  supervise(cfg, report[0], err[0], &c, &w, start);
  close(report[0]);
  close(err[0]);
  out->elapsed_s = (double)(hl_now_ns() - start) / 1e9;
  out->records = parse_records(c.buf);
  free(c.buf);
  snprintf(out->stderr_tail, sizeof out->stderr_tail, "%s", c.tail);
  out->start_mono_ns = start;
  out->rss_peak_bytes = c.rss_peak_bytes;
  out->sample_t_ns = c.t_ns;
  out->sample_rss_bytes = c.rss_bytes;
  out->nsamples = c.nsamples;
  out->limit_killed = w.limit_killed;
  if (cfg->limit.mode == HL_LIMIT_CGROUP) {
    hl_cgroup_read(&cg, &out->cgroup_oom_kills, &out->cgroup_peak_bytes);
    if (hl_cgroup_destroy(&cg) != 0)
      hl_msg("child", "cannot remove %s: %s", cg.path, strerror(errno));
  }
  classify(cfg, &w, out);
  free(owned);
  free(env);
  return 0;
fail:
  if (cfg->limit.mode == HL_LIMIT_CGROUP) hl_cgroup_destroy(&cg);
  for (int i = 0; i < 2; i++) {
    if (report[i] >= 0) close(report[i]);
    if (err[i] >= 0) close(err[i]);
  }
  free(owned);
  free(env);
  return HL_ESYS;
}

void hl_child_result_free(hl_child_result_t *r) {
  json_decref(r->records);
  r->records = NULL;
  free(r->sample_t_ns);
  free(r->sample_rss_bytes);
  r->sample_t_ns = r->sample_rss_bytes = NULL;
  r->nsamples = 0;
}
