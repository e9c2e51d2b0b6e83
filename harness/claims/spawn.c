/* Running an experiment's commands (spawn.h). */
#include "spawn.h"

#include "error.h"
#include "interrupt.h"
#include "output.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define EXEC_POLL_NS 20000000L /* how often the parent looks at the child */
#define EXEC_EXIT_TIMEOUT 124  /* the status timeout(1) gives */

/* In the child: never returns. */
static void exec_child(const hl_exec_t *x, const char *prog, int log_fd) {
  setpgid(0, 0);
  int in = open("/dev/null", O_RDONLY | O_CLOEXEC);
  if (in >= 0)
    dup2(in, 0);
  dup2(log_fd, 1);
  dup2(log_fd, 2);
  if (x->cwd && chdir(x->cwd) != 0)
    _exit(127);
  for (size_t i = 0; x->env && x->env[i]; i++)
    putenv((char *)x->env[i]);
  signal(SIGINT, SIG_DFL);
  signal(SIGTERM, SIG_DFL);
  execv(prog, x->argv);
  dprintf(2, "heaplab: claims: cannot run %s: %s\n", prog, strerror(errno));
  _exit(127);
}

static int wait_child(pid_t pid, double timeout_s, int *exit_status) {
  uint64_t deadline = timeout_s > 0 ? hl_now_ns() + (uint64_t)(timeout_s * 1e9) : 0;
  int killed_by_timeout = 0;
  for (;;) {
    int st;
    pid_t r = waitpid(pid, &st, WNOHANG);
    if (r == pid) {
      if (killed_by_timeout)
        *exit_status = EXEC_EXIT_TIMEOUT;
      else
        *exit_status = WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
      return 0;
    }
    if (r < 0 && errno != EINTR)
      return HL_ESYS;
    if (hl_interrupted || (deadline && hl_now_ns() > deadline && !killed_by_timeout)) {
      killed_by_timeout = !hl_interrupted;
      /* the command is heaplab: let it write what it has, then make sure */
      kill(-pid, hl_interrupted ? (int)hl_interrupted : SIGTERM);
      deadline = 0;
    }
    struct timespec ts = {0, EXEC_POLL_NS};
    nanosleep(&ts, NULL);
  }
}

/* A private file for the output: created and unlinked at once, so nothing
 * is left behind whatever happens. */
static int capture_file(void) {
  const char *tmp = getenv("TMPDIR");
  char path[PATH_MAX];
  snprintf(path, sizeof path, "%s/heaplab-claims-XXXXXX", tmp && *tmp ? tmp : "/tmp");
  int fd = mkostemp(path, O_CLOEXEC);
  if (fd >= 0)
    unlink(path);
  return fd;
}

static int read_capture(int fd, char **out) {
  off_t len = lseek(fd, 0, SEEK_END);
  if (len < 0 || lseek(fd, 0, SEEK_SET) < 0)
    return HL_ESYS;
  char *buf = malloc((size_t)len + 1);
  if (!buf)
    return HL_ENOMEM;
  size_t got = 0;
  while (got < (size_t)len) {
    ssize_t r = read(fd, buf + got, (size_t)len - got);
    if (r <= 0)
      break;
    got += (size_t)r;
  }
  buf[got] = '\0';
  *out = buf;
  return 0;
}

static int keep_output(const hl_exec_t *x, int fd, char **output) {
  char *text = NULL;
  int rc = read_capture(fd, &text);
  if (rc == 0 && x->log_path) {
    char why[1024];
    rc = hl_output_write(x->log_path, text, strlen(text), why, sizeof why);
    if (rc != 0)
      hl_msg("claims", "%s", why);
  }
  if (output && rc == 0)
    *output = text;
  else
    free(text);
  return rc;
}

int hl_exec_run(const hl_exec_t *x, int *exit_status, char **output) {
  char prog[PATH_MAX];
  if (output)
    *output = NULL;
  if (hl_find_program(x->argv[0], prog, sizeof prog) != 0) {
    hl_msg("claims", "%s: not found in PATH", x->argv[0]);
    return HL_ENOENT;
  }
  int fd = capture_file();
  if (fd < 0) {
    hl_msg("claims", "a temporary file for the output: %s", strerror(errno));
    return HL_ESYS;
  }
  pid_t pid = fork();
  if (pid < 0) {
    close(fd);
    hl_msg("claims", "fork: %s", strerror(errno));
    return HL_ESYS;
  }
  if (pid == 0)
    exec_child(x, prog, fd);
  setpgid(pid, pid);
  int rc = wait_child(pid, x->timeout_s, exit_status);
  if (rc == 0)
    rc = keep_output(x, fd, output);
  close(fd);
  return rc;
}
