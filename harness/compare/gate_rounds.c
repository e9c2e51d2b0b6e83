/* The gate's rounds of two binaries (gate_rounds.h).
 *
 * A round runs each benchmark once on each side, and the paired test divides
 * the two: the closer in time the two runs of a pair, the more of the
 * machine's wander the ratio cancels. Measured here: the CPU time of
 * escape-return/glibc in 200 workers run one after another had a robust CV
 * of 7.8%; the log ratio of two neighbouring workers spread by 7.4%, of two
 * workers 4 apart (a side's suite of 4 cells in between) by 11.2%, 8 apart
 * by 17.4%. So with two binaries (--interleave cell, the default) a round
 * runs cell by cell: base and new back to back (`run ... --shard c/N`, one
 * cell a shard of its plan), the order alternating with the round and the
 * cell (A B, B A, ...). The first round runs each side's suite whole: its
 * results name the plan's cells (context.plan.plan_cells), and the plans of
 * both sides must have the same number, which maps every row to its cell.
 * After a look, a cell runs only while one of its benchmarks is undecided,
 * so a round costs what is still open. Sides whose results name no plan, or
 * plans of different sizes, and --interleave suite, run whole suites, A B
 * then B A. */
#include "gate_rounds.h"

#include "child.h"
#include "error.h"
#include "interrupt.h"
#include "shard.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Appends the iteration rows of one round to the side's merged document. */
static int merge_round(gate_side_t *s, json_t *round_doc, unsigned round, unsigned rounds) {
  if (!s->doc) {
    s->doc =
        json_pack("{s:O, s:[]}", "context", json_object_get(round_doc, "context"), "benchmarks");
    if (!s->doc) return HL_ENOMEM;
    s->src.revision =
        json_string_value(json_object_get(json_object_get(s->doc, "context"), "heaplab_revision"));
  }
  json_t *out = json_object_get(s->doc, "benchmarks");
  hl_results_t v;
  if (hl_results_view(round_doc, &v) != 0) return HL_ENOMEM;
  for (size_t i = 0; i < v.n; i++) {
    if (v.row[i].run_type != HL_RUN_ITERATION) continue;
    json_t *e = (json_t *)v.row[i].json; /* round_doc is ours to change */
    json_object_set_new(e, "repetition_index", json_integer(round));
    json_object_set_new(e, "repetitions", json_integer(rounds));
    json_array_append(out, e);
  }
  hl_results_view_free(&v);
  return 0;
}

/* One round of side s: its whole suite (shard NULL) or one shard of its
 * plan ("c/N": cell c alone). */
static int run_round(const gate_opts_t *o, gate_side_t *s, const char *dir, unsigned round,
                     const char *shard) {
  char out[PATH_MAX + 64];
  snprintf(out, sizeof out, "%s/%s-%u.json", dir, s->role, round);
  char *argv[MAX_RUN_ARGS + 22];
  size_t n = 0;
  argv[n++] = s->exe;
  argv[n++] = (char *)"run";
  for (size_t i = 0; i < o->nrun_args; i++)
    argv[n++] = o->run_args[i];
  const char *x = !strcmp(s->role, "base") ? o->base_x : o->new_x;
  if (x) {
    argv[n++] = (char *)"-x";
    argv[n++] = (char *)x;
  }
  if (x && o->program_name[0]) {
    argv[n++] = (char *)"--name";
    argv[n++] = (char *)o->program_name;
  }
  if (s->src.backend) {
    argv[n++] = (char *)"-b";
    argv[n++] = (char *)(!strcmp(s->role, "base") ? o->base_backend : o->new_backend);
  }
  argv[n++] = (char *)"--reps=1";
  if (shard) {
    argv[n++] = (char *)"--shard";
    argv[n++] = (char *)shard;
  }
  argv[n++] = o->pmu ? (char *)"--counters=perf::INSTRUCTIONS,perf::CYCLES"
                     : (char *)"--counters=none";
  argv[n++] = (char *)"-o";
  argv[n++] = out;
  argv[n] = NULL;
  hl_spawn_config_t cfg = {.argv = argv, .timeout_s = 0, .interrupted = &hl_interrupted};
  hl_child_result_t res;
  if (hl_child_run(&cfg, &res) != 0) {
    hl_msg("gate", "cannot start %s", s->exe);
    return HL_ECHILD;
  }
  int status = res.exit_status;
  if (status != 0 && status != 1) {
    char *tail = res.stderr_tail;
    size_t len = strlen(tail);
    while (len && tail[len - 1] == '\n')
      tail[--len] = '\0';
    char *last = strrchr(tail, '\n');
    hl_msg("gate", "%s run failed (%s): %s", s->src.path,
           res.signal ? "killed by a signal" : "exit status != 0/1", last ? last + 1 : tail);
    hl_child_result_free(&res);
    return hl_interrupted ? HL_EINVAL : HL_ECHILD;
  }
  hl_child_result_free(&res);
  json_t *doc;
  char why[1024];
  if (hl_results_load(out, &doc, why, sizeof why) != 0) {
    hl_msg("gate", "%s run wrote no results: %s", s->src.path, why);
    return HL_ECHILD;
  }
  int rc = merge_round(s, doc, round, o->max_rounds);
  json_decref(doc);
  remove(out);
  return rc;
}


void hl_gate_cells_free(gate_cells_t *c) {
  for (size_t i = 0; i < c->n; i++) {
    for (size_t k = 0; k < c->cell[i].nkey; k++)
      free(c->cell[i].key[k]);
    free(c->cell[i].key);
  }
  free(c->cell);
  memset(c, 0, sizeof *c);
}

hl_row_key_fn hl_gate_row_key(const gate_opts_t *o) {
  return o->base_backend ? hl_row_key_group : hl_row_key_run_name;
}

static int cell_add_key(gate_cell_t *c, const char *key) {
  for (size_t k = 0; k < c->nkey; k++)
    if (!strcmp(c->key[k], key)) return 0;
  char **grown = realloc(c->key, (c->nkey + 1) * sizeof *grown);
  if (!grown) return HL_ENOMEM;
  c->key = grown;
  return (c->key[c->nkey] = strdup(key)) ? (c->nkey++, 0) : HL_ENOMEM;
}

static const json_t *plan_cells(const gate_side_t *s) {
  const json_t *cells =
      json_object_get(json_object_get(json_object_get(s->doc, "context"), "plan"), "plan_cells");
  return json_is_array(cells) && json_array_size(cells) ? cells : NULL;
}

/* The rows of side s, each added to its cell (by the plan's cell id). */
static int cells_map_side(gate_cells_t *c, const gate_opts_t *o, const gate_side_t *s) {
  const json_t *plan = plan_cells(s);
  hl_row_key_fn row_key = hl_gate_row_key(o);
  hl_results_t v;
  if (hl_results_view(s->doc, &v) != 0) return HL_ENOMEM;
  int rc = 0;
  for (size_t i = 0; i < v.n && rc == 0; i++) {
    char buf[512];
    const char *key = row_key(&v.row[i], buf, sizeof buf);
    if (!key || !v.row[i].cell_id) continue;
    for (size_t k = 0; k < c->n; k++) {
      const char *id = json_string_value(json_object_get(json_array_get(plan, k), "id"));
      if (id && !strcmp(id, v.row[i].cell_id)) {
        rc = cell_add_key(&c->cell[k], key);
        break;
      }
    }
  }
  hl_results_view_free(&v);
  return rc;
}

/* After the first round: the cells of both sides' plans, when they can be
 * run one by one (else c->n stays 0). */
static int cells_learn(gate_cells_t *c, const gate_opts_t *o, const gate_side_t *base,
                       const gate_side_t *new_) {
  if (o->interleave_suite || !base || !new_ || !base->src.is_binary || !new_->src.is_binary)
    return 0;
  const json_t *pb = plan_cells(base), *pn = plan_cells(new_);
  size_t n = pb ? json_array_size(pb) : 0;
  if (!pn || json_array_size(pn) != n || n < 2 || n > HL_MAX_SHARDS) return 0;
  if (!(c->cell = calloc(n, sizeof *c->cell))) return HL_ENOMEM;
  c->n = n;
  int rc = cells_map_side(c, o, base);
  if (rc == 0) rc = cells_map_side(c, o, new_);
  if (rc) hl_gate_cells_free(c);
  return rc;
}

/* Whether cell c still has a benchmark to measure: before the first look,
 * or while one of its benchmarks is undecided (one the looks never tested,
 * a count compared without timings, is done). */
static int cell_open(const gate_cell_t *c, const hl_seq_t *seq) {
  if (!seq || seq->looks_taken == 0 || c->nkey == 0) return 1;
  for (size_t k = 0; k < c->nkey; k++) {
    const hl_seq_entry_t *e = hl_seq_find(seq, c->key[k]);
    if (e && !e->closed) return 1;
  }
  return 0;
}

static void progress(const gate_opts_t *o, unsigned round, const char *what, const char *role) {
  fprintf(stderr, "\r\033[Kround %u (at most %u): %s%s%s", round + 1, o->max_rounds,
          what ? what : "", what ? " " : "", role);
}

/* Round k cell by cell: base and new of each open cell back to back. */
static int run_round_cells(sides_t *s, const char *dir, unsigned k, const hl_seq_t *seq, int tty) {
  int rc = 0;
  for (size_t c = 0; c < s->cells.n && rc == 0 && !hl_interrupted; c++) {
    if (!cell_open(&s->cells.cell[c], seq)) continue;
    char shard[48];
    snprintf(shard, sizeof shard, "%zu/%zu", c, s->cells.n);
    gate_side_t *order[2] = {(k + c) % 2 ? s->new_ : s->base, (k + c) % 2 ? s->base : s->new_};
    for (int j = 0; j < 2 && rc == 0; j++) {
      if (tty)
        progress(s->o, k, s->cells.cell[c].nkey ? s->cells.cell[c].key[0] : shard, order[j]->role);
      rc = run_round(s->o, order[j], dir, k, shard);
    }
  }
  return rc;
}

int hl_gate_run_sides(sides_t *s, unsigned from, unsigned to, const hl_seq_t *seq) {
  char dir[] = "/tmp/heaplab-gate.XXXXXX";
  if (!mkdtemp(dir)) {
    hl_msg("gate", "cannot create a temporary directory: %s", strerror(errno));
    return HL_EIO;
  }
  int tty = isatty(STDERR_FILENO), rc = 0;
  for (unsigned k = from; k < to && rc == 0 && !hl_interrupted; k++) {
    if (s->cells.n) {
      rc = run_round_cells(s, dir, k, seq, tty);
      continue;
    }
    gate_side_t *order[2] = {k % 2 ? s->new_ : s->base, k % 2 ? s->base : s->new_};
    for (int j = 0; j < 2 && rc == 0; j++) {
      if (!order[j] || !order[j]->src.is_binary) continue;
      if (tty) progress(s->o, k, NULL, order[j]->role);
      rc = run_round(s->o, order[j], dir, k, NULL);
    }
    if (rc == 0 && k == 0) rc = cells_learn(&s->cells, s->o, s->base, s->new_);
  }
  if (tty) fprintf(stderr, "\r\033[K");
  rmdir(dir);
  if (hl_interrupted) {
    hl_msg("gate", "interrupted");
    return HL_EINVAL;
  }
  return rc;
}
