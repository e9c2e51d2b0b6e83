/* `heaplab merge` (merge.h): the shards of one plan, joined.
 *
 * Each input is a results file of `run` (or `oom`) with a "plan" in its
 * context. All must be of one plan (the same id) unless --allow-mixed; a
 * cell's rows must come from one file (every repetition of a cell is in one
 * shard), so a cell in two files is a duplicate and refused; a cell of the
 * plan in no file is missing, reported, and the exit status says so (1).
 * The merged rows come in the plan's order; each carries the fingerprint id
 * of the machine it ran on ("machine"), and the context keeps every
 * machine's fingerprint, so readers compare timings and peaks only within a
 * machine. */
#include "merge.h"

#include "error.h"
#include "opts.h"
#include "results.h"

#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct merge_opts {
  const char *output;
  int allow_mixed;
} merge_opts_t;

static const hl_opt_t merge_opts[] = {
    {"output", 'o', "FILE.json", "the merged results file", NULL, 0, hl_opts_store_string,
     offsetof(merge_opts_t, output)},
    {"allow-mixed", 0, NULL, "join files of different plans (their cells side by side)", NULL, 0,
     hl_opts_store_flag, offsetof(merge_opts_t, allow_mixed)},
};

static void usage(FILE *out) {
  fprintf(out, "Usage: heaplab merge A.json B.json... -o ALL.json [--allow-mixed]\n\n"
               "Joins the results files of a plan's shards (heaplab run --shard K/N) into one:\n"
               "checks they are of one plan, refuses a cell found in two files, reports the\n"
               "plan's cells found in none. Each row keeps the machine it ran on (its\n"
               "fingerprint), so compare, gate, show and report compare timings and peaks only\n"
               "within one machine. Exit status: 0 merged, 1 merged with cells missing, 2 bad\n"
               "input (different plans, a duplicated cell, a file without a plan).\n\n");
}

typedef struct part {
  const char *path;
  json_t *doc;
  const char *plan_id, *machine;
} part_t;

static int load_part(part_t *p, const char *path) {
  char why[1024];
  p->path = path;
  if (hl_results_load(path, &p->doc, why, sizeof why) != 0) {
    hl_msg("merge", "%s", why);
    return HL_EINVAL;
  }
  const json_t *ctx = json_object_get(p->doc, "context");
  p->plan_id = json_string_value(json_object_get(json_object_get(ctx, "plan"), "id"));
  p->machine = json_string_value(json_object_get(json_object_get(ctx, "fingerprint"), "id"));
  if (!p->plan_id || !p->machine) {
    hl_msg("merge", "%s: no plan or machine fingerprint in its context (made by an older heaplab?)",
           path);
    return HL_EINVAL;
  }
  return 0;
}

/* The cell a row belongs to: its cell_id, or for an aggregate row the id of
 * the cell of its run_name; NULL when none. */
static const char *row_cell(const json_t *row, const json_t *names) {
  const char *id = json_string_value(json_object_get(row, "cell_id"));
  if (id) return id;
  const char *run_name = json_string_value(json_object_get(row, "run_name"));
  return run_name ? json_string_value(json_object_get(names, run_name)) : NULL;
}

/* Every part's rows by cell id (id -> {part, rows}); a cell in two files is
 * refused. names: run_name -> id, from the plans. */
static int group_rows(part_t *parts, size_t n, const json_t *names, json_t *by_cell) {
  for (size_t i = 0; i < n; i++) {
    size_t k;
    json_t *row;
    json_array_foreach(json_object_get(parts[i].doc, "benchmarks"), k, row) {
      const char *id = row_cell(row, names);
      if (!id) continue;
      json_t *g = json_object_get(by_cell, id);
      if (!g) {
        g = json_pack("{s:I, s:[]}", "part", (json_int_t)i, "rows");
        json_object_set_new(by_cell, id, g);
      } else if ((size_t)json_integer_value(json_object_get(g, "part")) != i) {
        size_t first = (size_t)json_integer_value(json_object_get(g, "part"));
        hl_msg("merge", "cell %s (%s) is in %s and in %s: one cell runs in one shard", id,
               json_string_value(json_object_get(row, "run_name")), parts[first].path,
               parts[i].path);
        return HL_EINVAL;
      }
      json_t *copy = json_copy(row);
      if (!json_object_get(copy, "machine"))
        json_object_set_new(copy, "machine", json_string(parts[i].machine));
      json_array_append_new(json_object_get(g, "rows"), copy);
    }
  }
  return 0;
}

/* The plans' cells in order (the first plan's, then those only the others
 * have), and run_name -> id. */
static void plan_cells(part_t *parts, size_t n, json_t *order, json_t *names) {
  for (size_t i = 0; i < n; i++) {
    const json_t *plan = json_object_get(json_object_get(parts[i].doc, "context"), "plan");
    size_t k;
    json_t *c;
    json_array_foreach(json_object_get(plan, "plan_cells"), k, c) {
      const char *id = json_string_value(json_object_get(c, "id"));
      const char *name = json_string_value(json_object_get(c, "name"));
      if (!id || !name || json_object_get(names, name)) continue;
      json_object_set_new(names, name, json_string(id));
      json_array_append_new(order, json_pack("{s:s, s:s}", "id", id, "name", name));
    }
  }
}

static json_t *merged_context(part_t *parts, size_t n, json_t *order) {
  json_t *ctx = json_deep_copy(json_object_get(parts[0].doc, "context"));
  json_t *plan = json_object_get(ctx, "plan"), *machines = json_object(), *from = json_array();
  json_object_del(plan, "shard");
  json_object_set(plan, "plan_cells", order);
  json_object_set_new(plan, "cells", json_integer((json_int_t)json_array_size(order)));
  for (size_t i = 0; i < n; i++) {
    const json_t *c = json_object_get(parts[i].doc, "context");
    json_object_set(machines, parts[i].machine, json_object_get(c, "fingerprint"));
    json_t *entry = json_pack("{s:s, s:s, s:s}", "file", parts[i].path, "plan", parts[i].plan_id,
                              "machine", parts[i].machine);
    json_t *shard = json_object_get(json_object_get(c, "plan"), "shard");
    if (shard) json_object_set(entry, "shard", shard);
    json_array_append_new(from, entry);
  }
  json_object_del(ctx, "fingerprint");
  json_object_set_new(ctx, "machines", machines);
  json_object_set_new(ctx, "merged_from", from);
  return ctx;
}

/* The merged document; *missing counts the plan's cells without a row. */
static json_t *merge_docs(part_t *parts, size_t n, size_t *missing) {
  json_t *order = json_array(), *names = json_object(), *by_cell = json_object();
  json_t *bench = json_array(), *doc = NULL;
  plan_cells(parts, n, order, names);
  if (group_rows(parts, n, names, by_cell) != 0) goto out;
  *missing = 0;
  size_t k;
  json_t *c;
  json_array_foreach(order, k, c) {
    json_t *g = json_object_get(by_cell, json_string_value(json_object_get(c, "id")));
    if (g) {
      json_array_extend(bench, json_object_get(g, "rows"));
    } else {
      hl_msg("merge", "missing: cell %s (%s): no file has its rows",
             json_string_value(json_object_get(c, "id")),
             json_string_value(json_object_get(c, "name")));
      (*missing)++;
    }
  }
  doc = json_pack("{s:o, s:O}", "context", merged_context(parts, n, order), "benchmarks", bench);
out:
  json_decref(order);
  json_decref(names);
  json_decref(by_cell);
  json_decref(bench);
  return doc;
}

static int check_plans(const part_t *parts, size_t n, int allow_mixed) {
  for (size_t i = 1; i < n; i++)
    if (strcmp(parts[i].plan_id, parts[0].plan_id) && !allow_mixed) {
      hl_msg("merge",
             "%s is of plan %s, %s of plan %s: not shards of one plan (--allow-mixed joins them "
             "anyway)",
             parts[0].path, parts[0].plan_id, parts[i].path, parts[i].plan_id);
      return HL_EINVAL;
    }
  return 0;
}

int hl_merge_main(int argc, char **argv) {
  merge_opts_t o = {0};
  hl_opt_group_t g = {"Options", merge_opts, sizeof merge_opts / sizeof merge_opts[0],
                      &o,        {{0}},      0};
  hl_opts_operands_t ops;
  int rc = hl_opts_parse_command("merge", &g, 1, argc, argv, (size_t)argc, &ops, usage);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  part_t *parts = calloc(ops.n ? ops.n : 1, sizeof *parts);
  size_t missing = 0, loaded = 0;
  json_t *doc = NULL;
  char why[1024] = "out of memory";
  rc = !o.output || !ops.n ? HL_EINVAL : parts ? 0 : HL_ENOMEM;
  if (rc == HL_EINVAL) hl_msg("merge", "expected results files and -o FILE (see --help)");
  for (; rc == 0 && loaded < ops.n; loaded++)
    rc = load_part(&parts[loaded], ops.v[loaded]);
  if (rc == 0) rc = check_plans(parts, ops.n, o.allow_mixed);
  if (rc == 0 && !(doc = merge_docs(parts, ops.n, &missing))) rc = HL_EINVAL;
  if (rc == 0 && (rc = hl_results_save(doc, o.output, why, sizeof why)) != 0)
    hl_msg("merge", "cannot write the merged results: %s", why);
  if (rc == 0)
    hl_msg("merge", "%zu files, %zu cells missing: written to %s", ops.n, missing, o.output);
  json_decref(doc);
  for (size_t i = 0; i < loaded; i++)
    json_decref(parts[i].doc);
  free(parts);
  free(ops.v);
  return rc ? HL_EXIT_USAGE : missing ? HL_EXIT_FOUND : HL_EXIT_OK;
}
