/* A program's stdout and stderr (-x), captured beside the results: the
 * directory (FILE.json's are in FILE.out/, without -o a new directory
 * under $TMPDIR), one pair of files per repetition opened by the parent
 * (core/output.h's streams: they appear whole, after the run, even when
 * the limit killed the worker), and what goes into the row. */
#ifndef HL_CAPTURE_H
#define HL_CAPTURE_H

#include "output.h"

#include <jansson.h>
#include <stddef.h>

typedef struct hl_capture {
  hl_output_stream_t out, err;
  char out_path[4200], err_path[4200];
  int open;
} hl_capture_t;

/* Makes (or takes, when it is a directory) the directory for the output
 * of the results file out (NULL: a new one under $TMPDIR, named in a
 * message). 0, or HL_E* after one message naming command. */
int hl_capture_dir_make(const char *command, const char *out, char *dir, size_t dir_len);

/* The files of one repetition: DIR/CELLID-repN.stdout and .stderr (warmup
 * rounds: -warmupN). 0, or HL_EIO after one message. */
int hl_capture_open(const char *command, const char *dir, const char *cell_id, int warmup,
                    unsigned rep, hl_capture_t *cap);

/* Into the row (when not NULL): stdout_path and stderr_path, and when the
 * run failed stdout_tail and stderr_tail (the last 2 KiB); then the files
 * are put in place. */
void hl_capture_close(const char *command, hl_capture_t *cap, json_t *row, int failed);

#endif
