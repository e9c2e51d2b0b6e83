/* `heaplab gate` (gate.h): the sides, the looks, the report and the exit
 * status.
 *
 * A side given as a binary is measured by that binary's own `run` command
 * (`BIN run --reps 1 ... -o FILE`, gate_rounds.c: cell by cell, or a
 * side's suite a call), so two builds compare even when their worker
 * protocols differ; each of its cells' repetitions is already its own
 * worker process. The rows of all rounds of a side are merged into one
 * results document (repetition_index = round) and handed to the decision.
 *
 * Two backends (--base-backend, --new-backend): the same cells, each side
 * run with its own -b (by this heaplab unless --base/--new name another),
 * or a results file's rows of that backend. The benchmarks are then keyed
 * by the cell's name without its backend, so that sort/glibc on the base
 * meets sort/span-malloc on the new side. */
#include "gate.h"

#include "gate_cmd.h"
#include "gate_rounds.h"

#include "gate_looks.h"
#include "error.h"
#include "interrupt.h"
#include "opts.h"
#include "request.h"
#include "results.h"
#include "util.h"

#include <errno.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>



/* ---- sides ----------------------------------------------------------------- */

/* A results file's rows of one backend (--base-backend, --new-backend):
 * the others are dropped from its document. */
static int keep_backend(gate_side_t *s) {
  hl_results_t v;
  json_t *kept = json_array();
  if (!kept || hl_results_view(s->doc, &v) != 0) {
    json_decref(kept);
    return HL_ENOMEM;
  }
  for (size_t i = 0; i < v.n; i++)
    if (v.row[i].backend && !strcmp(v.row[i].backend, s->src.backend))
      json_array_append(kept, (json_t *)v.row[i].json);
  hl_results_view_free(&v);
  size_t n = json_array_size(kept);
  json_object_set_new(s->doc, "benchmarks", kept);
  if (n) return 0;
  hl_msg("gate", "--%s %s has no rows of backend %s", s->role, s->src.path, s->src.backend);
  return HL_EINVAL;
}

/* A results file starts with '{'; anything else must be an executable. */
static int classify(gate_side_t *s, const char *path, const char *role) {
  s->src.path = path;
  s->role = role;
  FILE *f = fopen(path, "rb");
  if (!f) {
    hl_msg("gate", "--%s %s: cannot open: %s", role, path, strerror(errno));
    return HL_EINVAL;
  }
  int ch;
  while ((ch = fgetc(f)) == ' ' || ch == '\n' || ch == '\t' || ch == '\r') {
  }
  fclose(f);
  if (ch == '{') {
    char why[1024];
    if (hl_results_load(path, &s->doc, why, sizeof why) != 0) {
      hl_msg("gate", "--%s: %s", role, why);
      return HL_EINVAL;
    }
    s->src.revision =
        json_string_value(json_object_get(json_object_get(s->doc, "context"), "heaplab_revision"));
    return s->src.backend ? keep_backend(s) : 0;
  }
  struct stat st;
  if (stat(path, &st) != 0 || !S_ISREG(st.st_mode) || access(path, X_OK) != 0 ||
      !realpath(path, s->exe)) {
    hl_msg("gate", "--%s %s: neither a results file (JSON) nor an executable heaplab", role, path);
    return HL_EINVAL;
  }
  s->src.is_binary = 1;
  return 0;
}

static int save_side(const gate_side_t *s, const char *dir, const char *file) {
  if (!s || !s->doc) return 0;
  char path[PATH_MAX], why[1024];
  snprintf(path, sizeof path, "%s/%s", dir, file);
  int rc = hl_results_save(s->doc, path, why, sizeof why);
  if (rc) hl_msg("gate", "cannot write %s", why);
  return rc;
}

static int save_baseline(const gate_opts_t *o, const gate_side_t *s) {
  hl_results_t v;
  json_t *doc = hl_results_view(s->doc, &v) == 0 ? hl_gate_baseline_doc(&v) : NULL;
  hl_results_view_free(&v);
  char why[1024] = "out of memory";
  int rc = doc ? hl_results_save(doc, o->save_baseline, why, sizeof why) : HL_ENOMEM;
  json_decref(doc);
  if (rc) {
    hl_msg("gate", "cannot write the baseline: %s", why);
    return HL_EXIT_USAGE;
  }
  fprintf(stderr, "heaplab: gate: baseline written to %s\n", o->save_baseline);
  return HL_EXIT_OK;
}

static int run_rounds_cb(void *ctx, unsigned from, unsigned to, const hl_seq_t *seq) {
  return hl_gate_run_sides(ctx, from, to, seq);
}

/* The views of both sides' documents so far (rebuilt at each look: the
 * rounds since the last one appended rows). */
static int views_cb(void *ctx, const hl_results_t **base, const hl_results_t **new_) {
  sides_t *s = ctx;
  hl_results_view_free(&s->base->view);
  hl_results_view_free(&s->new_->view);
  if (hl_results_view(s->base->doc, &s->base->view) ||
      hl_results_view(s->new_->doc, &s->new_->view))
    return HL_ENOMEM;
  *base = &s->base->view;
  *new_ = &s->new_->view;
  return 0;
}

/* The looks: rounds of the binary sides (run here), or one look at files. */
static int take_looks(const gate_opts_t *o, gate_side_t *base, gate_side_t *new_,
                      hl_gate_set_t *set, hl_gate_tally_t *tally, hl_seq_t *seq,
                      unsigned *rounds) {
  sides_t ctx = {o, base, new_, {0}};
  int binary = base->src.is_binary || new_->src.is_binary;
  hl_gate_looks_t l = {.plan = {o->rounds, o->max_rounds, o->looks},
                       .budget_s = o->budget_s,
                       .run_rounds = binary ? run_rounds_cb : NULL,
                       .views = views_cb,
                       .key = hl_gate_row_key(o),
                       .ctx = &ctx};
  if (!binary) l.plan = (hl_seq_plan_t){1, 1, 1};
  char why[1024];
  int rc = hl_gate_run_looks(&l, &o->decide, set, tally, seq, rounds, why, sizeof why);
  hl_gate_cells_free(&ctx.cells);
  if (rc == HL_ECHILD || hl_interrupted) return rc ? rc : HL_EINVAL;
  if (rc) hl_msg("gate", "%s", why);
  if (!binary) *rounds = 0;
  return rc;
}

static int decide_and_report(const gate_opts_t *o, gate_side_t *base, gate_side_t *new_) {
  hl_gate_set_t set = {0};
  hl_seq_t seq = {0};
  hl_gate_tally_t tally;
  unsigned rounds = 0;
  char why[1024], rounds_text[2048];
  if (take_looks(o, base, new_, &set, &tally, &seq, &rounds) != 0) {
    hl_gate_set_free(&set);
    hl_seq_free(&seq);
    return HL_EXIT_USAGE;
  }
  hl_seq_rounds_text(set.bench, set.n, rounds_text, sizeof rounds_text);
  hl_gate_opts_t decided = o->decide;
  decided.looks = rounds ? o->looks : 1;
  hl_gate_report_t r = {.set = &set,
                        .opts = &decided,
                        .tally = &tally,
                        .base = base->src,
                        .new_ = new_->src,
                        .rounds = rounds,
                        .seq = rounds ? &seq : NULL,
                        .rounds_text = rounds ? rounds_text : NULL};
  int rc = 0;
  if (o->base_backend)
    printf("base: backend %s, new: backend %s; a benchmark is a cell without its backend\n\n",
           o->base_backend, o->new_backend);
  if (rc == 0) rc = hl_gate_print_table(&r, stdout, 0);
  if (rc == 0 && o->json_out && (rc = hl_gate_write_json(&r, o->json_out, why, sizeof why)) != 0)
    hl_msg("gate", "cannot write %s: %s", o->json_out, why);
  if (rc == 0 && o->md_out && (rc = hl_gate_write_markdown(&r, o->md_out, why, sizeof why)) != 0)
    hl_msg("gate", "cannot write %s: %s", o->md_out, why);
  if (rc == 0) {
    char line[512];
    hl_gate_verdict_line(&tally, &decided, line, sizeof line);
    printf("\n%s%s%s\n", line, r.rounds_text && *r.rounds_text ? "; rounds: " : "",
           r.rounds_text ? r.rounds_text : "");
    hl_gate_print_notes(&set, &tally, &decided, stdout);
    if (o->pmu && base->src.is_binary) hl_gate_pmu_note(base->doc, "base", stdout);
    if (o->pmu && new_->src.is_binary) hl_gate_pmu_note(new_->doc, "new", stdout);
  }
  hl_gate_set_free(&set);
  hl_seq_free(&seq);
  if (rc) {
    if (rc == HL_EINVAL) hl_msg("gate", "malformed timing values in the results");
    return HL_EXIT_USAGE;
  }
  return hl_gate_exit_status(&tally) ? HL_EXIT_FOUND : HL_EXIT_OK;
}

int hl_gate_main(int argc, char **argv) {
  gate_opts_t o;
  hl_run_request_t rq; /* only to check the run options; the binaries parse their own */
  memset(&o, 0, sizeof o);
  hl_run_request_init(&rq);
  int rc = hl_gate_parse_args(argc, argv, &o, &rq);
  hl_run_request_free(&rq);
  if (rc) return rc == 1 ? HL_EXIT_OK : HL_EXIT_USAGE;
  gate_side_t base = {0}, new_ = {0};
  int exit_code = HL_EXIT_USAGE;
  char self[PATH_MAX];
  if (o.base_backend) { /* two backends: each side this heaplab unless named */
    if ((!o.base || !o.new_) && hl_self_exe(self, sizeof self) != 0) {
      hl_msg("gate", "cannot find this heaplab's own binary (/proc/self/exe)");
      return HL_EXIT_USAGE;
    }
    if (!o.base) o.base = self;
    if (!o.new_) o.new_ = self;
    base.src.backend = o.backend_name[0];
    new_.src.backend = o.backend_name[1];
  }
  if ((o.base && classify(&base, o.base, "base")) || classify(&new_, o.new_, "new")) goto done;
  if (o.save_baseline && !new_.src.is_binary) {
    hl_msg("gate", "--save-baseline needs --new BIN (a heaplab binary to run)");
    goto done;
  }
  if ((base.src.is_binary || new_.src.is_binary) && o.nrun_args == 0) {
    hl_msg("gate", "a binary side needs the cells to run: give -w and -b (see --help)");
    goto done;
  }
  struct stat dir;
  if (o.save_runs && (stat(o.save_runs, &dir) != 0 || !S_ISDIR(dir.st_mode) ||
                      access(o.save_runs, W_OK | X_OK) != 0)) {
    /* said now, not after the rounds have run */
    hl_msg("gate", "--save-runs %s: not a writable directory", o.save_runs);
    goto done;
  }
  hl_interrupt_install();
  if (o.save_baseline) {
    o.rounds = 1;
    sides_t one = {&o, NULL, &new_, {0}};
    if (hl_gate_run_sides(&one, 0, 1, NULL) != 0) goto done;
  } else if (base.src.is_binary && new_.src.is_binary && !o.test_given) {
    o.decide.tests = HL_GATE_TESTS_PAIRS; /* the rounds pair them */
  }
  if (o.save_baseline && o.save_runs && save_side(&new_, o.save_runs, "new.json")) goto done;
  exit_code = o.save_baseline ? save_baseline(&o, &new_) : decide_and_report(&o, &base, &new_);
  if (!o.save_baseline && o.save_runs &&
      (save_side(&base, o.save_runs, "base.json") || save_side(&new_, o.save_runs, "new.json")))
    exit_code = HL_EXIT_USAGE;
done:
  if (hl_interrupted) exit_code = hl_interrupt_exit_code();
  hl_results_view_free(&base.view);
  hl_results_view_free(&new_.view);
  json_decref(base.doc);
  json_decref(new_.doc);
  return exit_code;
}
