/* The cell spec and its one encode/decode pair (cellspec.h).
 *
 * The encoding is one JSON object with a key per field, values in the words
 * a person would write on the command line ("off", "go122", "on", "none",
 * parameter values as heaplab formats them), so a worker's command line in
 * `ps` reads as what it runs. Decoding checks every value as strictly as the
 * command line does and refuses a missing or unknown key. */
#include "cellspec.h"

#include "error.h"
#include "size.h"

#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void hl_cell_spec_init(hl_cell_spec_t *s) {
  memset(s, 0, sizeof *s);
  s->gc_percent = 100;
  s->memory_limit_bytes = HL_NO_MEMORY_LIMIT;
  s->pacer_model = HL_PACER_GO122;
  s->escape = HL_ESCAPE_ON;
  s->threads = 1;
  s->pin = HL_PIN_NONE;
  s->seed = 1;
}

void hl_cell_spec_counter_names(const hl_cell_spec_t *s, const char **names) {
  for (size_t i = 0; i < s->ncounters; i++)
    names[i] = s->counters[i];
}

/* ---- encoding ---------------------------------------------------------------- */

static json_t *params_json(const hl_cell_spec_t *s) {
  json_t *p = json_object();
  for (size_t k = 0; p && k < s->workload->nparams; k++) {
    char v[64];
    hl_param_format(&s->workload->params[k], s->param[k], v, sizeof v);
    json_object_set_new(p, s->workload->params[k].key, json_string(v));
  }
  return p;
}

static json_t *counters_json(const hl_cell_spec_t *s) {
  json_t *a = json_array();
  for (size_t i = 0; a && i < s->ncounters; i++)
    json_array_append_new(a, json_string(s->counters[i]));
  return a;
}

/* null for a workload's cell, else the program */
static json_t *program_json(const hl_cell_spec_t *s) {
  const hl_program_spec_t *p = &s->program;
  if (!p->on) return json_null();
  return json_pack("{s:s, s:s, s:b}", "command", p->command, "name", p->name, "shell", p->shell);
}

char *hl_cell_spec_encode(const hl_cell_spec_t *s) {
  char gogc[32], memlimit[32], backend[1200];
  hl_backend_spec_text(&s->backend, backend, sizeof backend);
  if (s->gc_percent == HL_GC_OFF)
    snprintf(gogc, sizeof gogc, "off");
  else
    snprintf(gogc, sizeof gogc, "%d", s->gc_percent);
  if (s->memory_limit_bytes == HL_NO_MEMORY_LIMIT)
    snprintf(memlimit, sizeof memlimit, "off");
  else
    snprintf(memlimit, sizeof memlimit, "%" PRId64, s->memory_limit_bytes);
  json_t *o = json_pack(
      "{s:s, s:o, s:s, s:s, s:s, s:s, s:s, s:I, s:s, s:o, s:I, s:I, s:f, s:b, s:s}", "workload",
      s->workload->name, "params", params_json(s), "backend", backend, "gc_percent", gogc,
      "memory_limit_bytes", memlimit, "pacer_model", hl_pacer_model_name(s->pacer_model), "escape",
      s->escape == HL_ESCAPE_ON ? "on" : "off", "threads", (json_int_t)s->threads, "pin",
      hl_pin_name(s->pin), "counters", counters_json(s), "rep_index", (json_int_t)s->rep_index,
      "sample_ms", (json_int_t)s->sample_ms, "thrash_window_s", s->thrash_window_s, "gctrace",
      s->gctrace, "hard_limit_mode", hl_limit_mode_name(s->hard_limit_mode));
  if (!o) return NULL;
  /* 64-bit unsigned values as decimal strings: JSON integers are signed */
  char num[32];
  snprintf(num, sizeof num, "%" PRIu64, s->seed);
  json_object_set_new(o, "seed", json_string(num));
  snprintf(num, sizeof num, "%" PRIu64, s->hard_limit_bytes);
  json_object_set_new(o, "hard_limit_bytes", json_string(num));
  json_object_set_new(o, "measure", json_string(hl_measure_name(s->measure)));
  json_object_set_new(o, "program", program_json(s));
  json_object_set_new(o, "memory_limit_ratio", json_real(s->memory_limit_ratio));
  char *text = json_dumps(o, JSON_COMPACT | JSON_PRESERVE_ORDER | JSON_REAL_PRECISION(17));
  json_decref(o);
  return text;
}

/* ---- decoding ---------------------------------------------------------------- */

typedef struct reader {
  const json_t *o;
  char *why;
  size_t len;
} reader_t;

static int fail(reader_t *r, const char *key, const char *what) {
  snprintf(r->why, r->len, "cell spec: \"%s\": %s", key, what);
  return HL_EINVAL;
}

static int get_str(reader_t *r, const char *key, const char **out) {
  *out = json_string_value(json_object_get(r->o, key));
  return *out ? 0 : fail(r, key, "missing, or not a string");
}

static int get_uint(reader_t *r, const char *key, uint64_t max, uint64_t *out) {
  const json_t *v = json_object_get(r->o, key);
  const char *text = json_string_value(v);
  if (json_is_integer(v) && json_integer_value(v) >= 0) {
    *out = (uint64_t)json_integer_value(v);
  } else if (text && *text && strspn(text, "0123456789") == strlen(text)) {
    char *end;
    *out = strtoull(text, &end, 10);
  } else {
    return fail(r, key, "missing, or not a whole number");
  }
  return *out <= max ? 0 : fail(r, key, "out of range");
}

static int decode_params(reader_t *r, hl_cell_spec_t *s) {
  const json_t *p = json_object_get(r->o, "params");
  const hl_workload_t *w = s->workload;
  if (!json_is_object(p) || json_object_size(p) != w->nparams)
    return fail(r, "params", "missing, or not one value per parameter of the workload");
  for (size_t k = 0; k < w->nparams; k++) {
    const char *v = json_string_value(json_object_get(p, w->params[k].key));
    char reason[192];
    if (!v) return fail(r, "params", "a parameter of the workload is missing");
    if (hl_param_parse(&w->params[k], v, &s->param[k], reason, sizeof reason) != 0)
      return fail(r, "params", reason);
  }
  return 0;
}

static int decode_knobs(reader_t *r, hl_cell_spec_t *s) {
  const char *v;
  uint64_t u;
  int rc = get_str(r, "gc_percent", &v);
  if (rc) return rc;
  if (!strcmp(v, "off"))
    s->gc_percent = HL_GC_OFF;
  else if (hl_parse_count(v, 1, 100000, &u) == 0)
    s->gc_percent = (int)u;
  else
    return fail(r, "gc_percent", "expected 1..100000 or off");
  if ((rc = get_str(r, "memory_limit_bytes", &v)) != 0) return rc;
  if (!strcmp(v, "off"))
    s->memory_limit_bytes = HL_NO_MEMORY_LIMIT;
  else if (hl_parse_count(v, 0, INT64_MAX - 1, &u) == 0)
    s->memory_limit_bytes = (int64_t)u;
  else
    return fail(r, "memory_limit_bytes", "expected a byte count or off");
  if ((rc = get_str(r, "pacer_model", &v)) != 0) return rc;
  if (hl_pacer_model_parse(v, &s->pacer_model) != 0)
    return fail(r, "pacer_model", "expected go122 or go119");
  if ((rc = get_str(r, "escape", &v)) != 0) return rc;
  if (strcmp(v, "on") && strcmp(v, "off")) return fail(r, "escape", "expected on or off");
  s->escape = !strcmp(v, "on") ? HL_ESCAPE_ON : HL_ESCAPE_OFF;
  return 0;
}

static int decode_counters(reader_t *r, hl_cell_spec_t *s) {
  const json_t *a = json_object_get(r->o, "counters");
  if (!json_is_array(a) || json_array_size(a) > HL_MAX_COUNTERS)
    return fail(r, "counters", "missing, or more than the counters heaplab opens");
  for (size_t i = 0; i < json_array_size(a); i++) {
    const char *name = json_string_value(json_array_get(a, i));
    if (!name || !*name || strlen(name) >= HL_COUNTER_NAME_MAX)
      return fail(r, "counters", "a name is not a string or too long");
    snprintf(s->counters[i], HL_COUNTER_NAME_MAX, "%s", name);
  }
  s->ncounters = json_array_size(a);
  return 0;
}

static int decode_run(reader_t *r, hl_cell_spec_t *s) {
  uint64_t u;
  const char *v;
  int rc;
  if ((rc = get_uint(r, "threads", 1024, &u)) != 0) return rc;
  if (u == 0) return fail(r, "threads", "at least 1");
  s->threads = (unsigned)u;
  if ((rc = get_str(r, "pin", &v)) != 0) return rc;
  if (hl_pin_parse(v, &s->pin) != 0) return fail(r, "pin", "expected none, compact or scatter");
  if ((rc = get_uint(r, "seed", UINT64_MAX, &s->seed)) != 0) return rc;
  if ((rc = get_uint(r, "rep_index", 1000000, &u)) != 0) return rc;
  s->rep_index = (unsigned)u;
  if ((rc = get_uint(r, "sample_ms", 60000, &u)) != 0) return rc;
  s->sample_ms = (unsigned)u;
  const json_t *tw = json_object_get(r->o, "thrash_window_s");
  if (!json_is_number(tw) || !(json_number_value(tw) >= 0))
    return fail(r, "thrash_window_s", "missing, or not seconds >= 0");
  s->thrash_window_s = json_number_value(tw);
  const json_t *gt = json_object_get(r->o, "gctrace");
  if (!json_is_boolean(gt)) return fail(r, "gctrace", "missing, or not true/false");
  s->gctrace = json_is_true(gt);
  if ((rc = get_uint(r, "hard_limit_bytes", UINT64_MAX, &s->hard_limit_bytes)) != 0) return rc;
  if ((rc = get_str(r, "hard_limit_mode", &v)) != 0) return rc;
  if (!strcmp(v, "none"))
    s->hard_limit_mode = HL_LIMIT_NONE;
  else if (hl_limit_mode_parse(v, &s->hard_limit_mode) != 0)
    return fail(r, "hard_limit_mode", "expected none, cgroup, rlimit or watchdog");
  if ((s->hard_limit_mode == HL_LIMIT_NONE) != (s->hard_limit_bytes == 0))
    return fail(r, "hard_limit_mode", "a mode needs a limit and a limit a mode");
  if ((rc = get_str(r, "measure", &v)) != 0) return rc;
  if (hl_measure_parse(v, &s->measure) != 0) return fail(r, "measure", "expected time, instructions or cache");
  return 0;
}

static int copy_str(reader_t *r, const json_t *o, const char *key, char *buf, size_t len) {
  const char *v = json_string_value(json_object_get(o, key));
  if (!v || strlen(v) >= len || !*v)
    return fail(r, "program", "a field is missing, empty or too long");
  snprintf(buf, len, "%s", v);
  return 0;
}

static int decode_program(reader_t *r, hl_cell_spec_t *s) {
  const json_t *p = json_object_get(r->o, "program");
  hl_program_spec_t *ps = &s->program;
  if (json_is_null(p)) return 0;
  if (!json_is_object(p) || json_object_size(p) != 3 ||
      !json_is_boolean(json_object_get(p, "shell")))
    return fail(r, "program", "expected null or {command, name, shell}");
  int rc;
  if ((rc = copy_str(r, p, "command", ps->command, sizeof ps->command)) ||
      (rc = copy_str(r, p, "name", ps->name, sizeof ps->name)))
    return rc;
  /* a heaplab workload's program is its Go twin (run/twin.h), on go */
  if (s->workload != &hl_program_workload && s->backend.backend != &hl_backend_go)
    return fail(r, "program", "a program's cell has the workload \"program\" or backend go");
  ps->shell = json_is_true(json_object_get(p, "shell"));
  ps->on = 1;
  return 0;
}

static int decode_ratio(reader_t *r, hl_cell_spec_t *s) {
  const json_t *v = json_object_get(r->o, "memory_limit_ratio");
  double x = json_is_number(v) ? json_number_value(v) : -1;
  if (!(x >= 0 && x <= 1)) return fail(r, "memory_limit_ratio", "missing, or not 0 to 1");
  s->memory_limit_ratio = x;
  return 0;
}

#define NKEYS 20

int hl_cell_spec_decode(const char *text, hl_cell_spec_t *s, char *why, size_t why_len) {
  json_error_t err;
  json_t *o = json_loads(text, 0, &err);
  reader_t r = {o, why, why_len};
  const char *v;
  int rc = 0;
  hl_cell_spec_init(s);
  if (!json_is_object(o)) {
    snprintf(why, why_len, "cell spec: not a JSON object: %s", err.text);
    rc = HL_EPARSE;
  } else if (json_object_size(o) != NKEYS) {
    snprintf(why, why_len, "cell spec: %zu keys, expected %d", json_object_size(o), NKEYS);
    rc = HL_EPARSE;
  } else if ((rc = get_str(&r, "workload", &v)) == 0 &&
             !(s->workload = !strcmp(v, hl_program_workload.name) ? &hl_program_workload
                                                                  : hl_workload_find(v))) {
    rc = fail(&r, "workload", "no such workload");
  }
  if (rc == 0 && (rc = get_str(&r, "backend", &v)) == 0) {
    char reason[256];
    if (hl_backend_spec_parse(v, &s->backend, reason, sizeof reason) != 0)
      rc = fail(&r, "backend", reason);
  }
  if (rc == 0) rc = decode_params(&r, s);
  if (rc == 0) rc = decode_knobs(&r, s);
  if (rc == 0) rc = decode_counters(&r, s);
  if (rc == 0) rc = decode_run(&r, s);
  if (rc == 0) rc = decode_program(&r, s);
  if (rc == 0) rc = decode_ratio(&r, s);
  if (rc == 0 && s->workload == &hl_program_workload && !s->program.on)
    rc = fail(&r, "program", "the workload \"program\" needs one");
  json_decref(o);
  return rc;
}
