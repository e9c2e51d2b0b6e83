/* Safe outputs (output.h). */
#include "output.h"

#include "error.h"
#include "util.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *kind_of(mode_t m) {
  return S_ISDIR(m)    ? "a directory"
         : S_ISCHR(m)  ? "a character device"
         : S_ISBLK(m)  ? "a block device"
         : S_ISFIFO(m) ? "a FIFO"
         : S_ISSOCK(m) ? "a socket"
                       : "not a regular file";
}

/* dir (".", "/" or the part before the last slash) and base of path. */
static int split_path(const char *path, char *dir, size_t dlen, const char **base) {
  const char *slash = strrchr(path, '/');
  *base = slash ? slash + 1 : path;
  int n = !slash          ? snprintf(dir, dlen, ".")
          : slash == path ? snprintf(dir, dlen, "/")
                          : snprintf(dir, dlen, "%.*s", (int)(slash - path), path);
  return n < 0 || (size_t)n >= dlen || !**base ? HL_ERANGE : 0;
}

/* The target rule of output.h. need_dir: the target's directory must exist
 * and be writable (a set's subfolders are made later, so it checks only
 * what exists). */
static int check_target(const char *path, char *resolved, size_t rlen, int need_dir, char *why,
                        size_t wlen) {
  struct stat st;
  if (!*path || strlen(path) >= rlen) {
    snprintf(why, wlen, "'%.900s': not a usable file name", path);
    return HL_ERANGE;
  }
  snprintf(resolved, rlen, "%s", path);
  if (lstat(path, &st) == 0) {
    if (S_ISLNK(st.st_mode)) {
      if (stat(path, &st) != 0) {
        snprintf(why, wlen, "%.900s is a symbolic link to nothing: refusing to write through it",
                 path);
        return HL_EINVAL;
      }
      if (S_ISREG(st.st_mode) && !realpath(path, resolved)) {
        snprintf(why, wlen, "%.900s: cannot resolve the link: %s", path, strerror(errno));
        return HL_EINVAL;
      }
    }
    if (!S_ISREG(st.st_mode)) {
      snprintf(why, wlen, "%.900s exists and is %s: refusing to replace it", path,
               kind_of(st.st_mode));
      return HL_EINVAL;
    }
  } else if (errno != ENOENT) {
    snprintf(why, wlen, "%.900s: %s", path, strerror(errno));
    return HL_EINVAL;
  }
  if (!need_dir) return 0;
  char dir[PATH_MAX];
  const char *base;
  if (split_path(resolved, dir, sizeof dir, &base) != 0) {
    snprintf(why, wlen, "'%.900s': not a usable file name", path);
    return HL_ERANGE;
  }
  if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode) || access(dir, W_OK | X_OK) != 0) {
    snprintf(why, wlen, "%.900s: directory %.900s is not there or not writable", path, dir);
    return HL_EINVAL;
  }
  return 0;
}

int hl_output_check(const char *path, char *resolved, size_t resolved_len, char *why,
                    size_t why_len) {
  return check_target(path, resolved, resolved_len, 1, why, why_len);
}

static mode_t new_file_mode(const char *resolved) {
  struct stat st;
  if (stat(resolved, &st) == 0) return st.st_mode & 07777; /* keep the replaced file's mode */
  mode_t mask = umask(0);
  umask(mask);
  return 0666 & ~mask;
}

static int write_fd(int fd, const char *data, size_t len) {
  while (len) {
    ssize_t w = write(fd, data, len);
    if (w < 0 && errno == EINTR) continue;
    if (w <= 0) return HL_EIO;
    data += w;
    len -= (size_t)w;
  }
  return 0;
}

static void sync_dir(const char *dir) {
  int fd = open(dir, O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return;
  (void)fsync(fd);
  close(fd);
}

int hl_output_stream_open(const char *path, hl_output_stream_t *s, char *why, size_t why_len) {
  const char *base;
  s->fd = -1;
  int rc = check_target(path, s->resolved, sizeof s->resolved, 1, why, why_len);
  if (rc) return rc;
  if (split_path(s->resolved, s->dir, sizeof s->dir, &base) != 0 ||
      snprintf(s->tmp, sizeof s->tmp, "%s/.%s.XXXXXX", s->dir, base) >= (int)sizeof s->tmp) {
    snprintf(why, why_len, "'%.900s': name too long", path);
    return HL_ERANGE;
  }
  s->mode = new_file_mode(s->resolved);
  s->fd = mkostemp(s->tmp, O_CLOEXEC);
  if (s->fd < 0) {
    snprintf(why, why_len, "%.900s: cannot create a temporary file: %s", path, strerror(errno));
    return HL_EIO;
  }
  return 0;
}

int hl_output_stream_commit(hl_output_stream_t *s, char *why, size_t why_len) {
  const char *step = "fsync";
  if (fchmod(s->fd, (mode_t)s->mode) != 0 || fsync(s->fd) != 0) goto fail;
  step = "close";
  int c = close(s->fd);
  s->fd = -1;
  if (c != 0) goto fail;
  step = "rename";
  if (rename(s->tmp, s->resolved) != 0) goto fail;
  sync_dir(s->dir);
  return 0;
fail:
  snprintf(why, why_len, "%.900s: %s failed: %s", s->resolved, step, strerror(errno));
  hl_output_stream_abort(s);
  return HL_EIO;
}

void hl_output_stream_abort(hl_output_stream_t *s) {
  if (s->fd >= 0) close(s->fd);
  s->fd = -1;
  unlink(s->tmp);
}

int hl_output_write(const char *path, const char *data, size_t len, char *why, size_t why_len) {
  hl_output_stream_t s;
  int rc = hl_output_stream_open(path, &s, why, why_len);
  if (rc) return rc;
  if (write_fd(s.fd, data, len) != 0) {
    snprintf(why, why_len, "%.900s: write failed: %s", path, strerror(errno));
    hl_output_stream_abort(&s);
    return HL_EIO;
  }
  return hl_output_stream_commit(&s, why, why_len);
}

/* ---- sets ------------------------------------------------------------------ */

struct hl_output_set {
  char dir[PATH_MAX], stage[PATH_MAX];
  char **files; /* relative paths */
  size_t n, cap;
};

/* A relative path of plain names: no leading '/', no empty, "." or ".."
 * component. */
static int plain_rel(const char *rel) {
  if (!*rel || *rel == '/') return 0;
  for (const char *p = rel; *p;) {
    size_t n = strcspn(p, "/");
    if (n == 0 || (n == 1 && p[0] == '.') || (n == 2 && p[0] == '.' && p[1] == '.')) return 0;
    p += n;
    if (*p == '/') p++;
  }
  return rel[strlen(rel) - 1] != '/';
}

/* mkdir -p of every folder of path above its last component (and of path
 * itself when last is set). */
static int make_parents(const char *path, int last, int mode) {
  char p[PATH_MAX];
  size_t n = strlen(path);
  if (n >= sizeof p) return HL_ERANGE;
  memcpy(p, path, n + 1);
  for (char *q = p + 1; (q = strchr(q, '/')) != NULL; q++) {
    *q = '\0';
    if (mkdir(p, (mode_t)mode) != 0 && errno != EEXIST) return HL_EIO;
    *q = '/';
  }
  struct stat st;
  if (last && mkdir(p, (mode_t)mode) != 0 &&
      (errno != EEXIST || stat(p, &st) || !S_ISDIR(st.st_mode)))
    return HL_EIO;
  return 0;
}

/* root/rel into buf. */
static int join(char *buf, size_t len, const char *root, const char *rel) {
  size_t a = strlen(root), b = strlen(rel);
  if (a + b + 2 > len) return HL_ERANGE;
  memcpy(buf, root, a);
  buf[a] = '/';
  memcpy(buf + a + 1, rel, b + 1);
  return 0;
}

int hl_output_set_open(const char *dir, hl_output_set_t **out, char *why, size_t why_len) {
  hl_output_set_t *s = calloc(1, sizeof *s);
  const char *tmpdir = getenv("TMPDIR");
  if (!tmpdir || !*tmpdir) tmpdir = "/tmp";
  if (!s) {
    snprintf(why, why_len, "out of memory");
    return HL_ENOMEM;
  }
  if (!*dir || snprintf(s->dir, sizeof s->dir, "%s", dir) >= (int)sizeof s->dir ||
      snprintf(s->stage, sizeof s->stage, "%s/heaplab-out.XXXXXX", tmpdir) >=
          (int)sizeof s->stage) {
    free(s);
    snprintf(why, why_len, "'%.900s': not a usable directory name", dir);
    return HL_ERANGE;
  }
  if (!mkdtemp(s->stage)) {
    snprintf(why, why_len, "cannot create a staging directory in %.900s: %s", tmpdir,
             strerror(errno));
    free(s);
    return HL_EIO;
  }
  *out = s;
  return 0;
}

const char *hl_output_set_stage(const hl_output_set_t *s) {
  return s->stage;
}

static int has_file(const hl_output_set_t *s, const char *rel) {
  for (size_t i = 0; i < s->n; i++)
    if (!strcmp(s->files[i], rel)) return 1;
  return 0;
}

static int add_file(hl_output_set_t *s, const char *rel) {
  if (has_file(s, rel)) return 0;
  if (s->n == s->cap) {
    size_t cap = s->cap ? s->cap * 2 : 16;
    char **f = realloc(s->files, cap * sizeof *f);
    if (!f) return HL_ENOMEM;
    s->files = f;
    s->cap = cap;
  }
  if (!(s->files[s->n] = strdup(rel))) return HL_ENOMEM;
  s->n++;
  return 0;
}

int hl_output_set_mkdir(hl_output_set_t *s, const char *rel, char *why, size_t why_len) {
  char path[PATH_MAX];
  if (!plain_rel(rel) || join(path, sizeof path, s->stage, rel) || make_parents(path, 1, 0700)) {
    snprintf(why, why_len, "cannot make the folder %.900s of the output", rel);
    return HL_EIO;
  }
  return 0;
}

FILE *hl_output_set_create(hl_output_set_t *s, const char *rel, char *why, size_t why_len) {
  char path[PATH_MAX];
  if (!plain_rel(rel) || join(path, sizeof path, s->stage, rel) || make_parents(path, 0, 0700)) {
    snprintf(why, why_len, "cannot stage %.900s", rel);
    return NULL;
  }
  /* O_EXCL (x) unless the set made this file already: it is made again */
  FILE *f = fopen(path, has_file(s, rel) ? "we" : "wxe");
  if (!f || add_file(s, rel) != 0) {
    snprintf(why, why_len, "cannot stage %.900s: %s", rel, f ? "out of memory" : strerror(errno));
    if (f) fclose(f);
    return NULL;
  }
  return f;
}

int hl_output_set_put(hl_output_set_t *s, const char *rel, const char *data, size_t len, char *why,
                      size_t why_len) {
  FILE *f = hl_output_set_create(s, rel, why, why_len);
  if (!f) return HL_EIO;
  int ok = fwrite(data, 1, len, f) == len;
  if (fclose(f) != 0 || !ok) {
    snprintf(why, why_len, "cannot stage %.900s: %s", rel, strerror(errno));
    return HL_EIO;
  }
  return 0;
}

int hl_output_set_adopt(hl_output_set_t *s, const char *rel, char *why, size_t why_len) {
  char path[PATH_MAX];
  struct stat st;
  if (!plain_rel(rel) || join(path, sizeof path, s->stage, rel) || lstat(path, &st) != 0 ||
      !S_ISREG(st.st_mode)) {
    snprintf(why, why_len, "%.900s was not made", rel);
    return HL_EIO;
  }
  if (add_file(s, rel) != 0) {
    snprintf(why, why_len, "out of memory");
    return HL_ENOMEM;
  }
  return 0;
}

static int remove_entry(const char *path, const struct stat *st, int flag, struct FTW *ftw) {
  (void)st, (void)flag, (void)ftw;
  remove(path);
  return 0;
}

void hl_output_set_abort(hl_output_set_t *s) {
  if (!s) return;
  nftw(s->stage, remove_entry, 16, FTW_DEPTH | FTW_PHYS);
  for (size_t i = 0; i < s->n; i++)
    free(s->files[i]);
  free(s->files);
  free(s);
}

static int copy_out(const hl_output_set_t *s, const char *rel, char *why, size_t why_len) {
  char from[PATH_MAX], to[PATH_MAX], *data = NULL;
  size_t len = 0;
  if (join(from, sizeof from, s->stage, rel) || join(to, sizeof to, s->dir, rel) ||
      hl_read_file(from, &data, &len) != 0) {
    snprintf(why, why_len, "cannot read back the staged %.900s", rel);
    return HL_EIO;
  }
  int rc = hl_output_write(to, data, len, why, why_len);
  free(data);
  return rc;
}

int hl_output_set_commit(hl_output_set_t *s, char *why, size_t why_len) {
  char to[PATH_MAX], resolved[PATH_MAX];
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < s->n; i++) {
    if (join(to, sizeof to, s->dir, s->files[i]) != 0) {
      snprintf(why, why_len, "%.900s/%.900s: name too long", s->dir, s->files[i]);
      rc = HL_ERANGE;
    } else {
      rc = check_target(to, resolved, sizeof resolved, 0, why, why_len);
    }
  }
  if (rc == 0 && make_parents(s->dir, 1, 0777) != 0) {
    snprintf(why, why_len, "cannot create the directory %.900s", s->dir);
    rc = HL_EIO;
  }
  for (size_t i = 0; rc == 0 && i < s->n; i++) {
    join(to, sizeof to, s->dir, s->files[i]);
    if (make_parents(to, 0, 0777) != 0) {
      snprintf(why, why_len, "cannot create the folders of %.900s", to);
      rc = HL_EIO;
    } else {
      rc = copy_out(s, s->files[i], why, why_len);
    }
  }
  hl_output_set_abort(s);
  return rc;
}

/* ---- locks ----------------------------------------------------------------- */

/* A lock file can be removed by its holder while another process waits to
 * open it; so after flock() succeeds, the file locked must still be the one
 * at the path (same inode), or the lock is taken again. */
int hl_output_lock(const char *path, hl_output_lock_t *lock, char *why, size_t why_len) {
  char resolved[PATH_MAX], dir[PATH_MAX];
  const char *base;
  lock->fd = -1;
  int rc = check_target(path, resolved, sizeof resolved, 1, why, why_len);
  if (rc) return rc;
  if (split_path(resolved, dir, sizeof dir, &base) != 0 ||
      snprintf(lock->path, sizeof lock->path, "%s/.%s.lock", dir, base) >= (int)sizeof lock->path) {
    snprintf(why, why_len, "'%.900s': name too long", path);
    return HL_ERANGE;
  }
  for (int attempt = 0; attempt < 100; attempt++) {
    int fd = open(lock->path, O_RDWR | O_CREAT | O_NOFOLLOW | O_CLOEXEC, 0644);
    struct stat held, now;
    if (fd < 0 || fstat(fd, &held) != 0 || !S_ISREG(held.st_mode)) {
      snprintf(why, why_len, "%.900s: cannot use the lock file %.900s", path, lock->path);
      if (fd >= 0) close(fd);
      return HL_EINVAL;
    }
    if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
      char pid[32] = "";
      ssize_t r = read(fd, pid, sizeof pid - 1);
      pid[r > 0 ? r : 0] = '\0';
      pid[strcspn(pid, "\n")] = '\0';
      snprintf(why, why_len,
               "%.900s is being written by another heaplab (pid %s): refusing to write it too, "
               "which would lose one run's cells; choose another -o",
               path, *pid ? pid : "?");
      close(fd);
      return HL_EINVAL;
    }
    if (lstat(lock->path, &now) == 0 && now.st_ino == held.st_ino && now.st_dev == held.st_dev) {
      char pid[32];
      int n = snprintf(pid, sizeof pid, "%ld\n", (long)getpid());
      if (ftruncate(fd, 0) != 0 || write_fd(fd, pid, (size_t)n) != 0) {
        /* the lock holds without the pid; the message will say "pid ?" */
      }
      lock->fd = fd;
      return 0;
    }
    close(fd);
  }
  snprintf(why, why_len, "%.900s: the lock file %.900s keeps changing", path, lock->path);
  return HL_EIO;
}

void hl_output_unlock(hl_output_lock_t *lock) {
  if (lock->fd < 0) return;
  unlink(lock->path);
  close(lock->fd);
  lock->fd = -1;
}
