/* The option-table engine (opts.h). */
#include "opts.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

static const char *current_cmd = "heaplab";

int hl_opts_store_string(void *ctx, const hl_opt_t *opt, const char *value, const char *source) {
  (void)source;
  *(const char **)((char *)ctx + opt->id) = value;
  return 0;
}

int hl_opts_store_flag(void *ctx, const hl_opt_t *opt, const char *value, const char *source) {
  (void)value, (void)source;
  *(int *)((char *)ctx + opt->id) = 1;
  return 0;
}

const char *hl_opts_command(void) {
  return current_cmd;
}

int hl_opts_bad(const char *source, const char *value, const char *why) {
  hl_msg(current_cmd, "%s '%s': %s", source, value, why);
  return HL_EINVAL;
}

typedef struct found {
  hl_opt_group_t *g;
  const hl_opt_t *opt;
} found_t;

static found_t find_long(hl_opt_group_t *groups, size_t ngroups, const char *name, size_t len) {
  for (size_t k = 0; k < ngroups; k++)
    for (size_t i = 0; i < groups[k].n; i++)
      if (strlen(groups[k].opts[i].name) == len && !strncmp(groups[k].opts[i].name, name, len))
        return (found_t){&groups[k], &groups[k].opts[i]};
  return (found_t){NULL, NULL};
}

static found_t find_short(hl_opt_group_t *groups, size_t ngroups, char c) {
  for (size_t k = 0; k < ngroups; k++)
    for (size_t i = 0; i < groups[k].n; i++)
      if (groups[k].opts[i].short_name == c) return (found_t){&groups[k], &groups[k].opts[i]};
  return (found_t){NULL, NULL};
}

/* The value this option was given first, or NULL. */
static const char *first_value(const hl_opt_group_t *g, const hl_opt_t *opt) {
  for (size_t i = 0; i < g->ngiven; i++)
    if (g->given[i].opt == opt) return g->given[i].value;
  return NULL;
}

/* Records and applies one option from the command line. */
static int take(found_t f, const char *value) {
  char source[80];
  snprintf(source, sizeof source, "--%s", f.opt->name);
  const char *first = first_value(f.g, f.opt);
  if (first && f.opt->arg && !(f.opt->flags & HL_OPT_REPEAT)) {
    if (f.opt->flags & HL_OPT_LIST)
      hl_msg(current_cmd, "%s '%s': given twice (first '%s'); list several values in one: %s %s,%s",
             source, value, first, source, first, value);
    else
      hl_msg(current_cmd, "%s '%s': given twice (first '%s'); give it once", source, value, first);
    return HL_EINVAL;
  }
  if (f.g->ngiven == HL_OPTS_MAX_GIVEN) {
    hl_msg(current_cmd, "too many options");
    return HL_EINVAL;
  }
  f.g->given[f.g->ngiven++] = (hl_opt_given_t){f.opt, value};
  return f.opt->apply(f.g->ctx, f.opt, value, source);
}

/* One argument that starts with '-': the option, and its value from the same
 * argument or the next (*i advances past what was used). */
static int one_option(hl_opt_group_t *groups, size_t ngroups, int argc, char **argv, int *i) {
  const char *a = argv[*i], *value = NULL;
  found_t f;
  int inline_value = 0;
  if (a[1] == '-') {
    const char *eq = strchr(a + 2, '=');
    f = find_long(groups, ngroups, a + 2, eq ? (size_t)(eq - a - 2) : strlen(a + 2));
    if (eq) value = eq + 1, inline_value = 1;
  } else {
    f = find_short(groups, ngroups, a[1]);
    if (a[2]) value = a + 2, inline_value = 1;
  }
  if (!f.opt) {
    hl_msg(current_cmd, "unknown option '%s' (see heaplab %s --help)", a, current_cmd);
    return HL_EINVAL;
  }
  if (!f.opt->arg) {
    if (inline_value) {
      hl_msg(current_cmd, "option '%s' takes no value (see heaplab %s --help)", a, current_cmd);
      return HL_EINVAL;
    }
    return take(f, NULL);
  }
  if (!inline_value) {
    if (*i + 1 >= argc) {
      hl_msg(current_cmd, "option needs a value '%s' (see heaplab %s --help)", a, current_cmd);
      return HL_EINVAL;
    }
    value = argv[++*i];
  }
  return take(f, value);
}

static int apply_env(hl_opt_group_t *groups, size_t ngroups) {
  for (size_t k = 0; k < ngroups; k++)
    for (size_t i = 0; i < groups[k].n; i++) {
      const hl_opt_t *opt = &groups[k].opts[i];
      const char *v = opt->env ? getenv(opt->env) : NULL;
      if (!v || !*v || first_value(&groups[k], opt) || hl_opts_given(&groups[k], opt->name))
        continue;
      int rc = opt->apply(groups[k].ctx, opt, v, opt->env);
      if (rc) return rc;
    }
  return 0;
}

static int is_help(const char *a) {
  return !strcmp(a, "--help") || !strcmp(a, "-h");
}

int hl_opts_parse(const char *cmd, hl_opt_group_t *groups, size_t ngroups, int argc, char **argv,
                  size_t max_operands, hl_opts_operands_t *operands) {
  current_cmd = cmd;
  for (size_t k = 0; k < ngroups; k++)
    groups[k].ngiven = 0;
  operands->n = 0;
  operands->v = NULL;
  for (int i = 1; i < argc && strcmp(argv[i], "--"); i++)
    if (is_help(argv[i])) return 1;
  operands->v = calloc((size_t)(argc > 0 ? argc : 1), sizeof *operands->v);
  if (!operands->v) return HL_ENOMEM;
  int only_operands = 0, rc = 0;
  for (int i = 1; i < argc && rc == 0; i++) {
    const char *a = argv[i];
    if (!only_operands && !strcmp(a, "--")) {
      only_operands = 1;
    } else if (!only_operands && a[0] == '-' && a[1]) {
      rc = one_option(groups, ngroups, argc, argv, &i);
    } else if (operands->n == max_operands) {
      hl_msg(cmd, "unexpected argument '%s' (see heaplab %s --help)", a, cmd);
      rc = HL_EINVAL;
    } else {
      operands->v[operands->n++] = argv[i];
    }
  }
  if (rc == 0) rc = apply_env(groups, ngroups);
  if (rc) {
    free(operands->v);
    operands->v = NULL;
    operands->n = 0;
  }
  return rc;
}

int hl_opts_parse_command(const char *cmd, hl_opt_group_t *groups, size_t ngroups, int argc,
                          char **argv, size_t max_operands, hl_opts_operands_t *operands,
                          void (*usage)(FILE *out)) {
  int rc = hl_opts_parse(cmd, groups, ngroups, argc, argv, max_operands, operands);
  if (rc == 1) {
    FILE *page = hl_opts_page_open(stdout);
    usage(page);
    hl_opts_help(page, groups, ngroups);
    hl_opts_page_close(page, stdout);
  }
  return rc;
}

int hl_opts_given(const hl_opt_group_t *g, const char *name) {
  for (size_t i = 0; i < g->ngiven; i++)
    if (!strcmp(g->given[i].opt->name, name)) return 1;
  return 0;
}

void hl_opts_wrap(FILE *out, const char *text, size_t at, size_t indent, size_t width) {
  size_t col = at;
  int line_start = 1; /* no space before the first word of a line */
  for (const char *p = text; *p;) {
    if (*p == '\n' || *p == ' ') {
      if (*p++ == '\n') {
        fprintf(out, "\n%*s", (int)indent, "");
        col = indent;
        line_start = 1;
      }
      continue;
    }
    size_t word = strcspn(p, " \n");
    if (!line_start && col + 1 + word > width) {
      fprintf(out, "\n%*s", (int)indent, "");
      col = indent;
      line_start = 1;
    }
    if (!line_start) {
      fputc(' ', out);
      col++;
    }
    fwrite(p, 1, word, out);
    col += word;
    p += word;
    line_start = 0;
  }
  fputc('\n', out);
}

/* The tables whose defaults --help shows (hl_opts_set_defaults): a few per
 * command, one command per process. */
#define MAX_DEFAULTS 8
static struct {
  const hl_opt_t *opts;
  hl_opt_default_fn fn;
} defaults[MAX_DEFAULTS];

void hl_opts_set_defaults(const hl_opt_t *opts, hl_opt_default_fn fn) {
  size_t i = 0;
  while (i < MAX_DEFAULTS && defaults[i].opts && defaults[i].opts != opts)
    i++;
  if (i < MAX_DEFAULTS) defaults[i].opts = opts, defaults[i].fn = fn;
}

static hl_opt_default_fn defaults_of(const hl_opt_t *opts) {
  for (size_t i = 0; i < MAX_DEFAULTS && defaults[i].opts; i++)
    if (defaults[i].opts == opts) return defaults[i].fn;
  return NULL;
}

#define HELP_COLUMN 30
#define HELP_WIDTH 80

void hl_opts_help(FILE *out, const hl_opt_group_t *groups, size_t ngroups) {
  for (size_t k = 0; k < ngroups; k++) {
    if (groups[k].title) fprintf(out, "%s%s:\n", k ? "\n" : "", groups[k].title);
    for (size_t i = 0; i < groups[k].n; i++) {
      const hl_opt_t *o = &groups[k].opts[i];
      if (!o->help) continue;
      char left[96];
      int n = snprintf(left, sizeof left, "  %c%c%s--%s%s%s", o->short_name ? '-' : ' ',
                       o->short_name ? o->short_name : ' ', o->short_name ? ", " : "  ", o->name,
                       o->arg ? " " : "", o->arg ? o->arg : "");
      fputs(left, out);
      size_t at = (size_t)n;
      if (at + 2 > HELP_COLUMN) {
        fprintf(out, "\n%*s", HELP_COLUMN, "");
      } else {
        fprintf(out, "%*s", (int)(HELP_COLUMN - at), "");
      }
      char text[1024], def[160];
      hl_opt_default_fn show = defaults_of(groups[k].opts);
      if (show && show(groups[k].ctx, o, def, sizeof def)) {
        snprintf(text, sizeof text, "%s (default %s)", o->help, def);
        hl_opts_wrap(out, text, HELP_COLUMN, HELP_COLUMN, HELP_WIDTH);
      } else {
        hl_opts_wrap(out, o->help, HELP_COLUMN, HELP_COLUMN, HELP_WIDTH);
      }
    }
  }
}
