/* `heaplab list`: what this build has and whether it works here: backends
 * (each probed as a run would, with its options), workloads, their
 * parameters, counters (each opened as a worker would). */
#include "commands.h"

#include "backends.h"
#include "counters.h"
#include "error.h"
#include "opts.h"
#include "twin.h"
#include "workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void print_probe(const hl_backend_spec_t *spec) {
  json_t *info = NULL;
  char why[512] = "";
  int ok = hl_backend_probe(spec, &info, why, sizeof why);
  const char *path = json_string_value(json_object_get(info, "library_path"));
  const char *version = json_string_value(json_object_get(info, "version"));
  const char *kind = hl_backend_kind_name(spec->backend->kind);
  if (ok && spec->backend->programs_only)
    printf("%-12s %-7s available: %s\n", spec->name, kind, spec->backend->summary);
  else if (ok)
    printf("%-12s %-7s available: %s %s (%s)\n", spec->name, kind, spec->backend->name,
           version && *version ? version : "(no version exported)",
           path && *path ? path : "built into heaplab");
  else
    printf("%-12s %-7s unavailable: %s\n", spec->name, kind, why);
  json_decref(info);
}

/* go's second use: heaplab's workloads through their Go twins. */
static void print_twins(void) {
  const char *no = hl_twin_unavailable();
  char names[512];
  hl_twin_names(names, sizeof names);
  if (no)
    printf("%-12s %-7s unavailable for workloads: %s\n", "", "", no);
  else
    printf("%-12s %-7s workloads through their Go twins: %s\n%-12s %-7s twins: %s\n", "", "",
           hl_twin_path(), "", "", names);
}

/* Every backend, probed; or one spec (so:PATH: the user's library). */
static int list_backends(const char *only) {
  if (only) {
    hl_backend_spec_t spec;
    char why[512];
    if (hl_backend_spec_parse(only, &spec, why, sizeof why) != 0) {
      hl_msg("list", "%s", why);
      return HL_EXIT_USAGE;
    }
    print_probe(&spec);
    return HL_EXIT_OK;
  }
  size_t n;
  const hl_backend_t *const *all = hl_backend_all(&n);
  for (size_t i = 0; i < n; i++) {
    hl_backend_spec_t spec = {.backend = all[i]};
    snprintf(spec.name, sizeof spec.name, "%s", all[i]->name);
    if (all[i]->named_only && !all[i]->programs_only)
      printf("%-12s %-7s %s\n", all[i]->name, hl_backend_kind_name(all[i]->kind),
             all[i]->named_only);
    else
      print_probe(&spec);
    if (all[i] == &hl_backend_go) print_twins();
    /* options, one indented line each: -b NAME:KEY=N */
    for (size_t k = 0; k < all[i]->noptions; k++) {
      const hl_backend_option_t *opt = &all[i]->options[k];
      if (opt->names) {
        printf("%-12s option  %s:%s=", "", all[i]->name, opt->key);
        for (int64_t v = opt->min; v <= opt->max; v++)
          printf("%s%s", v > opt->min ? "|" : "", hl_backend_option_name(opt, v));
        printf(": %s\n", opt->help);
      } else {
        printf("%-12s option  %s:%s=N (%" PRId64 "..%" PRId64 "): %s\n", "", all[i]->name,
               opt->key, opt->min, opt->max, opt->help);
      }
    }
  }
  return HL_EXIT_OK;
}

static int list_workloads(void) {
  size_t n;
  const hl_workload_t *const *all = hl_workload_all(&n);
  for (size_t i = 0; i < n; i++)
    printf("%-16s %-8s %-8s %s\n", all[i]->name, all[i]->kind, all[i]->claim, all[i]->summary);
  return HL_EXIT_OK;
}

static const char *kind_word(hl_param_kind_t k) {
  switch (k) {
  case HL_PARAM_BYTES: return "size";
  case HL_PARAM_PERCENT: return "percent";
  case HL_PARAM_BOOL: return "0|1";
  case HL_PARAM_CHOICE: return "word";
  default: return "count";
  }
}

static int list_params(const char *only) {
  size_t n;
  const hl_workload_t *const *all = hl_workload_all(&n);
  int found = 0;
  for (size_t i = 0; i < n; i++) {
    if (only && strcmp(only, all[i]->name)) continue;
    found = 1;
    printf("%s (%s):\n", all[i]->name, all[i]->summary);
    for (size_t k = 0; k < all[i]->nparams; k++) {
      const hl_param_spec_t *s = &all[i]->params[k];
      char def[48], quick[48];
      hl_param_format(s, s->def, def, sizeof def);
      hl_param_format(s, s->quick, quick, sizeof quick);
      printf("  %-10s %-7s default %-8s --quick %-8s %s\n", s->key, kind_word(s->kind), def, quick,
             s->help);
    }
  }
  if (!found) {
    char names[512];
    hl_workload_names(names, sizeof names);
    hl_msg("list", "unknown workload '%s'; available: %s", only, names);
    return HL_EXIT_USAGE;
  }
  return HL_EXIT_OK;
}

/* The software events every kernel has, listed after the default ones. */
static const char *const software_events[] = {"perf::TASK-CLOCK", "perf::CONTEXT-SWITCHES",
                                              "perf::CPU-MIGRATIONS", "perf::MINOR-FAULTS",
                                              "perf::MAJOR-FAULTS"};

static int list_counters(void) {
  size_t n, total = 0;
  const char *const *names = hl_counters_default(&n);
  char *all[HL_MAX_COUNTERS];
  for (size_t i = 0; i < n && total < HL_MAX_COUNTERS; i++)
    all[total++] = (char *)names[i];
  for (size_t i = 0;
       i < sizeof software_events / sizeof *software_events && total < HL_MAX_COUNTERS; i++)
    all[total++] = (char *)software_events[i];
  hl_counter_status_t st[HL_MAX_COUNTERS];
  if (hl_counters_probe(all, total, st) != 0) return HL_EXIT_USAGE;
  for (size_t i = 0; i < total; i++)
    printf("%-34s %-9s %s%s%s\n", st[i].name, st[i].kind,
           st[i].available ? "available" : "unavailable: ", st[i].available ? "" : st[i].reason,
           i < n ? " (default)" : "");
  printf("(%s; any libpfm4 event name can be given to --counters)\n", hl_counters_backend());
  return HL_EXIT_OK;
}

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab list SUBJECT\n\n"
               "Says what this build of heaplab has and whether each piece works on this machine,\n"
               "checked the way a run would use it. One line per item; exit status 0, or 2 for an\n"
               "unknown subject or workload.\n\n"
               "Subjects:\n"
               "  backends [SPEC]    the allocators and collectors -b takes. Per backend: name,\n"
               "                     kind (malloc or gc), then 'available:' with its version and\n"
               "                     library (a probe process started it as a run would), or\n"
               "                     'unavailable:' and why; under it one 'option' line per\n"
               "                     setting -b NAME:KEY=N takes, with its range. With SPEC,\n"
               "                     that one only, such as your own library:\n"
               "                     so:PATH[:name=NAME]\n"
               "  workloads          the programs -w takes. Per workload: name, kind (bench: in\n"
               "                     -w all; oom: an out-of-memory pattern, named explicitly;\n"
               "                     selftest: checks heaplab itself), the claims it measures\n"
               "                     (C2, C4, ...), and what it does\n"
               "  params [WORKLOAD]  the parameters -p KEY=V takes, for every workload or one:\n"
               "                     key, kind (count, size, percent, word, 0|1), default,\n"
               "                     default under --quick, meaning\n"
               "  counters           the hardware and software events --counters takes: the\n"
               "                     default set, then events every kernel has; per event its\n"
               "                     kind and whether it opens here (a VM often has no PMU)\n\n"
               "Examples:\n"
               "  heaplab list backends\n"
               "  heaplab list backends so:./libmymalloc.so\n"
               "  heaplab list params steady-service\n");
}

int hl_list_main(int argc, char **argv) {
  hl_opts_operands_t ops;
  int rc = hl_opts_parse("list", NULL, 0, argc, argv, 2, &ops);
  if (rc == 1) {
    FILE *page = hl_opts_page_open(stdout);
    usage(page);
    hl_opts_page_close(page, stdout);
  }
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  const char *what = ops.n ? ops.v[0] : "";
  const char *arg = ops.n == 2 ? ops.v[1] : NULL;
  int single = ops.n == 1;
  free(ops.v);
  if (!strcmp(what, "backends")) return list_backends(arg);
  if (!strcmp(what, "workloads") && single) return list_workloads();
  if (!strcmp(what, "params")) return list_params(arg);
  if (!strcmp(what, "counters") && single) return list_counters();
  hl_msg("list", "expected one of: backends, workloads, counters, params [WORKLOAD]");
  return HL_EXIT_USAGE;
}
