/* The results document of a run (document.h). */
#include "document.h"

#include "error.h"
#include "results.h"
#include "view.h"
#include "util.h"

#include <stdlib.h>

#define SAVE_INTERVAL_NS UINT64_C(1000000000)

json_t *hl_document_build(const hl_document_t *d, const hl_plan_t *plan, int with_aggregates) {
  json_t *bench = json_array();
  size_t most = 1;
  for (size_t i = 0; i < plan->ncells; i++)
    if (json_array_size(plan->cells[i].rows) > most) most = json_array_size(plan->cells[i].rows);
  json_t **ok = calloc(most, sizeof *ok);
  if (!bench || !ok) {
    json_decref(bench);
    free(ok);
    return NULL;
  }
  for (size_t i = 0; i < plan->ncells; i++) {
    size_t nok = 0, k;
    json_t *e;
    json_array_foreach(plan->cells[i].rows, k, e) {
      json_array_append(bench, e);
      if (hl_row_json_ok(e)) ok[nok++] = e;
    }
    if (with_aggregates && nok >= 2) hl_results_aggregate(ok, nok, bench);
  }
  free(ok);
  json_t *doc = json_pack("{s:O, s:o}", "context", d->context, "benchmarks", bench);
  if (doc && d->extra) json_object_update(doc, d->extra);
  return doc;
}

int hl_document_write(hl_document_t *d, const json_t *doc) {
  if (!d->path) return 0;
  char why[1024] = "out of memory";
  int rc = doc ? hl_results_save(doc, d->path, why, sizeof why) : HL_ENOMEM;
  if (rc) hl_msg("run", "cannot write the results: %s", why);
  d->saved_ns = hl_now_ns();
  return rc;
}

int hl_document_save(hl_document_t *d, const hl_plan_t *plan) {
  if (!d->path || (d->saved_ns && hl_now_ns() - d->saved_ns < SAVE_INTERVAL_NS)) return 0;
  json_t *doc = hl_document_build(d, plan, 0);
  int rc = hl_document_write(d, doc);
  json_decref(doc);
  return rc;
}
