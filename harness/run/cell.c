/* Cell parameters and names (cell.h). */
#include "cell.h"

#include "error.h"

#include <stdio.h>
#include <string.h>

int hl_cell_params(const hl_workload_t *w, const hl_run_options_t *o, const size_t *choice,
                   uint64_t *param, char *why, size_t why_len) {
  hl_workload_defaults(w, o->quick, param);
  for (size_t i = 0; i < o->nparams; i++) {
    int k = hl_workload_param_index(w, o->param[i].key);
    if (k < 0) continue;
    const char *text = o->param[i].values[choice ? choice[i] : 0];
    char reason[192];
    int rc = hl_param_parse(&w->params[k], text, &param[k], reason, sizeof reason);
    if (rc) {
      snprintf(why, why_len, "%s: -p %s: %s", w->name, o->param[i].key, reason);
      return rc;
    }
  }
  if (w->check) {
    char reason[192];
    int rc = w->check(param, o->threads, reason, sizeof reason);
    if (rc) {
      snprintf(why, why_len, "%s: %s", w->name, reason);
      return rc;
    }
  }
  if (w->iterations(param, o->threads) == 0) {
    snprintf(why, why_len, "%s: these parameters give no iterations for %u thread%s", w->name,
             o->threads, o->threads == 1 ? "" : "s");
    return HL_EINVAL;
  }
  return 0;
}

void hl_cell_name(const hl_workload_t *w, const char *backend, const uint64_t *param,
                  unsigned threads, char *buf, size_t len) {
  size_t off = (size_t)snprintf(buf, len, "%s/%s", w->name, backend);
  for (size_t k = 0; k < w->nparams && off < len; k++) {
    if (param[k] == w->params[k].def) continue;
    char v[48];
    hl_param_format(&w->params[k], param[k], v, sizeof v);
    off += (size_t)snprintf(buf + off, len - off, "/%s=%s", w->params[k].key, v);
  }
  if (threads > 1 && off < len) snprintf(buf + off, len - off, "/threads:%u", threads);
}
