/* One cell of the OOM report (oom_md.h): its table, its search, what
 * killed it and its timeline. */
#include "oom_md.h"

#include "error.h"
#include "escape.h"
#include "oom_timeline.h"
#include "stats.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define MIB 1048576.0

/* ---- what killed it ---------------------------------------------------------- */

/* One sentence for the runs of one class: when, at what memory, and the
 * worker's or parent's own message where the class alone does not say it. */
static void killed_sentence(FILE *md, const oom_doc_t *d, const oom_cell_t *c, int k, size_t n) {
  char when[32], rss[32], cg[32], lim[32], medians[64];
  size_t nt = oom_values(d, c, k, "end_s");
  oom_fmt_seconds(nt ? hl_stats_median(d->scratch, nt) : -1, when, sizeof when);
  size_t nr = oom_values(d, c, k, "rss_peak_bytes");
  oom_fmt_mib(nr ? hl_stats_median(d->scratch, nr) : 0, rss, sizeof rss);
  size_t ng = oom_values(d, c, k, "cgroup_peak_bytes");
  oom_fmt_mib(ng ? hl_stats_median(d->scratch, ng) : 0, cg, sizeof cg);
  oom_fmt_mib((double)c->limit_bytes, lim, sizeof lim);
  const hl_row_t *first = NULL;
  for (size_t i = 0; i < c->nrows && !first; i++)
    if (oom_row_selected(c->rows[i], k)) first = c->rows[i];
  char msg[600], word[64]; /* the message without its final full stop: the sentence ends it */
  hl_md_text(first->error_message, msg, sizeof msg);
  size_t ml = strlen(msg);
  if (ml && msg[ml - 1] == '.') msg[ml - 1] = '\0';
  if (n == 1)
    snprintf(medians, sizeof medians, "one death");
  else
    snprintf(medians, sizeof medians, "medians over %zu deaths", n);
  if (n == c->runs)
    fprintf(md, "All %zu runs: ", n);
  else
    fprintf(md, "%zu of %zu runs: ", n, c->runs);
  switch (k) {
  case OOM_K_WATCHDOG:
    fprintf(md, "killed by the watchdog when its RSS reached %s at %s (%s).", rss, when, medians);
    break;
  case OOM_K_CGROUP:
    fprintf(md,
            "killed by the kernel's OOM killer in its cgroup (memory.max %s) when the group's "
            "memory peaked at %s (memory.peak) at %s (%s).",
            lim, cg, when, medians);
    break;
  case OOM_K_KILLED:
    fprintf(md, "killed by SIG%s under the %s limit at %s, peak RSS %s (%s): %s.",
            hl_md_text(oom_str(first->json, "signal"), word, sizeof word), lim, when, rss, medians,
            msg);
    break;
  case OOM_K_ALLOC:
    fprintf(md, "an allocation failed inside the worker%s at %s, peak RSS %s (%s); it said: %s.",
            d->limit_mode && !strcmp(d->limit_mode, "rlimit") ? " (RLIMIT_DATA refused memory)"
                                                              : "",
            when, rss, medians, msg);
    break;
  case OOM_K_THRASH:
    fprintf(md,
            "stopped as gc-thrash at %s, its collector's death spiral (%s; peak RSS %s): %s.",
            when, medians, rss, msg);
    break;
  case OOM_K_CRASH: fprintf(md, "crashed at %s (%s): %s.", when, medians, msg); break;
  case OOM_K_TIMEOUT: fprintf(md, "ran past the time limit: %s (%s).", msg, medians); break;
  default:
    fprintf(md, "ended as %s at %s (%s): %s.",
            hl_md_text(first->outcome ? first->outcome : "", word, sizeof word), when, medians,
            msg);
  }
  fputs("\n", md);
}

/* The sample a survivor is described by: its highest RSS (its last one is
 * taken after the workload freed everything). */
static const json_t *highest_sample(const json_t *samples) {
  const json_t *best = NULL, *s;
  size_t i;
  json_array_foreach(samples, i, s) {
    if (!best || oom_u64(s, "rss_bytes") > oom_u64(best, "rss_bytes")) best = s;
  }
  return best;
}

/* The heap of the drawn run where it mattered: the worker's last sample
 * before a death (or a survivor's highest), and its last GC cycle: what a
 * collector's death is explained by (its goal against the limit). */
static void drawn_sentence(FILE *md, const oom_cell_t *c) {
  const json_t *samples = json_object_get(c->drawn->json, "samples");
  const json_t *marks = json_object_get(c->drawn->json, "gc_marks");
  int dead = oom_died(c->drawn);
  const json_t *last =
      dead ? json_array_get(samples, json_array_size(samples) - 1) : highest_sample(samples);
  const json_t *gc = json_array_get(marks, json_array_size(marks) - 1);
  long rep = c->drawn->repetition < 0 ? 0 : c->drawn->repetition;
  double t = 0;
  if (!last && !gc) return;
  char word[64];
  fprintf(md, "In the run drawn (repetition %ld, %s)", rep + 1,
          hl_md_text(c->drawn->outcome ? c->drawn->outcome : "", word, sizeof word));
  if (last && hl_json_number(last, "t_ns", &t) == 0) {
    static const char *const keys[][2] = {{"rss_bytes", "RSS"},
                                          {"heap_alloc_bytes", "heap live"},
                                          {"heap_goal_bytes", "heap goal"},
                                          {"heap_sys_bytes", "heap obtained from the OS"}};
    fprintf(md, " the worker's %s sample, at %.3g s, had", dead ? "last" : "highest-RSS", t / 1e9);
    int first = 1;
    for (size_t i = 0; i < sizeof keys / sizeof keys[0]; i++) {
      char b[32];
      uint64_t v = oom_u64(last, keys[i][0]);
      if (!v) continue;
      oom_fmt_mib((double)v, b, sizeof b);
      fprintf(md, "%s %s %s", first ? "" : ",", keys[i][1], b);
      first = 0;
    }
    if (c->limit_bytes && oom_u64(last, "heap_goal_bytes"))
      fprintf(md, " (the goal is %.0f%% of the limit)",
              100.0 * (double)oom_u64(last, "heap_goal_bytes") / (double)c->limit_bytes);
  }
  if (gc) {
    char marked[32], goal[32];
    oom_fmt_mib((double)oom_u64(gc, "heap_marked_bytes"), marked, sizeof marked);
    oom_fmt_mib((double)oom_u64(gc, "heap_goal_bytes"), goal, sizeof goal);
    fprintf(md, "%s the last GC cycle the parent received (number %" PRIu64 ", at %.3g s)",
            last ? ";" : ",", oom_u64(gc, "num"), (double)oom_u64(gc, "t_ns") / 1e9);
    if (oom_u64(gc, "heap_marked_bytes")) fprintf(md, " marked %s live", marked);
    if (oom_u64(gc, "heap_goal_bytes"))
      fprintf(md, "%s set the goal to %s", oom_u64(gc, "heap_marked_bytes") ? " and" : "", goal);
    if (oom_u64(gc, "limiter_on")) fputs(", with the GC CPU limiter on", md);
  }
  fputs(".\n\n", md);
}

static void killed_section(FILE *md, const oom_doc_t *d, const oom_cell_t *c) {
  size_t n[OOM_K_COUNT] = {0};
  for (size_t i = 0; i < c->nrows; i++)
    if (oom_died(c->rows[i])) n[oom_kill_class(c->rows[i])]++;
  fputs("**What killed it.** ", md);
  if (c->runs == 0) {
    char msg[600];
    fprintf(md, "Nothing ran: %s.\n\n",
            hl_md_text(c->rows[0]->error_message, msg, sizeof msg));
    return;
  }
  if (c->survived == c->runs) {
    char rss[32], lim[32];
    size_t nr = oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes");
    double peak = nr ? hl_stats_median(d->scratch, nr) : 0;
    oom_fmt_mib(peak, rss, sizeof rss);
    oom_fmt_mib((double)c->limit_bytes, lim, sizeof lim);
    fprintf(md, "Nothing: all %zu runs survived, with a median peak RSS of %s", c->runs, rss);
    if (c->limit_bytes && peak > 0)
      fprintf(md, " (%.0f%% of the %s limit)", 100 * peak / (double)c->limit_bytes, lim);
    fputs(".\n\n", md);
    return;
  }
  if (c->survived) fprintf(md, "%zu of %zu runs survived. ", c->survived, c->runs);
  for (int k = 0; k < OOM_K_COUNT; k++)
    if (n[k]) killed_sentence(md, d, c, k, n[k]);
  fputs("\n", md);
}


/* ---- the cell's section ------------------------------------------------------ */

static int cell_table(FILE *md, const oom_doc_t *d, const oom_cell_t *c) {
  char settings[1024], limit[64], runs[96], rate[64], surv[128], outcomes[160], ttd[128], rss[128],
      cg[128], gcs[96], min[64];
  const hl_row_t *first = c->rows[0];
  oom_settings_text(first, settings, sizeof settings);
  oom_fmt_limit(d, c->limit_bytes, limit, sizeof limit);
  if (c->count[HL_OUTCOME_ERROR])
    snprintf(runs, sizeof runs, "%zu (and %zu that could not run: error)", c->runs,
             c->count[HL_OUTCOME_ERROR]);
  else
    snprintf(runs, sizeof runs, "%zu", c->runs);
  oom_fmt_survival(c, rate, sizeof rate);
  snprintf(surv, sizeof surv, "%zu of %zu: %s", c->survived, c->runs, rate);
  oom_fmt_outcomes(c, outcomes, sizeof outcomes);
  oom_fmt_median_range(d->scratch, oom_values(d, c, OOM_ROWS_DIED, "end_s"), 0, ttd, sizeof ttd);
  oom_fmt_median_range(d->scratch, oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes"), 1, rss,
                   sizeof rss);
  size_t ncg = oom_values(d, c, OOM_ROWS_RAN, "cgroup_peak_bytes");
  oom_fmt_median_range(d->scratch, ncg, 1, cg, sizeof cg);
  size_t ngc = oom_values(d, c, OOM_ROWS_RAN, "num_gc");
  snprintf(gcs, sizeof gcs, "%.0f (median)", ngc ? hl_stats_median(d->scratch, ngc) : 0);
  oom_fmt_mib((double)c->min_limit_bytes, min, sizeof min);
  char unlimited[32];
  oom_fmt_mib((double)oom_u64(c->oom, "unlimited_rss_peak_bytes"), unlimited, sizeof unlimited);
  const char *const rows[][2] = {
      {"workload", first->workload ? first->workload : ""},
      {"backend", first->backend ? first->backend : ""},
      {"settings", settings},
      {"limit", limit},
      {"runs", runs},
      {"survived", surv},
      {"outcomes", outcomes},
      {"time to death (median, range)", ttd},
      {"peak RSS (median, range)", rss},
      {"cgroup memory.peak (median, range)", ncg ? cg : NULL},
      {"GC cycles", ngc ? gcs : NULL},
      {"smallest limit that survived every run", c->nsearch || c->min_limit_bytes ? min : NULL},
      {"peak RSS without a limit (the search's first run)",
       oom_u64(c->oom, "unlimited_rss_peak_bytes") ? unlimited : NULL},
      {"search", json_string_value(json_object_get(c->oom, "error"))},
  };
  return oom_md_what_value(md, rows, sizeof rows / sizeof rows[0]);
}

/* The search, step by step (heaplab oom's steps) or limit by limit (the
 * rows); limits in MiB to two decimals, as bisection steps lie close. */
static int search_table(FILE *md, const oom_cell_t *c) {
  static const char *const headers[] = {"limit", "step", "runs", "survived"};
  if (!c->nsearch) return 0;
  hl_table_t *t = hl_table_new(headers, 4, "rlrr");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < c->nsearch; i++) {
    const oom_step_t *st = &c->search[i];
    char lim[32], runs[16], surv[16];
    if (st->limit_bytes >= OOM_UNLIMITED_BYTES)
      snprintf(lim, sizeof lim, "none (watched)");
    else
      snprintf(lim, sizeof lim, "%.2f MiB", (double)st->limit_bytes / MIB);
    snprintf(runs, sizeof runs, "%zu", st->runs);
    snprintf(surv, sizeof surv, "%zu", st->survived);
    const char *row[] = {lim, st->step && *st->step ? st->step : "-", runs, surv};
    rc = hl_table_add(t, row);
  }
  fprintf(md, "The search for the smallest limit, %s:\n\n",
          c->search[0].step ? "step by step" : "limit by limit");
  return oom_md_table(md, t, rc);
}

/* The cell's section; a figure gnuplot could not draw is said in place and
 * its error kept in *fig_rc (the first one). */
int oom_cell_section(FILE *md, const oom_doc_t *d, size_t index, hl_output_set_t *set,
                        int *fig_rc, char *why, size_t len) {
  const oom_cell_t *c = &d->cells[index];
  char name[1100];
  fprintf(md, "### %zu. %s\n\n", index + 1, hl_md_text(c->name, name, sizeof name));
  int rc = cell_table(md, d, c);
  if (rc == 0) rc = search_table(md, c);
  if (rc) return rc;
  killed_section(md, d, c);
  char file[512], fig_why[1024];
  oom_cell_file(index, c->name, file, sizeof file);
  hl_oom_timeline_t tl = {c->drawn, oom_died(c->drawn), c->name,
                          c->nrows, c->limit_bytes,     d->limit_mode};
  int frc = hl_oom_timeline_draw(&tl, set, file, fig_why, sizeof fig_why);
  long rep = c->drawn->repetition < 0 ? 0 : c->drawn->repetition;
  if (frc == 0) {
    fprintf(md, "![%s: RSS, heap and GC cycles of repetition %ld](timelines/%s.png)\n\n", name,
            rep + 1, file);
  } else {
    char text[1100];
    fprintf(md, "(No timeline: %s.)\n\n", hl_md_text(fig_why, text, sizeof text));
    if (frc != HL_ENOENT && *fig_rc == 0) {
      *fig_rc = frc;
      snprintf(why, len, "%s", fig_why);
    }
  }
  drawn_sentence(md, c);
  return 0;
}
