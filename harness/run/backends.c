/* Backend specs and probes (backends.h). */
#include "backends.h"

#include "child.h"
#include "error.h"
#include "argsplit.h"
#include "interrupt.h"
#include "program.h"
#include "twin.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define PROBE_TIMEOUT_S 30

int hl_backend_probe(const hl_backend_spec_t *spec, json_t **info, char *why, size_t why_len) {
  const hl_backend_t *b = spec->backend;
  char exe[4096];
  if (b->unbuilt) {
    snprintf(why, why_len, "%s", b->unbuilt);
    return 0;
  }
  if (hl_self_exe(exe, sizeof exe) != 0) {
    snprintf(why, why_len, "cannot find the heaplab executable");
    return 0;
  }
  char text[1200];
  hl_backend_spec_text(spec, text, sizeof text);
  char *argv[] = {exe, (char *)"__probe", text, NULL};
  hl_spawn_config_t cfg = {.argv = argv,
                           .preload = hl_backend_spec_preload(spec),
                           .timeout_s = PROBE_TIMEOUT_S,
                           .interrupted = &hl_interrupted};
  hl_child_result_t res;
  if (hl_child_run(&cfg, &res) != 0) {
    snprintf(why, why_len, "cannot start a probe process");
    return 0;
  }
  json_t *probe = hl_child_record(&res, "probe");
  int ok = probe && res.exit_status == 0;
  if (ok) {
    if (info) *info = json_incref(probe);
  } else {
    json_t *err = hl_child_record(&res, "error");
    snprintf(why, why_len, "%s",
             err ? json_string_value(json_object_get(err, "message")) : res.message);
  }
  hl_child_result_free(&res);
  return ok;
}

/* The context's entry of one spec: what kind it is, what it cannot report,
 * and the probe's answer. */
static void note_backend(hl_backends_t *bs, const hl_backend_spec_t *spec, json_t *probe,
                         const char *why) {
  const hl_backend_t *b = spec->backend;
  json_t *o = json_pack("{s:s}", "kind", hl_backend_kind_name(b->kind));
  char text[512];
  snprintf(text, sizeof text, "%s%s%s",
           b->kind == HL_BACKEND_MALLOC
               ? "num_gc, heap_goal_bytes, gc_pause_total_ns: not a collector"
               : "",
           b->kind == HL_BACKEND_MALLOC && b->unreported ? "; " : "",
           b->unreported ? b->unreported : "");
  if (text[0]) json_object_set_new(o, "not_reported", json_string(text));
  if (probe) {
    json_object_set_new(o, "status", json_string("available"));
    json_object_update(o, probe);
    json_object_del(o, "type");
  } else {
    snprintf(text, sizeof text, "unavailable: %s", why);
    json_object_set_new(o, "status", json_string(text));
  }
  if (spec->options_given) {
    json_t *opts = json_object();
    for (size_t k = 0; k < b->noptions; k++)
      if (spec->options_given & (1u << k)) {
        const char *named = hl_backend_option_name(&b->options[k], spec->option[k]);
        json_object_set_new(opts, b->options[k].key,
                            named ? json_string(named) : json_integer(spec->option[k]));
      }
    json_object_set_new(o, "backend", json_string(b->name));
    json_object_set_new(o, "options", opts);
  }
  json_object_set_new(bs->info, spec->name, o);
}

/* The kinds of the -x programs: bit 1 some Go program, bit 2 some other
 * (one that cannot be inspected counts as both: planning reports it), so
 * that "all" probes go only for Go programs and the mallocs only for the
 * others. */
static int program_kinds(const hl_run_request_t *rq) {
  int kinds = 0;
  for (size_t i = 0; i < rq->ncommands; i++) {
    char **argv, why[512];
    size_t argc;
    hl_program_info_t info;
    if (hl_argsplit(rq->commands[i], &argv, &argc, why, sizeof why) != 0) return 3;
    int rc = hl_program_inspect(rq->shell ? "/bin/sh" : argv[0], &info, why, sizeof why);
    free(argv);
    kinds |= rc ? 3 : info.is_go ? 1 : 2;
  }
  return kinds;
}

int hl_backends_parse(const hl_run_request_t *rq, hl_backends_t *bs) {
  size_t nall;
  const hl_backend_t *const *all = hl_backend_all(&nall);
  bs->everything = rq->nbackends == 0 || (rq->nbackends == 1 && !strcmp(rq->backends[0], "all"));
  bs->nasked = bs->everything ? nall : rq->nbackends;
  size_t k = 0;
  bs->asked = calloc(bs->nasked ? bs->nasked : 1, sizeof *bs->asked);
  bs->spec = calloc(bs->nasked ? bs->nasked : 1, sizeof *bs->spec);
  bs->info = json_object();
  if (!bs->asked || !bs->spec || !bs->info) return HL_ENOMEM;
  int kinds = bs->everything && rq->ncommands ? program_kinds(rq) : 0;
  for (size_t i = 0; i < bs->nasked; i++) {
    char why[512];
    if (bs->everything) {
      /* "all": what runs the cells asked for (a program: what can be put
       * into one, go included; a workload: everything but named_only) */
      int take = rq->ncommands ? hl_backend_fits_programs(all[i]) &&
                                     (!all[i]->named_only || all[i]->programs_only) &&
                                     kinds & (all[i] == &hl_backend_go ? 1 : 2)
                               : !all[i]->named_only && !all[i]->programs_only;
      if (!take) continue;
      bs->asked[k].backend = all[i];
      snprintf(bs->asked[k++].name, sizeof bs->asked[0].name, "%s", all[i]->name);
      continue;
    }
    if (hl_backend_spec_parse(rq->backends[i], &bs->asked[i], why, sizeof why) != 0) {
      hl_msg("run", "%s", why);
      return HL_EINVAL;
    }
    for (size_t j = 0; j < i; j++)
      if (!strcmp(bs->asked[j].name, bs->asked[i].name)) {
        hl_msg("run", "backend '%s' named twice", bs->asked[i].name);
        return HL_EINVAL;
      }
    const hl_backend_t *b = bs->asked[i].backend;
    if (rq->ncommands && !hl_backend_fits_programs(b)) {
      hl_msg("run",
             "backend %s cannot run a program (-x): it runs heaplab's workloads; a "
             "program takes glibc, a preloaded malloc (jemalloc, mimalloc, tcmalloc, "
             "span-malloc, so:PATH) or go",
             b->name);
      return HL_EINVAL;
    }
    /* go runs a workload through its Go twin (twin.h) when they were built */
    const char *no_twins = b == &hl_backend_go ? hl_twin_unavailable() : "";
    if (!rq->ncommands && b->programs_only && no_twins) {
      hl_msg("run",
             "backend %s is unavailable for workloads: %s; it runs a Go program given "
             "with -x",
             b->name, *no_twins ? no_twins : "it has no workloads");
      return HL_EINVAL;
    }
  }
  if (bs->everything) bs->nasked = k;
  return 0;
}

/* Probes and keeps one spec; skips it ("all") or fails. */
static int take(hl_backends_t *bs, const hl_backend_spec_t *spec) {
  json_t *probe = NULL;
  char why[512] = "";
  int ok = hl_backend_probe(spec, &probe, why, sizeof why);
  note_backend(bs, spec, probe, why);
  json_decref(probe);
  if (ok) {
    bs->spec[bs->n++] = *spec;
    return 0;
  }
  if (!bs->everything) {
    hl_msg("run", "backend '%s' is unavailable: %s", spec->name, why);
    return HL_EINVAL;
  }
  hl_msg("run", "skipping backend %s: unavailable: %s", spec->name, why);
  return 0;
}

/* In the order asked (-b), which is the order cells run and print in; with
 * no -b or 'all', the registry's. */
int hl_backends_probe(hl_backends_t *bs) {
  int rc = 0;
  for (size_t j = 0; j < bs->nasked && rc == 0; j++)
    rc = take(bs, &bs->asked[j]);
  if (rc == 0 && bs->n == 0) {
    hl_msg("run", "no backend is available (see heaplab list backends)");
    rc = HL_EINVAL;
  }
  return rc;
}

int hl_backends_asked(const hl_backends_t *bs, const hl_backend_t *b) {
  for (size_t i = 0; i < bs->nasked; i++)
    if (bs->asked[i].backend == b) return 1;
  return 0;
}

void hl_backends_free(hl_backends_t *bs) {
  free(bs->spec);
  free(bs->asked);
  json_decref(bs->info);
  memset(bs, 0, sizeof *bs);
}
