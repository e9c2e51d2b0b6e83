/* A program run's figures and its end, as records (external_run.h). */
#include "external_run.h"

#include "child.h"
#include "error.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>

void hl_external_send(json_t *rec) {
  char *text = rec ? json_dumps(rec, JSON_COMPACT) : NULL;
  if (text) {
    hl_write_all(HL_REPORT_FD, text, strlen(text));
    hl_write_all(HL_REPORT_FD, "\n", 1);
  }
  free(text);
  json_decref(rec);
}

int hl_external_fail(const char *stage, const char *message) {
  hl_external_send(
      json_pack("{s:s, s:s, s:s}", "type", "error", "stage", stage, "message", message));
  return HL_WORKER_EXIT_ERROR;
}

/* ---- the figures --------------------------------------------------------------------- */

static uint64_t tv_ns(struct timeval tv) {
  return (uint64_t)tv.tv_sec * 1000000000u + (uint64_t)tv.tv_usec * 1000u;
}

static const char *program_kind(const hl_program_info_t *i) {
  return i->is_go ? "go" : !i->elf ? "script" : i->is_static ? "static" : "dynamic";
}

/* What was measured of the program, in a results row's words. */
static json_t *figures(const prog_t *p) {
  uint64_t hwm = (uint64_t)p->ru.ru_maxrss * 1024u;
  json_t *e = json_pack(
      "{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:s, s:s}", "wall_ns",
      (json_int_t)(p->end_ns - p->start_ns), "user_cpu_ns", (json_int_t)tv_ns(p->ru.ru_utime),
      "sys_cpu_ns", (json_int_t)tv_ns(p->ru.ru_stime), "rss_peak_bytes",
      (json_int_t)(hwm > p->tree_peak_bytes ? hwm : p->tree_peak_bytes), "rss_tree_peak_bytes",
      (json_int_t)p->tree_peak_bytes, "rss_hwm_bytes", (json_int_t)hwm, "minor_faults",
      (json_int_t)p->ru.ru_minflt, "major_faults", (json_int_t)p->ru.ru_majflt,
      "voluntary_context_switches", (json_int_t)p->ru.ru_nvcsw, "involuntary_context_switches",
      (json_int_t)p->ru.ru_nivcsw, "program_path", p->info.path, "program_kind",
      program_kind(&p->info));
  if (!e) return NULL;
  if (WIFEXITED(p->status))
    json_object_set_new(e, "exit_status", json_integer(WEXITSTATUS(p->status)));
  else
    json_object_set_new(e, "signal", json_string(sigabbrev_np(WTERMSIG(p->status))));
  if (p->info.is_go) {
    json_object_set_new(e, "go_version", json_string(p->info.go_version));
    json_object_set_new(e, "go_module", json_string(p->info.go_module));
  }
  if (p->want[0]) {
    json_object_set_new(e, "preload_library", json_string(p->mapped));
    json_object_set_new(e, "preload_verified", json_boolean(p->mapped[0]));
  }
  return e;
}

/* The collector's figures from the parsed gctrace lines, as span-gc's. */
static void gc_figures(const prog_t *p, json_t *e) {
  const hl_gc_timeline_t *t = &p->timeline;
  json_object_set_new(e, "num_gc", json_integer((json_int_t)t->ncycles));
  json_object_set_new(e, "gc_pause_total_ns", json_integer((json_int_t)t->pause_total_ns));
  json_object_set_new(e, "gc_cpu_fraction", json_real(t->ncycles ? t->last.gc_cpu_fraction : 0));
  json_object_set_new(e, "heap_goal_bytes", json_integer((json_int_t)t->last.heap_goal_bytes));
  json_object_set_new(e, "heap_peak_bytes", json_integer((json_int_t)t->heap_peak_bytes));
  json_object_set_new(e, "gc_cycles_dropped", json_integer((json_int_t)hl_gc_timeline_dropped(t)));
  json_t *cycles = hl_gc_timeline_json(t);
  if (cycles) json_object_set_new(e, "gc_cycles", cycles);
}

/* The records of the end: the figures, then how it ended. */
int hl_external_report(prog_t *p) {
  json_t *e = figures(p);
  if (!e) return hl_external_fail("report", "out of memory");
  if (p->go) gc_figures(p, e);
  char msg[512];
  int exited = WIFEXITED(p->status), code = exited ? WEXITSTATUS(p->status) : -1;
  int limited = p->s->hard_limit_mode != HL_LIMIT_NONE;
  hl_external_send(json_pack("{s:s, s:O}", "type", "program", "entry", e));
  if ((p->oom_seen && (limited || p->go) && !(exited && code == 0))) {
    snprintf(msg, sizeof msg, "the program ran out of memory (%s %d): %s",
             exited ? "exit status" : "signal", exited ? code : WTERMSIG(p->status), p->oom_line);
    hl_external_send(json_pack("{s:s, s:s, s:O}", "type", "oom", "message", msg, "rss_peak_bytes",
                               json_object_get(e, "rss_peak_bytes")));
    json_decref(e);
    return HL_WORKER_EXIT_OOM;
  }
  if (!exited) {
    snprintf(msg, sizeof msg, "the program died by %s (%s)", sigabbrev_np(WTERMSIG(p->status)),
             strsignal(WTERMSIG(p->status)));
    hl_external_send(json_pack("{s:s, s:s}", "type", "crash", "message", msg));
    json_decref(e);
    return HL_WORKER_EXIT_CRASH;
  }
  if (code != 0 || (p->want[0] && !p->mapped[0])) {
    if (code != 0)
      snprintf(msg, sizeof msg, "the program exited with status %d", code);
    else
      snprintf(msg, sizeof msg,
               "LD_PRELOAD did not take effect: %.400s was never mapped in the program", p->want);
    json_decref(e);
    return hl_external_fail("program", msg);
  }
  json_object_set_new(e, "iterations", json_integer(1));
  json_object_set_new(e, "real_time", json_real((double)(p->end_ns - p->start_ns)));
  json_object_set_new(e, "cpu_time",
                      json_real((double)(tv_ns(p->ru.ru_utime) + tv_ns(p->ru.ru_stime))));
  json_object_set_new(e, "time_unit", json_string("ns"));
  hl_external_send(json_pack("{s:s, s:o, s:{s:s, s:s, s:s}}", "type", "result", "entry", e,
                             "backend", "version", p->info.go_version, "library_path", p->mapped,
                             "settings", ""));
  return 0;
}
