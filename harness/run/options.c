/* `heaplab run` options: one table drives parsing and --help (options.h). */
#include "options.h"

#include "counters.h"
#include "error.h"
#include "size.h"
#include "util.h"

#include <getopt.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum {
  OPT_WORKLOADS = 'w',
  OPT_BACKENDS = 'b',
  OPT_PARAM = 'p',
  OPT_OUTPUT = 'o',
  OPT_HELP = 'h',
  OPT_REPS = 256,
  OPT_THREADS,
  OPT_PIN,
  OPT_COUNTERS,
  OPT_ESCAPE,
  OPT_GOGC,
  OPT_MEMLIMIT,
  OPT_PACER_MODEL,
  OPT_GCTRACE,
  OPT_SEED,
  OPT_QUICK,
  OPT_TIMEOUT,
  OPT_LIMIT,
  OPT_LIMIT_MODE,
  OPT_CGROUP,
  OPT_SAMPLE_MS,
  OPT_THRASH_WINDOW,
  OPT_REP_INDEX,
};

typedef struct opt_def {
  const char *name;
  int id;
  int has_arg;
  const char *arg;
  const char *help; /* NULL: hidden (worker plumbing) */
} opt_def_t;

static const opt_def_t defs[] = {
    {"workloads", OPT_WORKLOADS, 1, "LIST",
     "workloads, comma-separated, or 'all' (default: the benchmarks, not oom patterns or "
     "selftests)"},
    {"backends", OPT_BACKENDS, 1, "LIST",
     "backends, comma-separated, or 'all' (default: every available one); NAME:KEY=V[:KEY=V] "
     "sets a backend's options (heaplab list backends), e.g. glibc:arena_max=2"},
    {"param", OPT_PARAM, 1, "KEY=V[,V..]",
     "workload parameter; several values sweep it; repeatable"},
    {"reps", OPT_REPS, 1, "N", "repetitions per cell, each in its own process (default 3)"},
    {"threads", OPT_THREADS, 1, "N",
     "worker threads per cell; work is split among them (default 1)"},
    {"pin", OPT_PIN, 1, "none|compact|scatter",
     "bind worker threads to CPUs with hwloc (default none)"},
    {"counters", OPT_COUNTERS, 1, "LIST|default|none",
     "libpfm4 events to count (default: dTLB and LLC misses, instructions, cycles, page faults)"},
    {"escape", OPT_ESCAPE, 1, "on|off[,..]",
     "on: non-escaping sites use the frame's stack region, as Go does (default); off: the heap"},
    {"gogc", OPT_GOGC, 1, "N|off[,..]",
     "GC percent for collectors (default: $HEAPLAB_GOGC, else 100)"},
    {"memlimit", OPT_MEMLIMIT, 1, "SIZE|off[,..]",
     "soft memory limit for collectors that have one: 100M, or GOMEMLIMIT syntax: 512MiB, 2GB "
     "(default: $HEAPLAB_MEMLIMIT, else off); several values of --escape, --gogc or "
     "--memlimit sweep them like -p values"},
    {"gctrace", OPT_GCTRACE, 0, NULL,
     "one line per collection to stderr, in Go's GODEBUG=gctrace=1 format"},
    {"pacer-model", OPT_PACER_MODEL, 1, "go122|go119",
     "Go pacer the span-gc collector follows (default go122)"},
    {"seed", OPT_SEED, 1, "N", "seed of the workloads' random choices (default 1)"},
    {"quick", OPT_QUICK, 0, NULL,
     "small default parameters: a whole comparison in well under a minute"},
    {"timeout", OPT_TIMEOUT, 1, "SEC",
     "a cell running longer is killed and reported as timeout (default 600)"},
    {"limit", OPT_LIMIT, 1, "SIZE", "memory limit per cell (see --limit-mode)"},
    {"limit-mode", OPT_LIMIT_MODE, 1, "cgroup|rlimit|watchdog",
     "how --limit holds: a child cgroup of --cgroup DIR (memory.max), RLIMIT_DATA (allocation "
     "fails), or the parent killing the worker when its RSS reaches the limit (default: cgroup "
     "with --cgroup, else watchdog)"},
    {"cgroup", OPT_CGROUP, 1, "DIR",
     "a writable cgroup v2 directory with the memory controller on for its children; "
     "heaplab makes (and removes) one child group per worker in it"},
    {"sample-ms", OPT_SAMPLE_MS, 1, "MS",
     "record a timeline (RSS, heap, GC) every MS milliseconds into the results (default 0: "
     "none)"},
    {"thrash-window", OPT_THRASH_WINDOW, 1, "SEC",
     "end a collector's cell as gc-thrash once it spent over half the CPU collecting for SEC "
     "seconds (default 0: never)"},
    {"output", OPT_OUTPUT, 1, "FILE.json", "write results here (safely, locked for the run)"},
    {"help", OPT_HELP, 0, NULL, "this text"},
    {"rep-index", OPT_REP_INDEX, 1, "I", NULL},
};

#define NDEFS (sizeof defs / sizeof defs[0])

/* Whether an option takes a comma-separated list (LIST, or V[,..]). */
static int opt_is_list(const opt_def_t *d) {
  return d->arg && (strstr(d->arg, "LIST") || strstr(d->arg, "[,..]"));
}

void hl_run_options_init(hl_run_options_t *o) {
  memset(o, 0, sizeof *o);
  o->reps = 3;
  o->threads = 1;
  o->pin = HL_PIN_NONE;
  o->escape = HL_ESCAPE_ON;
  o->gogc = 100;
  o->memlimit_bytes = HL_NO_MEMORY_LIMIT;
  o->gogc_from = "default";
  o->memlimit_from = "default";
  o->pacer_model = HL_PACER_GO122;
  o->seed = 1;
  o->timeout_s = 600;
}

void hl_run_options_free(hl_run_options_t *o) {
  hl_strlist_free(o->workloads, o->nworkloads);
  hl_strlist_free(o->backends, o->nbackends);
  hl_strlist_free(o->counters, o->ncounters);
  for (size_t i = 0; i < o->nparams; i++) {
    free(o->param[i].key);
    hl_strlist_free(o->param[i].values, o->param[i].nvalues);
  }
  memset(o, 0, sizeof *o);
}

void hl_gogc_format(int gogc, char *buf, size_t len) {
  if (gogc == HL_GC_OFF)
    snprintf(buf, len, "off");
  else
    snprintf(buf, len, "%d", gogc);
}

void hl_memlimit_format(int64_t memlimit_bytes, char *buf, size_t len) {
  if (memlimit_bytes == HL_NO_MEMORY_LIMIT)
    snprintf(buf, len, "off");
  else
    snprintf(buf, len, "%" PRId64, memlimit_bytes);
}

void hl_run_options_help(FILE *out) {
  fprintf(out, "Options:\n");
  for (size_t i = 0; i < NDEFS; i++) {
    const opt_def_t *d = &defs[i];
    if (!d->help) continue;
    char left[64];
    if (d->id < 256)
      snprintf(left, sizeof left, "-%c, --%s%s%s", d->id, d->name, d->arg ? " " : "",
               d->arg ? d->arg : "");
    else
      snprintf(left, sizeof left, "    --%s%s%s", d->name, d->arg ? " " : "", d->arg ? d->arg : "");
    fprintf(out, "  %-34s %s\n", left, d->help);
  }
}

/* what: "--gogc", or the environment variable the value came from. */
static int bad(const char *what, const char *value, const char *why) {
  hl_msg("run", "%s '%s': %s", what, value, why);
  return HL_EINVAL;
}

static int parse_list(const char *opt, const char *value, char ***items, size_t *n) {
  hl_strlist_free(*items, *n);
  *items = NULL;
  *n = 0;
  if (hl_split_list(value, items, n) != 0)
    return bad(opt, value, "expected a comma-separated list without empty items");
  return 0;
}

static int parse_param(const char *value, hl_run_options_t *o) {
  const char *eq = strchr(value, '=');
  if (!eq || eq == value || !eq[1]) return bad("--param", value, "expected KEY=VALUE");
  if (o->nparams == HL_MAX_PARAM_SETTINGS) return bad("--param", value, "too many -p options");
  hl_param_setting_t *ps = &o->param[o->nparams];
  ps->key = strndup(value, (size_t)(eq - value));
  if (!ps->key) return HL_ENOMEM;
  for (size_t i = 0; i < o->nparams; i++) {
    if (strcmp(o->param[i].key, ps->key) == 0) {
      free(ps->key);
      ps->key = NULL;
      return bad("--param", value, "given twice; list several values as KEY=V1,V2");
    }
  }
  if (hl_split_list(eq + 1, &ps->values, &ps->nvalues) != 0) {
    free(ps->key);
    ps->key = NULL;
    return bad("--param", value, "empty value");
  }
  o->nparams++;
  return 0;
}

static int parse_unsigned(const char *opt, const char *value, uint64_t min, uint64_t max,
                          uint64_t *out) {
  int rc = hl_parse_count(value, min, max, out);
  if (rc == 0) return 0;
  char why[96];
  snprintf(why, sizeof why, "expected an integer from %" PRIu64 " to %" PRIu64, min, max);
  return bad(opt, value, why);
}

static int parse_counters(const char *value, hl_run_options_t *o) {
  hl_strlist_free(o->counters, o->ncounters);
  o->counters = NULL;
  o->ncounters = 0;
  if (strcmp(value, "none") == 0) return 0;
  if (strcmp(value, "default") == 0) {
    size_t n;
    const char *const *names = hl_counters_default(&n);
    o->counters = calloc(n, sizeof *o->counters);
    if (!o->counters) return HL_ENOMEM;
    for (size_t i = 0; i < n; i++)
      o->counters[i] = strdup(names[i]);
    o->ncounters = n;
    return 0;
  }
  int rc = parse_list("--counters", value, &o->counters, &o->ncounters);
  if (rc == 0 && o->ncounters > HL_MAX_COUNTERS)
    return bad("--counters", value, "at most 16 events");
  return rc;
}

/* One value of --escape, --gogc or --memlimit, appended to its list. */
static int parse_knob(int id, const char *name, const char *v, hl_run_options_t *o) {
  if (id == OPT_ESCAPE) {
    hl_escape_mode_t e;
    if (strcmp(v, "on") == 0)
      e = HL_ESCAPE_ON;
    else if (strcmp(v, "off") == 0)
      e = HL_ESCAPE_OFF;
    else
      return bad(name, v, "expected on or off");
    if (o->nescape == 2) return bad(name, v, "on and off at most once each");
    o->escape_values[o->nescape++] = e;
    return 0;
  }
  size_t *n = id == OPT_GOGC ? &o->ngogc : &o->nmemlimit;
  if (*n == HL_MAX_KNOB_VALUES) return bad(name, v, "too many values");
  if (id == OPT_GOGC) {
    uint64_t u;
    if (strcmp(v, "off") == 0)
      u = (uint64_t)-1;
    else if (hl_parse_count(v, 1, 100000, &u) != 0)
      return bad(name, v, "expected a percentage from 1 to 100000, or off");
    o->gogc_values[(*n)++] = u == (uint64_t)-1 ? HL_GC_OFF : (int)u;
    return 0;
  }
  int rc = hl_parse_memlimit(v, &o->memlimit_values[*n]);
  if (rc == HL_ERANGE) return bad(name, v, "too large: at most 9223372036854775807 bytes");
  if (rc)
    return bad(name, v,
               "expected a byte count such as 100M, 512MiB or 2GB (units B K M G T KiB MiB GiB "
               "TiB KB MB GB TB), or off");
  (*n)++;
  return 0;
}

/* A comma-separated list of knob values; a later option replaces an
 * earlier one (as an environment default is replaced by the option). */
static int parse_knob_list(int id, const char *name, const char *v, hl_run_options_t *o) {
  if (id == OPT_ESCAPE) o->nescape = 0;
  if (id == OPT_GOGC) o->ngogc = 0;
  if (id == OPT_MEMLIMIT) o->nmemlimit = 0;
  char buf[1024];
  snprintf(buf, sizeof buf, "%s", v);
  char *save = NULL;
  int any = 0;
  for (char *tok = strtok_r(buf, ",", &save); tok; tok = strtok_r(NULL, ",", &save), any = 1) {
    int rc = parse_knob(id, name, tok, o);
    if (rc) return rc;
  }
  if (!any) return parse_knob(id, name, v, o); /* "" gets the value's own message */
  if (o->nescape) o->escape = o->escape_values[0];
  if (o->ngogc) o->gogc = o->gogc_values[0];
  if (o->nmemlimit) o->memlimit_bytes = o->memlimit_values[0];
  return 0;
}

static int apply(int id, const char *name, const char *v, hl_run_options_t *o) {
  uint64_t u;
  int rc = 0;
  switch (id) {
  case OPT_WORKLOADS: return parse_list(name, v, &o->workloads, &o->nworkloads);
  case OPT_BACKENDS: return parse_list(name, v, &o->backends, &o->nbackends);
  case OPT_PARAM: return parse_param(v, o);
  case OPT_COUNTERS: return parse_counters(v, o);
  case OPT_OUTPUT: o->output = v; return 0;
  case OPT_QUICK: o->quick = 1; return 0;
  case OPT_REPS:
    if ((rc = parse_unsigned(name, v, 1, 10000, &u)) == 0) o->reps = (unsigned)u;
    return rc;
  case OPT_THREADS:
    if ((rc = parse_unsigned(name, v, 1, 1024, &u)) == 0) o->threads = (unsigned)u;
    return rc;
  case OPT_REP_INDEX:
    if ((rc = parse_unsigned(name, v, 0, 10000, &u)) == 0) o->rep_index = (unsigned)u;
    return rc;
  case OPT_SEED: return parse_unsigned(name, v, 0, UINT64_MAX, &o->seed);
  case OPT_PIN:
    return hl_pin_parse(v, &o->pin) ? bad(name, v, "expected none, compact or scatter") : 0;
  case OPT_ESCAPE:
  case OPT_GOGC:
  case OPT_MEMLIMIT: return parse_knob_list(id, name, v, o);
  case OPT_PACER_MODEL: {
    hl_pacer_model_t model;
    if (hl_pacer_model_parse(v, &model) != 0) return bad(name, v, "expected go122 or go119");
    o->pacer_model = model;
    return 0;
  }
  case OPT_GCTRACE: o->gctrace = 1; return 0;
  case OPT_TIMEOUT:
    return hl_parse_seconds(v, &o->timeout_s) ? bad(name, v, "expected seconds > 0") : 0;
  case OPT_LIMIT:
    if (hl_parse_size(v, &o->limit_bytes) || o->limit_bytes == 0)
      return bad(name, v,
                 "expected a size such as 64M, 1G or 512MiB (units B K M G T KiB MiB GiB TiB KB MB "
                 "GB TB)");
    return 0;
  case OPT_LIMIT_MODE:
    return hl_limit_mode_parse(v, &o->limit_mode)
               ? bad(name, v, "expected cgroup, rlimit or watchdog")
               : 0;
  case OPT_CGROUP: o->cgroup_dir = v; return 0;
  case OPT_SAMPLE_MS:
    if ((rc = parse_unsigned(name, v, 0, 60000, &u)) == 0) o->sample_ms = (unsigned)u;
    return rc;
  case OPT_THRASH_WINDOW:
    return hl_parse_seconds(v, &o->thrash_window_s) ? bad(name, v, "expected seconds > 0") : 0;
  default: return HL_EINVAL;
  }
}

/* Environment variables that stand for an option when it is absent, as GOGC
 * and GOMEMLIMIT do for a Go program. */
static const struct {
  const char *var, *option;
  int id;
} env_defaults[] = {
    {"HEAPLAB_GOGC", "--gogc", OPT_GOGC},
    {"HEAPLAB_MEMLIMIT", "--memlimit", OPT_MEMLIMIT},
};
#define NENV (sizeof env_defaults / sizeof env_defaults[0])

/* Where the options record the source of the value of option id. */
static const char **source_of(int id, hl_run_options_t *o) {
  return id == OPT_GOGC ? &o->gogc_from : id == OPT_MEMLIMIT ? &o->memlimit_from : NULL;
}

static int apply_env(const int *given, hl_run_options_t *o) {
  for (size_t i = 0; i < NENV; i++) {
    const char *v = getenv(env_defaults[i].var);
    if (given[i] || !v || !*v) continue;
    int rc = apply(env_defaults[i].id, env_defaults[i].var, v, o);
    if (rc) return rc;
    *source_of(env_defaults[i].id, o) = env_defaults[i].var;
  }
  return 0;
}

int hl_option_once(const char *component, const char *name, int list, const char **first,
                   const char *value) {
  if (!*first) {
    *first = value;
    return 0;
  }
  if (list)
    hl_msg(component, "%s '%s': given twice (first '%s'); list several values in one: %s %s,%s",
           name, value, *first, name, *first, value);
  else
    hl_msg(component, "%s '%s': given twice (first '%s'); give it once", name, value, *first);
  return HL_EINVAL;
}

/* The limit's mode: as given, else cgroup when --cgroup names a usable
 * directory, else the watchdog. The worker sees the mode it was given. */
static int resolve_limit(hl_run_options_t *o) {
  if (o->cgroup_dir && o->limit_mode != HL_LIMIT_NONE && o->limit_mode != HL_LIMIT_CGROUP) {
    hl_msg("run",
           "--cgroup %s and --limit-mode %s contradict: --cgroup holds the limit in a cgroup "
           "(--limit-mode cgroup); leave one out",
           o->cgroup_dir, hl_limit_mode_name(o->limit_mode));
    return HL_EINVAL;
  }
  if (!o->limit_bytes) {
    if (o->limit_mode != HL_LIMIT_NONE || o->cgroup_dir) {
      hl_msg("run", "--limit-mode and --cgroup need --limit SIZE");
      return HL_EINVAL;
    }
    return 0;
  }
  if (o->limit_mode == HL_LIMIT_NONE)
    o->limit_mode = o->cgroup_dir ? HL_LIMIT_CGROUP : HL_LIMIT_WATCHDOG;
  if (o->limit_mode != HL_LIMIT_CGROUP) return 0;
  if (!o->cgroup_dir) {
    hl_msg("run", "--limit-mode cgroup needs --cgroup DIR (a cgroup v2 directory heaplab may "
                  "make child groups in)");
    return HL_EINVAL;
  }
  char why[512];
  if (hl_cgroup_usable(o->cgroup_dir, why, sizeof why) != 0) {
    hl_msg("run", "--cgroup %s: %s", o->cgroup_dir, why);
    return HL_EINVAL;
  }
  return 0;
}

int hl_run_options_parse(int argc, char **argv, hl_run_options_t *o) {
  struct option longopts[NDEFS + 1];
  char shortopts[64];
  size_t ns = 0;
  for (size_t i = 0; i < NDEFS; i++) {
    longopts[i] = (struct option){defs[i].name, defs[i].has_arg ? required_argument : no_argument,
                                  NULL, defs[i].id};
    if (defs[i].id < 256) {
      shortopts[ns++] = (char)defs[i].id;
      if (defs[i].has_arg) shortopts[ns++] = ':';
    }
  }
  longopts[NDEFS] = (struct option){0, 0, 0, 0};
  shortopts[ns] = '\0';
  /* Default counters unless --counters says otherwise. */
  int rc = parse_counters("default", o);
  if (rc) return rc;
  optind = 1;
  opterr = 0;
  int c, idx, given[NENV] = {0};
  const char *first[NDEFS] = {0}; /* each option's first value: given once */
  while ((c = getopt_long(argc, argv, shortopts, longopts, &idx)) != -1) {
    if (c == '?' || c == ':') {
      const char *what = argv[optind - 1];
      hl_msg("run", "%s '%s' (see heaplab run --help)",
             c == ':' || (optopt && strchr(shortopts, optopt)) ? "option needs a value"
                                                               : "unknown option",
             what);
      return HL_EINVAL;
    }
    if (c == OPT_HELP) return 1;
    char name[64] = "?";
    size_t d = 0;
    while (d < NDEFS && defs[d].id != c)
      d++;
    if (d < NDEFS) snprintf(name, sizeof name, "--%s", defs[d].name);
    /* -p is repeatable (one key each); a flag twice is still the flag */
    if (d < NDEFS && c != OPT_PARAM && defs[d].has_arg &&
        (rc = hl_option_once("run", name, opt_is_list(&defs[d]), &first[d], optarg)) != 0)
      return rc;
    if ((rc = apply(c, name, optarg, o)) != 0) return rc;
    for (size_t i = 0; i < NENV; i++) {
      if (env_defaults[i].id != c) continue;
      given[i] = 1;
      *source_of(c, o) = env_defaults[i].option;
    }
  }
  if (optind < argc) {
    hl_msg("run", "unexpected argument '%s' (see heaplab run --help)", argv[optind]);
    return HL_EINVAL;
  }
  if ((rc = apply_env(given, o)) != 0) return rc;
  if (!o->nescape) o->escape_values[o->nescape++] = o->escape;
  if (!o->ngogc) o->gogc_values[o->ngogc++] = o->gogc;
  if (!o->nmemlimit) o->memlimit_values[o->nmemlimit++] = o->memlimit_bytes;
  return resolve_limit(o);
}
