/* `--measure instructions` (callgrind.h): the worker's client requests, the
 * valgrind command line and callgrind's output file. */
#include "callgrind.h"

#include "error.h"
#include "util.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <valgrind/callgrind.h>
#include <valgrind/valgrind.h>

const char *hl_measure_name(hl_measure_t m) {
  return m == HL_MEASURE_INSTRUCTIONS ? "instructions" : m == HL_MEASURE_CACHE ? "cache" : "time";
}

int hl_measure_parse(const char *s, hl_measure_t *out) {
  if (!strcmp(s, "time")) *out = HL_MEASURE_TIME;
  else if (!strcmp(s, "instructions")) *out = HL_MEASURE_INSTRUCTIONS;
  else if (!strcmp(s, "cache")) *out = HL_MEASURE_CACHE;
  else return HL_EINVAL;
  return 0;
}

/* ---- in the worker ---------------------------------------------------------- */

static atomic_int inside; /* threads in the timed region */

void hl_callgrind_begin(void) {
  if (atomic_fetch_add(&inside, 1) == 0) CALLGRIND_START_INSTRUMENTATION;
}

void hl_callgrind_end(void) {
  if (atomic_fetch_sub(&inside, 1) == 1) CALLGRIND_STOP_INSTRUMENTATION;
}

int hl_callgrind_active(void) {
  return RUNNING_ON_VALGRIND ? 1 : 0;
}

/* ---- in the parent ------------------------------------------------------------ */

int hl_callgrind_find(char *exe, size_t len, char *why, size_t why_len) {
  if (hl_find_program("valgrind", exe, len) == 0) return 0;
  snprintf(why, why_len,
           "--measure instructions needs valgrind (callgrind) on PATH (Debian: apt-get install "
           "valgrind)");
  return HL_ENOENT;
}

size_t hl_callgrind_argv(const char *valgrind, const char *out_file, int cache_sim,
                         char **argv, char *buf, size_t buf_len) {
  size_t n = 0;
  argv[n++] = (char *)valgrind;
  argv[n++] = (char *)"--tool=callgrind";
  argv[n++] = (char *)"--instr-atstart=no";
  argv[n++] = (char *)"--dump-instr=no";
  argv[n++] = (char *)"--compress-strings=no";
  argv[n++] = cache_sim ? (char *)"--cache-sim=yes" : (char *)"--cache-sim=no";
  argv[n++] = (char *)"--quiet";
  snprintf(buf, buf_len, "--callgrind-out-file=%s", out_file);
  argv[n++] = buf;
  return n;
}

/* The position of each event of interest in the "events:" line. */
typedef struct columns {
  int ir, l1[3], ll[3];
} columns_t;

static void find_columns(char *events, columns_t *c) {
  static const char *const l1[] = {"I1mr", "D1mr", "D1mw"}, *const ll[] = {"ILmr", "DLmr", "DLmw"};
  memset(c, -1, sizeof *c);
  char *save = NULL;
  int k = 0;
  for (char *t = strtok_r(events, " \t\n", &save); t; t = strtok_r(NULL, " \t\n", &save), k++) {
    if (!strcmp(t, "Ir")) c->ir = k;
    for (int j = 0; j < 3; j++) {
      if (!strcmp(t, l1[j])) c->l1[j] = k;
      if (!strcmp(t, ll[j])) c->ll[j] = k;
    }
  }
}

static void take_totals(char *line, const columns_t *col, hl_callgrind_counts_t *c) {
  uint64_t v[32] = {0};
  char *save = NULL;
  int k = 0;
  for (char *t = strtok_r(line, " \t\n", &save); t && k < 32; t = strtok_r(NULL, " \t\n", &save))
    v[k++] = strtoull(t, NULL, 10);
  c->instructions = col->ir >= 0 ? v[col->ir] : 0;
  c->have_cache = col->l1[0] >= 0 && col->l1[1] >= 0 && col->l1[2] >= 0 && col->ll[0] >= 0;
  if (!c->have_cache) return;
  for (int j = 0; j < 3; j++) {
    c->l1_misses += v[col->l1[j]];
    c->ll_misses += col->ll[j] >= 0 ? v[col->ll[j]] : 0;
  }
}

int hl_callgrind_read(const char *path, hl_callgrind_counts_t *c, char *why, size_t why_len) {
  memset(c, 0, sizeof *c);
  FILE *f = fopen(path, "r");
  if (!f) {
    snprintf(why, why_len, "callgrind wrote no counts (%s)", path);
    return HL_EIO;
  }
  char line[4096];
  columns_t col;
  int have_events = 0, have_totals = 0;
  while (fgets(line, sizeof line, f)) {
    if (!strncmp(line, "events:", 7)) {
      find_columns(line + 7, &col);
      have_events = col.ir >= 0;
    } else if (have_events && (!strncmp(line, "totals:", 7) || !strncmp(line, "summary:", 8))) {
      take_totals(strchr(line, ':') + 1, &col, c);
      have_totals = 1;
    }
  }
  fclose(f);
  if (!have_totals) {
    snprintf(why, why_len, "callgrind's output has no Ir totals (%s)", path);
    return HL_EPARSE;
  }
  return 0;
}
