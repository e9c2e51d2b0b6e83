/* A program cell in the worker (external.h).
 *
 * The worker forks the program, execs it directly (or /bin/sh -c with
 * --shell) with stdin from /dev/null, its stdout on the file the parent
 * opened and its stderr on a pipe the worker reads, and stays beside it
 * until wait4() hands back its exit and its own rusage: user and system
 * CPU, the largest resident set of the program (ru_maxrss, its VmHWM),
 * page faults and context switches of that process and the children it
 * waited for, never the worker's (RUSAGE_CHILDREN would add every earlier
 * child). Meanwhile, every period, the worker sums the resident sets of
 * the program's whole tree (limit.h) for the tree's peak and, with
 * --sample-ms, streams them as "sample" records.
 *
 * The preload, proved. A malloc backend is put in with LD_PRELOAD, which
 * ld.so skips with a warning when it cannot load the library. Before the
 * run the ELF headers refuse what a preload cannot reach (program.h); during
 * it the worker looks for the library in /proc/PID/maps at every sample,
 * and, the program being traced (PTRACE_TRACEME, only the exit event
 * asked for), once more at the exit stop, when the process is still whole:
 * so a program that ends within a millisecond is proved too. A run whose
 * library never showed up is an error, never a row that looks valid.
 *
 * Go programs (backend go) are not traced: GOGC, GOMEMLIMIT and
 * GODEBUG=gctrace=1 (after the user's own GODEBUG settings) go into the
 * environment, and each gctrace line on the program's stderr is parsed as
 * it arrives (gctrace.h) into the GC timeline every collector reports to
 * (gc_timeline.h): the same gc_cycles, num_gc, pauses, streamed "gc"
 * records and gc-thrash window as span-gc's. Everything else the program
 * writes to stderr goes to its stderr file, the gctrace lines not. */
#include "external.h"
#include "external_run.h"

#include "argsplit.h"
#include "child.h"
#include "error.h"
#include "gc_timeline.h"
#include "gctrace.h"
#include "program.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <jansson.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/signalfd.h>
#include <sys/wait.h>
#include <unistd.h>

extern char **environ;

static uint64_t one_iteration(const uint64_t *param, unsigned threads) {
  (void)param, (void)threads;
  return 1;
}

const hl_workload_t hl_program_workload = {
    .name = "program",
    .claim = "-",
    .summary = "a program given with -x",
    .kind = "program",
    .iterations = one_iteration,
};

/* ---- before the run: the command, the program, the backend ------------------- */

/* What must be mapped for a malloc backend: its library (a path, or a
 * soname matched by file name); glibc's is libc itself. */
static int choose_library(prog_t *p, char *why, size_t len) {
  const hl_backend_t *b = p->s->backend.backend;
  if (b == &hl_backend_go) {
    if (!p->info.is_go) {
      snprintf(why, len, "%s is not a Go program (no Go build info): give a malloc backend",
               p->info.path);
      return -1;
    }
    p->go = 1;
    return 0;
  }
  const char *refusal = hl_program_preload_refusal(&p->info);
  if (refusal) {
    snprintf(why, len, "%s: %s", p->info.path, refusal);
    return -1;
  }
  const char *lib = hl_backend_spec_preload(&p->s->backend);
  if (!lib && (b->kind != HL_BACKEND_MALLOC || b->library || b->locate_library)) {
    snprintf(why, len, "backend %s cannot be put into a program (it runs heaplab's workloads)",
             b->name);
    return -1;
  }
  snprintf(p->want, sizeof p->want, "%s", lib ? lib : "libc.so.6");
  p->traced = 1;
  return 0;
}

static int prepare(prog_t *p, char *why, size_t len) {
  const hl_program_spec_t *ps = &p->s->program;
  size_t argc;
  if (ps->shell) {
    p->shell_argv[0] = (char *)"/bin/sh";
    p->shell_argv[1] = (char *)"-c";
    p->shell_argv[2] = (char *)ps->command;
  } else if (hl_argsplit(ps->command, &p->argv, &argc, why, len) != 0) {
    return -1;
  }
  const char *argv0 = ps->shell ? p->shell_argv[0] : p->argv[0];
  if (hl_program_inspect(argv0, &p->info, why, len) != 0) return -1;
  return choose_library(p, why, len);
}

/* ---- the environment ----------------------------------------------------------- */

static int dropped(const char *e, int go) {
  static const char *const always[] = {"LD_PRELOAD=", NULL};
  static const char *const for_go[] = {"GOGC=", "GOMEMLIMIT=", "GODEBUG=", NULL};
  for (const char *const *k = always; *k; k++)
    if (!strncmp(e, *k, strlen(*k))) return 1;
  for (const char *const *k = for_go; go && *k; k++)
    if (!strncmp(e, *k, strlen(*k))) return 1;
  return 0;
}

/* Ours, without LD_PRELOAD, plus the backend's: its LD_PRELOAD, or for Go
 * GOGC, GOMEMLIMIT and GODEBUG with gctrace=1 after the user's settings.
 * The strings live in `room` (4 of 512 + the user's GODEBUG). */
static char **make_env(const prog_t *p, char room[4][1024]) {
  size_t n = 0, k = 0;
  while (environ[n])
    n++;
  char **env = calloc(n + 5, sizeof *env);
  if (!env) return NULL;
  for (size_t i = 0; i < n; i++)
    if (!dropped(environ[i], p->go)) env[k++] = environ[i];
  const hl_cell_spec_t *s = p->s;
  if (!p->go) {
    const char *lib = hl_backend_spec_preload(&s->backend);
    if (lib) snprintf(env[k++] = room[0], 1024, "LD_PRELOAD=%s", lib);
    return env;
  }
  if (s->gc_percent == HL_GC_OFF)
    snprintf(env[k++] = room[0], 1024, "GOGC=off");
  else
    snprintf(env[k++] = room[0], 1024, "GOGC=%d", s->gc_percent);
  if (s->memory_limit_bytes != HL_NO_MEMORY_LIMIT)
    snprintf(env[k++] = room[1], 1024, "GOMEMLIMIT=%" PRId64, s->memory_limit_bytes);
  const char *user = getenv("GODEBUG");
  snprintf(env[k++] = room[2], 1024, "GODEBUG=%s%sgctrace=1", user ? user : "",
           user && *user ? "," : "");
  return env;
}

/* ---- starting ------------------------------------------------------------------------ */

/* In the forked child: async-signal-safe calls only. */
static void exec_program(const prog_t *p, char **env, int err_w, int status_w,
                         const sigset_t *old) {
  prctl(PR_SET_PDEATHSIG, SIGKILL);
  int devnull = open("/dev/null", O_RDONLY);
  if (devnull >= 0) dup2(devnull, STDIN_FILENO);
  dup2(HL_PROGRAM_STDOUT_FD, STDOUT_FILENO);
  dup2(err_w, STDERR_FILENO);
  for (int fd = HL_REPORT_FD; fd <= HL_PROGRAM_STDERR_FD; fd++)
    close(fd);
  sigprocmask(SIG_SETMASK, old, NULL);
  if (p->traced && ptrace(PTRACE_TRACEME, 0, NULL, NULL) != 0) {
    int e = errno;
    ssize_t w = write(status_w, &e, sizeof e);
    (void)w;
    _exit(127);
  }
  char **argv = p->s->program.shell ? (char **)p->shell_argv : p->argv;
  execve(p->info.path, argv, env);
  int e = errno;
  ssize_t w = write(status_w, &e, sizeof e);
  (void)w;
  _exit(127);
}

/* Forks and waits for the exec (the status pipe closes on it, or carries
 * errno); a traced program is then let go with only its exit reported. */
static int start(prog_t *p, char **env, int err_w, const sigset_t *old, char *why, size_t len) {
  int st[2];
  if (pipe2(st, O_CLOEXEC) != 0) return snprintf(why, len, "pipe: %s", strerror(errno)), -1;
  p->start_ns = hl_now_ns();
  p->pid = fork();
  if (p->pid < 0) return snprintf(why, len, "fork: %s", strerror(errno)), -1;
  if (p->pid == 0) exec_program(p, env, err_w, st[1], old);
  close(st[1]);
  int e = 0;
  ssize_t r;
  while ((r = read(st[0], &e, sizeof e)) < 0 && errno == EINTR) {
  }
  close(st[0]);
  if (r > 0) {
    waitpid(p->pid, NULL, 0);
    snprintf(why, len, "cannot run %s: %s", p->info.path, strerror(e));
    return -1;
  }
  if (!p->traced) return 0;
  int status;
  if (waitpid(p->pid, &status, __WALL) != p->pid || !WIFSTOPPED(status) ||
      ptrace(PTRACE_SETOPTIONS, p->pid, NULL,
             (void *)(long)(PTRACE_O_TRACEEXIT | PTRACE_O_TRACEEXEC | PTRACE_O_EXITKILL)) != 0 ||
      ptrace(PTRACE_CONT, p->pid, NULL, NULL) != 0) {
    kill(p->pid, SIGKILL);
    snprintf(why, len, "cannot follow %s to its exit (ptrace): %s", p->info.path, strerror(errno));
    return -1;
  }
  return 0;
}

/* ---- while it runs ------------------------------------------------------------------- */

/* Whether one line of /proc/PID/maps names the wanted library: the same
 * file for a path, the same file name for a soname. */
static int maps_line_matches(const prog_t *p, const char *path) {
  if (strchr(p->want, '/')) {
    char real[PATH_MAX];
    return !strcmp(path, p->want) || (realpath(p->want, real) && !strcmp(path, real));
  }
  const char *base = strrchr(path, '/');
  size_t n = strlen(p->want);
  /* the soname is a link to the versioned file (libmimalloc.so.2.0) */
  return base && !strncmp(base + 1, p->want, n) && (base[1 + n] == '\0' || base[1 + n] == '.');
}

static void look_for_library(prog_t *p) {
  if (p->mapped[0] || !p->want[0]) return;
  char file[64];
  snprintf(file, sizeof file, "/proc/%d/maps", (int)p->pid);
  FILE *f = fopen(file, "re");
  if (!f) return;
  char line[PATH_MAX + 128];
  while (fgets(line, sizeof line, f)) {
    char *path = strchr(line, '/');
    if (!path) continue;
    path[strcspn(path, "\n")] = '\0';
    if (maps_line_matches(p, path)) {
      snprintf(p->mapped, sizeof p->mapped, "%s", path);
      break;
    }
  }
  fclose(f);
}

static void sample(prog_t *p, uint64_t now) {
  uint64_t rss = hl_proc_tree_rss_bytes(p->pid, 0);
  if (rss > p->tree_peak_bytes) p->tree_peak_bytes = rss;
  look_for_library(p);
  p->last_sample_ns = now;
  uint64_t every_ns = (uint64_t)p->s->sample_ms * 1000000u;
  if (!every_ns || !rss || (p->last_record_ns && now - p->last_record_ns < every_ns)) return;
  p->last_record_ns = now;
  char buf[128];
  int n = snprintf(buf, sizeof buf,
                   "{\"type\":\"sample\",\"mono_ns\":%" PRIu64 ",\"rss_bytes\":%" PRIu64 "}\n", now,
                   rss);
  hl_write_all(HL_REPORT_FD, buf, (size_t)n);
}

/* One complete stderr line: a gctrace line into the timeline, anything
 * else to the program's stderr file. */
static void stderr_line(prog_t *p, const char *line, size_t len) {
  hl_gc_cycle_t c;
  if (p->go && hl_gctrace_parse(line, len, &c)) {
    hl_gc_timeline_record(&p->timeline, &c);
    return;
  }
  hl_write_all(HL_PROGRAM_STDERR_FD, line, len);
  /* "cannot allocate memory": Go's own words when the OS refuses it memory
   * outside the heap (persistentalloc under RLIMIT_DATA), strerror(ENOMEM)'s
   * with a capital C */
  if (memmem(line, len, "out of memory", 13) || memmem(line, len, "MemoryError", 11) ||
      memmem(line, len, "annot allocate memory", 21) || memmem(line, len, "bad_alloc", 9)) {
    if (!p->oom_seen)
      snprintf(p->oom_line, sizeof p->oom_line, "%.*s",
               (int)(len && line[len - 1] == '\n' ? len - 1 : len), line);
    p->oom_seen = 1;
  }
}

/* Reads what the pipe has; 0 at EOF. */
static int read_stderr(prog_t *p, int fd) {
  char chunk[8192];
  ssize_t n = read(fd, chunk, sizeof chunk);
  if (n < 0) return errno == EINTR || errno == EAGAIN;
  if (n == 0) {
    if (p->line_len) stderr_line(p, p->line, p->line_len);
    p->line_len = 0;
    return 0;
  }
  for (ssize_t i = 0; i < n; i++) {
    p->line[p->line_len++] = chunk[i];
    if (chunk[i] == '\n' || p->line_len == sizeof p->line) {
      stderr_line(p, p->line, p->line_len);
      p->line_len = 0;
    }
  }
  return 1;
}

/* A stop of the traced program: at its exit the last look at its maps; at
 * an exec (a wrapper script) the new image must show the library again;
 * any other stop is a signal it gets, passed on. */
static void on_stop(prog_t *p, int status) {
  int sig = WSTOPSIG(status);
  int event = status >> 16;
  if (sig == SIGTRAP && event == PTRACE_EVENT_EXIT) look_for_library(p);
  if (sig == SIGTRAP && (event == PTRACE_EVENT_EXIT || event == PTRACE_EVENT_EXEC)) {
    sig = 0; /* a wrapper that execs the real program: the library is looked for anew */
    if (event == PTRACE_EVENT_EXEC) p->mapped[0] = '\0';
  }
  ptrace(PTRACE_CONT, p->pid, NULL, (void *)(long)sig);
}

/* Until wait4 reports the exit: the pipe and SIGCHLD wake the worker at
 * once, the samples every period. */
static void supervise(prog_t *p, int err_r, int sig_fd) {
  int err_open = 1;
  for (;;) {
    int status;
    struct rusage ru;
    pid_t w = wait4(p->pid, &status, WNOHANG | __WALL, &ru);
    if (w == p->pid && WIFSTOPPED(status)) {
      on_stop(p, status);
      continue;
    }
    if (w == p->pid) {
      p->end_ns = hl_now_ns();
      p->status = status;
      p->ru = ru;
      break;
    }
    uint64_t now = hl_now_ns();
    if (now - p->last_sample_ns >= p->period_ns) sample(p, now);
    uint64_t due = p->last_sample_ns + p->period_ns, at = hl_now_ns();
    uint64_t left = due > at ? due - at : 0;
    struct pollfd fds[2] = {{err_open ? err_r : -1, POLLIN, 0}, {sig_fd, POLLIN, 0}};
    if (poll(fds, 2, (int)(left / 1000000u) + 1) > 0) {
      if (fds[0].revents && !read_stderr(p, err_r)) err_open = 0;
      if (fds[1].revents) {
        struct signalfd_siginfo si;
        ssize_t r = read(sig_fd, &si, sizeof si);
        (void)r;
      }
    }
  }
  /* what the program wrote last; a child it left running may hold the
   * pipe, so only until it is quiet for 100 ms */
  struct pollfd f = {err_r, POLLIN, 0};
  while (err_open && poll(&f, 1, 100) > 0 && read_stderr(p, err_r)) {
  }
}

/* ---- the whole run ------------------------------------------------------------------- */

/* A Go program's gc-thrash is its memory-limit death spiral (gc_timeline.c
 * says why not the CPU share): only under GOMEMLIMIT. */
static int start_timeline(prog_t *p) {
  const hl_cell_spec_t *s = p->s;
  if (hl_gc_timeline_init(&p->timeline, HL_GC_CYCLES_KEPT, s->gctrace ? STDERR_FILENO : -1))
    return -1;
  /* under a limit too: a run the limit kills keeps its cycles (gc_marks) */
  int stream = s->sample_ms || s->hard_limit_mode != HL_LIMIT_NONE;
  int limited = s->memory_limit_bytes != HL_NO_MEMORY_LIMIT;
  uint64_t window_ns = p->go && !limited ? 0 : (uint64_t)(s->thrash_window_s * 1e9);
  if ((stream || window_ns) &&
      hl_gc_timeline_stream(&p->timeline, stream ? HL_REPORT_FD : -1, window_ns) != 0)
    return -1;
  if (p->go && window_ns)
    hl_gc_timeline_watch_spiral(&p->timeline, (uint64_t)s->memory_limit_bytes);
  return 0;
}

static int run_program(prog_t *p) {
  char why[1024], room[4][1024];
  int err[2];
  if (fcntl(HL_PROGRAM_STDOUT_FD, F_GETFD) < 0 || fcntl(HL_PROGRAM_STDERR_FD, F_GETFD) < 0)
    return hl_external_fail("program",
                            "started without the files for the program's stdout and stderr");
  if (prepare(p, why, sizeof why) != 0) return hl_external_fail("program", why);
  if (start_timeline(p) != 0) return hl_external_fail("worker", "out of memory");
  char **env = make_env(p, room);
  if (!env || pipe2(err, O_CLOEXEC) != 0) {
    free(env);
    return hl_external_fail("worker", "out of memory");
  }
  sigset_t chld, old;
  sigemptyset(&chld);
  sigaddset(&chld, SIGCHLD);
  sigprocmask(SIG_BLOCK, &chld, &old);
  int sig_fd = signalfd(-1, &chld, SFD_CLOEXEC | SFD_NONBLOCK);
  int rc = start(p, env, err[1], &old, why, sizeof why);
  close(err[1]);
  free(env);
  if (rc == 0) {
    fcntl(err[0], F_SETFL, O_NONBLOCK);
    supervise(p, err[0], sig_fd);
    rc = hl_external_report(p);
  } else {
    rc = hl_external_fail("program", why);
  }
  close(err[0]);
  if (sig_fd >= 0) close(sig_fd);
  return rc;
}

int hl_external_run(const hl_cell_spec_t *s) {
  prog_t *p = calloc(1, sizeof *p);
  if (!p) return hl_external_fail("worker", "out of memory");
  p->s = s;
  p->period_ns = s->sample_ms ? (uint64_t)s->sample_ms * 1000000u : PEAK_PERIOD_NS;
  if (p->period_ns > PEAK_PERIOD_NS) p->period_ns = PEAK_PERIOD_NS;
  int rc = run_program(p);
  hl_gc_timeline_free(&p->timeline);
  free(p->argv);
  free(p);
  return rc;
}
