/* Backend specs: a backend name with options, as -b takes it (backend.h).
 *
 * Syntax: NAME[:KEY=VALUE[:KEY=VALUE]...]. A colon, not a comma, separates
 * options because -b is itself a comma-separated list. Values are decimal
 * integers within the option's [min, max], or, for an option with named
 * values, one of its names (kept as the name's index). The canonical name lists the
 * options given in the order of the backend's table with their values
 * reprinted, so "glibc:arena_max=02" and "glibc:arena_max=2" are one cell,
 * and a parent and its worker derive the same name from either spelling.
 * Nothing here starts a backend: whether it was built and can run is the
 * probe's business. */
#include "backend.h"

#include "error.h"

#include <errno.h>
#include <limits.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *hl_backend_option_name(const hl_backend_option_t *o, int64_t v) {
  return o->names && v >= o->min && v <= o->max ? o->names[v - o->min] : NULL;
}

/* "stw|concurrent" for an option with named values, else "N (MIN..MAX)". */
static void option_values(const hl_backend_option_t *o, char *buf, size_t len) {
  if (!o->names) {
    snprintf(buf, len, "N (%" PRId64 "..%" PRId64 ")", o->min, o->max);
    return;
  }
  size_t off = 0;
  buf[0] = '\0';
  for (int64_t v = o->min; v <= o->max && off < len; v++)
    off += (size_t)snprintf(buf + off, len - off, "%s%s", v > o->min ? "|" : "",
                            hl_backend_option_name(o, v));
}

static void option_list(const hl_backend_t *b, char *buf, size_t len) {
  size_t off = 0;
  buf[0] = '\0';
  for (size_t i = 0; i < b->noptions && off < len; i++) {
    char values[96];
    option_values(&b->options[i], values, sizeof values);
    off += (size_t)snprintf(buf + off, len - off, "%s%s=%s", i ? ", " : "", b->options[i].key,
                            values);
  }
}

/* A named value: its index among the names. */
static int parse_name(const hl_backend_option_t *o, const char *text, int64_t *out) {
  for (int64_t v = o->min; v <= o->max; v++)
    if (!strcmp(hl_backend_option_name(o, v), text)) {
      *out = v;
      return 0;
    }
  return HL_EPARSE;
}

static int parse_value(const char *text, int64_t *out) {
  if (!*text || (*text != '-' && (*text < '0' || *text > '9'))) return HL_EPARSE;
  char *end;
  errno = 0;
  long long v = strtoll(text, &end, 10);
  if (*end || errno) return HL_EPARSE;
  *out = v;
  return 0;
}

/* One "KEY=VALUE" item of spec text `whole` for backend b. */
static int parse_option(const char *whole, const hl_backend_t *b, const char *item, size_t item_len,
                        hl_backend_spec_t *out, char *why, size_t why_len) {
  char kv[128], list[256];
  if (item_len == 0 || item_len >= sizeof kv) {
    snprintf(why, why_len, "backend '%s': expected NAME:KEY=VALUE", whole);
    return HL_EPARSE;
  }
  memcpy(kv, item, item_len);
  kv[item_len] = '\0';
  char *eq = strchr(kv, '=');
  if (!eq || eq == kv) {
    snprintf(why, why_len, "backend '%s': '%s': expected KEY=VALUE", whole, kv);
    return HL_EPARSE;
  }
  *eq = '\0';
  if (b->noptions == 0) {
    snprintf(why, why_len, "backend '%s': %s takes no options", whole, b->name);
    return HL_EPARSE;
  }
  size_t k = 0;
  while (k < b->noptions && strcmp(b->options[k].key, kv) != 0)
    k++;
  option_list(b, list, sizeof list);
  if (k == b->noptions) {
    snprintf(why, why_len, "backend '%s': unknown option '%s'; %s takes: %s", whole, kv, b->name,
             list);
    return HL_EPARSE;
  }
  if (out->options_given & (1u << k)) {
    snprintf(why, why_len, "backend '%s': option '%s' given twice", whole, kv);
    return HL_EPARSE;
  }
  const hl_backend_option_t *o = &b->options[k];
  int64_t v = 0;
  int rc = o->names ? parse_name(o, eq + 1, &v) : parse_value(eq + 1, &v);
  if (rc == 0 && (v < o->min || v > o->max)) rc = HL_ERANGE;
  if (rc && o->names) {
    char values[96];
    option_values(o, values, sizeof values);
    snprintf(why, why_len, "backend '%s': %s '%s': expected one of %s", whole, kv, eq + 1, values);
    return rc;
  }
  if (rc) {
    snprintf(why, why_len,
             "backend '%s': %s '%s': expected an integer from %" PRId64 " to %" PRId64, whole, kv,
             eq + 1, o->min, o->max);
    return rc;
  }
  out->option[k] = v;
  out->options_given |= 1u << k;
  return 0;
}

/* "so:PATH[:name=NAME]": the path resolved (it must be a file), the name
 * given or made from the file's name ("libfoo.so.2": so-foo), and one that
 * may stand in a cell name (no '/', ',' or ':'). */
static int parse_so(const char *text, hl_backend_spec_t *out, char *why, size_t why_len) {
  const char *path = text + 3, *name = strstr(path, ":name=");
  char given[1024], resolved[PATH_MAX];
  size_t plen = name ? (size_t)(name - path) : strlen(path);
  if (plen == 0 || plen >= sizeof given) {
    snprintf(why, why_len, "backend '%s': expected so:PATH[:name=NAME]", text);
    return HL_EPARSE;
  }
  snprintf(given, sizeof given, "%.*s", (int)plen, path);
  if (!realpath(given, resolved) || strlen(resolved) >= sizeof out->library) {
    snprintf(why, why_len, "backend '%s': %s: %s", text, given, strerror(errno));
    return HL_ENOENT;
  }
  snprintf(out->library, sizeof out->library, "%s", resolved);
  out->backend = &hl_backend_so;
  if (name) {
    name += 6;
    if (!*name || strlen(name) >= 64 || strpbrk(name, "/,: \t")) {
      snprintf(why, why_len, "backend '%s': name '%s': 1 to 63 characters, no / , : or blanks",
               text, name);
      return HL_EPARSE;
    }
    snprintf(out->name, sizeof out->name, "%s", name);
    return 0;
  }
  const char *base = strrchr(resolved, '/') + 1;
  if (!strncmp(base, "lib", 3) && base[3]) base += 3;
  size_t blen = strcspn(base, ".");
  snprintf(out->name, sizeof out->name, "so-%.*s", (int)(blen ? blen : strlen(base)), base);
  for (char *c = out->name; *c; c++)
    if (*c == ',' || *c == ':' || *c == ' ') *c = '_';
  return 0;
}

void hl_backend_spec_text(const hl_backend_spec_t *spec, char *buf, size_t len) {
  if (spec->backend == &hl_backend_so)
    snprintf(buf, len, "so:%s:name=%s", spec->library, spec->name);
  else
    snprintf(buf, len, "%s", spec->name);
}

const char *hl_backend_spec_preload(const hl_backend_spec_t *spec) {
  if (spec->backend == &hl_backend_so) return spec->library;
  return hl_backend_preload(spec->backend);
}

int hl_backend_spec_parse(const char *text, hl_backend_spec_t *out, char *why, size_t why_len) {
  memset(out, 0, sizeof *out);
  if (!strncmp(text, "so:", 3)) return parse_so(text, out, why, why_len);
  if (!strcmp(text, "so")) {
    snprintf(why, why_len, "backend 'so' needs a library: -b so:PATH[:name=NAME]");
    return HL_EPARSE;
  }
  const char *colon = strchr(text, ':');
  size_t name_len = colon ? (size_t)(colon - text) : strlen(text);
  char name[64];
  snprintf(name, sizeof name, "%.*s", (int)(name_len < sizeof name ? name_len : sizeof name - 1),
           text);
  out->backend = name_len < sizeof name ? hl_backend_find(name) : NULL;
  if (!out->backend) {
    char names[512];
    hl_backend_names(names, sizeof names);
    snprintf(why, why_len, "unknown backend '%s'; available: %s", name, names);
    return HL_ENOENT;
  }
  const hl_backend_t *b = out->backend;
  while (colon) {
    const char *item = colon + 1;
    colon = strchr(item, ':');
    size_t len = colon ? (size_t)(colon - item) : strlen(item);
    int rc = parse_option(text, b, item, len, out, why, why_len);
    if (rc) return rc;
  }
  size_t off = (size_t)snprintf(out->name, sizeof out->name, "%s", b->name);
  for (size_t k = 0; k < b->noptions && off < sizeof out->name; k++)
    if (out->options_given & (1u << k)) {
      const char *named = hl_backend_option_name(&b->options[k], out->option[k]);
      if (named)
        off += (size_t)snprintf(out->name + off, sizeof out->name - off, ":%s=%s",
                                b->options[k].key, named);
      else
        off += (size_t)snprintf(out->name + off, sizeof out->name - off, ":%s=%" PRId64,
                                b->options[k].key, out->option[k]);
    }
  return 0;
}

void hl_backend_spec_apply(const hl_backend_spec_t *spec, hl_backend_config_t *cfg) {
  memcpy(cfg->option, spec->option, sizeof cfg->option);
  cfg->options_given = spec->options_given;
  cfg->library_path = spec->library;
}
