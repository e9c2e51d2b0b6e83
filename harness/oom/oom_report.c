/* The out-of-memory report (oom_report.h): the Markdown, from the cells
 * oom_cells.c builds (what a cell is, which rows count, and the search are
 * explained in oom_cells.h).
 *
 * Survival rates near a limit are random (a collector's cycles land at
 * slightly different heaps each time), so every rate carries a Wilson score
 * interval (stats.c), and a statement that one setting moved death to
 * survival says when the two intervals still overlap. The timelines are
 * oom_timeline.c's (plot.c's renderer, plots/timeline.gp); tables are
 * table.c's. */
#include "oom_report.h"

#include "child.h"
#include "error.h"
#include "escape.h"
#include "oom_cells.h"
#include "oom_timeline.h"
#include "opts.h"
#include "plot.h"
#include "results.h"
#include "size.h"
#include "stats.h"
#include "table.h"
#include "util.h"
#include "workload.h"

#include <ctype.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MIB 1048576.0
#define CELL_FILE_MAX 120

/* ---- words and numbers ------------------------------------------------------ */

static void fmt_mib(double bytes, char *buf, size_t len) {
  if (bytes > 0)
    hl_size_format_human((uint64_t)bytes, buf, len);
  else
    snprintf(buf, len, "-");
}

static void fmt_seconds(double s, char *buf, size_t len) {
  if (s >= 0 && isfinite(s))
    snprintf(buf, len, "%.3g s", s);
  else
    snprintf(buf, len, "-");
}

/* "0.0274 s (0.024 .. 0.088 s)" or "41.6 MiB (41.5 .. 41.6 MiB)": median and
 * range of n values; "-" without any. */
static void fmt_median_range(const double *v, size_t n, int bytes, char *buf, size_t len) {
  char med[32], lo[32], hi[32];
  void (*f)(double, char *, size_t) = bytes ? fmt_mib : fmt_seconds;
  f(n ? hl_stats_median(v, n) : -1, med, sizeof med);
  f(n ? hl_stats_min(v, n) : -1, lo, sizeof lo);
  f(n ? hl_stats_max(v, n) : -1, hi, sizeof hi);
  if (n < 2)
    snprintf(buf, len, "%s", med);
  else
    snprintf(buf, len, "%s (%s .. %s)", med, lo, hi);
}

static void fmt_survival(const oom_cell_t *c, char *buf, size_t len) {
  if (c->runs)
    snprintf(buf, len, "%.0f%% (95%% CI %.0f-%.0f%%)",
             100.0 * (double)c->survived / (double)c->runs, 100 * c->ci_lo, 100 * c->ci_hi);
  else
    snprintf(buf, len, "- (no run ran)");
}

/* "3 oom-kill" or "2 ok, 1 oom-kill, 1 error". */
static void fmt_outcomes(const oom_cell_t *c, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i <= HL_OUTCOME_COUNT && off < len; i++)
    if (c->count[i])
      off += (size_t)snprintf(buf + off, len - off, "%s%zu %s", off ? ", " : "", c->count[i],
                              i < HL_OUTCOME_COUNT ? hl_outcome_name((hl_outcome_t)i) : "other");
}

static void fmt_limit(const oom_doc_t *d, uint64_t limit, char *buf, size_t len) {
  char b[32];
  fmt_mib((double)limit, b, sizeof b);
  if (limit >= OOM_UNLIMITED_BYTES)
    snprintf(buf, len, "none (watched)");
  else if (limit)
    snprintf(buf, len, "%s (%s)", b, d->limit_mode ? d->limit_mode : "limit");
  else
    snprintf(buf, len, "none");
}

/* A knob's value for people: GOMEMLIMIT in MiB, a workload parameter as
 * benchmark names spell it. */
static void fmt_knob(const json_t *row, const char *key, const json_t *v, char *buf, size_t len) {
  const hl_workload_t *w = hl_workload_find(oom_str(row, "workload"));
  int p = w ? hl_workload_param_index(w, key) : -1;
  uint64_t bytes;
  if (p >= 0 && json_is_integer(v))
    hl_param_format(&w->params[p], (uint64_t)json_integer_value(v), buf, len);
  else if (!strcmp(key, "memlimit") && json_is_string(v) &&
           hl_parse_count(json_string_value(v), 1, UINT64_MAX, &bytes) == 0)
    hl_size_format_human(bytes, buf, len);
  else if (json_is_string(v))
    snprintf(buf, len, "%s", json_string_value(v));
  else if (json_is_number(v))
    snprintf(buf, len, "%g", json_number_value(v));
  else
    snprintf(buf, len, "-");
}

/* Base name of a cell's files: cellNN-<name with anything but letters,
 * digits and .=- as _>, cut at CELL_FILE_MAX bytes (cellNN keeps it unique). */
static void cell_file(size_t index, const char *name, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "cell%02zu-", index + 1);
  if (len > CELL_FILE_MAX) len = CELL_FILE_MAX; /* well under NAME_MAX with the suffixes */
  for (const char *p = name; *p && off + 1 < len; p++)
    buf[off++] = isalnum((unsigned char)*p) || strchr(".=-", *p) ? *p : '_';
  buf[off] = '\0';
}

/* ---- Markdown ---------------------------------------------------------------- */

/* Prints the table when rc is 0, frees it either way; returns rc. */
static int md_table(FILE *md, hl_table_t *t, int rc) {
  if (rc == 0) {
    hl_table_print(t, md, 1);
    fputs("\n", md);
  }
  hl_table_free(t);
  return rc;
}

/* A two-column table, one row per pair; a pair whose value is NULL is left
 * out. */
static int md_what_value(FILE *md, const char *const (*pairs)[2], size_t n) {
  static const char *const headers[] = {"what", "value"};
  hl_table_t *t = hl_table_new(headers, 2, "ll");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < n; i++)
    if (pairs[i][1]) rc = hl_table_add(t, pairs[i]);
  return md_table(md, t, rc);
}

static const char *mode_words(const char *mode) {
  if (!strcmp(mode, "watchdog"))
    return "the parent reads the worker's resident set every millisecond and kills it at the "
           "limit, as a container's OOM killer would";
  if (!strcmp(mode, "cgroup"))
    return "a child cgroup v2 group with memory.max at the limit and swap off; the kernel's OOM "
           "killer ends the worker";
  if (!strcmp(mode, "rlimit"))
    return "RLIMIT_DATA: the kernel refuses to grow private memory past the limit, so "
           "allocations fail inside the worker";
  return "";
}

static int context_section(FILE *md, const oom_doc_t *d) {
  const json_t *ctx = d->ctx, *o = d->opts;
  char machine[512], heaplab[256], limit[512], sampling[160], runs[64], lim[32];
  double cpus = 0, mhz = 0, sample_ms = 0, reps = 0;
  hl_json_number(ctx, "num_cpus", &cpus);
  hl_json_number(ctx, "mhz_per_cpu", &mhz);
  hl_json_number(o, "sample_ms", &sample_ms);
  hl_json_number(o, "reps", &reps);
  snprintf(
      machine, sizeof machine, "%s: %.0f CPUs at %.0f MHz, kernel %s, transparent huge pages %s",
      oom_str(ctx, "host_name"), cpus, mhz, oom_str(ctx, "kernel"), oom_str(ctx, "thp_enabled"));
  snprintf(heaplab, sizeof heaplab, "%s (%s build, revision %s)", oom_str(ctx, "heaplab_version"),
           oom_str(ctx, "heaplab_build_type"), oom_str(ctx, "heaplab_revision"));
  fmt_mib((double)d->limit_bytes, lim, sizeof lim);
  if (d->limit_bytes)
    snprintf(limit, sizeof limit, "%s, %s: %s%s%s", lim, d->limit_mode ? d->limit_mode : "?",
             mode_words(d->limit_mode ? d->limit_mode : ""),
             json_object_get(o, "cgroup") ? " under " : "", oom_str(o, "cgroup"));
  else
    snprintf(limit, sizeof limit, "none (the runs had no --limit)");
  if (sample_ms > 0)
    snprintf(sampling, sizeof sampling,
             "every %.0f ms (--sample-ms): the parent's RSS samples and the worker's own",
             sample_ms);
  else
    snprintf(sampling, sizeof sampling, "none (--sample-ms 0): timelines need --sample-ms");
  snprintf(runs, sizeof runs, "%.0f, each its own process", reps);
  const char *const rows[][2] = {
      {"date", oom_str(ctx, "date")}, {"machine", machine},
      {"heaplab", heaplab},           {"command", oom_str(ctx, "command")},
      {"memory limit", limit},        {"timeline samples", sampling},
      {"runs per cell", runs},
  };
  fputs("## Context\n\n", md);
  return md_what_value(md, rows, sizeof rows / sizeof rows[0]);
}

static int summary_section(FILE *md, const oom_doc_t *d) {
  static const char *const headers[] = {
      "cell",     "limit",         "runs",     "survived", "survival (95% CI)",
      "outcomes", "time to death", "peak RSS", "min limit"};
  hl_table_t *t = hl_table_new(headers, 9, "llrrllrrr");
  if (!t) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < d->ncells; i++) {
    const oom_cell_t *c = &d->cells[i];
    char limit[64], runs[16], surv[16], rate[64], outcomes[160], ttd[32], rss[32], min[32];
    fmt_limit(d, c->limit_bytes, limit, sizeof limit);
    snprintf(runs, sizeof runs, "%zu", c->runs);
    snprintf(surv, sizeof surv, "%zu", c->survived);
    fmt_survival(c, rate, sizeof rate);
    fmt_outcomes(c, outcomes, sizeof outcomes);
    size_t n = oom_values(d, c, OOM_ROWS_DIED, "end_s");
    fmt_seconds(n ? hl_stats_median(d->scratch, n) : -1, ttd, sizeof ttd);
    n = oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes");
    fmt_mib(n ? hl_stats_median(d->scratch, n) : 0, rss, sizeof rss);
    fmt_mib((double)c->min_limit_bytes, min, sizeof min);
    const char *row[] = {c->name, limit, runs, surv, rate, outcomes, ttd, rss, min};
    rc = hl_table_add(t, row);
  }
  fputs("## Cells\n\n"
        "A run survived when it ended ok. Survival rates carry a Wilson 95% interval; time to "
        "death is the median over the runs that died (seconds since the worker was spawned), "
        "peak RSS the median over all runs; min limit is the smallest limit at which every run "
        "survived (--find-min-limit).\n\n",
        md);
  return md_table(md, t, rc);
}

/* ---- what killed it ---------------------------------------------------------- */

/* One sentence for the runs of one class: when, at what memory, and the
 * worker's or parent's own message where the class alone does not say it. */
static void killed_sentence(FILE *md, const oom_doc_t *d, const oom_cell_t *c, int k, size_t n) {
  char when[32], rss[32], cg[32], lim[32], medians[64];
  size_t nt = oom_values(d, c, k, "end_s");
  fmt_seconds(nt ? hl_stats_median(d->scratch, nt) : -1, when, sizeof when);
  size_t nr = oom_values(d, c, k, "rss_peak_bytes");
  fmt_mib(nr ? hl_stats_median(d->scratch, nr) : 0, rss, sizeof rss);
  size_t ng = oom_values(d, c, k, "cgroup_peak_bytes");
  fmt_mib(ng ? hl_stats_median(d->scratch, ng) : 0, cg, sizeof cg);
  fmt_mib((double)c->limit_bytes, lim, sizeof lim);
  const json_t *first = NULL;
  for (size_t i = 0; i < c->nrows && !first; i++)
    if (oom_row_selected(c->rows[i], k)) first = c->rows[i];
  char msg[600], word[64]; /* the message without its final full stop: the sentence ends it */
  hl_md_text(oom_str(first, "error_message"), msg, sizeof msg);
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
            hl_md_text(oom_str(first, "signal"), word, sizeof word), lim, when, rss, medians, msg);
    break;
  case OOM_K_ALLOC:
    fprintf(md, "an allocation failed inside the worker%s at %s, peak RSS %s (%s); it said: %s.",
            d->limit_mode && !strcmp(d->limit_mode, "rlimit") ? " (RLIMIT_DATA refused memory)"
                                                              : "",
            when, rss, medians, msg);
    break;
  case OOM_K_THRASH:
    fprintf(md,
            "stopped as gc-thrash at %s: the collector spent over half the CPU collecting for a "
            "sustained window, the GOMEMLIMIT death spiral (%s; peak RSS %s): %s.",
            when, medians, rss, msg);
    break;
  case OOM_K_CRASH: fprintf(md, "crashed at %s (%s): %s.", when, medians, msg); break;
  case OOM_K_TIMEOUT: fprintf(md, "ran past the time limit: %s (%s).", msg, medians); break;
  default:
    fprintf(md, "ended as %s at %s (%s): %s.",
            hl_md_text(oom_str(first, "outcome"), word, sizeof word), when, medians, msg);
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
  const json_t *samples = json_object_get(c->drawn, "samples");
  const json_t *marks = json_object_get(c->drawn, "gc_marks");
  int dead = oom_died(c->drawn);
  const json_t *last =
      dead ? json_array_get(samples, json_array_size(samples) - 1) : highest_sample(samples);
  const json_t *gc = json_array_get(marks, json_array_size(marks) - 1);
  double rep = 0, t = 0;
  hl_json_number(c->drawn, "repetition_index", &rep);
  if (!last && !gc) return;
  char word[64];
  fprintf(md, "In the run drawn (repetition %.0f, %s)", rep + 1,
          hl_md_text(oom_str(c->drawn, "outcome"), word, sizeof word));
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
      fmt_mib((double)v, b, sizeof b);
      fprintf(md, "%s %s %s", first ? "" : ",", keys[i][1], b);
      first = 0;
    }
    if (c->limit_bytes && oom_u64(last, "heap_goal_bytes"))
      fprintf(md, " (the goal is %.0f%% of the limit)",
              100.0 * (double)oom_u64(last, "heap_goal_bytes") / (double)c->limit_bytes);
  }
  if (gc) {
    char marked[32], goal[32];
    fmt_mib((double)oom_u64(gc, "heap_marked_bytes"), marked, sizeof marked);
    fmt_mib((double)oom_u64(gc, "heap_goal_bytes"), goal, sizeof goal);
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
            hl_md_text(oom_str(c->rows[0], "error_message"), msg, sizeof msg));
    return;
  }
  if (c->survived == c->runs) {
    char rss[32], lim[32];
    size_t nr = oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes");
    double peak = nr ? hl_stats_median(d->scratch, nr) : 0;
    fmt_mib(peak, rss, sizeof rss);
    fmt_mib((double)c->limit_bytes, lim, sizeof lim);
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

/* ---- what moved it from death to survival ----------------------------------- */

/* The settings two cells of one workload can differ in, in the order the
 * statements are listed: the seed's steps first. */
static const char *const knobs[][2] = {
    {"gogc", "GOGC"},       {"memlimit", "GOMEMLIMIT (--memlimit)"},
    {"backend", "backend"}, {"escape", "escape analysis"},
    {"threads", "threads"},
};
#define NKNOBS (sizeof knobs / sizeof knobs[0])

typedef struct diff {
  size_t knob;     /* index in knobs, or NKNOBS for a workload parameter */
  const char *key; /* the parameter's key */
  char from[64], to[64];
} diff_t;

static int same_json(const json_t *a, const json_t *b) {
  return (!a && !b) || (a && b && json_equal((json_t *)a, (json_t *)b));
}

/* Whether knob key applies to the row's backend: a backend that ignores a
 * knob (glibc's GOGC, bdwgc's GOMEMLIMIT) ran once in a sweep of it, and
 * its rows list it in knobs_not_applicable (runner.c) instead of a value.
 * Such a knob is no difference between two cells. */
static int knob_applies(const json_t *row, const char *key, size_t key_len) {
  size_t i;
  const json_t *v;
  json_array_foreach(json_object_get(row, "knobs_not_applicable"), i, v) {
    const char *name = json_string_value(v);
    if (name && strlen(name) == key_len && !strncmp(name, key, key_len)) return 0;
  }
  return 1;
}

static size_t knobs_not_applicable(const oom_cell_t *c) {
  return json_array_size(json_object_get(c->rows[0], "knobs_not_applicable"));
}

/* How many settings cells a and b differ in (-1: another workload); d describes the difference when
 * it is exactly one, from a's value to b's. */
static int cell_diff(const oom_cell_t *a, const oom_cell_t *b, diff_t *d) {
  const json_t *ra = a->rows[0], *rb = b->rows[0];
  if (strcmp(oom_str(ra, "workload"), oom_str(rb, "workload"))) return -1;
  int n = 0;
  for (size_t k = 0; k < NKNOBS; k++) {
    const char *key = knobs[k][0];
    const json_t *va = json_object_get(ra, key), *vb = json_object_get(rb, key);
    if (same_json(va, vb) || !knob_applies(ra, key, strlen(key)) ||
        !knob_applies(rb, key, strlen(key)))
      continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = k, .key = knobs[k][0]};
      fmt_knob(ra, d->key, va, d->from, sizeof d->from);
      fmt_knob(rb, d->key, vb, d->to, sizeof d->to);
    }
  }
  const json_t *pa = json_object_get(ra, "params"), *pb = json_object_get(rb, "params");
  const char *key;
  const json_t *va;
  json_object_foreach((json_t *)pa, key, va) {
    const json_t *vb = json_object_get(pb, key);
    if (same_json(va, vb)) continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = NKNOBS, .key = key};
      fmt_knob(ra, key, va, d->from, sizeof d->from);
      fmt_knob(rb, key, vb, d->to, sizeof d->to);
    }
  }
  json_object_foreach((json_t *)pb, key, va) {
    if (json_object_get(pa, key)) continue;
    if (n++ == 0) {
      *d = (diff_t){.knob = NKNOBS, .key = key, .from = "-"};
      fmt_knob(rb, key, va, d->to, sizeof d->to);
    }
  }
  return n;
}

/* What the two cells' names share: "steady-service/span-gc/gogc=100" and
 * ".../gogc=50" share "steady-service/span-gc". A knob of one that does not
 * apply to the other counts as shared ("steady-service/span-gc/gogc=200" and
 * "steady-service/glibc" share "steady-service/gogc=200"), so the names are
 * read from the cell with more knobs. */
static void common_name(const oom_cell_t *x, const oom_cell_t *y, char *buf, size_t len) {
  if (knobs_not_applicable(y) < knobs_not_applicable(x)) {
    const oom_cell_t *t = x;
    x = y;
    y = t;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (const char *p = x->name; *p && off < len;) {
    size_t n = strcspn(p, "/");
    int shared = !knob_applies(y->rows[0], p, strcspn(p, "=/"));
    for (const char *q = y->name; *q && !shared;) {
      size_t m = strcspn(q, "/");
      shared = m == n && !strncmp(p, q, n);
      q += m + (q[m] == '/');
    }
    if (shared) off += (size_t)snprintf(buf + off, len - off, "%s%.*s", off ? "/" : "", (int)n, p);
    p += n + (p[n] == '/');
  }
}

/* One line: "GOGC 100 -> 50: steady-service/span-gc survived 5/5 instead of
 * 0/5 under the 120.0 MiB limit (watchdog)." worse is the cell that
 * survived less; d goes from its setting to better's. */
static void move_line(FILE *md, const oom_doc_t *d, const oom_cell_t *worse,
                      const oom_cell_t *better, const diff_t *df) {
  char common[512], lim[32], key[128], from[128], to[128], name[1100];
  common_name(worse, better, common, sizeof common);
  fmt_mib((double)worse->limit_bytes, lim, sizeof lim);
  fprintf(md, "- %s%s %s -> %s: %s survived %zu/%zu instead of %zu/%zu",
          df->knob < NKNOBS ? "" : "-p ",
          df->knob < NKNOBS ? knobs[df->knob][1] : hl_md_text(df->key, key, sizeof key),
          hl_md_text(df->from, from, sizeof from), hl_md_text(df->to, to, sizeof to),
          hl_md_text(common, name, sizeof name), better->survived, better->runs, worse->survived,
          worse->runs);
  if (worse->limit_bytes)
    fprintf(md, " under the %s limit (%s)", lim, d->limit_mode ? d->limit_mode : "?");
  fputs(".", md);
  if (worse->ci_hi >= better->ci_lo)
    fprintf(md,
            " Not yet a clear difference: the 95%% intervals (%.0f-%.0f%% and %.0f-%.0f%%) "
            "overlap; more runs would settle it.",
            100 * worse->ci_lo, 100 * worse->ci_hi, 100 * better->ci_lo, 100 * better->ci_hi);
  fputs("\n", md);
}

/* "GOGC 200 -> 50: the smallest limit at which steady-service/span-gc
 * survived every run fell from 60.8 MiB to 33.4 MiB (-45%)." worse is the
 * cell that needed more. */
static void limit_line(FILE *md, const oom_cell_t *worse, const oom_cell_t *better,
                       const diff_t *df) {
  char common[512], from[32], to[32];
  common_name(worse, better, common, sizeof common);
  fmt_mib((double)worse->min_limit_bytes, from, sizeof from);
  fmt_mib((double)better->min_limit_bytes, to, sizeof to);
  fprintf(md,
          "- %s%s %s -> %s: the smallest limit at which %s survived every run fell from %s to %s "
          "(%+.0f%%).\n",
          df->knob < NKNOBS ? "" : "-p ", df->knob < NKNOBS ? knobs[df->knob][1] : df->key,
          df->from, df->to, common, from, to,
          100.0 * ((double)better->min_limit_bytes / (double)worse->min_limit_bytes - 1));
}

/* Every pair of cells differing in one setting, by setting: searched cells
 * by the limit each needed, the others by survival under the same limit
 * (rates compared exactly: sa/ra against sb/rb). Each statement runs from
 * the worse setting to the better, so df is reversed when b is worse. */
static void moves_section(FILE *md, const oom_doc_t *d) {
  fputs("## What moved it from death to survival\n\n"
        "Pairs of cells of one workload that differ in exactly one setting and survived "
        "differently under the same limit, or needed different limits when searched, from the "
        "setting that did worse to the one that did better.\n\n",
        md);
  size_t moved = 0, alike = 0;
  for (size_t k = 0; k <= NKNOBS; k++)
    for (size_t i = 0; i < d->ncells; i++)
      for (size_t j = i + 1; j < d->ncells; j++) {
        const oom_cell_t *a = &d->cells[i], *b = &d->cells[j];
        diff_t df, back;
        if (cell_diff(a, b, &df) != 1 || df.knob != k) continue;
        back = df;
        snprintf(back.from, sizeof back.from, "%s", df.to);
        snprintf(back.to, sizeof back.to, "%s", df.from);
        uint64_t ma = a->min_limit_bytes, mb = b->min_limit_bytes;
        size_t sa = a->survived * b->runs, sb = b->survived * a->runs;
        if (ma && mb && ma != mb) {
          if (ma > mb)
            limit_line(md, a, b, &df);
          else
            limit_line(md, b, a, &back);
        } else if (!a->runs || !b->runs || a->limit_bytes != b->limit_bytes) {
          continue;
        } else if (sa == sb) {
          alike++;
          continue;
        } else if (sa < sb) {
          move_line(md, d, a, b, &df);
        } else {
          move_line(md, d, b, a, &back);
        }
        moved++;
      }
  if (!moved) fputs("No single setting changed whether a cell survived.\n", md);
  if (alike)
    fprintf(md, "%s%zu other pair(s) differing in one setting survived alike.\n", moved ? "\n" : "",
            alike);
  fputs("\n", md);
}

/* ---- cell by cell -------------------------------------------------------------- */

static void settings_text(const json_t *row, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t k = 0; k < NKNOBS && off < len; k++) {
    const json_t *v = json_object_get(row, knobs[k][0]);
    if (!strcmp(knobs[k][0], "backend")) continue;
    char b[64] = "does not apply";
    if (v)
      fmt_knob(row, knobs[k][0], v, b, sizeof b);
    else if (knob_applies(row, knobs[k][0], strlen(knobs[k][0])))
      continue;
    off += (size_t)snprintf(buf + off, len - off, "%s%s %s", off ? ", " : "", knobs[k][1], b);
  }
  const char *key;
  const json_t *v;
  json_object_foreach((json_t *)json_object_get(row, "params"), key, v) {
    char b[64];
    fmt_knob(row, key, v, b, sizeof b);
    if (off < len)
      off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", off ? ", " : "", key, b);
  }
}

static int cell_table(FILE *md, const oom_doc_t *d, const oom_cell_t *c) {
  char settings[1024], limit[64], runs[96], rate[64], surv[128], outcomes[160], ttd[128], rss[128],
      cg[128], gcs[96], min[64];
  const json_t *first = c->rows[0];
  settings_text(first, settings, sizeof settings);
  fmt_limit(d, c->limit_bytes, limit, sizeof limit);
  if (c->count[HL_OUTCOME_ERROR])
    snprintf(runs, sizeof runs, "%zu (and %zu that could not run: error)", c->runs,
             c->count[HL_OUTCOME_ERROR]);
  else
    snprintf(runs, sizeof runs, "%zu", c->runs);
  fmt_survival(c, rate, sizeof rate);
  snprintf(surv, sizeof surv, "%zu of %zu: %s", c->survived, c->runs, rate);
  fmt_outcomes(c, outcomes, sizeof outcomes);
  fmt_median_range(d->scratch, oom_values(d, c, OOM_ROWS_DIED, "end_s"), 0, ttd, sizeof ttd);
  fmt_median_range(d->scratch, oom_values(d, c, OOM_ROWS_RAN, "rss_peak_bytes"), 1, rss,
                   sizeof rss);
  size_t ncg = oom_values(d, c, OOM_ROWS_RAN, "cgroup_peak_bytes");
  fmt_median_range(d->scratch, ncg, 1, cg, sizeof cg);
  size_t ngc = oom_values(d, c, OOM_ROWS_RAN, "num_gc");
  snprintf(gcs, sizeof gcs, "%.0f (median)", ngc ? hl_stats_median(d->scratch, ngc) : 0);
  fmt_mib((double)c->min_limit_bytes, min, sizeof min);
  char unlimited[32];
  fmt_mib((double)oom_u64(c->oom, "unlimited_rss_peak_bytes"), unlimited, sizeof unlimited);
  const char *const rows[][2] = {
      {"workload", oom_str(first, "workload")},
      {"backend", oom_str(first, "backend")},
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
  return md_what_value(md, rows, sizeof rows / sizeof rows[0]);
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
  return md_table(md, t, rc);
}

/* The cell's section; a figure gnuplot could not draw is said in place and
 * its error kept in *fig_rc (the first one). */
static int cell_section(FILE *md, const oom_doc_t *d, size_t index, hl_output_set_t *set,
                        int *fig_rc, char *why, size_t len) {
  const oom_cell_t *c = &d->cells[index];
  char name[1100];
  fprintf(md, "### %zu. %s\n\n", index + 1, hl_md_text(c->name, name, sizeof name));
  int rc = cell_table(md, d, c);
  if (rc == 0) rc = search_table(md, c);
  if (rc) return rc;
  killed_section(md, d, c);
  char file[512], fig_why[1024];
  cell_file(index, c->name, file, sizeof file);
  hl_oom_timeline_t tl = {c->drawn, oom_died(c->drawn), c->name,
                          c->nrows, c->limit_bytes,     d->limit_mode};
  int frc = hl_oom_timeline_draw(&tl, set, file, fig_why, sizeof fig_why);
  double rep = 0;
  hl_json_number(c->drawn, "repetition_index", &rep);
  if (frc == 0) {
    fprintf(md, "![%s: RSS, heap and GC cycles of repetition %.0f](timelines/%s.png)\n\n", name,
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

/* ---- the report ------------------------------------------------------------------ */

static int write_markdown(FILE *md, const oom_doc_t *d, hl_output_set_t *set, int *fig_rc,
                          char *why, size_t len) {
  fputs("# heaplab OOM report\n\n"
        "Cells run under a memory limit, each run in its own process: whether they died, how "
        "often, how fast, what killed them, and which single setting moved a cell from death "
        "to survival. Made by heaplab from the results rows (the \"oom\" summary adds the "
        "limit searches).\n\n",
        md);
  int rc = context_section(md, d);
  if (rc == 0) rc = summary_section(md, d);
  if (rc == 0) moves_section(md, d);
  if (rc == 0) fputs("## Cell by cell\n\n", md);
  for (size_t i = 0; rc == 0 && i < d->ncells; i++)
    rc = cell_section(md, d, i, set, fig_rc, why, len);
  return rc;
}

int hl_oom_report_write(const json_t *doc, const char *dir, char *why, size_t why_len) {
  oom_doc_t d = {0};
  hl_output_set_t *set = NULL;
  char *text = NULL;
  size_t text_len = 0;
  int fig_rc = 0, rc = oom_doc_open(&d, doc, why, why_len);
  if (rc == 0) rc = hl_output_set_open(dir, &set, why, why_len);
  if (rc) goto out;
  FILE *md = open_memstream(&text, &text_len);
  if (!md) {
    snprintf(why, why_len, "out of memory");
    rc = HL_ENOMEM;
    goto out;
  }
  rc = write_markdown(md, &d, set, &fig_rc, why, why_len);
  if (fclose(md) != 0 && rc == 0) rc = HL_ENOMEM;
  if (rc == 0) rc = fig_rc;
  if (rc) {
    if (rc == HL_ENOMEM) snprintf(why, why_len, "out of memory");
    goto out;
  }
  rc = hl_output_set_put(set, "oom-report.md", text, text_len, why, why_len);
  if (rc == 0) rc = hl_output_set_commit(set, why, why_len);
  set = NULL;
out:
  hl_output_set_abort(set);
  free(text);
  oom_doc_close(&d);
  return rc;
}

/* ---- the command ------------------------------------------------------------------ */

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab oom-report FILE.json -o DIR\n\n"
               "Writes DIR/oom-report.md from a results file whose runs had a memory limit\n"
               "(heaplab oom, or heaplab run --limit --sample-ms MS): per cell the runs,\n"
               "survivals with a 95%% interval, outcomes, time to death, peak RSS, what killed\n"
               "it, and which single setting (GOGC, GOMEMLIMIT, backend, escape analysis, a\n"
               "parameter) moved a cell from death to survival; and DIR/timelines/*.png, one\n"
               "timeline per cell (RSS, heap live, heap goal, the limit, GC cycles, the death),\n"
               "with the gnuplot script and data of each. Needs gnuplot (gnuplot-nox).\n"
               "Exit status: 0 written, 2 bad input or a report that cannot be written.\n\n");
}

static const hl_opt_t oom_report_opts[] = {
    {"output", 'o', "DIR", "the report's folder (made when absent)", NULL, 0, hl_opts_store_string,
     0},
};

int hl_oom_report_main(int argc, char **argv) {
  const char *dir = NULL, *input = NULL;
  hl_opt_group_t g = {"Options", oom_report_opts, 1, &dir, {{0}}, 0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("oom-report", &g, 1, argc, argv, 1, &ops, usage);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  input = ops.n ? ops.v[0] : NULL;
  free(ops.v);
  if (!input || !dir) {
    hl_msg("oom-report", "expected one results file and -o DIR (see heaplab oom-report --help)");
    return HL_EXIT_USAGE;
  }
  json_t *root = NULL;
  char why[1024];
  if (hl_results_load(input, &root, why, sizeof why) != 0) {
    hl_msg("oom-report", "%s", why);
    return HL_EXIT_USAGE;
  }
  rc = hl_oom_report_write(root, dir, why, sizeof why);
  json_decref(root);
  if (rc) {
    hl_msg("oom-report", "%s: %s", input, why);
    return HL_EXIT_USAGE;
  }
  printf("%s/oom-report.md\n", dir);
  return HL_EXIT_OK;
}
