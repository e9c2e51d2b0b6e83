/* `heaplab plan`: the cells a run (or oom) with these options would run, one
 * JSON line each, with its stable id, name, spec and shard, then a line with
 * the plan's id and size. Nothing runs but the backend probes. */
#include "plancmd.h"

#include "error.h"
#include "plan.h"
#include "runner.h"
#include "shard.h"
#include "size.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct plan_cmd {
  hl_run_request_t *rq;
  unsigned shards;
} plan_cmd_t;

static void keep_request(hl_run_request_t *rq, void *ctx) {
  ((plan_cmd_t *)ctx)->rq = rq;
}

enum { O_SHARDS, O_RUNS };

static int apply(void *ctx, const hl_opt_t *opt, const char *v, const char *source) {
  plan_cmd_t *p = ctx;
  uint64_t n;
  if (opt->id == O_RUNS) return hl_run_request_set_reps(p->rq, v, source);
  if (hl_parse_count(v, 1, HL_MAX_SHARDS, &n) != 0)
    return hl_opts_bad(source, v, "expected a number of shards from 1 to 65536");
  p->shards = (unsigned)n;
  return 0;
}

static const hl_opt_t plan_opts[] = {
    {"shards", 0, "N", "show how the plan splits into N shards (each line's \"shard\")", NULL, 0,
     apply, O_SHARDS},
    {"runs", 0, "N", "oom's runs per cell (the same as --reps)", NULL, 0, apply, O_RUNS},
};

static void usage(FILE *out, const hl_opt_group_t *groups, size_t ngroups) {
  fprintf(out, "Usage: heaplab plan [RUN OR OOM OPTIONS] [--shards N]\n\n"
               "Prints the plan of a run with these options, one JSON line per cell (its id,\n"
               "the hash of its spec, the same wherever the options are; its name; the shard\n"
               "that runs it; its spec), then one line with the plan's id and size. Run one\n"
               "shard of it anywhere with `heaplab run ... --shard K/N` and join the results\n"
               "with `heaplab merge`. Give the backends with -b: with 'all' the plan depends on\n"
               "what this machine has.\n\n");
  hl_opts_help(out, groups, ngroups);
}

static int no_output(const hl_run_request_t *rq, void *ctx) {
  (void)ctx;
  if (!rq->output && !rq->shard.count) return 0;
  hl_msg("plan", "%s: a plan runs nothing and writes nothing", rq->output ? "-o" : "--shard");
  return HL_EINVAL;
}

static void print_cell(const hl_cell_t *c, unsigned shard, unsigned shards) {
  char *text = hl_cell_spec_encode(&c->spec);
  json_t *spec = text ? json_loads(text, 0, NULL) : NULL;
  json_t *line = json_pack("{s:s, s:s, s:o*}", "id", c->id, "name", c->name, "spec", spec);
  if (line && shards) json_object_set_new(line, "shard", json_integer(shard));
  char *out = line ? json_dumps(line, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  if (out) printf("%s\n", out);
  free(out);
  free(text);
  json_decref(line);
}

int hl_plan_main(int argc, char **argv) {
  plan_cmd_t p = {0};
  hl_opt_group_t own = {
      "heaplab plan options", plan_opts, sizeof plan_opts / sizeof plan_opts[0], &p, {{0}}, 0};
  hl_runner_spec_t spec = {.command = "plan",
                           .usage = usage,
                           .defaults = keep_request,
                           .own = &own,
                           .check = no_output,
                           .ctx = &p};
  hl_runner_t *r;
  int rc = hl_runner_open(&spec, argc, argv, &r);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  const hl_plan_t *plan = hl_runner_plan(r);
  json_t *sizes = json_array();
  for (unsigned k = 0; k < (p.shards ? p.shards : 1); k++) {
    hl_shard_t s = {k, p.shards};
    size_t first, end;
    hl_shard_range(plan->ncells, &s, &first, &end);
    for (size_t i = first; i < end; i++)
      print_cell(&plan->cells[i], k, p.shards);
    json_array_append_new(sizes, json_integer((json_int_t)(end - first)));
  }
  const json_t *info = hl_runner_plan_info(r);
  unsigned reps = hl_runner_request(r)->reps;
  json_t *last = json_pack("{s:O, s:I, s:i, s:I}", "plan", json_object_get(info, "id"), "cells",
                           (json_int_t)plan->ncells, "repetitions", (int)reps, "runs",
                           (json_int_t)(plan->ncells * reps));
  if (last && p.shards) json_object_set(last, "cells_per_shard", sizes);
  char *out = last ? json_dumps(last, JSON_COMPACT | JSON_PRESERVE_ORDER) : NULL;
  if (out) printf("%s\n", out);
  free(out);
  json_decref(last);
  json_decref(sizes);
  hl_runner_close(r);
  return out ? HL_EXIT_OK : HL_EXIT_USAGE;
}
