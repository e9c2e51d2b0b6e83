/* `heaplab pacer-sim` (pacer_sim.h): Go's TestGcPacer scenarios, harness
 * and checks, on heaplab's pacer. */
#include "pacer_sim.h"

#include "error.h"
#include "opts.h"
#include "pacer.h"
#include "sim.h"
#include "table.h"

#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* ---- the scenarios (TestGcPacer's table) ---- */

static void big_stacks(sim_pool_t *p, sim_inputs_t *in) {
  in->stack = sim_sum(p, sim_constant(p, 2048), sim_ramp(p, 128 << 20, 8), NULL, NULL);
}

static sim_stream_t *step_at_50(sim_pool_t *p, double base, double step) {
  return sim_sum(p, sim_constant(p, base), sim_delay(p, sim_ramp(p, step, 1), 50), NULL, NULL);
}

static void step_alloc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = step_at_50(p, 33, 66);
}

static void heavy_step_alloc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = step_at_50(p, 33, 330);
}

static void step_scannable(sim_pool_t *p, sim_inputs_t *in) {
  in->frac = sim_sum(p, sim_constant(p, 0.2), sim_delay(p, sim_unit(p, 0.5), 50), NULL, NULL);
}

static void high_gogc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = sim_offset(p, sim_random(p, 7, 0x53), 165);
  in->growth = sim_sum(p, sim_constant(p, 2.0), sim_ramp(p, -1.0, 12), sim_random(p, 0.01, 0x1),
                       sim_delay(p, sim_unit(p, 14), 25));
}

static void osc_alloc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = sim_offset(p, sim_oscillate(p, 13, 0, 8), 67);
}

static void jitter_alloc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = sim_offset(p, sim_random(p, 13, 0xf), 132);
  in->growth =
      sim_sum(p, sim_constant(p, 2.0), sim_ramp(p, -1.0, 12), sim_random(p, 0.01, 0xe), NULL);
}

static void heavy_jitter_alloc(sim_pool_t *p, sim_inputs_t *in) {
  in->alloc = sim_offset(p, sim_random(p, 33.0, 0x0), 330);
  in->growth =
      sim_sum(p, sim_constant(p, 2.0), sim_ramp(p, -1.0, 12), sim_random(p, 0.01, 0x152), NULL);
}

#define NOLIM HL_PACER_NO_LIMIT
#define LIM512 ((int64_t)512 << 20)
#define G32K (32 * KIB)

static const scenario_t scenarios[] = {
    /* name, GOGC, limit, globals, cycles, alloc, scan, g0, gh, gl, frac, extra, check */
    {"Steady", 100, NOLIM, G32K, 50, 33, 1024, 2, -1, 12, 1, NULL, sim_check_steady, 0},
    {"SteadyBigStacks", 100, NOLIM, G32K, 50, 132, 1024, 2, -1, 12, 1, big_stacks, sim_check_steady,
     0},
    {"SteadyBigGlobals", 100, NOLIM, 128 * MIB, 50, 132, 1024, 2, -1, 12, 1, NULL, sim_check_steady,
     0},
    {"StepAlloc", 100, NOLIM, G32K, 100, 33, 1024, 2, -1, 12, 1, step_alloc, sim_check_step, 0},
    {"HeavyStepAlloc", 100, NOLIM, G32K, 100, 33, 1024, 2, -1, 12, 1, heavy_step_alloc,
     sim_check_step, 0},
    {"StepScannableFrac", 100, NOLIM, G32K, 100, 128, 1024, 2, -1, 12, 1, step_scannable,
     sim_check_step, 0},
    {"HighGOGC", 1500, NOLIM, G32K, 50, 0, 1024, 2, -1, 12, 1, high_gogc, sim_check_high_gogc, 0},
    {"OscAlloc", 100, NOLIM, G32K, 50, 0, 1024, 2, -1, 12, 1, osc_alloc, sim_check_osc, 0},
    {"JitterAlloc", 100, NOLIM, G32K, 50, 0, 1024, 2, -1, 12, 1, jitter_alloc, sim_check_jitter, 0},
    {"HeavyJitterAlloc", 100, NOLIM, G32K, 50, 0, 1024, 2, -1, 12, 1, heavy_jitter_alloc,
     sim_check_heavy_jitter, 0},
    {"SmallHeapSlowAlloc", 100, NOLIM, G32K, 50, 1, 2048, 2, -1, 3, 0.01, NULL, sim_check_slow, 4},
    {"MediumHeapSlowAlloc", 100, NOLIM, G32K, 50, 1, 2048, 2, -1, 8, 0.01, NULL, sim_check_slow, 9},
    {"LargeHeapSlowAlloc", 100, NOLIM, G32K, 50, 1, 2048, 4, -3, 12, 0.01, NULL,
     sim_check_large_slow, 0},
    {"SteadyMemoryLimit", 100, LIM512, G32K, 50, 33, 1024, 2, -1, 12, 1, NULL,
     sim_check_steady_limit, 0},
    {"SteadyMemoryLimitNoGCPercent", -1, LIM512, G32K, 50, 33, 1024, 2, -1, 12, 1, NULL,
     sim_check_steady_limit_off, 0},
    {"ExceedMemoryLimit", 100, LIM512, G32K, 50, 33, 1024, 3.5, -2.5, 12, 1, NULL, sim_check_exceed,
     0},
    {"ExceedMemoryLimitNoGCPercent", -1, LIM512, G32K, 50, 33, 1024, 3.5, -2.5, 12, 1, NULL,
     sim_check_exceed_off, 0},
    {"MaintainMemoryLimit", 100, LIM512, G32K, 50, 33, 1024, 3, -2, 12, 1, NULL, sim_check_maintain,
     0},
    {"MaintainMemoryLimitNoGCPercent", -1, LIM512, G32K, 50, 33, 1024, 3, -2, 12, 1, NULL,
     sim_check_steady_limit_off, 0},
};

#define NSCENARIOS (sizeof scenarios / sizeof scenarios[0])
#define NCORES 8

static void build_inputs(const scenario_t *sc, sim_pool_t *p, sim_inputs_t *in) {
  sim_pool_init(p);
  in->alloc = sim_constant(p, sc->alloc);
  in->scan = sim_constant(p, sc->scan);
  in->growth = sim_sum(p, sim_constant(p, sc->g0), sim_ramp(p, sc->gh, sc->gl), NULL, NULL);
  in->frac = sim_constant(p, sc->frac);
  in->stack = sim_constant(p, 8192);
  if (sc->extra) sc->extra(p, in);
}

/* ---- the harness (TestGcPacer's loop and GCController's test methods) ---- */

typedef struct cycle_inputs {
  double alloc, scan, growth, frac;
  uint64_t stack_bytes;
} cycle_inputs_t;

/* gcExecTest.next: one value from each stream, in this order. */
static cycle_inputs_t next_inputs(sim_pool_t *p, const sim_inputs_t *in) {
  cycle_inputs_t c;
  c.alloc = sim_at_least(sim_next(p, in->alloc), MIN_RATE);
  c.scan = sim_at_least(sim_next(p, in->scan), MIN_RATE);
  c.growth = sim_at_least(sim_next(p, in->growth), MIN_RATE);
  c.frac = sim_limit(sim_next(p, in->frac), 0, 1);
  c.stack_bytes = hl_go_uint64(sim_at_least(sim_quantize(sim_next(p, in->stack), 2048), 0));
  return c;
}

/* GCController.StartCycle: the heap has reached the trigger (never below
 * the live heap); what was allocated since the last cycle is scannable in
 * proportion. */
static void start_cycle(hl_pacer_t *p, const scenario_t *sc, const cycle_inputs_t *in) {
  uint64_t trigger = hl_pacer_trigger(p, NULL);
  if (p->heap_marked_bytes > trigger) trigger = p->heap_marked_bytes;
  p->max_stack_scan_bytes = in->stack_bytes;
  p->globals_scan_bytes = sc->globals_bytes;
  p->heap_live_bytes = trigger;
  p->heap_scan_bytes += (uint64_t)hl_go_int64((double)(trigger - p->heap_marked_bytes) * in->frac);
  hl_pacer_start_cycle(p, 0, NCORES, false);
}

/* Scan work left, consumed globals first, then stacks, then heap. */
typedef struct work {
  int64_t left[3];
} work_t;

static int64_t do_work(work_t *w, int64_t bytes, int64_t done[3]) {
  int64_t total = 0;
  done[0] = done[1] = done[2] = 0;
  for (int i = 0; i < 3; i++) {
    if (w->left[i] == 0) continue;
    if (w->left[i] > bytes) {
      done[i] = bytes;
      w->left[i] -= bytes;
      total += bytes;
      break;
    }
    done[i] = w->left[i];
    bytes -= w->left[i];
    total += w->left[i];
    w->left[i] = 0;
  }
  return total;
}

typedef struct mark_totals {
  int64_t duration_ns, assist_ns, black_bytes;
} mark_totals_t;

/* Marking, 500 us at a time. The assist ratio r fixes the ratio of bytes
 * scanned to bytes allocated, so the GC's CPU share u solves
 * scan * u = r * alloc * (1 - u): u = r * alloc / (r * alloc + scan), at
 * least the 25% the background workers take. The last step ends when the
 * work runs out, and allocates in proportion. */
static mark_totals_t mark(hl_pacer_t *p, const cycle_inputs_t *in, work_t *w) {
  mark_totals_t t = {0, 0, 0};
  while (w->left[0] + w->left[1] + w->left[2] > 0) {
    double r = p->assist_work_per_byte;
    double u = r * in->alloc / (r * in->alloc + in->scan);
    if (u < HL_PACER_GOAL_UTILIZATION) u = HL_PACER_GOAL_UTILIZATION;
    int64_t scanned = hl_go_int64(in->scan * RATE_CONV * (double)NCORES * u);
    int64_t allocated = hl_go_int64(in->alloc * RATE_CONV * (double)NCORES * (1 - u));
    int64_t done[3];
    int64_t actual = do_work(w, scanned, done);
    int64_t elapsed_ns = REVISE_PERIOD_NS;
    if (actual < scanned) {
      elapsed_ns = hl_go_int64((double)actual * (double)REVISE_PERIOD_NS /
                               (in->scan * RATE_CONV * (double)NCORES * u));
      allocated = hl_go_int64(in->alloc * RATE_CONV * (double)elapsed_ns /
                              (double)REVISE_PERIOD_NS * (double)NCORES * (1 - u));
    }
    /* GCController.Revise */
    p->heap_live_bytes += (uint64_t)allocated;
    p->heap_scan_bytes += (uint64_t)hl_go_int64((double)allocated * in->frac);
    p->heap_scan_work_bytes += done[2];
    p->stack_scan_work_bytes += done[1];
    p->globals_scan_work_bytes += done[0];
    hl_pacer_revise(p);

    t.assist_ns +=
        hl_go_int64((double)elapsed_ns * (double)NCORES * (u - HL_PACER_GOAL_UTILIZATION));
    t.duration_ns += elapsed_ns;
    t.black_bytes += allocated;
  }
  return t;
}

/* Runs one scenario; out receives sc->length cycles. */
static int run_scenario(const scenario_t *sc, hl_pacer_model_t model, sim_cycle_t *out,
                        checker_t *ck) {
  sim_pool_t pool;
  sim_inputs_t streams;
  build_inputs(sc, &pool, &streams);
  hl_pacer_t p;
  hl_pacer_init(&p, model, sc->gc_percent, sc->memory_limit_bytes);
  memset(ck, 0, sizeof *ck);
  ck->model = model;

  int64_t black_last = 0;
  for (int i = 0; i < sc->length; i++) {
    cycle_inputs_t in = next_inputs(&pool, &streams);
    start_cycle(&p, sc, &in);
    int64_t next_marked = INITIAL_HEAP_BYTES;
    if (i > 0)
      next_marked = hl_go_int64((double)((int64_t)p.heap_marked_bytes - black_last) * in.growth);
    work_t w = {{(int64_t)sc->globals_bytes, (int64_t)in.stack_bytes,
                 hl_go_int64((double)next_marked * in.frac)}};
    mark_totals_t t = mark(&p, &in, &w);

    sim_cycle_t *c = &out[i];
    c->cycle = i + 1;
    c->heap_live_bytes = p.heap_marked_bytes;
    c->heap_scannable_bytes =
        hl_go_int64((double)((int64_t)p.heap_marked_bytes - black_last) * in.frac);
    c->trigger_bytes = p.triggered_bytes;
    c->peak_bytes = p.heap_live_bytes;
    c->goal_bytes = hl_pacer_heap_goal(&p);
    c->gc_utilization =
        (double)t.assist_ns / ((double)t.duration_ns * (double)NCORES) + HL_PACER_GOAL_UTILIZATION;

    /* gcExecTest.check: the generic checks, then the scenario's. */
    ck->checks += 2;
    if (c->gc_utilization < 0 || c->gc_utilization > 1)
      sim_failf(ck, i + 1, "GC utilization not within acceptable bounds: %f", c->gc_utilization);
    if (c->heap_scannable_bytes < 0) sim_failf(ck, i + 1, "heapScannable is negative");
    sc->check(ck, sc, out, i + 1);

    /* GCController.EndCycle */
    p.assist_ns = t.assist_ns;
    hl_pacer_end_cycle(&p, t.duration_ns, NCORES);
    hl_pacer_reset_live(&p, (uint64_t)(next_marked + t.black_bytes));
    hl_pacer_commit(&p, false);
    black_last = t.black_bytes;
  }
  return pool.error ? HL_ERANGE : 0;
}

/* ---- output and the command line ---- */

typedef enum { FORMAT_TABLE, FORMAT_CSV } format_t;

static void csv_rows(const scenario_t *sc, const sim_cycle_t *c) {
  for (int i = 0; i < sc->length; i++)
    printf("%s,%d,%.1f,%" PRIu64 ",%" PRIu64 ",%" PRIu64 ",%" PRIu64 "\n", sc->name, c[i].cycle,
           c[i].gc_utilization * 100, c[i].heap_live_bytes, c[i].trigger_bytes, c[i].peak_bytes,
           c[i].goal_bytes);
}

/* One table row in Go's log line order: util, live -> trigger -> peak,
 * goal. With a name it is a scenario's last cycle and ends in its verdict;
 * without, a row of the cycle-by-cycle table. */
static void table_row(hl_table_t *t, const char *name, const char *count, const sim_cycle_t *c,
                      const char *verdict) {
  char cells[6][32];
  snprintf(cells[0], sizeof cells[0], "%.1f%%", c->gc_utilization * 100);
  snprintf(cells[1], sizeof cells[1], "%" PRIu64, c->heap_live_bytes);
  snprintf(cells[2], sizeof cells[2], "%" PRIu64, c->trigger_bytes);
  snprintf(cells[3], sizeof cells[3], "%" PRIu64, c->peak_bytes);
  snprintf(cells[4], sizeof cells[4], "%" PRIu64, c->goal_bytes);
  snprintf(cells[5], sizeof cells[5], "%.3f", sim_goal_ratio(c));
  const char *row[] = {name,     count,    cells[0], cells[1], cells[2],
                       cells[3], cells[4], cells[5], verdict};
  hl_table_add(t, name ? row : row + 1);
}

static const char *const scenario_heads[] = {"scenario",    "cycles",     "gc_util",
                                             "heap_marked", "trigger",    "heap_peak",
                                             "heap_goal",   "goal_ratio", "checks"};
static const char *const cycle_heads[] = {"cycle",     "gc_util",   "heap_marked", "trigger",
                                          "heap_peak", "heap_goal", "goal_ratio"};

static void print_failures(FILE *out, const scenario_t *sc, const checker_t *ck) {
  for (int k = 0; k < ck->failures && k < MAX_MESSAGES; k++) {
    if (out == stderr)
      hl_msg("pacer-sim", "%s: %s", sc->name, ck->message[k]);
    else
      fprintf(out, "  %s: FAIL: %s\n", sc->name, ck->message[k]);
  }
  if (ck->failures > MAX_MESSAGES) {
    if (out == stderr)
      hl_msg("pacer-sim", "%s: and %d more failed checks", sc->name, ck->failures - MAX_MESSAGES);
    else
      fprintf(out, "  %s: and %d more failed checks\n", sc->name, ck->failures - MAX_MESSAGES);
  }
}

/* Runs the chosen scenarios (one, or all when only is NULL) and prints them. */
static int simulate(const scenario_t *only, hl_pacer_model_t model, format_t format) {
  static sim_cycle_t cycles[NSCENARIOS][MAX_CYCLES];
  static checker_t ck[NSCENARIOS];
  int checks = 0, failures = 0, nrun = 0;
  for (size_t s = 0; s < NSCENARIOS; s++) {
    if (only && only != &scenarios[s]) continue;
    if (run_scenario(&scenarios[s], model, cycles[s], &ck[s]) != 0) {
      hl_msg("pacer-sim",
             "%s: the scenario's streams are inconsistent (pool or random values "
             "exhausted)",
             scenarios[s].name);
      return HL_EXIT_USAGE;
    }
    checks += ck[s].checks;
    failures += ck[s].failures;
    nrun++;
  }

  if (format == FORMAT_CSV) {
    printf("scenario,cycle,gc_util_pct,heap_marked_prev,trigger,heap_peak,heap_goal\n");
    for (size_t s = 0; s < NSCENARIOS; s++)
      if (!only || only == &scenarios[s]) {
        csv_rows(&scenarios[s], cycles[s]);
        print_failures(stderr, &scenarios[s], &ck[s]);
      }
    return failures ? HL_EXIT_FOUND : HL_EXIT_OK;
  }

  hl_table_t *t =
      only ? hl_table_new(cycle_heads, 7, "rrrrrrr") : hl_table_new(scenario_heads, 9, "lrrrrrrrl");
  if (!t) return HL_EXIT_USAGE;
  for (size_t s = 0; s < NSCENARIOS; s++) {
    const scenario_t *sc = &scenarios[s];
    if (only && only != sc) continue;
    char n[16];
    if (only) {
      for (int i = 0; i < sc->length; i++) {
        snprintf(n, sizeof n, "%d", cycles[s][i].cycle);
        table_row(t, NULL, n, &cycles[s][i], NULL);
      }
      continue;
    }
    snprintf(n, sizeof n, "%d", sc->length);
    table_row(t, sc->name, n, &cycles[s][sc->length - 1], ck[s].failures ? "FAIL" : "PASS");
  }
  if (only)
    printf("%s (GOGC %d, %s, globals %" PRIu64 " KiB, %d cores), model %s, every cycle; bytes\n",
           only->name, (int)only->gc_percent,
           only->memory_limit_bytes == HL_PACER_NO_LIMIT ? "no memory limit" : "limit 512 MiB",
           only->globals_bytes / KIB, NCORES, hl_pacer_model_name(model));
  else
    printf("Go's TestGcPacer on heaplab's pacer, model %s: the last cycle of each scenario; "
           "bytes\n",
           hl_pacer_model_name(model));
  hl_table_print(t, stdout, 0);
  hl_table_free(t);
  for (size_t s = 0; s < NSCENARIOS; s++)
    if ((!only || only == &scenarios[s]) && ck[s].failures)
      print_failures(stdout, &scenarios[s], &ck[s]);
  printf("%d scenario%s, %d checks, %d failed: %s\n", nrun, nrun == 1 ? "" : "s", checks, failures,
         failures ? "FAIL" : "PASS");
  return failures ? HL_EXIT_FOUND : HL_EXIT_OK;
}

static void usage(FILE *out) {
  fprintf(out,
          "Usage: heaplab pacer-sim [SCENARIO|all] [--pacer-model go122|go119]\n"
          "                         [--format table|csv]\n\n"
          "Runs the scenarios of Go's TestGcPacer (runtime/mgcpacer_test.go) through\n"
          "heaplab's port of the Go GC pacer, with Go's simulation harness: 8 cores,\n"
          "marking in 500 us steps, assists idealised from the assist ratio, no non-heap\n"
          "memory. Each cycle shows what Go's test logs: GC utilization, live heap at\n"
          "the start (heap_marked), trigger, peak, and the goal. Go's checks of each scenario\n"
          "are run; exit 0 when all pass, 1 when one fails, 2 on bad input.\n\n"
          "  SCENARIO         one scenario, every cycle (default: all, the last cycle of each)\n"
          "  --pacer-model M  go122 (default: cons/mark the largest of the last five cycles,\n"
          "                   memory-limit headroom max(3%%, 1 MiB)) or go119 (Go 1.19:\n"
          "                   cons/mark from a PI controller, 1 MiB of headroom)\n"
          "  --format F       table (default) or csv: scenario,cycle,gc_util_pct,\n"
          "                   heap_marked_prev,trigger,heap_peak,heap_goal, every cycle\n\n"
          "Scenarios:");
  for (size_t s = 0; s < NSCENARIOS; s++)
    fprintf(out, "%s%s", s % 4 == 0 ? "\n  " : " ", scenarios[s].name);
  fprintf(out, "\n");
}

static void scenario_names(char *buf, size_t len) {
  size_t used = (size_t)snprintf(buf, len, "all");
  for (size_t s = 0; s < NSCENARIOS && used < len; s++)
    used += (size_t)snprintf(buf + used, len - used, " %s", scenarios[s].name);
}

typedef struct sim_opts {
  hl_pacer_model_t model;
  format_t format;
} sim_opts_t;

enum { O_PACER_MODEL, O_FORMAT };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  sim_opts_t *o = ctx;
  if (opt->id == O_PACER_MODEL)
    return hl_pacer_model_parse(v, &o->model) ? hl_opts_bad(source, v, "expected go122 or go119")
                                              : 0;
  if (strcmp(v, "table") && strcmp(v, "csv"))
    return hl_opts_bad(source, v, "expected table or csv");
  o->format = strcmp(v, "table") ? FORMAT_CSV : FORMAT_TABLE;
  return 0;
}

static const hl_opt_t sim_opts[] = {
    {"pacer-model", 0, "go122|go119", NULL, NULL, 0, apply, O_PACER_MODEL},
    {"format", 0, "table|csv", NULL, NULL, 0, apply, O_FORMAT},
};

int hl_pacer_sim_main(int argc, char **argv) {
  sim_opts_t o = {HL_PACER_GO122, FORMAT_TABLE};
  hl_opt_group_t g = {NULL, sim_opts, sizeof sim_opts / sizeof sim_opts[0], &o, {{0}}, 0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse("pacer-sim", &g, 1, argc, argv, 1, &ops);
  if (rc == 1) { /* its usage explains the options itself */
    FILE *page = hl_opts_page_open(stdout);
    usage(page);
    hl_opts_page_close(page, stdout);
  }
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  const char *name = ops.n ? ops.v[0] : NULL;
  free(ops.v);
  const scenario_t *only = NULL;
  if (name && strcasecmp(name, "all") != 0) {
    for (size_t s = 0; s < NSCENARIOS && !only; s++)
      if (!strcasecmp(name, scenarios[s].name)) only = &scenarios[s];
    if (!only) {
      char names[1024];
      scenario_names(names, sizeof names);
      hl_msg("pacer-sim", "unknown scenario '%s'; available: %s", name, names);
      return HL_EXIT_USAGE;
    }
  }
  return simulate(only, o.model, o.format);
}
