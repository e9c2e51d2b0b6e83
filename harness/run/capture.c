/* A program's stdout and stderr files (capture.h). */
#include "capture.h"

#include "error.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

/* Beside the results: FILE.json's are in FILE.out/; without -o in a new
 * directory under $TMPDIR. The directory must be a directory of ours to
 * write in (not a link). */
int hl_capture_dir_make(const char *command, const char *out, char *dir, size_t dir_len) {
  if (!out) {
    const char *tmp = getenv("TMPDIR");
    snprintf(dir, dir_len, "%s/heaplab-out.XXXXXX", tmp && *tmp ? tmp : "/tmp");
    if (!mkdtemp(dir)) {
      hl_msg(command, "cannot make a directory for the programs' output: %s", strerror(errno));
      return HL_EIO;
    }
    hl_msg(command, "the programs' stdout and stderr go to %s", dir);
    return 0;
  }
  size_t n = strlen(out);
  if (n > 5 && !strcmp(out + n - 5, ".json")) n -= 5;
  snprintf(dir, dir_len, "%.*s.out", (int)n, out);
  struct stat st;
  if (mkdir(dir, 0777) != 0 && (errno != EEXIST || lstat(dir, &st) != 0 || !S_ISDIR(st.st_mode))) {
    hl_msg(command, "%s: cannot be the directory of the programs' output", dir);
    return HL_EINVAL;
  }
  return 0;
}

int hl_capture_open(const char *command, const char *dir, const char *cell_id, int warmup,
                    unsigned rep, hl_capture_t *cap) {
  char why[1024];
  memset(cap, 0, sizeof *cap);
  cap->out.fd = cap->err.fd = -1;
  const char *kind = warmup ? "warmup" : "rep";
  snprintf(cap->out_path, sizeof cap->out_path, "%s/%s-%s%u.stdout", dir, cell_id, kind, rep + 1);
  snprintf(cap->err_path, sizeof cap->err_path, "%s/%s-%s%u.stderr", dir, cell_id, kind, rep + 1);
  if (hl_output_stream_open(cap->out_path, &cap->out, why, sizeof why) != 0 ||
      hl_output_stream_open(cap->err_path, &cap->err, why, sizeof why) != 0) {
    hl_output_stream_abort(&cap->out);
    hl_msg(command, "%s", why);
    return HL_EIO;
  }
  cap->open = 1;
  return 0;
}

/* The last bytes of a captured file, as text. */
static json_t *tail_of(int fd) {
  char buf[2048];
  off_t end = lseek(fd, 0, SEEK_END);
  off_t from = end > (off_t)sizeof buf - 1 ? end - (off_t)sizeof buf + 1 : 0;
  ssize_t n = end > 0 ? pread(fd, buf, (size_t)(end - from), from) : 0;
  if (n < 0) n = 0;
  return json_stringn_nocheck(buf, (size_t)n);
}

/* Into the row: where the files are, and on a failure their tails; then
 * the files are put in place. */
void hl_capture_close(const char *command, hl_capture_t *cap, json_t *row, int failed) {
  char why[1024];
  if (!cap->open) return;
  if (row) {
    json_object_set_new(row, "stdout_path", json_string(cap->out_path));
    json_object_set_new(row, "stderr_path", json_string(cap->err_path));
    if (failed) {
      json_object_set_new(row, "stdout_tail", tail_of(cap->out.fd));
      json_object_set_new(row, "stderr_tail", tail_of(cap->err.fd));
    }
  }
  if (hl_output_stream_commit(&cap->out, why, sizeof why) != 0 ||
      hl_output_stream_commit(&cap->err, why, sizeof why) != 0)
    hl_msg(command, "%s", why);
}

/* ---- running one repetition of one cell ---------------------------------- */
