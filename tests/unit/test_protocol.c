/* The cell spec's encode/decode pair (harness/worker/cellspec.h): every workload
 * with its default, quick and random parameter values, every backend (with
 * options where it has some), and every knob at ordinary and extreme values
 * survive the round trip exactly; a text with a field missing, added,
 * mistyped or out of range is refused and the field named. */
#include "cellspec.h"
#include "error.h"
#include "th.h"

#include <stdlib.h>
#include <string.h>

static uint64_t rng = 88172645463325252ull;

static uint64_t next(void) {
  rng ^= rng << 13;
  rng ^= rng >> 7;
  rng ^= rng << 17;
  return rng;
}

/* A valid value of a parameter, often at its bounds. */
static uint64_t some_value(const hl_param_spec_t *p) {
  if (p->kind == HL_PARAM_CHOICE) {
    uint64_t n = 0;
    while (p->choices[n])
      n++;
    return next() % n;
  }
  switch (next() % 4) {
  case 0: return p->min;
  case 1: return p->max;
  case 2: return p->def;
  default: return p->min + next() % (p->max - p->min + 1 ? p->max - p->min + 1 : 1);
  }
}

static void random_spec(hl_cell_spec_t *s, const hl_workload_t *w, const hl_backend_t *b) {
  hl_cell_spec_init(s);
  s->workload = w;
  for (size_t k = 0; k < w->nparams; k++)
    s->param[k] = some_value(&w->params[k]);
  char text[200], why[256];
  snprintf(text, sizeof text, "%s", b->name);
  if (b == &hl_backend_so) /* a user's library: any file resolves */
    snprintf(text, sizeof text, "so:/bin/sh%s", next() % 2 ? ":name=mine" : "");
  if (b->noptions && next() % 2) {
    const char *named = hl_backend_option_name(&b->options[0], b->options[0].max);
    if (named)
      snprintf(text, sizeof text, "%s:%s=%s", b->name, b->options[0].key, named);
    else
      snprintf(text, sizeof text, "%s:%s=%lld", b->name, b->options[0].key,
               (long long)b->options[0].max);
  }
  CHECK_INT(hl_backend_spec_parse(text, &s->backend, why, sizeof why), 0);
  s->gc_percent = next() % 3 == 0 ? HL_GC_OFF : (int)(1 + next() % 100000);
  s->memory_limit_bytes = next() % 3 == 0 ? HL_NO_MEMORY_LIMIT : (int64_t)(next() >> 2);
  s->pacer_model = next() % 2 ? HL_PACER_GO122 : HL_PACER_GO119;
  s->escape = next() % 2 ? HL_ESCAPE_ON : HL_ESCAPE_OFF;
  s->threads = (unsigned)(1 + next() % 1024);
  s->pin = (hl_pin_t)(next() % 3);
  s->ncounters = next() % 4;
  for (size_t i = 0; i < s->ncounters; i++)
    snprintf(s->counters[i], HL_COUNTER_NAME_MAX, "perf::EVENT-%zu", i);
  s->seed = next() % 2 ? UINT64_MAX : next();
  s->rep_index = (unsigned)(next() % 10000);
  s->sample_ms = (unsigned)(next() % 60001);
  s->thrash_window_s = (double)(next() % 1000) / 8;
  s->gctrace = (int)(next() % 2);
  s->memory_limit_ratio = next() % 2 ? 0 : (double)(next() % 1001) / 1000;
  s->hard_limit_mode = (hl_limit_mode_t)(next() % 4);
  s->hard_limit_bytes = s->hard_limit_mode == HL_LIMIT_NONE ? 0 : 1 + (next() >> 1);
}

static void check_same(const hl_cell_spec_t *a, const hl_cell_spec_t *b) {
  CHECK(a->workload == b->workload);
  for (size_t k = 0; k < a->workload->nparams; k++)
    CHECK_U64(a->param[k], b->param[k]);
  CHECK_STR(a->backend.name, b->backend.name);
  CHECK_STR(a->backend.library, b->backend.library);
  CHECK_INT(a->program.on, b->program.on);
  CHECK_STR(a->program.command, b->program.command);
  CHECK_STR(a->program.name, b->program.name);
  CHECK_INT(a->program.shell, b->program.shell);
  CHECK(a->backend.backend == b->backend.backend);
  CHECK_INT(a->backend.options_given, b->backend.options_given);
  CHECK_INT(a->gc_percent, b->gc_percent);
  CHECK_INT(a->memory_limit_bytes, b->memory_limit_bytes);
  CHECK(a->memory_limit_ratio == b->memory_limit_ratio);
  CHECK_INT(a->pacer_model, b->pacer_model);
  CHECK_INT(a->escape, b->escape);
  CHECK_INT(a->threads, b->threads);
  CHECK_INT(a->pin, b->pin);
  CHECK_INT(a->ncounters, b->ncounters);
  for (size_t i = 0; i < a->ncounters && i < b->ncounters; i++)
    CHECK_STR(a->counters[i], b->counters[i]);
  CHECK_U64(a->seed, b->seed);
  CHECK_INT(a->rep_index, b->rep_index);
  CHECK_INT(a->sample_ms, b->sample_ms);
  CHECK(a->thrash_window_s == b->thrash_window_s);
  CHECK_INT(a->gctrace, b->gctrace);
  CHECK_U64(a->hard_limit_bytes, b->hard_limit_bytes);
  CHECK_INT(a->hard_limit_mode, b->hard_limit_mode);
}

static void test_round_trip(void) {
  size_t nw, nb;
  const hl_workload_t *const *w = hl_workload_all(&nw);
  const hl_backend_t *const *b = hl_backend_all(&nb);
  for (size_t i = 0; i < nw; i++)
    for (int round = 0; round < 40; round++) {
      hl_cell_spec_t s, back;
      random_spec(&s, w[i], b[(size_t)round % nb]);
      if (round == 0) hl_workload_defaults(w[i], 0, s.param);
      if (round == 1) hl_workload_defaults(w[i], 1, s.param);
      char *text = hl_cell_spec_encode(&s), why[512] = "";
      CHECK(text != NULL);
      if (!text) continue;
      int rc = hl_cell_spec_decode(text, &back, why, sizeof why);
      if (rc)
        TH_FAIL("%s: %s (%s)", w[i]->name, why, text);
      else
        check_same(&s, &back);
      free(text);
    }
}

/* A program's cells: the command (quotes, backslashes, non-ASCII), its
 * name and --shell survive the trip on every backend that runs one. */
static void test_program_round_trip(void) {
  static const char *const commands[] = {"sort in.txt", "python3 -c 'print(\"a\\tb\")'",
                                         "./svc --port 80 \"two words\" \xc3\xa9t\xc3\xa9",
                                         "kill -SEGV $$"};
  size_t nb;
  const hl_backend_t *const *b = hl_backend_all(&nb);
  for (size_t i = 0; i < nb; i++) {
    if (!hl_backend_fits_programs(b[i]) || b[i]->named_only) continue;
    for (size_t k = 0; k < sizeof commands / sizeof commands[0]; k++) {
      hl_cell_spec_t s, back;
      char why[512] = "";
      random_spec(&s, &hl_program_workload, b[i]);
      s.program.on = 1;
      s.program.shell = (int)(k % 2);
      snprintf(s.program.command, sizeof s.program.command, "%s", commands[k]);
      snprintf(s.program.name, sizeof s.program.name, "prog%zu", k);
      char *text = hl_cell_spec_encode(&s);
      CHECK(text != NULL);
      if (text && hl_cell_spec_decode(text, &back, why, sizeof why) != 0)
        TH_FAIL("%s: %s", why, text);
      else if (text)
        check_same(&s, &back);
      free(text);
    }
  }
  /* the workload "program" without a program, and a program on another */
  hl_cell_spec_t s;
  random_spec(&s, &hl_program_workload, b[0]);
  char *text = hl_cell_spec_encode(&s), why[256];
  CHECK(text && hl_cell_spec_decode(text, &s, why, sizeof why) != 0 && strstr(why, "program"));
  free(text);
}

/* text with the first `from` replaced by `to` must be refused naming `field`. */
static void refused(const char *text, const char *from, const char *to, const char *field) {
  char bad[4096], why[512] = "";
  const char *at = strstr(text, from);
  CHECK(at != NULL);
  if (!at) return;
  snprintf(bad, sizeof bad, "%.*s%s%s", (int)(at - text), text, to, at + strlen(from));
  hl_cell_spec_t s;
  if (hl_cell_spec_decode(bad, &s, why, sizeof why) == 0)
    TH_FAIL("accepted %s", bad);
  else if (!strstr(why, field))
    TH_FAIL("'%s' does not name %s", why, field);
}

static void test_refusals(void) {
  hl_cell_spec_t s;
  hl_cell_spec_init(&s);
  s.workload = hl_workload_find("steady-service");
  hl_workload_defaults(s.workload, 0, s.param);
  char why[256];
  CHECK_INT(hl_backend_spec_parse("glibc", &s.backend, why, sizeof why), 0);
  char *text = hl_cell_spec_encode(&s);
  CHECK(text && strstr(text, "\"gc_percent\":\"100\"") &&
        strstr(text, "\"hard_limit_mode\":\"none\""));
  refused(text, "\"steady-service\"", "\"steady-servic\"", "workload");
  refused(text, "\"glibc\"", "\"glibcc\"", "backend");
  refused(text, "\"live\":\"16M\"", "\"live\":\"16Q\"", "params");
  refused(text, "\"live\":\"16M\",", "", "params");
  refused(text, "\"gc_percent\":\"100\"", "\"gc_percent\":\"-5\"", "gc_percent");
  refused(text, "\"memory_limit_bytes\":\"off\"", "\"memory_limit_bytes\":\"lots\"",
          "memory_limit_bytes");
  refused(text, "\"pacer_model\":\"go122\"", "\"pacer_model\":\"go118\"", "pacer_model");
  refused(text, "\"threads\":1", "\"threads\":0", "threads");
  refused(text, "\"pin\":\"none\"", "\"pin\":\"tight\"", "pin");
  refused(text, "\"gctrace\":false", "\"gctrace\":0", "gctrace");
  refused(text, "\"hard_limit_bytes\":\"0\"", "\"hard_limit_bytes\":\"5\"", "hard_limit_mode");
  refused(text, "\"escape\":\"on\"", "\"escape\":\"on\",\"extra\":1", "keys");
  refused(text, "{", "[", "not a JSON object");
  free(text);
}

int main(void) {
  test_round_trip();
  test_program_round_trip();
  test_refusals();
  return th_done("test_protocol");
}
