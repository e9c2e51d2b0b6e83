/* The context block of results files (context.h). */
#include "context.h"

#include "config.h"
#include "fingerprint.h"
#include "gbench.h"
#include "revision.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <time.h>
#include <unistd.h>

static void iso_date(char *buf, size_t len) {
  time_t now = time(NULL);
  struct tm tm;
  localtime_r(&now, &tm);
  char tz[8];
  strftime(buf, len, "%Y-%m-%dT%H:%M:%S", &tm);
  strftime(tz, sizeof tz, "%z", &tm); /* +0000 -> +00:00 as Google Benchmark writes it */
  size_t n = strlen(buf);
  snprintf(buf + n, len - n, "%.3s:%.2s", tz, tz + 3);
}

static double cpu_mhz(void) {
  FILE *f = fopen("/proc/cpuinfo", "r");
  if (!f) return 0;
  char line[256];
  double mhz = 0;
  while (fgets(line, sizeof line, f))
    if (sscanf(line, "cpu MHz : %lf", &mhz) == 1) break;
  fclose(f);
  return mhz;
}

static json_t *gb_caches(const hl_topology_summary_t *s) {
  json_t *arr = json_array();
  for (unsigned i = 0; i < s->ncaches; i++) {
    const hl_cache_info_t *c = &s->cache[i];
    json_array_append_new(arr, json_pack("{s:s, s:i, s:I, s:i}", "type", c->type, "level",
                                         (int)c->level, "size", (json_int_t)c->size_bytes,
                                         "num_sharing", (int)c->num_sharing));
  }
  return arr;
}

static json_t *topology_json(const hl_topology_summary_t *s) {
  json_t *caches = json_array();
  for (unsigned i = 0; i < s->ncaches; i++) {
    const hl_cache_info_t *c = &s->cache[i];
    json_array_append_new(
        caches, json_pack("{s:i, s:s, s:I, s:i, s:i, s:i}", "level", (int)c->level, "type", c->type,
                          "size_bytes", (json_int_t)c->size_bytes, "line_bytes", (int)c->line_bytes,
                          "count", (int)c->count, "num_sharing", (int)c->num_sharing));
  }
  return json_pack("{s:s, s:i, s:i, s:i, s:i, s:s, s:o}", "source", s->source, "packages",
                   (int)s->packages, "numa_nodes", (int)s->numa_nodes, "cores", (int)s->cores,
                   "pus", (int)s->pus, "allowed_pus", s->allowed_pus, "caches", caches);
}

static json_t *command_line(int argc, char **argv) {
  size_t len = 1;
  for (int i = 0; i < argc; i++)
    len += strlen(argv[i]) + 1;
  char *buf = calloc(1, len);
  if (!buf) return json_string("");
  for (int i = 0; i < argc; i++) {
    if (i) strcat(buf, " ");
    strcat(buf, argv[i]);
  }
  json_t *s = json_string(buf);
  free(buf);
  return s;
}

/* Google Benchmark's library_build_type, from its own context block. */
static void library_build_type(json_t *ctx) {
  char *text = hl_gb_context_json();
  json_t *gb = text ? json_loads(text, 0, NULL) : NULL;
  json_t *bt = json_object_get(json_object_get(gb, "context"), "library_build_type");
  if (json_is_string(bt)) json_object_set(ctx, "library_build_type", bt);
  json_decref(gb);
  free(text);
}

json_t *hl_context_new(int argc, char **argv, const hl_topology_t *topo) {
  char date[64], host[256] = "", exe[4096] = "", thp[128];
  iso_date(date, sizeof date);
  gethostname(host, sizeof host - 1);
  if (hl_self_exe(exe, sizeof exe) != 0) exe[0] = '\0';
  hl_thp_mode(thp, sizeof thp);
  struct utsname u;
  uname(&u);
  char kernel[256];
  snprintf(kernel, sizeof kernel, "%s %s %s", u.sysname, u.release, u.machine);
  double load[3] = {0, 0, 0};
  int nload = getloadavg(load, 3);
  json_t *ctx = json_pack("{s:s, s:s, s:s, s:i}", "date", date, "host_name", host, "executable",
                          exe, "num_cpus", (int)sysconf(_SC_NPROCESSORS_ONLN));
  double mhz = cpu_mhz();
  if (mhz > 0) json_object_set_new(ctx, "mhz_per_cpu", json_integer((json_int_t)(mhz + 0.5)));
  hl_topology_summary_t sum;
  int have_topo = topo && hl_topology_summary(topo, &sum) == 0;
  if (have_topo) json_object_set_new(ctx, "caches", gb_caches(&sum));
  if (nload == 3)
    json_object_set_new(ctx, "load_avg", json_pack("[f,f,f]", load[0], load[1], load[2]));
  json_object_set_new(ctx, "heaplab_version", json_string(HL_VERSION));
  json_object_set_new(ctx, "heaplab_build_type", json_string(HL_BUILD_TYPE));
  json_object_set_new(ctx, "heaplab_revision", json_string(HL_REVISION));
  json_object_set_new(ctx, "benchmark_library_version", json_string(HL_GBENCH_VERSION));
  json_object_set_new(ctx, "kernel", json_string(kernel));
  json_object_set_new(ctx, "thp_enabled", json_string(thp));
  json_object_set_new(ctx, "command", command_line(argc, argv));
  library_build_type(ctx);
  json_object_set_new(ctx, "topology",
                      have_topo ? topology_json(&sum)
                                : json_string("unavailable: built without hwloc"));
  return ctx;
}

/* The swept knobs' values (several values of --gogc, --memlimit, --escape). */
static void add_sweep(json_t *opts, const hl_run_request_t *rq) {
  json_t *g = json_array(), *m = json_array(), *e = json_array();
  char v[32];
  for (size_t i = 0; i < rq->ngc_percent; i++) {
    hl_gc_percent_format(rq->gc_percent[i], v, sizeof v);
    json_array_append_new(g, json_string(v));
  }
  for (size_t i = 0; i < rq->nmemory_limit; i++) {
    hl_memory_limit_format(rq->memory_limit_bytes[i], v, sizeof v);
    json_array_append_new(m, json_string(v));
  }
  for (size_t i = 0; i < rq->nescape; i++)
    json_array_append_new(e, json_string(rq->escape[i] == HL_ESCAPE_ON ? "on" : "off"));
  json_object_set_new(opts, "gogc_values", g);
  json_object_set_new(opts, "memlimit_values", m);
  json_object_set_new(opts, "escape_values", e);
}

static json_t *params_json(const hl_run_request_t *rq) {
  json_t *params = json_object();
  for (size_t i = 0; i < rq->nparams; i++) {
    json_t *vals = json_array();
    for (size_t k = 0; k < rq->param[i].nvalues; k++)
      json_array_append_new(vals, json_string(rq->param[i].values[k]));
    json_object_set_new(params, rq->param[i].key, vals);
  }
  return params;
}

/* The knobs' first values (the sweep, if any, is add_sweep's). */
static void add_knobs(json_t *opts, const hl_run_request_t *rq) {
  char memlimit[32];
  hl_memory_limit_format(rq->memory_limit_bytes[0], memlimit, sizeof memlimit);
  json_object_set_new(opts, "gogc_from", json_string(rq->gc_percent_from));
  json_object_set_new(opts, "memlimit", json_string(memlimit));
  if (rq->memory_limit_bytes[0] != HL_NO_MEMORY_LIMIT)
    json_object_set_new(opts, "memlimit_bytes",
                        json_integer((json_int_t)rq->memory_limit_bytes[0]));
  json_object_set_new(opts, "memlimit_from", json_string(rq->memory_limit_from));
  json_object_set_new(opts, "pacer_model", json_string(hl_pacer_model_name(rq->pacer_model)));
  json_object_set_new(opts, "gctrace", json_boolean(rq->gctrace));
}

json_t *hl_context_options(const hl_run_request_t *rq, json_t *workloads, json_t *backends) {
  char gogc[16];
  hl_gc_percent_format(rq->gc_percent[0], gogc, sizeof gogc);
  json_t *counters = json_array();
  for (size_t i = 0; i < rq->ncounters; i++)
    json_array_append_new(counters, json_string(rq->counters[i]));
  json_t *opts =
      json_pack("{s:O, s:O, s:o, s:i, s:i, s:s, s:o, s:s, s:s, s:I, s:b, s:f}", "workloads",
                workloads, "backends", backends, "params", params_json(rq), "reps", (int)rq->reps,
                "threads", (int)rq->threads, "pin", hl_pin_name(rq->pin), "counters", counters,
                "escape", rq->escape[0] == HL_ESCAPE_ON ? "on" : "off", "gogc", gogc, "seed",
                (json_int_t)rq->seed, "quick", rq->quick, "timeout_s", rq->timeout_s);
  if (!opts) return NULL;
  add_knobs(opts, rq);
  if (rq->hard_limit_bytes) {
    json_object_set_new(opts, "limit_bytes", json_integer((json_int_t)rq->hard_limit_bytes));
    json_object_set_new(opts, "limit_mode", json_string(hl_limit_mode_name(rq->hard_limit_mode)));
    if (rq->cgroup_dir) json_object_set_new(opts, "cgroup", json_string(rq->cgroup_dir));
  }
  if (rq->ngc_percent > 1 || rq->nmemory_limit > 1 || rq->nescape > 1) add_sweep(opts, rq);
  if (rq->sample_ms) json_object_set_new(opts, "sample_ms", json_integer(rq->sample_ms));
  if (rq->measure != HL_MEASURE_TIME)
    json_object_set_new(opts, "measure", json_string(hl_measure_name(rq->measure)));
  if (rq->thrash_window_s > 0)
    json_object_set_new(opts, "thrash_window_s", json_real(rq->thrash_window_s));
  return opts;
}

json_t *hl_context_counters(const hl_counter_status_t *status, size_t n) {
  json_t *obj = json_object();
  for (size_t i = 0; i < n; i++) {
    char text[HL_COUNTER_REASON_MAX + 16];
    if (status[i].available)
      snprintf(text, sizeof text, "counted");
    else
      snprintf(text, sizeof text, "unavailable: %s", status[i].reason);
    json_object_set_new(obj, status[i].name, json_string(text));
  }
  return obj;
}

void hl_context_load_end(json_t *ctx) {
  double load[3];
  if (getloadavg(load, 3) == 3)
    json_object_set_new(ctx, "load_avg_end", json_pack("[f,f,f]", load[0], load[1], load[2]));
}

json_t *hl_context_headlines(const hl_workload_t *const *workloads, size_t n) {
  json_t *all = json_object();
  for (size_t i = 0; all && i < n; i++) {
    const hl_workload_t *w = workloads[i];
    if (!w->nheadlines) continue;
    json_t *list = json_array();
    for (size_t k = 0; list && k < w->nheadlines; k++)
      json_array_append_new(list, json_pack("{s:s, s:s, s:s}", "key", w->headlines[k].key, "column",
                                            w->headlines[k].column, "unit",
                                            hl_unit_name(w->headlines[k].unit)));
    json_object_set_new(all, w->name, list ? list : json_array());
  }
  return all;
}
