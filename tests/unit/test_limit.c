/* Memory limits (harness/limit.c): mode names, the RSS reading the watchdog
 * uses, and the cgroup v2 code against a directory of plain files laid out
 * like cgroupfs (no real cgroup is created or touched): which directories
 * are usable, what a child group gets written, how memory.events and
 * memory.peak are read, and that the group is removed again. */
#include "error.h"
#include "limit.h"
#include "th.h"

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

int main(void) {
  if (!mkdtemp(root)) return 99;
  test_modes();
  test_rss();
  test_usable();
  test_child_group();
  char cmd[512];
  snprintf(cmd, sizeof cmd, "rm -rf %s", root);
  if (system(cmd) != 0) return 99;
  printf("%d checks, %d failed\n", th_checks, th_failures);
  return th_failures ? 1 : 0;
}
