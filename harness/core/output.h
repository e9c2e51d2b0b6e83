/* Safe outputs: every file heaplab writes goes through this module.
 *
 * A target is written by creating a temporary with mkostemp() in the
 * target's own directory (a fresh name that nobody can have planted a link
 * at), writing and fsyncing it, and renaming it over the target; the
 * directory is fsynced after the rename. A reader sees the old file or the
 * whole new one, never half, and a crash leaves at most a hidden temporary.
 *
 * What may be a target: a path that does not exist yet (its directory must),
 * a regular file, or a symbolic link to a regular file, which is written
 * through (the link stays a link to the same, now rewritten, file). Anything
 * else that exists (a directory, device node, FIFO, socket, a dangling link)
 * is refused with HL_EINVAL and a message naming it: heaplab never replaces
 * a device node with a regular file.
 *
 * Figures are drawn by gnuplot, which writes its own files; commands that
 * write several files (plot, report, oom-report) stage them in a private
 * directory first (hl_output_set_*) and copy them to their targets only when
 * everything was made, so a command that fails leaves nothing behind.
 *
 * A results file that a run rewrites as it goes is also locked for the run
 * (hl_output_lock), so that a second heaplab writing the same file is
 * refused instead of silently losing the first one's cells.
 *
 * Not here: what goes into the files (results.c, report.c, ...). */
#ifndef HL_OUTPUT_H
#define HL_OUTPUT_H

#include <stddef.h>
#include <stdio.h>

/* Whether path may be written (see above). On success fills resolved with the
 * file to replace: path itself, or the regular file a symbolic link points
 * to. HL_EINVAL (a target that is not a regular file, a missing or
 * unwritable directory) or HL_ERANGE (too long), with why. */
int hl_output_check(const char *path, char *resolved, size_t resolved_len, char *why,
                    size_t why_len);

/* Writes len bytes of data to path, safely (see above). 0, or HL_EINVAL /
 * HL_EIO / HL_ERANGE with why ("PATH: ..."). */
int hl_output_write(const char *path, const char *data, size_t len, char *why, size_t why_len);

/* ---- one file written as it comes (a program's stdout) ------------------- */

/* The same safety for a file another process writes into: the temporary
 * is made at open, fd is handed out, and only commit puts the whole file
 * at path; abort removes it. */
typedef struct hl_output_stream {
  int fd;
  char tmp[4096], resolved[4096], dir[4096];
  unsigned mode;
} hl_output_stream_t;

int hl_output_stream_open(const char *path, hl_output_stream_t *s, char *why, size_t why_len);
/* fsyncs, closes and renames; 0 or HL_EIO with why (the temporary removed). */
int hl_output_stream_commit(hl_output_stream_t *s, char *why, size_t why_len);
void hl_output_stream_abort(hl_output_stream_t *s);

/* ---- several files written together --------------------------------------- */

typedef struct hl_output_set hl_output_set_t;

/* A set of files that will go to the directory dir: stages them in a new
 * private directory (mode 0700, under $TMPDIR or /tmp). Nothing is created in
 * dir before hl_output_set_commit(). */
int hl_output_set_open(const char *dir, hl_output_set_t **out, char *why, size_t why_len);

/* The staging directory: where the set's files are made (gnuplot runs there). */
const char *hl_output_set_stage(const hl_output_set_t *s);

/* Creates the staged file rel (a relative path of plain names, subfolders made
 * as needed) for writing, and adds it to the set; a file the set has already
 * is made again. NULL with why on failure. */
FILE *hl_output_set_create(hl_output_set_t *s, const char *rel, char *why, size_t why_len);

/* Stages rel with the len bytes of data, made in memory. */
int hl_output_set_put(hl_output_set_t *s, const char *rel, const char *data, size_t len, char *why,
                      size_t why_len);

/* Makes the staged subdirectory rel (for a program that writes there itself). */
int hl_output_set_mkdir(hl_output_set_t *s, const char *rel, char *why, size_t why_len);

/* Adds rel, a file some other program wrote in the stage, to the set. */
int hl_output_set_adopt(hl_output_set_t *s, const char *rel, char *why, size_t why_len);

/* Checks every target first (nothing is written when one is refused), then
 * makes dir (and the subfolders the files need) and writes each file with
 * hl_output_write(). Removes the stage and frees s either way. */
int hl_output_set_commit(hl_output_set_t *s, char *why, size_t why_len);

/* Removes the stage and everything in it, and frees s. NULL is fine. */
void hl_output_set_abort(hl_output_set_t *s);

/* ---- the lock of a file a run rewrites ------------------------------------- */

typedef struct hl_output_lock {
  int fd;
  char path[4096]; /* the lock file: .NAME.lock beside the resolved target */
} hl_output_lock_t;

/* Takes an exclusive flock() on a lock file beside path's resolved target,
 * without waiting. HL_EINVAL when another process holds it (why names the
 * file and that process), or another error with why. The lock file holds
 * the holder's pid and is removed by hl_output_unlock(). */
int hl_output_lock(const char *path, hl_output_lock_t *lock, char *why, size_t why_len);
void hl_output_unlock(hl_output_lock_t *lock);

#endif
