/* The context table of `heaplab report` (report_context.h). */
#include "report_context.h"

#include "results.h"

#include <stdio.h>
#include <string.h>

static const char *str(const json_t *o, const char *key) {
  const char *s = json_string_value(json_object_get(o, key));
  return s ? s : "-";
}

static void num(char *buf, size_t len, const json_t *o, const char *key, const char *unit) {
  double v;
  if (hl_json_number(o, key, &v) == 0)
    snprintf(buf, len, "%g%s", v, unit);
  else
    snprintf(buf, len, "-");
}

static void topology_text(const json_t *topo, char *buf, size_t len) {
  if (!json_is_object(topo)) {
    snprintf(buf, len, "unknown (built without hwloc)");
    return;
  }
  char p[32], n[32], c[32], u[32];
  num(p, sizeof p, topo, "packages", "");
  num(n, sizeof n, topo, "numa_nodes", "");
  num(c, sizeof c, topo, "cores", "");
  num(u, sizeof u, topo, "pus", "");
  size_t off = (size_t)snprintf(buf, len, "%s package(s), %s NUMA node(s), %s cores, %s PUs (%s)",
                                p, n, c, u, str(topo, "source"));
  size_t i;
  const json_t *cache;
  json_array_foreach(json_object_get(topo, "caches"), i, cache) {
    double lvl = 0, size = 0, count = 0;
    hl_json_number(cache, "level", &lvl);
    hl_json_number(cache, "size_bytes", &size);
    hl_json_number(cache, "count", &count);
    if (off < len)
      off += (size_t)snprintf(buf + off, len - off, "%s L%.0f %s %.0f KiB x%.0f", i ? ";" : ";",
                              lvl, str(cache, "type"), size / 1024, count);
  }
}

static void backends_text(const json_t *ctx, char *buf, size_t len) {
  size_t off = 0;
  const char *name;
  const json_t *b;
  buf[0] = '\0';
  json_object_foreach((json_t *)json_object_get(ctx, "backends"), name, b) {
    if (off >= len) break;
    const char *status = str(b, "status");
    const char *lib = str(b, "library_path");
    if (!strcmp(status, "available"))
      off += (size_t)snprintf(buf + off, len - off, "%s%s %s (%s)", off ? "; " : "", name,
                              str(b, "version"), *lib ? lib : "built into heaplab");
    else
      off += (size_t)snprintf(buf + off, len - off, "%s%s: %s", off ? "; " : "", name, status);
  }
}

hl_table_t *hl_report_context_table(const json_t *ctx) {
  static const char *const headers[] = {"what", "value"};
  hl_table_t *t = hl_table_new(headers, 2, "ll");
  if (!t) return NULL;
  char cpus[64], mhz[32], load[96], topo[1024], heaplab[256], backends[2048], opts[512];
  num(cpus, sizeof cpus, ctx, "num_cpus", "");
  num(mhz, sizeof mhz, ctx, "mhz_per_cpu", " MHz");
  const json_t *la = json_object_get(ctx, "load_avg");
  snprintf(load, sizeof load, "%.2f %.2f %.2f (at the start)",
           json_number_value(json_array_get(la, 0)), json_number_value(json_array_get(la, 1)),
           json_number_value(json_array_get(la, 2)));
  topology_text(json_object_get(ctx, "topology"), topo, sizeof topo);
  snprintf(heaplab, sizeof heaplab, "%s, %s build, revision %s; Google Benchmark %s; %s",
           str(ctx, "heaplab_version"), str(ctx, "heaplab_build_type"),
           str(ctx, "heaplab_revision"), str(ctx, "benchmark_library_version"),
           str(ctx, "counters_library"));
  backends_text(ctx, backends, sizeof backends);
  const json_t *o = json_object_get(ctx, "options");
  char reps[16], threads[16], seed[32];
  num(reps, sizeof reps, o, "reps", "");
  num(threads, sizeof threads, o, "threads", "");
  num(seed, sizeof seed, o, "seed", "");
  snprintf(opts, sizeof opts,
           "%s repetitions (interleaved, one process each), %s thread(s), pin %s, "
           "escape %s, GOGC %s, seed %s%s",
           reps, threads, str(o, "pin"), str(o, "escape"), str(o, "gogc"), seed,
           json_is_true(json_object_get(o, "quick")) ? ", --quick" : "");
  const char *rows[][2] = {
      {"date", str(ctx, "date")},
      {"host", str(ctx, "host_name")},
      {"command", str(ctx, "command")},
      {"options", opts},
      {"heaplab", heaplab},
      {"kernel", str(ctx, "kernel")},
      {"transparent huge pages", str(ctx, "thp_enabled")},
      {"CPUs", cpus},
      {"CPU clock", mhz},
      {"topology", topo},
      {"load average", load},
      {"backends", backends},
  };
  int rc = 0;
  for (size_t i = 0; rc == 0 && i < sizeof rows / sizeof rows[0]; i++)
    rc = hl_table_add(t, rows[i]);
  if (json_is_true(json_object_get(ctx, "interrupted"))) {
    const char *row[] = {"interrupted", "yes: the run was stopped before its end"};
    if (rc == 0) rc = hl_table_add(t, row);
  }
  if (rc == 0) return t;
  hl_table_free(t);
  return NULL;
}

