/* The figures' layout (figlayout.h). */
#include "figlayout.h"

#include "error.h"
#include "stats.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* "GROUP\x1fBACKEND" of an iteration row with a backend, ok or not. */
static const char *cell_key(const hl_row_t *row, char *buf, size_t len) {
  if (row->run_type != HL_RUN_ITERATION || !row->backend) return NULL;
  hl_entry_group(row, buf, len);
  size_t used = strlen(buf);
  snprintf(buf + used, len - used, "\x1f%s", row->backend);
  return buf;
}

static int slot(const char **list, size_t *n, size_t max, const char *name) {
  for (size_t k = 0; k < *n; k++)
    if (!strcmp(list[k], name)) return (int)k;
  if (*n == max) return -1;
  list[*n] = name;
  return (int)(*n)++;
}

int hl_fig_layout_build(const hl_results_t *v, hl_fig_layout_t *l) {
  memset(l, 0, sizeof *l);
  if (hl_row_index_build(v, cell_key, &l->ix) != 0) return HL_ENOMEM;
  int rc = l->ix.n ? 0 : HL_ENOENT;
  for (size_t i = 0; i < l->ix.n; i++) {
    const hl_row_t *first = l->ix.group[i].row[0];
    char name[256];
    hl_entry_group(first, name, sizeof name);
    int g = slot((const char **)l->group, &l->ngroups, HL_FIG_MAX_GROUPS, name);
    if (g >= 0 && l->group[g] == name && !(l->group[g] = strdup(name))) {
      l->ngroups--;
      return HL_ENOMEM;
    }
    int b = slot(l->backend, &l->nbackends, HL_FIG_MAX_BACKENDS, first->backend);
    if (g < 0 || b < 0)
      rc = HL_ERANGE;
    else
      l->cell[g][b] = &l->ix.group[i];
  }
  return rc;
}

void hl_fig_layout_free(hl_fig_layout_t *l) {
  for (size_t g = 0; g < l->ngroups; g++)
    free(l->group[g]);
  hl_row_index_free(&l->ix);
  memset(l, 0, sizeof *l);
}

void hl_fig_stat(const hl_fig_layout_t *l, size_t g, size_t b, const char *key, double scale,
                 hl_fig_stat_t *s) {
  memset(s, 0, sizeof *s);
  const hl_row_group_t *c = l->cell[g][b];
  if (!c) return;
  s->n = c->n;
  double *v = calloc(c->nok ? c->nok : 1, sizeof *v);
  for (size_t i = 0; v && i < c->nok; i++) {
    double x;
    if (hl_row_number(c->ok[i], key, &x) == 0 && isfinite(x)) v[s->nok++] = x / scale;
  }
  if (s->nok) {
    s->med = hl_stats_median(v, s->nok);
    s->lo = hl_stats_min(v, s->nok);
    s->hi = hl_stats_max(v, s->nok);
  }
  free(v);
  /* the most frequent outcome other than ok */
  for (size_t i = 0; i < c->n; i++) {
    const char *w = hl_row_outcome_word(c->row[i]);
    if (c->row[i]->ok || (s->outcome && !strcmp(w, s->outcome))) continue;
    size_t k = 0;
    for (size_t j = 0; j < c->n; j++)
      k += !c->row[j]->ok && !strcmp(hl_row_outcome_word(c->row[j]), w);
    if (k > s->noutcome) s->outcome = w, s->noutcome = k;
  }
}

double hl_fig_median_all(const hl_fig_layout_t *l, const char *key) {
  size_t n = 0, cap = 0;
  for (size_t i = 0; i < l->ix.n; i++)
    cap += l->ix.group[i].nok;
  double *v = calloc(cap ? cap : 1, sizeof *v), m = -1;
  for (size_t i = 0; v && i < l->ix.n; i++)
    for (size_t k = 0; k < l->ix.group[i].nok; k++)
      if (hl_row_number(l->ix.group[i].ok[k], key, &v[n]) == 0) n++;
  if (n) m = hl_stats_median(v, n);
  free(v);
  return m;
}

void hl_fig_context(const hl_results_t *v, char *buf, size_t len) {
  const json_t *c = v->context;
  const char *date = json_string_value(json_object_get(c, "date"));
  const char *host = json_string_value(json_object_get(c, "host_name"));
  json_int_t cpus = json_integer_value(json_object_get(c, "num_cpus"));
  json_int_t reps =
      json_integer_value(json_object_get(json_object_get(c, "plan"), "repetitions"));
  const json_t *a = json_array_get(json_object_get(c, "load_avg"), 0);
  const json_t *b = json_array_get(json_object_get(c, "load_avg_end"), 0);
  char day[20];
  snprintf(day, sizeof day, "%.16s", date ? date : "?");
  if (day[10] == 'T') day[10] = ' ';
  size_t off = (size_t)snprintf(buf, len, "%s, host %.60s", day, host ? host : "?");
  if (cpus && off < len) off += (size_t)snprintf(buf + off, len - off, ", %d CPUs", (int)cpus);
  if (reps && off < len)
    off += (size_t)snprintf(buf + off, len - off, ", %d repetitions", (int)reps);
  if (json_is_number(a) && off < len) {
    double x = json_number_value(a), y = json_is_number(b) ? json_number_value(b) : x;
    snprintf(buf + off, len - off, ", load average %.1f-%.1f", x < y ? x : y, x < y ? y : x);
  }
}

/* ---- sweeps ----------------------------------------------------------------- */

/* The value of one setting of a group (its first row): a parameter from the
 * rows' "params", or the knobs gogc and memlimit; 0 when it is not a number. */
static int setting(const hl_row_t *r, const char *key, double *x) {
  const json_t *p = json_object_get(json_object_get(r->json, "params"), key);
  if (!p) p = json_object_get(r->json, key);
  if (json_is_number(p)) {
    *x = json_number_value(p);
    return 1;
  }
  const char *s = json_string_value(p);
  char *end;
  if (!s || !*s) return 0;
  *x = strtod(s, &end);
  return *end == '\0';
}

/* The first row of group g that has setting key as a number, or NULL. */
static const hl_row_t *row_with(const hl_fig_layout_t *l, size_t g, const char *key, double *x) {
  for (size_t b = 0; b < l->nbackends; b++)
    if (l->cell[g][b] && setting(l->cell[g][b]->row[0], key, x)) return l->cell[g][b]->row[0];
  return NULL;
}

/* json_equal, with two absent values equal (jansson's says they differ). */
static int same(const json_t *a, const json_t *b) {
  return (!a && !b) || json_equal(a, b);
}

/* Whether two rows have the same settings but for key. */
static int same_but(const hl_row_t *a, const hl_row_t *b, const char *key) {
  static const char *const knobs[] = {"gogc", "memlimit", "escape", "threads"};
  for (size_t i = 0; i < sizeof knobs / sizeof knobs[0]; i++)
    if (strcmp(knobs[i], key) &&
        !same(json_object_get(a->json, knobs[i]), json_object_get(b->json, knobs[i])))
      return 0;
  const json_t *pa = json_object_get(a->json, "params"), *pb = json_object_get(b->json, "params");
  const char *k;
  const json_t *va;
  json_object_foreach((json_t *)pa, k, va) {
    if (strcmp(k, key) && !same(va, json_object_get(pb, k))) return 0;
  }
  return json_object_size(pa) == json_object_size(pb);
}

/* Keeps in s the groups that have key as a number and agree on everything
 * else with the first of them; 1 when at least two remain, with different
 * values. A group without the key (a knob that does not apply to its
 * backend) is left out. */
static int take_sweep(const hl_fig_layout_t *l, hl_fig_sweep_t *s, const size_t *gi, size_t n,
                      const char *key) {
  const hl_row_t *ref = NULL;
  s->n = 0;
  int differs = 0;
  for (size_t j = 0; j < n; j++) {
    double x;
    const hl_row_t *r = row_with(l, gi[j], key, &x);
    if (!r || (ref && !same_but(ref, r, key))) continue;
    if (!ref) ref = r;
    differs |= s->n && x != s->x[0];
    s->group[s->n] = gi[j];
    s->x[s->n++] = x;
  }
  if (s->n < 2 || !differs) return 0;
  snprintf(s->key, sizeof s->key, "%s", key);
  return 1;
}

/* A sweep among the groups gi[0..n) of one workload: over one of its
 * parameters or a knob. */
static int find_sweep(const hl_fig_layout_t *l, const size_t *gi, size_t n, hl_fig_sweep_t *s) {
  const hl_row_t *first = l->cell[gi[0]][0] ? l->cell[gi[0]][0]->row[0] : NULL;
  for (size_t b = 0; !first && b < l->nbackends; b++)
    if (l->cell[gi[0]][b]) first = l->cell[gi[0]][b]->row[0];
  if (!first) return 0;
  if (take_sweep(l, s, gi, n, "gogc") || take_sweep(l, s, gi, n, "memlimit")) return 1;
  const char *k;
  const json_t *val;
  json_object_foreach(json_object_get(first->json, "params"), k, val) {
    if (take_sweep(l, s, gi, n, k)) return 1;
  }
  return 0;
}

/* The group's name without "/KEY=VALUE": the constant part of the sweep. */
static void constant_part(const char *group, const char *key, char *buf, size_t len) {
  char seg[80];
  snprintf(seg, sizeof seg, "/%s=", key);
  const char *at = strstr(group, seg);
  if (!at) {
    snprintf(buf, len, "%s", group);
    return;
  }
  const char *end = strchr(at + 1, '/');
  snprintf(buf, len, "%.*s%s", (int)(at - group), group, end ? end : "");
}

static void sort_by_x(hl_fig_sweep_t *s) {
  for (size_t i = 1; i < s->n; i++)
    for (size_t j = i; j > 0 && s->x[j] < s->x[j - 1]; j--) {
      double t = s->x[j];
      size_t g = s->group[j];
      s->x[j] = s->x[j - 1], s->group[j] = s->group[j - 1];
      s->x[j - 1] = t, s->group[j - 1] = g;
    }
}

size_t hl_fig_sweeps(const hl_fig_layout_t *l, hl_fig_sweep_t *out, size_t max) {
  size_t nout = 0, gi[HL_FIG_MAX_GROUPS];
  unsigned char done[HL_FIG_MAX_GROUPS] = {0};
  for (size_t g = 0; g < l->ngroups && nout < max; g++) {
    if (done[g]) continue;
    size_t wl = strcspn(l->group[g], "/"), n = 0;
    for (size_t h = g; h < l->ngroups; h++)
      if (strcspn(l->group[h], "/") == wl && !strncmp(l->group[h], l->group[g], wl)) {
        gi[n++] = h;
        done[h] = 1;
      }
    hl_fig_sweep_t *s = &out[nout];
    memset(s, 0, sizeof *s);
    if (n < 2 || !find_sweep(l, gi, n, s)) continue;
    snprintf(s->workload, sizeof s->workload, "%.*s", (int)wl, l->group[g]);
    sort_by_x(s);
    constant_part(l->group[s->group[0]], s->key, s->rest, sizeof s->rest);
    nout++;
  }
  return nout;
}
