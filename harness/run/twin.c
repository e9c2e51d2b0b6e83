/* heaplab's workloads through their Go twins (twin.h). */
#include "twin.h"

#include "config.h"
#include "error.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* The twins of workloads/go/main.go (its `-list` less `empty`, which is no
 * heaplab workload); the counts test holds `list backends` to `-list`. */
static const char *const twins[] = {
    "escape-return",   "closure-capture", "interface-boxing", "slice-growth",
    "string-build",    "struct-layout",   "pool-reuse",       "producer-consumer",
    "sizeclass-sweep", "large-objects",   "steady-service",
};
#define NTWINS (sizeof twins / sizeof twins[0])

const char *hl_twin_path(void) {
  return HL_GO_TWINS;
}

const char *hl_twin_unavailable(void) {
  if (!*HL_GO_TWINS)
    return "the Go twins were not built (no go tool when heaplab was built: Debian "
           "golang-go), so no workload has a Go program to run";
  if (access(HL_GO_TWINS, X_OK) != 0) return "the Go twins' binary is missing from the build";
  return NULL;
}

int hl_twin_has(const hl_workload_t *w) {
  for (size_t i = 0; i < NTWINS; i++)
    if (!strcmp(twins[i], w->name)) return 1;
  return 0;
}

void hl_twin_names(char *buf, size_t len) {
  size_t off = 0;
  buf[0] = 0;
  for (size_t i = 0; i < NTWINS && off < len; i++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s", i ? ", " : "", twins[i]);
}

int hl_twin_is_cell(const hl_cell_spec_t *s) {
  return s->program.on && s->workload != &hl_program_workload;
}

/* TWINS -w W -threads N -seed S -sample-ms MS -p KEY=VALUE...: every
 * parameter as resolved (so --quick and heaplab's defaults are the
 * twin's), in heaplab's own units and words. The twin's heap sampler is a
 * goroutine that allocates; it runs only when --sample-ms asks. */
int hl_twin_cell(hl_cell_spec_t *s, char *why, size_t why_len) {
  const hl_workload_t *w = s->workload;
  const char *no = hl_twin_unavailable();
  char names[512];
  if (no) {
    snprintf(why, why_len, "backend go is unavailable for workloads: %s", no);
    return HL_EINVAL;
  }
  if (!hl_twin_has(w)) {
    hl_twin_names(names, sizeof names);
    snprintf(why, why_len,
             "%s has no Go twin, so backend go cannot run it (twins: %s; a Go program "
             "runs with -x)",
             w->name, names);
    return HL_EINVAL;
  }
  hl_program_spec_t *ps = &s->program;
  size_t off = (size_t)snprintf(ps->command, sizeof ps->command,
                                "%s -w %s -threads %u -seed %llu -sample-ms %u", HL_GO_TWINS,
                                w->name, s->threads, (unsigned long long)s->seed, s->sample_ms);
  for (size_t k = 0; k < w->nparams && off < sizeof ps->command; k++) {
    char v[48];
    hl_param_format(&w->params[k], s->param[k], v, sizeof v);
    off += (size_t)snprintf(ps->command + off, sizeof ps->command - off, " -p %s=%s",
                            w->params[k].key, v);
  }
  if (off >= sizeof ps->command) {
    snprintf(why, why_len, "%s: the twin's command line is too long", w->name);
    return HL_EINVAL;
  }
  snprintf(ps->name, sizeof ps->name, "%s", w->name);
  ps->on = 1;
  ps->shell = 0;
  return 0;
}

/* ---- the twin's line into the row -------------------------------------------- */

static json_int_t phase_sum(const json_t *d, const char *key) {
  return json_integer_value(json_object_get(json_object_get(d, "setup"), key)) +
         json_integer_value(json_object_get(json_object_get(d, "timed"), key));
}

/* Go's allocations by size class, both phases: span's heap_classes shape. */
static json_t *classes(const json_t *d) {
  json_t *out = json_array();
  const char *phase[] = {"setup", "timed"};
  for (int p = 0; p < 2; p++) {
    size_t i;
    json_t *c;
    json_array_foreach(json_object_get(json_object_get(d, phase[p]), "allocs_by_class"), i, c) {
      json_int_t bytes = json_integer_value(json_object_get(c, "object_bytes"));
      json_int_t n = json_integer_value(json_object_get(c, "mallocs"));
      size_t j;
      json_t *have = NULL, *o;
      json_array_foreach(out, j, o) if (json_integer_value(json_object_get(o, "object_bytes")) ==
                                        bytes) have = o;
      if (have)
        n += json_integer_value(json_object_get(have, "mallocs"));
      else
        json_array_append_new(out, have = json_object());
      json_object_set_new(have, "object_bytes", json_integer(bytes));
      json_object_set_new(have, "mallocs", json_integer(n));
    }
  }
  return out;
}

/* allocs and alloc_bytes are what the runtime counted over setup and the
 * timed loop (objects: tiny ones each; bytes: size classes and pages, a
 * tiny block as 16); time per iteration is the timed loop's, as a
 * workload's row (real_time: wall per iteration, cpu_time: the process's
 * CPU per iteration of every goroutine). The program's whole run stays in
 * wall_ns, user_cpu_ns and the gctrace figures (num_gc: every collection
 * of the process). */
static void merge_line(json_t *row, json_t *d) {
  const json_t *timed = json_object_get(d, "timed");
  json_int_t iters = json_integer_value(json_object_get(d, "iterations"));
  json_int_t threads = json_integer_value(json_object_get(d, "threads"));
  if (iters > 0 && threads > 0) {
    double wall = (double)json_integer_value(json_object_get(timed, "wall_ns"));
    double cpu = (double)json_integer_value(json_object_get(timed, "cpu_ns"));
    json_object_set_new(row, "iterations", json_integer(iters));
    json_object_set_new(row, "real_time", json_real(wall / (double)iters));
    json_object_set_new(row, "cpu_time", json_real(cpu / (double)(iters * threads)));
  }
  json_object_set_new(row, "allocs", json_integer(phase_sum(d, "objects")));
  json_object_set_new(row, "alloc_bytes", json_integer(phase_sum(d, "allocs_bytes")));
  json_object_set_new(row, "frees", json_integer(phase_sum(d, "frees_objects")));
  json_object_set_new(row, "heap_classes", classes(d));
  json_object_set_new(row, "gc_cycles_timed", json_incref(json_object_get(timed, "gc_cycles")));
  json_object_set(row, "twin", d);
}

/* The line, parsed; its "sink" (what the loops computed, a uint64 that
 * JSON integers of jansson cannot hold) is kept as a string. */
static json_t *parse_line(char *text, size_t len) {
  static const char key[] = "\"sink\":";
  char *at = strstr(text, key), *digits = at ? at + sizeof key - 1 : NULL;
  size_t n = digits ? strspn(digits, "0123456789") : 0;
  json_error_t err;
  if (!n) return json_loadb(text, len, 0, &err);
  char *quoted = malloc(len + 3);
  if (!quoted) return NULL;
  size_t head = (size_t)(digits - text);
  memcpy(quoted, text, head);
  quoted[head] = '"';
  memcpy(quoted + head + 1, digits, n);
  quoted[head + 1 + n] = '"';
  memcpy(quoted + head + n + 2, digits + n, len - head - n);
  json_t *d = json_loadb(quoted, len + 2, 0, &err);
  free(quoted);
  return d;
}

void hl_twin_merge(json_t *row) {
  const char *path = json_string_value(json_object_get(row, "stdout_path"));
  if (!path || json_is_true(json_object_get(row, "error_occurred"))) return;
  char *text = NULL;
  size_t len = 0;
  json_t *d = NULL;
  if (hl_read_file(path, &text, &len) == 0) d = parse_line(text, len);
  if (json_is_object(d) && json_is_object(json_object_get(d, "timed")))
    merge_line(row, d);
  else
    json_object_set_new(row, "twin_error",
                        json_string(text ? "the twin's stdout is not its JSON line"
                                         : "the twin's stdout cannot be read"));
  json_decref(d);
  free(text);
}
