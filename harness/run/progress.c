/* The progress line of a run (progress.h). */
#include "progress.h"

#include "console.h"
#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define REDRAW_NS 1000000000u /* at most once a second while a worker runs */

int hl_progress_init(hl_progress_t *p, size_t ncells, unsigned reps, uint64_t now_ns) {
  memset(p, 0, sizeof *p);
  p->ncells = ncells;
  p->reps = reps;
  p->start_ns = now_ns;
  size_t n = ncells ? ncells : 1;
  p->cell_s = calloc(n, sizeof *p->cell_s);
  p->cell_reps = calloc(n, sizeof *p->cell_reps);
  p->cell_start_ns = calloc(n, sizeof *p->cell_start_ns);
  p->cell_done = calloc(n, sizeof *p->cell_done);
  if (!p->cell_s || !p->cell_reps || !p->cell_start_ns || !p->cell_done) {
    hl_progress_free(p);
    return HL_ENOMEM;
  }
  return 0;
}

void hl_progress_free(hl_progress_t *p) {
  free(p->cell_s);
  free(p->cell_reps);
  free(p->cell_start_ns);
  free(p->cell_done);
  memset(p, 0, sizeof *p);
}

static double seconds(uint64_t from_ns, uint64_t to_ns) {
  return to_ns > from_ns ? (double)(to_ns - from_ns) / 1e9 : 0;
}

/* Known repetitions: every cell's remaining ones at its own mean (or the
 * mean of all), less what the running one has had. */
static double eta_reps(const hl_progress_t *p, uint64_t now_ns) {
  double all_s = 0;
  for (size_t c = 0; c < p->ncells; c++)
    all_s += p->cell_s[c];
  double mean_all = all_s / (double)p->runs_done, left = 0;
  for (size_t c = 0; c < p->ncells; c++) {
    unsigned todo = p->reps > p->cell_reps[c] ? p->reps - p->cell_reps[c] : 0;
    double mean = p->cell_reps[c] ? p->cell_s[c] / p->cell_reps[c] : mean_all;
    left += todo * mean;
    if (p->rep_start_ns && c == p->running && todo) {
      double had = seconds(p->rep_start_ns, now_ns);
      left -= had < mean ? had : mean;
    }
  }
  return left > 0 ? left : 0;
}

/* A search: the remaining cells at the mean of the finished ones, less
 * what the current one has had. */
static double eta_cells(const hl_progress_t *p, uint64_t now_ns) {
  double mean = p->done_cells_s / (double)p->cells_done;
  double left = (double)(p->ncells - p->cells_done) * mean;
  if (p->rep_start_ns && !p->cell_done[p->running]) {
    double had = seconds(p->cell_start_ns[p->running], now_ns);
    left -= had < mean ? had : mean;
  }
  return left > 0 ? left : 0;
}

double hl_progress_eta_s(const hl_progress_t *p, uint64_t now_ns) {
  if (p->reps) return p->runs_done ? eta_reps(p, now_ns) : -1;
  return p->cells_done ? eta_cells(p, now_ns) : -1;
}

/* m:ss, or h:mm:ss from an hour. */
static void clock_text(double s, char *buf, size_t len) {
  unsigned long t = (unsigned long)(s + 0.5);
  if (t >= 3600)
    snprintf(buf, len, "%lu:%02lu:%02lu", t / 3600, t / 60 % 60, t % 60);
  else
    snprintf(buf, len, "%lu:%02lu", t / 60, t % 60);
}

void hl_progress_format(const hl_progress_t *p, uint64_t now_ns, char *buf, size_t len) {
  char runs[48], elapsed[24], eta[24] = "--:--";
  if (p->reps)
    snprintf(runs, sizeof runs, "%zu/%zu runs", p->runs_done, p->ncells * p->reps);
  else
    snprintf(runs, sizeof runs, "%zu run%s", p->runs_done, p->runs_done == 1 ? "" : "s");
  clock_text(seconds(p->start_ns, now_ns), elapsed, sizeof elapsed);
  double left = hl_progress_eta_s(p, now_ns);
  if (left >= 0) clock_text(left, eta, sizeof eta);
  int n = snprintf(buf, len, "[%s, %zu/%zu cells done] %s elapsed, ETA %s", runs, p->cells_done,
                   p->ncells, elapsed, eta);
  if (p->rep_start_ns && n > 0 && (size_t)n < len)
    snprintf(buf + n, len - (size_t)n, " | %s, %s", p->name, p->what);
}

static void draw(hl_progress_t *p, uint64_t now_ns) {
  if (!hl_console_has_status()) return;
  char line[512];
  hl_progress_format(p, now_ns, line, sizeof line);
  hl_console_status(line);
  p->drawn_ns = now_ns;
}

void hl_progress_begin(hl_progress_t *p, size_t cell, const char *name, const char *what,
                       uint64_t now_ns) {
  if (cell >= p->ncells) return;
  p->running = cell;
  p->rep_start_ns = now_ns;
  if (!p->cell_start_ns[cell]) p->cell_start_ns[cell] = now_ns;
  snprintf(p->name, sizeof p->name, "%s", name);
  snprintf(p->what, sizeof p->what, "%s", what);
  draw(p, now_ns);
}

int hl_progress_end(hl_progress_t *p, uint64_t now_ns) {
  if (!p->rep_start_ns) return 0;
  size_t c = p->running;
  p->cell_s[c] += seconds(p->rep_start_ns, now_ns);
  p->cell_reps[c]++;
  p->runs_done++;
  p->rep_start_ns = 0;
  int done = p->reps && p->cell_reps[c] == p->reps && !p->cell_done[c];
  if (done) p->cell_done[c] = 1, p->cells_done++;
  return done;
}

void hl_progress_cell_done(hl_progress_t *p, size_t cell, uint64_t now_ns) {
  if (cell >= p->ncells || p->cell_done[cell]) return;
  p->cell_done[cell] = 1;
  p->cells_done++;
  if (p->cell_start_ns[cell]) p->done_cells_s += seconds(p->cell_start_ns[cell], now_ns);
  draw(p, now_ns);
}

void hl_progress_tick(hl_progress_t *p, uint64_t now_ns) {
  if (p->rep_start_ns && now_ns - p->drawn_ns >= REDRAW_NS) draw(p, now_ns);
}

void hl_progress_clear(hl_progress_t *p) {
  (void)p;
  hl_console_status(NULL);
}
