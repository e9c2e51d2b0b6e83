/* `heaplab list`: what this build has and whether it works here: backends
 * (each probed as a run would, with its options), workloads, their
 * parameters, counters (each opened as a worker would). */
#include "commands.h"

#include "backends.h"
#include "counters.h"
#include "error.h"
#include "opts.h"
#include "workload.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int list_backends(void) {
  size_t n;
  const hl_backend_t *const *all = hl_backend_all(&n);
  for (size_t i = 0; i < n; i++) {
    hl_backend_spec_t spec = {.backend = all[i]};
    snprintf(spec.name, sizeof spec.name, "%s", all[i]->name);
    json_t *info = NULL;
    char why[512] = "";
    int ok = hl_backend_probe(&spec, &info, why, sizeof why);
    const char *path = json_string_value(json_object_get(info, "library_path"));
    const char *kind = hl_backend_kind_name(all[i]->kind);
    if (ok)
      printf("%-12s %-7s available: %s %s (%s)\n", all[i]->name, kind, all[i]->name,
             json_string_value(json_object_get(info, "version")),
             path && *path ? path : "built into heaplab");
    else
      printf("%-12s %-7s unavailable: %s\n", all[i]->name, kind, why);
    json_decref(info);
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

static void usage(void) {
  printf("Usage: heaplab list SUBJECT\n\n"
         "  backends           every backend of this build, probed as a run would start it:\n"
         "                     available (version, library) or why not; its options\n"
         "  workloads          every workload: kind (bench, oom, selftest), the claim it\n"
         "                     measures, what it does\n"
         "  params [WORKLOAD]  each workload's parameters: kind, default, --quick default\n"
         "  counters           the default and software events, opened as a worker would:\n"
         "                     available here or why not\n");
}

int hl_list_main(int argc, char **argv) {
  hl_opts_operands_t ops;
  int rc = hl_opts_parse("list", NULL, 0, argc, argv, 2, &ops);
  if (rc == 1) usage();
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  const char *what = ops.n ? ops.v[0] : "";
  const char *arg = ops.n == 2 ? ops.v[1] : NULL;
  int single = ops.n == 1;
  free(ops.v);
  if (!strcmp(what, "backends") && single) return list_backends();
  if (!strcmp(what, "workloads") && single) return list_workloads();
  if (!strcmp(what, "params")) return list_params(arg);
  if (!strcmp(what, "counters") && single) return list_counters();
  hl_msg("list", "expected one of: backends, workloads, counters, params [WORKLOAD]");
  return HL_EXIT_USAGE;
}
