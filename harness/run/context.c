/* The context block of results files (context.h). */
#include "context.h"

#include "config.h"
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

/* "always [madvise] never" -> "madvise" */
static void thp_mode(char *buf, size_t len) {
  char line[96];
  if (hl_read_line("/sys/kernel/mm/transparent_hugepage/enabled", line, sizeof line) != 0) {
    snprintf(buf, len, "unknown");
    return;
  }
  char *l = strchr(line, '['), *r = l ? strchr(l, ']') : NULL;
  if (l && r)
    snprintf(buf, len, "%.*s", (int)(r - l - 1), l + 1);
  else
    snprintf(buf, len, "%s", line);
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

json_t *hl_context_new(int argc, char **argv, const hl_topology_t *topo) {
  char date[64], host[256] = "", exe[4096] = "", thp[128];
  iso_date(date, sizeof date);
  gethostname(host, sizeof host - 1);
  ssize_t n = readlink("/proc/self/exe", exe, sizeof exe - 1);
  exe[n > 0 ? n : 0] = '\0';
  thp_mode(thp, sizeof thp);
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
  json_object_set_new(ctx, "topology",
                      have_topo ? topology_json(&sum)
                                : json_string("unavailable: built without hwloc"));
  return ctx;
}

json_t *hl_context_options(const hl_run_options_t *o, json_t *workloads, json_t *backends) {
  char gogc[16];
  hl_gogc_format(o->gogc, gogc, sizeof gogc);
  json_t *counters = json_array();
  for (size_t i = 0; i < o->ncounters; i++)
    json_array_append_new(counters, json_string(o->counters[i]));
  json_t *params = json_object();
  for (size_t i = 0; i < o->nparams; i++) {
    json_t *vals = json_array();
    for (size_t k = 0; k < o->param[i].nvalues; k++)
      json_array_append_new(vals, json_string(o->param[i].values[k]));
    json_object_set_new(params, o->param[i].key, vals);
  }
  json_t *opts =
      json_pack("{s:O, s:O, s:o, s:i, s:i, s:s, s:o, s:s, s:s, s:I, s:b, s:f}", "workloads",
                workloads, "backends", backends, "params", params, "reps", (int)o->reps, "threads",
                (int)o->threads, "pin", hl_pin_name(o->pin), "counters", counters, "escape",
                o->escape == HL_ESCAPE_ON ? "on" : "off", "gogc", gogc, "seed", (json_int_t)o->seed,
                "quick", o->quick, "timeout_s", o->timeout_s);
  if (opts) {
    char memlimit[32];
    hl_memlimit_format(o->memlimit_bytes, memlimit, sizeof memlimit);
    json_object_set_new(opts, "gogc_from", json_string(o->gogc_from));
    json_object_set_new(opts, "memlimit", json_string(memlimit));
    if (o->memlimit_bytes != HL_NO_MEMORY_LIMIT)
      json_object_set_new(opts, "memlimit_bytes", json_integer((json_int_t)o->memlimit_bytes));
    json_object_set_new(opts, "memlimit_from", json_string(o->memlimit_from));
    json_object_set_new(opts, "pacer_model", json_string(hl_pacer_model_name(o->pacer_model)));
    json_object_set_new(opts, "gctrace", json_boolean(o->gctrace));
  }
  if (opts && o->limit_bytes) {
    json_object_set_new(opts, "limit_bytes", json_integer((json_int_t)o->limit_bytes));
    json_object_set_new(opts, "limit_mode", json_string(hl_limit_mode_name(o->limit_mode)));
    if (o->cgroup_dir) json_object_set_new(opts, "cgroup", json_string(o->cgroup_dir));
  }
  if (opts && (o->ngogc > 1 || o->nmemlimit > 1 || o->nescape > 1)) { /* swept knobs */
    json_t *g = json_array(), *m = json_array(), *e = json_array();
    char v[32];
    for (size_t i = 0; i < o->ngogc; i++) {
      hl_gogc_format(o->gogc_values[i], v, sizeof v);
      json_array_append_new(g, json_string(v));
    }
    for (size_t i = 0; i < o->nmemlimit; i++) {
      hl_memlimit_format(o->memlimit_values[i], v, sizeof v);
      json_array_append_new(m, json_string(v));
    }
    for (size_t i = 0; i < o->nescape; i++)
      json_array_append_new(e, json_string(o->escape_values[i] == HL_ESCAPE_ON ? "on" : "off"));
    json_object_set_new(opts, "gogc_values", g);
    json_object_set_new(opts, "memlimit_values", m);
    json_object_set_new(opts, "escape_values", e);
  }
  if (opts && o->sample_ms) json_object_set_new(opts, "sample_ms", json_integer(o->sample_ms));
  if (opts && o->thrash_window_s > 0)
    json_object_set_new(opts, "thrash_window_s", json_real(o->thrash_window_s));
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
