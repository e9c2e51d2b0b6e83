/* Memory limits (harness/child/limit.c): mode names, the RSS reading the watchdog
 * uses, and the cgroup v2 code against a directory of plain files laid out
 * like cgroupfs (no real cgroup is created or touched): which directories
 * are usable, what a child group gets written, how memory.events and
 * memory.peak are read, and that the group is removed again. Then how a
 * child killed under each mode is classified (child.c): only the watchdog's
 * own kill and a kill memory.events counts are oom-kill; a SIGKILL from
 * elsewhere is a crash that says heaplab did not send it. */
#include "child.h"
#include "error.h"
#include "limit.h"
#include "th.h"

#include <signal.h>

#include <fcntl.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static char root[] = "/tmp/heaplab-cgXXXXXX";

static void put(const char *dir, const char *file, const char *text) {
  char path[4352];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  FILE *f = fopen(path, "w");
  if (!f) {
    perror(path);
    exit(99);
  }
  fputs(text, f);
  fclose(f);
}

static void get(const char *dir, const char *file, char *buf, size_t len) {
  char path[4352];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  buf[0] = '\0';
  FILE *f = fopen(path, "r");
  if (!f) return;
  size_t n = fread(buf, 1, len - 1, f);
  buf[n] = '\0';
  fclose(f);
}

static void test_modes(void) {
  hl_limit_mode_t m;
  CHECK_INT(hl_limit_mode_parse("cgroup", &m), 0);
  CHECK_INT(m, HL_LIMIT_CGROUP);
  CHECK_INT(hl_limit_mode_parse("rlimit", &m), 0);
  CHECK_INT(m, HL_LIMIT_RLIMIT);
  CHECK_INT(hl_limit_mode_parse("watchdog", &m), 0);
  CHECK_INT(m, HL_LIMIT_WATCHDOG);
  CHECK_INT(hl_limit_mode_parse("RLIMIT_AS", &m), HL_EINVAL);
  CHECK_STR(hl_limit_mode_name(HL_LIMIT_WATCHDOG), "watchdog");
}

static void test_rss(void) {
  uint64_t before = hl_proc_rss_bytes(getpid());
  CHECK(before > 0);
  size_t bytes = 64u << 20;
  char *p = malloc(bytes);
  for (size_t i = 0; i < bytes; i += 4096)
    p[i] = 1;
  uint64_t after = hl_proc_rss_bytes(getpid());
  CHECK(after >= before + bytes - (4u << 20));
  free(p);
  CHECK_U64(hl_proc_rss_bytes(999999999), 0);
  /* what a limit for a run that grows until stopped must stay below */
  uint64_t avail = hl_mem_available_bytes();
  CHECK(avail > bytes && avail < (UINT64_C(1) << 50));
}

static void test_usable(void) {
  char why[512], dir[256];
  CHECK_INT(hl_cgroup_usable("/nonexistent/cg", why, sizeof why), HL_ENOENT);
  snprintf(dir, sizeof dir, "%s/plain", root);
  mkdir(dir, 0755);
  CHECK_INT(hl_cgroup_usable(dir, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "not a cgroup v2 directory") != NULL);
  put(dir, "cgroup.controllers", "cpuset cpu io pids\n");
  CHECK_INT(hl_cgroup_usable(dir, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "memory controller is not available") != NULL);
  put(dir, "cgroup.controllers", "cpuset cpu io memory pids\n");
  put(dir, "cgroup.subtree_control", "cpu\n");
  CHECK_INT(hl_cgroup_usable(dir, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "cgroup.subtree_control") != NULL);
  put(dir, "cgroup.subtree_control", "cpu memory\n");
  CHECK_INT(hl_cgroup_usable(dir, why, sizeof why), 0);
}

static void test_child_group(void) {
  char why[512], dir[256], buf[256];
  snprintf(dir, sizeof dir, "%s/plain", root);
  hl_cgroup_t cg;
  CHECK_INT(hl_cgroup_create(dir, 100u << 20, &cg, why, sizeof why), 0);
  CHECK(strncmp(cg.path, dir, strlen(dir)) == 0 && strstr(cg.path, "/heaplab-") != NULL);
  get(cg.path, "memory.max", buf, sizeof buf);
  CHECK_STR(buf, "104857600\n");
  get(cg.path, "memory.swap.max", buf, sizeof buf);
  CHECK_STR(buf, "0\n");
  /* what the forked child writes before exec */
  pid_t pid = fork();
  if (pid == 0) _exit(hl_cgroup_join(&cg) == 0 ? 0 : 1);
  int status;
  waitpid(pid, &status, 0);
  CHECK(WIFEXITED(status) && WEXITSTATUS(status) == 0);
  get(cg.path, "cgroup.procs", buf, sizeof buf);
  char want[32];
  snprintf(want, sizeof want, "%d\n", (int)pid);
  CHECK_STR(buf, want);
  /* the kernel's accounting, as the OOM killer leaves it */
  uint64_t kills, peak;
  hl_cgroup_read(&cg, &kills, &peak);
  CHECK_U64(kills, 0);
  CHECK_U64(peak, 0);
  put(cg.path, "memory.events", "low 0\nhigh 0\nmax 17\noom 1\noom_kill 1\noom_group_kill 0\n");
  put(cg.path, "memory.peak", "104853504\n");
  hl_cgroup_read(&cg, &kills, &peak);
  CHECK_U64(kills, 1);
  CHECK_U64(peak, 104853504);
  /* a real group's files go with rmdir; a directory of plain files does not
   * let go, so destroy reports it and the test clears them first */
  char path[4096];
  snprintf(path, sizeof path, "%s", cg.path);
  CHECK_INT(hl_cgroup_destroy(&cg), HL_ESYS);
  const char *files[] = {"memory.max", "memory.swap.max", "cgroup.procs", "memory.events",
                         "memory.peak"};
  for (size_t i = 0; i < sizeof files / sizeof files[0]; i++) {
    char f[4352];
    snprintf(f, sizeof f, "%s/%s", path, files[i]);
    unlink(f);
  }
  CHECK_INT(hl_cgroup_destroy(&cg), 0);
  struct stat st;
  CHECK(stat(path, &st) != 0);
  /* a directory that is not there: a clear error, nothing created */
  CHECK_INT(hl_cgroup_create("/nonexistent/cg", 1u << 20, &cg, why, sizeof why), HL_ESYS);
  CHECK(strstr(why, "cannot create") != NULL);
}

/* Runs `sh -c script` under limit (cgroup mode: in a child group of dir)
 * and returns the result; the caller frees it. */
static hl_child_result_t run_sh(hl_limit_mode_t mode, uint64_t limit_bytes, const char *dir,
                                const char *script) {
  char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)script, NULL};
  hl_spawn_config_t cfg = {.argv = argv,
                           .limit = {.mode = mode, .bytes = limit_bytes, .cgroup_dir = dir},
                           .timeout_s = 30};
  hl_child_result_t r;
  if (hl_child_run(&cfg, &r) != 0) {
    fprintf(stderr, "cannot run %s\n", script);
    exit(99);
  }
  return r;
}

static void check_not_ours(hl_child_result_t *r, const char *mode) {
  if (r->outcome != HL_OUTCOME_CRASH) TH_FAIL("%s: outcome %s", mode, hl_outcome_name(r->outcome));
  CHECK_INT(r->signal, SIGKILL);
  CHECK_INT(r->limit_killed, 0);
  CHECK(strncmp(r->message, "KILL (not sent by heaplab", 25) == 0);
  hl_child_result_free(r);
}

/* Who killed the child: a kill -9 from elsewhere under a generous limit is
 * a crash in every mode; the watchdog's kill and a kill the cgroup's
 * memory.events counts are oom-kill. */
static void test_who_killed(void) {
  const uint64_t generous = 500u << 20;
  hl_child_result_t r = run_sh(HL_LIMIT_WATCHDOG, generous, NULL, "kill -9 $$");
  check_not_ours(&r, "watchdog");
  r = run_sh(HL_LIMIT_RLIMIT, generous, NULL, "kill -9 $$");
  check_not_ours(&r, "rlimit");
  r = run_sh(HL_LIMIT_NONE, 0, NULL, "kill -9 $$");
  check_not_ours(&r, "none");
  char dir[256];
  snprintf(dir, sizeof dir, "%s/killed", root);
  mkdir(dir, 0755);
  r = run_sh(HL_LIMIT_CGROUP, generous, dir, "kill -9 $$");
  CHECK(strstr(r.message, "memory.events counts no oom_kill") != NULL);
  check_not_ours(&r, "cgroup");
  /* the kernel's OOM killer, as memory.events records it (the child writes
   * what the kernel would, in its own group of a fresh directory) */
  snprintf(dir, sizeof dir, "%s/oomkilled", root);
  mkdir(dir, 0755);
  char script[512];
  snprintf(script, sizeof script,
           "for g in %s/heaplab-*; do printf 'oom 1\\noom_kill 1\\n' > \"$g/memory.events\"; "
           "done; kill -9 $$",
           dir);
  r = run_sh(HL_LIMIT_CGROUP, generous, dir, script);
  CHECK_INT(r.outcome, HL_OUTCOME_OOM_KILL);
  CHECK_U64(r.cgroup_oom_kills, 1);
  CHECK(strstr(r.message, "cgroup's OOM killer") != NULL);
  hl_child_result_free(&r);
  /* the watchdog's own kill: any process is over a 64 KiB limit */
  r = run_sh(HL_LIMIT_WATCHDOG, 64u << 10, NULL, "sleep 20");
  CHECK_INT(r.outcome, HL_OUTCOME_OOM_KILL);
  CHECK_INT(r.limit_killed, 1);
  CHECK(strstr(r.message, "killed by the watchdog") != NULL);
  hl_child_result_free(&r);
}

int main(void) {
  if (!mkdtemp(root)) return 99;
  test_modes();
  test_rss();
  test_usable();
  test_child_group();
  test_who_killed();
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 99;
  printf("%d checks, %d failed\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
