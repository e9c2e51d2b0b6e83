/* The run options: one table for parsing, the environment defaults and
 * --help (request.h). */
#include "request.h"

#include "counters.h"
#include "error.h"
#include "size.h"
#include "util.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

enum {
  O_WORKLOADS,
  O_EXEC,
  O_NAME,
  O_SHELL,
  O_WARMUP,
  O_BACKENDS,
  O_PARAM,
  O_REPS,
  O_THREADS,
  O_PIN,
  O_COUNTERS,
  O_ESCAPE,
  O_GOGC,
  O_MEMLIMIT,
  O_MEMLIMIT_RATIO,
  O_GCTRACE,
  O_PACER_MODEL,
  O_SEED,
  O_QUICK,
  O_TIMEOUT,
  O_LIMIT,
  O_LIMIT_MODE,
  O_CGROUP,
  O_SAMPLE_MS,
  O_THRASH_WINDOW,
  O_OUTPUT,
  O_SHARD,
  O_SHARD_FROM_ENV,
  O_MEASURE,
};

#define MAX_REPS 10000
#define MAX_THREADS 1024
#define MAX_SAMPLE_MS 60000
#define MAX_GC_PERCENT 100000

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source);

static const hl_opt_t run_opts[] = {
    {"workloads", 'w', "LIST",
     "workloads, comma-separated, or 'all' (default: the benchmarks, not oom patterns or "
     "selftests)",
     NULL, HL_OPT_LIST, apply, O_WORKLOADS},
    {"exec", 'x', "'CMD ARGS'",
     "run your own program as the workload (quoted like a shell word list, exec'd without a "
     "shell); repeatable; cells are NAME/BACKEND",
     NULL, HL_OPT_REPEAT, apply, O_EXEC},
    {"name", 0, "NAME", "the name of the i-th -x's cells (default: the program's file name)", NULL,
     HL_OPT_REPEAT, apply, O_NAME},
    {"shell", 0, NULL, "run each -x with /bin/sh -c (pipes, redirections, variables)", NULL, 0,
     apply, O_SHELL},
    {"warmup", 0, "N", "run N rounds of every cell first and discard them (default 0)", NULL, 0,
     apply, O_WARMUP},
    {"backends", 'b', "LIST",
     "backends, comma-separated, or 'all' (default: every available one); NAME:KEY=V[:KEY=V] "
     "sets a backend's options (heaplab list backends), e.g. glibc:arena_max=2",
     NULL, HL_OPT_LIST, apply, O_BACKENDS},
    {"param", 'p', "KEY=V[,V..]", "workload parameter; several values sweep it; repeatable", NULL,
     HL_OPT_REPEAT, apply, O_PARAM},
    {"reps", 0, "N", "repetitions per cell, each in its own process", NULL, 0, apply, O_REPS},
    {"threads", 0, "N", "worker threads per cell; work is split among them", NULL, 0, apply,
     O_THREADS},
    {"pin", 0, "none|compact|scatter", "bind worker threads to CPUs with hwloc", NULL, 0, apply,
     O_PIN},
    {"counters", 0, "LIST|default|none",
     "libpfm4 events to count (default: dTLB and LLC misses, instructions, cycles, page faults)",
     NULL, HL_OPT_LIST, apply, O_COUNTERS},
    {"escape", 0, "on|off[,..]",
     "on: non-escaping sites use the frame's stack region, as Go does; off: the heap", NULL,
     HL_OPT_LIST, apply, O_ESCAPE},
    {"gogc", 0, "N|off[,..]", "GC percent for collectors", "HEAPLAB_GOGC", HL_OPT_LIST, apply,
     O_GOGC},
    {"memlimit", 0, "SIZE|off[,..]",
     "soft memory limit for collectors that have one: 100M, 512MiB, 2GB; several values of "
     "--escape, --gogc or --memlimit sweep "
     "them like -p values",
     "HEAPLAB_MEMLIMIT", HL_OPT_LIST, apply, O_MEMLIMIT},
    {"memlimit-ratio", 0, "R[,..]",
     "instead of --memlimit: the soft limit as a share (0 < R <= 1) of each run's hard "
     "limit (--limit, or each limit --find-min-limit tries), swept like --memlimit",
     NULL, HL_OPT_LIST, apply, O_MEMLIMIT_RATIO},
    {"gctrace", 0, NULL, "one line per collection to stderr, in Go's GODEBUG=gctrace=1 format",
     NULL, 0, apply, O_GCTRACE},
    {"pacer-model", 0, "go122|go119", "Go pacer the span-gc collector follows", NULL, 0, apply,
     O_PACER_MODEL},
    {"seed", 0, "N", "seed of the workloads' random choices", NULL, 0, apply, O_SEED},
    {"quick", 0, NULL, "small default parameters: a whole comparison in well under a minute", NULL,
     0, apply, O_QUICK},
    {"timeout", 0, "SEC", "a cell running longer is killed and reported as timeout", NULL, 0, apply,
     O_TIMEOUT},
    {"limit", 0, "SIZE", "memory limit per cell, held over the whole worker (see --limit-mode)",
     NULL, 0, apply, O_LIMIT},
    {"limit-mode", 0, "cgroup|rlimit|watchdog",
     "how --limit holds: a child cgroup of --cgroup DIR (memory.max), RLIMIT_DATA (allocation "
     "fails), or the parent killing the worker when its RSS reaches the limit (default: cgroup "
     "with --cgroup, else watchdog)",
     NULL, 0, apply, O_LIMIT_MODE},
    {"cgroup", 0, "DIR",
     "a writable cgroup v2 directory with the memory controller on for its children; heaplab "
     "makes (and removes) one child group per worker in it",
     NULL, 0, apply, O_CGROUP},
    {"sample-ms", 0, "MS",
     "record a timeline (RSS, heap, GC) every MS milliseconds into the results", NULL, 0, apply,
     O_SAMPLE_MS},
    {"thrash-window", 0, "SEC",
     "end a collector's cell as gc-thrash once it spent over half the CPU collecting for SEC "
     "seconds (a Go program under GOMEMLIMIT: once its heap goal stayed at the live heap, "
     "cycles back to back, for SEC)",
     NULL, 0, apply, O_THRASH_WINDOW},
    {"output", 'o', "FILE.json", "write results here (safely, locked for the run)", NULL, 0, apply,
     O_OUTPUT},
    {"shard", 0, "K/N",
     "run only shard K (0-based) of N of the plan (heaplab plan --shards N shows them)", NULL, 0,
     apply, O_SHARD},
    {"shard-from-env", 0, "N[:VAR]",
     "the same, K from $VAR, else $JOB_COMPLETION_INDEX (Kubernetes), else "
     "$SLURM_ARRAY_TASK_ID (Slurm)",
     NULL, 0, apply, O_SHARD_FROM_ENV},
    {"measure", 0, "time|instructions|cache",
     "time (default), or count the timed loop's instructions under valgrind's callgrind: "
     "deterministic, not time (instructions_per_iter); cache: also simulate the caches "
     "(l1_misses_per_iter, ll_misses_per_iter; about 1.4x slower again)",
     NULL, 0, apply, O_MEASURE},
};

void hl_run_request_init(hl_run_request_t *rq) {
  memset(rq, 0, sizeof *rq);
  rq->reps = HL_DEFAULT_REPS;
  rq->threads = 1;
  rq->pin = HL_PIN_NONE;
  rq->gc_percent_from = "default";
  rq->memory_limit_from = "default";
  rq->pacer_model = HL_PACER_GO122;
  rq->seed = 1;
  rq->timeout_s = HL_DEFAULT_TIMEOUT_S;
}

void hl_run_request_free(hl_run_request_t *rq) {
  hl_strlist_free(rq->workloads, rq->nworkloads);
  hl_strlist_free(rq->commands, rq->ncommands);
  hl_strlist_free(rq->names, rq->nnames);
  hl_strlist_free(rq->backends, rq->nbackends);
  hl_strlist_free(rq->counters, rq->ncounters);
  for (size_t i = 0; i < rq->nparams; i++) {
    free(rq->param[i].key);
    hl_strlist_free(rq->param[i].values, rq->param[i].nvalues);
  }
  memset(rq, 0, sizeof *rq);
}

hl_opt_group_t hl_run_request_group(hl_run_request_t *rq) {
  static int once;
  if (!once++) hl_opts_set_defaults(run_opts, hl_run_request_default);
  return (hl_opt_group_t){"Run options", run_opts, sizeof run_opts / sizeof run_opts[0], rq,
                          {{0}},         0};
}

/* ---- values ------------------------------------------------------------------ */

static int parse_list(const char *source, const char *value, char ***items, size_t *n) {
  hl_strlist_free(*items, *n);
  *items = NULL;
  *n = 0;
  if (hl_split_list(value, items, n) != 0)
    return hl_opts_bad(source, value, "expected a comma-separated list without empty items");
  return 0;
}

static int append_item(char ***items, size_t *n, const char *v) {
  char **grown = realloc(*items, (*n + 1) * sizeof *grown);
  if (!grown) return HL_ENOMEM;
  *items = grown;
  if (!(grown[*n] = strdup(v))) return HL_ENOMEM;
  (*n)++;
  return 0;
}

static int parse_param(const char *value, hl_run_request_t *rq) {
  const char *eq = strchr(value, '=');
  if (!eq || eq == value || !eq[1]) return hl_opts_bad("--param", value, "expected KEY=VALUE");
  if (rq->nparams == HL_MAX_PARAM_SETTINGS)
    return hl_opts_bad("--param", value, "too many -p options");
  for (size_t i = 0; i < rq->nparams; i++)
    if (strlen(rq->param[i].key) == (size_t)(eq - value) &&
        !strncmp(rq->param[i].key, value, (size_t)(eq - value)))
      return hl_opts_bad("--param", value, "given twice; list several values as KEY=V1,V2");
  hl_param_setting_t *ps = &rq->param[rq->nparams];
  if (!(ps->key = strndup(value, (size_t)(eq - value)))) return HL_ENOMEM;
  if (hl_split_list(eq + 1, &ps->values, &ps->nvalues) != 0) {
    free(ps->key);
    ps->key = NULL;
    return hl_opts_bad("--param", value, "empty value");
  }
  rq->nparams++;
  return 0;
}

static int parse_unsigned(const char *source, const char *value, uint64_t min, uint64_t max,
                          uint64_t *out) {
  if (hl_parse_count(value, min, max, out) == 0) return 0;
  char why[96];
  snprintf(why, sizeof why, "expected an integer from %" PRIu64 " to %" PRIu64, min, max);
  return hl_opts_bad(source, value, why);
}

static int parse_counters(const char *value, hl_run_request_t *rq) {
  hl_strlist_free(rq->counters, rq->ncounters);
  rq->counters = NULL;
  rq->ncounters = 0;
  if (strcmp(value, "none") == 0) return 0;
  if (strcmp(value, "default") == 0) {
    size_t n;
    const char *const *names = hl_counters_default(&n);
    if (!(rq->counters = calloc(n, sizeof *rq->counters))) return HL_ENOMEM;
    for (size_t i = 0; i < n; i++)
      if (!(rq->counters[i] = strdup(names[i]))) return HL_ENOMEM;
    rq->ncounters = n;
    return 0;
  }
  int rc = parse_list("--counters", value, &rq->counters, &rq->ncounters);
  if (rc == 0 && rq->ncounters > HL_MAX_COUNTERS) {
    char why[64];
    snprintf(why, sizeof why, "at most %d events", HL_MAX_COUNTERS);
    return hl_opts_bad("--counters", value, why);
  }
  return rc;
}

/* One value of --escape, --gogc or --memlimit, appended to its list. */
static int parse_knob(int id, const char *source, const char *v, hl_run_request_t *rq) {
  if (id == O_ESCAPE) {
    if (strcmp(v, "on") && strcmp(v, "off")) return hl_opts_bad(source, v, "expected on or off");
    if (rq->nescape == 2) return hl_opts_bad(source, v, "on and off at most once each");
    rq->escape[rq->nescape++] = strcmp(v, "on") ? HL_ESCAPE_OFF : HL_ESCAPE_ON;
    return 0;
  }
  size_t *n = id == O_GOGC ? &rq->ngc_percent : &rq->nmemory_limit;
  if (*n == HL_MAX_KNOB_VALUES) return hl_opts_bad(source, v, "too many values");
  if (id == O_GOGC) {
    uint64_t u;
    if (strcmp(v, "off") == 0) {
      rq->gc_percent[(*n)++] = HL_GC_OFF;
      return 0;
    }
    if (hl_parse_count(v, 1, MAX_GC_PERCENT, &u) != 0)
      return hl_opts_bad(source, v, "expected a percentage from 1 to 100000, or off");
    rq->gc_percent[(*n)++] = (int)u;
    return 0;
  }
  int rc = hl_parse_memlimit(v, &rq->memory_limit_bytes[*n]);
  if (rc == HL_ERANGE)
    return hl_opts_bad(source, v, "too large: at most 9223372036854775807 bytes");
  if (rc)
    return hl_opts_bad(source, v,
                       "expected a byte count such as 100M, 512MiB or 2GB (units B K M G T KiB "
                       "MiB GiB TiB KB MB GB TB), or off");
  (*n)++;
  return 0;
}

/* --memlimit-ratio R[,R...]: shares in (0, 1]. */
static int parse_ratios(const char *source, const char *v, hl_run_request_t *rq) {
  char **items;
  size_t n;
  if (hl_split_list(v, &items, &n) != 0)
    return hl_opts_bad(source, v, "expected a comma-separated list without empty items");
  int rc = n > HL_MAX_KNOB_VALUES ? hl_opts_bad(source, v, "too many values") : 0;
  for (size_t i = 0; i < n && rc == 0; i++) {
    char *end;
    double r = strtod(items[i], &end);
    if (*end || !(r > 0 && r <= 1))
      rc = hl_opts_bad(source, items[i], "expected a share of the hard limit, 0 < R <= 1");
    rq->memory_limit_ratio[i] = r;
  }
  rq->nmemory_limit_ratio = rc ? 0 : n;
  hl_strlist_free(items, n);
  return rc;
}

/* A comma-separated list of knob values. */
static int parse_knob_list(int id, const char *source, const char *v, hl_run_request_t *rq) {
  char buf[1024];
  if (strlen(v) >= sizeof buf) return hl_opts_bad(source, v, "too long");
  snprintf(buf, sizeof buf, "%s", v);
  char *save = NULL;
  int any = 0;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), any = 1) {
    int rc = parse_knob(id, source, tok, rq);
    if (rc) return rc;
  }
  return any ? 0 : parse_knob(id, source, v, rq); /* "" gets the value's own message */
}

int hl_run_request_set_reps(hl_run_request_t *rq, const char *value, const char *source) {
  if (rq->reps_from) {
    hl_msg(hl_opts_command(), "%s '%s': given twice (first %s '%s'); give the repetitions once",
           source, value, rq->reps_from, rq->reps_text);
    return HL_EINVAL;
  }
  uint64_t u;
  int rc = parse_unsigned(source, value, 1, MAX_REPS, &u);
  if (rc == 0) {
    rq->reps = (unsigned)u;
    rq->reps_from = !strcmp(source, "--runs") ? "--runs" : "--reps";
    rq->reps_text = value;
  }
  return rc;
}

static int apply_sizes(int id, const char *source, const char *v, hl_run_request_t *rq) {
  uint64_t u;
  int rc;
  switch (id) {
  case O_THREADS:
    if ((rc = parse_unsigned(source, v, 1, MAX_THREADS, &u)) == 0) rq->threads = (unsigned)u;
    return rc;
  case O_WARMUP:
    if ((rc = parse_unsigned(source, v, 0, MAX_REPS, &u)) == 0) rq->warmup = (unsigned)u;
    return rc;
  case O_SAMPLE_MS:
    if ((rc = parse_unsigned(source, v, 0, MAX_SAMPLE_MS, &u)) == 0) rq->sample_ms = (unsigned)u;
    return rc;
  case O_SEED: return parse_unsigned(source, v, 0, UINT64_MAX, &rq->seed);
  case O_LIMIT:
    if (hl_parse_size(v, &rq->hard_limit_bytes) || rq->hard_limit_bytes == 0)
      return hl_opts_bad(source, v,
                         "expected a size such as 64M, 1G or 512MiB (units B K M G T KiB MiB GiB "
                         "TiB KB MB GB TB)");
    return 0;
  case O_TIMEOUT:
    return hl_parse_seconds(v, &rq->timeout_s) ? hl_opts_bad(source, v, "expected seconds > 0") : 0;
  case O_THRASH_WINDOW:
    return hl_parse_seconds(v, &rq->thrash_window_s)
               ? hl_opts_bad(source, v, "expected seconds > 0")
               : 0;
  default: return HL_EINVAL;
  }
}

static int parse_shard(int id, const char *source, const char *v, hl_run_request_t *rq) {
  char why[256];
  if (rq->shard_from) {
    hl_msg(hl_opts_command(), "%s and %s contradict: give the shard once", rq->shard_from, source);
    return HL_EINVAL;
  }
  int rc = id == O_SHARD ? hl_shard_parse(v, &rq->shard, why, sizeof why)
                         : hl_shard_from_env(v, &rq->shard, why, sizeof why);
  if (rc) return hl_opts_bad(source, v, why);
  rq->shard_from = id == O_SHARD ? "--shard" : "--shard-from-env";
  return 0;
}

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  hl_run_request_t *rq = ctx;
  switch (opt->id) {
  case O_WORKLOADS: return parse_list(source, v, &rq->workloads, &rq->nworkloads);
  case O_BACKENDS: return parse_list(source, v, &rq->backends, &rq->nbackends);
  case O_PARAM: return parse_param(v, rq);
  case O_EXEC: return append_item(&rq->commands, &rq->ncommands, v);
  case O_NAME: return append_item(&rq->names, &rq->nnames, v);
  case O_SHELL: rq->shell = 1; return 0;
  case O_COUNTERS: rq->counters_set = 1; return parse_counters(v, rq);
  case O_OUTPUT: rq->output = v; return 0;
  case O_QUICK: rq->quick = 1; return 0;
  case O_GCTRACE: rq->gctrace = 1; return 0;
  case O_CGROUP: rq->cgroup_dir = v; return 0;
  case O_SHARD:
  case O_SHARD_FROM_ENV: return parse_shard(opt->id, source, v, rq);
  case O_REPS: return hl_run_request_set_reps(rq, v, source);
  case O_MEASURE:
    return hl_measure_parse(v, &rq->measure)
               ? hl_opts_bad(source, v, "expected time, instructions or cache")
               : 0;
  case O_PIN:
    return hl_pin_parse(v, &rq->pin) ? hl_opts_bad(source, v, "expected none, compact or scatter")
                                     : 0;
  case O_GOGC: rq->gc_percent_from = opt->env == source ? opt->env : "--gogc"; break;
  case O_MEMLIMIT: rq->memory_limit_from = opt->env == source ? opt->env : "--memlimit"; break;
  case O_ESCAPE: break;
  case O_MEMLIMIT_RATIO: return parse_ratios(source, v, rq);
  case O_PACER_MODEL:
    return hl_pacer_model_parse(v, &rq->pacer_model)
               ? hl_opts_bad(source, v, "expected go122 or go119")
               : 0;
  case O_LIMIT_MODE:
    return hl_limit_mode_parse(v, &rq->hard_limit_mode)
               ? hl_opts_bad(source, v, "expected cgroup, rlimit or watchdog")
               : 0;
  default: return apply_sizes(opt->id, source, v, rq);
  }
  return parse_knob_list(opt->id, source, v, rq);
}

/* ---- after parsing ------------------------------------------------------------- */

/* The hard limit's mode: as given, else cgroup when --cgroup names a usable
 * directory, else the watchdog. */
static int resolve_limit(hl_run_request_t *rq) {
  if (rq->cgroup_dir && rq->hard_limit_mode != HL_LIMIT_NONE &&
      rq->hard_limit_mode != HL_LIMIT_CGROUP) {
    hl_msg("run",
           "--cgroup %s and --limit-mode %s contradict: --cgroup holds the limit in a cgroup "
           "(--limit-mode cgroup); leave one out",
           rq->cgroup_dir, hl_limit_mode_name(rq->hard_limit_mode));
    return HL_EINVAL;
  }
  if (!rq->hard_limit_bytes) {
    if (rq->hard_limit_mode != HL_LIMIT_NONE || rq->cgroup_dir) {
      hl_msg("run", "--limit-mode and --cgroup need --limit SIZE");
      return HL_EINVAL;
    }
    return 0;
  }
  if (rq->hard_limit_mode == HL_LIMIT_NONE)
    rq->hard_limit_mode = rq->cgroup_dir ? HL_LIMIT_CGROUP : HL_LIMIT_WATCHDOG;
  if (rq->hard_limit_mode != HL_LIMIT_CGROUP) return 0;
  if (!rq->cgroup_dir) {
    hl_msg("run", "--limit-mode cgroup needs --cgroup DIR (a cgroup v2 directory heaplab may "
                  "make child groups in)");
    return HL_EINVAL;
  }
  char why[512];
  if (hl_cgroup_usable(rq->cgroup_dir, why, sizeof why) != 0) {
    hl_msg("run", "--cgroup %s: %s", rq->cgroup_dir, why);
    return HL_EINVAL;
  }
  return 0;
}

/* -x and what goes with it. */
static int check_programs(const hl_run_request_t *rq) {
  if (rq->nmemory_limit_ratio && !rq->hard_limit_bytes && !strcmp(hl_opts_command(), "run")) {
    hl_msg("run", "--memlimit-ratio needs --limit SIZE: the soft limit is a share of it");
    return HL_EINVAL;
  }
  if (rq->nmemory_limit_ratio && !strcmp(rq->memory_limit_from, "--memlimit")) {
    hl_msg(hl_opts_command(), "--memlimit and --memlimit-ratio contradict: give one");
    return HL_EINVAL;
  }
  const char *clash = rq->nworkloads ? "-w" : rq->nparams ? "-p" : NULL;
  if (rq->ncommands && clash) {
    hl_msg(hl_opts_command(), "-x and %s contradict: a cell runs a program or a workload", clash);
    return HL_EINVAL;
  }
  if (rq->nnames > rq->ncommands || (rq->shell && !rq->ncommands)) {
    hl_msg(hl_opts_command(), "%s without as many -x", rq->shell ? "--shell" : "--name");
    return HL_EINVAL;
  }
  for (size_t i = 0; i < rq->nnames; i++)
    if (!rq->names[i][0] || strlen(rq->names[i]) >= 64 || strpbrk(rq->names[i], "/, \t")) {
      hl_msg(hl_opts_command(), "--name '%s': 1 to 63 characters, no '/', ',' or blanks",
             rq->names[i]);
      return HL_EINVAL;
    }
  for (size_t i = 0; i < rq->ncommands; i++)
    if (strlen(rq->commands[i]) >= 2048) {
      hl_msg(hl_opts_command(), "-x: a command of at most 2047 bytes");
      return HL_EINVAL;
    }
  return 0;
}

int hl_run_request_finish(hl_run_request_t *rq) {
  int rc = rq->counters_set ? 0 : parse_counters("default", rq);
  if (rc || (rc = check_programs(rq)) != 0) return rc;
  if (!rq->nescape) rq->escape[rq->nescape++] = HL_ESCAPE_ON;
  if (!rq->ngc_percent) rq->gc_percent[rq->ngc_percent++] = HL_DEFAULT_GC_PERCENT;
  if (!rq->nmemory_limit) rq->memory_limit_bytes[rq->nmemory_limit++] = HL_NO_MEMORY_LIMIT;
  return resolve_limit(rq);
}

int hl_run_request_parse(int argc, char **argv, hl_run_request_t *rq) {
  hl_opt_group_t g = hl_run_request_group(rq);
  hl_opts_operands_t operands;
  int rc = hl_opts_parse("run", &g, 1, argc, argv, 0, &operands);
  if (rc) return rc;
  free(operands.v);
  return hl_run_request_finish(rq);
}
