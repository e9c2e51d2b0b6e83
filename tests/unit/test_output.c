/* Safe outputs (harness/core/output.h): the temporary + rename write, the
 * target rule (regular files and links to them only), output sets that
 * leave nothing behind on failure, and the results-file lock. */
#include "error.h"
#include "output.h"
#include "th.h"
#include "util.h"

#include <dirent.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <unistd.h>

static char dir[] = "/tmp/heaplab-test-output-XXXXXX";

static void path_of(const char *name, char *buf, size_t len) {
  snprintf(buf, len, "%s/%s", dir, name);
}

static void write_text(const char *name, const char *text) {
  char p[256];
  path_of(name, p, sizeof p);
  FILE *f = fopen(p, "w");
  fputs(text, f);
  fclose(f);
}

/* The file's contents, or "" when it cannot be read. */
static const char *contents(const char *name) {
  static char buf[256];
  char p[256], *data = NULL;
  path_of(name, p, sizeof p);
  buf[0] = '\0';
  if (hl_read_file(p, &data, NULL) == 0) snprintf(buf, sizeof buf, "%s", data);
  free(data);
  return buf;
}

/* Entries of dir (or of a folder in it) other than . and .. */
static int entries(const char *folder) {
  char p[256];
  snprintf(p, sizeof p, "%s%s%s", dir, *folder ? "/" : "", folder);
  DIR *d = opendir(p);
  if (!d) return -1;
  int n = 0;
  struct dirent *de;
  while ((de = readdir(d)))
    n += strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
  closedir(d);
  return n;
}

static int write_named(const char *name, const char *text, char *why, size_t len) {
  char p[256];
  path_of(name, p, sizeof p);
  return hl_output_write(p, text, strlen(text), why, len);
}

static void test_write(void) {
  char why[1024] = "";
  mode_t mask = umask(022);
  CHECK_INT(write_named("new.txt", "one\n", why, sizeof why), 0);
  CHECK_STR(contents("new.txt"), "one\n");
  char p[256];
  struct stat st;
  path_of("new.txt", p, sizeof p);
  CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0644);
  /* Replacing keeps the replaced file's mode. */
  chmod(p, 0600);
  CHECK_INT(write_named("new.txt", "two\n", why, sizeof why), 0);
  CHECK_STR(contents("new.txt"), "two\n");
  CHECK(stat(p, &st) == 0 && (st.st_mode & 0777) == 0600);
  umask(mask);
  /* Links planted at the names older versions used for temporaries are
   * never followed: the victim stays as it was. */
  char victim[256], link[256];
  write_text("victim", "precious\n");
  path_of("victim", victim, sizeof victim);
  path_of("new.txt.tmp", link, sizeof link);
  CHECK(symlink(victim, link) == 0);
  snprintf(link, sizeof link, "%s/new.txt.tmp.%ld", dir, (long)getpid());
  CHECK(symlink(victim, link) == 0);
  CHECK_INT(write_named("new.txt", "three\n", why, sizeof why), 0);
  CHECK_STR(contents("victim"), "precious\n");
  CHECK_STR(contents("new.txt"), "three\n");
  CHECK_INT(entries(""), 4); /* new.txt, victim, the two links: no temporary left */
  /* A missing directory is refused and named. */
  CHECK_INT(hl_output_write("/nonexistent-dir/x/r.json", "x", 1, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "/nonexistent-dir/x") != NULL);
}

static void test_link_target(void) {
  char why[1024], real[256], link[256], dangling[256], resolved[4096];
  write_text("real.json", "old\n");
  path_of("real.json", real, sizeof real);
  path_of("link.json", link, sizeof link);
  CHECK(symlink("real.json", link) == 0);
  CHECK_INT(write_named("link.json", "new\n", why, sizeof why), 0);
  struct stat st;
  CHECK(lstat(link, &st) == 0 && S_ISLNK(st.st_mode)); /* still a link */
  CHECK_STR(contents("real.json"), "new\n");           /* to the rewritten file */
  CHECK_INT(hl_output_check(link, resolved, sizeof resolved, why, sizeof why), 0);
  CHECK(strstr(resolved, "/real.json") != NULL);
  path_of("dangling.json", dangling, sizeof dangling);
  CHECK(symlink("nowhere.json", dangling) == 0);
  CHECK_INT(write_named("dangling.json", "x", why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "symbolic link to nothing") != NULL);
  CHECK(lstat(dangling, &st) == 0 && S_ISLNK(st.st_mode));
}

/* A directory, a FIFO, a socket and a link to a FIFO are refused, named,
 * and left as they were. */
static void test_not_regular(void) {
  char why[1024], p[256];
  struct stat st;
  path_of("fifo", p, sizeof p);
  CHECK(mkfifo(p, 0600) == 0);
  CHECK_INT(write_named("fifo", "x", why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "is a FIFO: refusing to replace it") != NULL);
  CHECK(strstr(why, p) != NULL);
  CHECK(stat(p, &st) == 0 && S_ISFIFO(st.st_mode));
  char link[256];
  path_of("fifo-link", link, sizeof link);
  CHECK(symlink(p, link) == 0);
  CHECK_INT(write_named("fifo-link", "x", why, sizeof why), HL_EINVAL);
  CHECK(stat(p, &st) == 0 && S_ISFIFO(st.st_mode));

  path_of("sub", p, sizeof p);
  CHECK(mkdir(p, 0700) == 0);
  CHECK_INT(write_named("sub", "x", why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "is a directory") != NULL);

  struct sockaddr_un sa = {.sun_family = AF_UNIX};
  path_of("sock", sa.sun_path, sizeof sa.sun_path);
  int fd = socket(AF_UNIX, SOCK_STREAM, 0);
  CHECK(fd >= 0 && bind(fd, (struct sockaddr *)&sa, sizeof sa) == 0);
  CHECK_INT(write_named("sock", "x", why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "is a socket") != NULL);
  CHECK(stat(sa.sun_path, &st) == 0 && S_ISSOCK(st.st_mode));
  close(fd);
}

static void test_set(void) {
  char why[1024], out[256], fifo[256];
  path_of("set/a/b", out, sizeof out);
  /* Aborted: nothing appears, not even the directory. */
  hl_output_set_t *s = NULL;
  CHECK_INT(hl_output_set_open(out, &s, why, sizeof why), 0);
  FILE *f = hl_output_set_create(s, "x.dat", why, sizeof why);
  CHECK(f != NULL);
  if (f) fclose(f);
  char stage[4096];
  snprintf(stage, sizeof stage, "%s", hl_output_set_stage(s));
  hl_output_set_abort(s);
  struct stat st;
  CHECK(stat(out, &st) != 0);
  CHECK(stat(stage, &st) != 0); /* the stage is gone too */

  /* Committed: every file, subfolders made. */
  CHECK_INT(hl_output_set_open(out, &s, why, sizeof why), 0);
  CHECK_INT(hl_output_set_put(s, "report.md", "# r\n", 4, why, sizeof why), 0);
  CHECK_INT(hl_output_set_put(s, "figures/run1/t.dat", "1\t2\n", 4, why, sizeof why), 0);
  CHECK(hl_output_set_create(s, "../escape.txt", why, sizeof why) == NULL);
  CHECK(hl_output_set_create(s, "/etc/x", why, sizeof why) == NULL);
  CHECK(hl_output_set_create(s, "a/./b", why, sizeof why) == NULL);
  CHECK_INT(hl_output_set_adopt(s, "never-made.png", why, sizeof why), HL_EIO);
  CHECK_INT(hl_output_set_mkdir(s, "figures/run2", why, sizeof why), 0);
  char made[4200];
  snprintf(made, sizeof made, "%s/figures/run2/t.png", hl_output_set_stage(s));
  write_text("unused", ""); /* (a file outside the set is not touched) */
  FILE *g = fopen(made, "w");
  CHECK(g != NULL);
  if (g) fputs("PNG", g), fclose(g);
  CHECK_INT(hl_output_set_adopt(s, "figures/run2/t.png", why, sizeof why), 0);
  CHECK_INT(hl_output_set_commit(s, why, sizeof why), 0);
  CHECK_STR(contents("set/a/b/report.md"), "# r\n");
  CHECK_STR(contents("set/a/b/figures/run1/t.dat"), "1\t2\n");
  CHECK_STR(contents("set/a/b/figures/run2/t.png"), "PNG");
  CHECK_INT(entries("set/a/b"), 2);

  /* A refused target stops the whole set before anything is written. */
  path_of("set/a/b/report.html", fifo, sizeof fifo);
  CHECK(mkfifo(fifo, 0600) == 0);
  CHECK_INT(hl_output_set_open(out, &s, why, sizeof why), 0);
  CHECK_INT(hl_output_set_put(s, "report.md", "# new\n", 6, why, sizeof why), 0);
  CHECK_INT(hl_output_set_put(s, "report.html", "<p>", 3, why, sizeof why), 0);
  CHECK_INT(hl_output_set_commit(s, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "report.html exists and is a FIFO") != NULL);
  CHECK_STR(contents("set/a/b/report.md"), "# r\n");
}

static void test_lock(void) {
  char why[1024], p[256], lockfile[300];
  path_of("locked.json", p, sizeof p);
  hl_output_lock_t a, b;
  CHECK_INT(hl_output_lock(p, &a, why, sizeof why), 0);
  snprintf(lockfile, sizeof lockfile, "%s/.locked.json.lock", dir);
  CHECK_STR(a.path, lockfile);
  /* flock() locks belong to an open file: a second one conflicts even in
   * the same process, as another heaplab's would. */
  char pid[64];
  snprintf(pid, sizeof pid, "(pid %ld)", (long)getpid());
  CHECK_INT(hl_output_lock(p, &b, why, sizeof why), HL_EINVAL);
  CHECK(strstr(why, "is being written by another heaplab") != NULL);
  CHECK(strstr(why, pid) != NULL);
  hl_output_unlock(&a);
  struct stat st;
  CHECK(stat(lockfile, &st) != 0); /* removed */
  CHECK_INT(hl_output_lock(p, &b, why, sizeof why), 0);
  hl_output_unlock(&b);
  /* A lock file planted as a link is not followed. */
  char victim[256];
  path_of("victim", victim, sizeof victim);
  CHECK(symlink(victim, lockfile) == 0);
  CHECK_INT(hl_output_lock(p, &a, why, sizeof why), HL_EINVAL);
  CHECK_STR(contents("victim"), "precious\n");
  unlink(lockfile);
}

int main(void) {
  if (!mkdtemp(dir)) return 99;
  test_write();
  test_link_target();
  test_not_regular();
  test_set();
  test_lock();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "rm -rf %s", dir);
  if (system(cmd) != 0) return 99;
  return th_done("test_output");
}
