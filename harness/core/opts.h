/* The option-table engine: every heaplab command parses its command line
 * with it (mimalloc keeps all its options in one table with their
 * MIMALLOC_<name> variables; heaplab keeps one table per command group).
 *
 * A command hands the engine one or more groups of options (its own, then
 * for example run's, which gate and oom take too), each a table of hl_opt_t
 * with the context its handlers fill in. The engine
 *   - parses long options (--name VALUE, --name=VALUE) and short ones (-w
 *     VALUE, -wVALUE), and collects the operands (files) in order;
 *   - refuses an unknown option, a missing value, and a value given twice to
 *     an option that takes one (HL_OPT_REPEAT marks the repeatable ones, -p;
 *     a flag given twice is the flag), with one message naming both values;
 *   - applies environment defaults: an option with an `env` variable that was
 *     not given takes the variable's value when it is set and not empty (an
 *     option wins; the handler learns where the value came from);
 *   - records what was given per group, so a command can forward a group's
 *     options as the user wrote them (gate runs `BIN run` with all of them);
 *   - prints --help from the same table, wrapped at 80 columns, with each
 *     option's default from the command's own starting values;
 *   - passes every --help page through one filter that keeps it within 80
 *     columns (helppage.c).
 * Handlers parse and check the value and return 0 or HL_EINVAL after one
 * message (hl_opts_bad() writes it in the house style). */
#ifndef HL_OPTS_H
#define HL_OPTS_H

#include <stddef.h>
#include <stdio.h>

#define HL_OPT_REPEAT 1u /* may be given several times (each value applied) */
#define HL_OPT_LIST 2u   /* a comma-separated list: a second value is refused with "list several" */

struct hl_opt;

/* value: the option's value (NULL for a flag); source: "--name" or the
 * environment variable it came from. */
typedef int (*hl_opt_apply_fn)(void *ctx, const struct hl_opt *opt, const char *value,
                               const char *source);

typedef struct hl_opt {
  const char *name; /* long name, without -- */
  char short_name;  /* 'w', or 0 */
  const char *arg;  /* the value's placeholder in --help ("N", "LIST"); NULL: a flag */
  const char *help; /* NULL: hidden from --help */
  const char *env;  /* variable that stands for the option when it is absent, or NULL */
  unsigned flags;   /* HL_OPT_* */
  hl_opt_apply_fn apply;
  int id; /* the handler's own tag */
} hl_opt_t;

#define HL_OPTS_MAX_GIVEN 128

typedef struct hl_opt_given {
  const hl_opt_t *opt;
  const char *value; /* NULL for a flag */
} hl_opt_given_t;

typedef struct hl_opt_group {
  const char *title; /* "Run options", for --help */
  const hl_opt_t *opts;
  size_t n;
  void *ctx;
  /* filled by hl_opts_parse(): what the command line gave, in order */
  hl_opt_given_t given[HL_OPTS_MAX_GIVEN];
  size_t ngiven;
} hl_opt_group_t;

/* Writes the option's default as this command has it into buf (ctx: the
 * group's context, which holds the command's starting values when --help
 * is printed: nothing of the command line is applied then); returns 0 when
 * the option has none to show. */
typedef int (*hl_opt_default_fn)(const void *ctx, const hl_opt_t *opt, char *buf, size_t len);

/* --help appends "(default X)" from fn to the options of table opts, so a
 * default is stated once, from the value the command really starts with
 * (oom's are oom's). A command sets it for its own tables before parsing;
 * setting a table again replaces its function (the gate shows no default
 * for --reps, which it refuses), NULL removes it. Kept by table, not in
 * hl_opt_group_t, so that no command's group initializer changes. */
void hl_opts_set_defaults(const hl_opt_t *opts, hl_opt_default_fn fn);

typedef struct hl_opts_operands {
  char **v; /* pointers into argv */
  size_t n;
} hl_opts_operands_t;

/* Parses argv (argv[0] is the command's name, as `heaplab CMD ...` passes
 * it) against the groups. --help/-h is every command's: returns 1 when it
 * was given anywhere before a "--" (nothing is applied then, so --help
 * shows the command's own defaults). 0 when parsed, with the operands
 * (operands->v is malloc'd, free it); HL_EINVAL / HL_ENOMEM after one
 * message "heaplab: CMD: ...". max_operands bounds them (a message names
 * the first extra one). */
int hl_opts_parse(const char *cmd, hl_opt_group_t *groups, size_t ngroups, int argc, char **argv,
                  size_t max_operands, hl_opts_operands_t *operands);

/* Handlers for the plain cases: the option's id is the offsetof() of a
 * field of the group's context, a `const char *` (the value, which lives in
 * argv) or an `int` flag (set to 1). */
int hl_opts_store_string(void *ctx, const hl_opt_t *opt, const char *value, const char *source);
int hl_opts_store_flag(void *ctx, const hl_opt_t *opt, const char *value, const char *source);

/* The command being parsed ("run", "oom"), for handlers' own messages. */
const char *hl_opts_command(void);

/* hl_opts_parse() for a command with one usage text: on --help prints
 * usage, then the groups' options, as one page (hl_opts_page_open) to
 * stdout. Returns as hl_opts_parse. */
int hl_opts_parse_command(const char *cmd, hl_opt_group_t *groups, size_t ngroups, int argc,
                          char **argv, size_t max_operands, hl_opts_operands_t *operands,
                          void (*usage)(FILE *out));

/* Whether the option was given on the command line (not by environment). */
int hl_opts_given(const hl_opt_group_t *g, const char *name);

/* The groups' options as --help prints them, wrapped at 80 columns. */
void hl_opts_help(FILE *out, const hl_opt_group_t *groups, size_t ngroups);

/* Prints "heaplab: CMD: SOURCE 'VALUE': WHY" (CMD: the command being
 * parsed) and returns HL_EINVAL. For handlers. */
int hl_opts_bad(const char *source, const char *value, const char *why);

/* A --help page: whatever is written to the returned stream is printed to
 * out by hl_opts_page_close(), every line that passes 80 columns mended
 * (a paragraph filled again, an indented line broken under the text it
 * continues): every --help goes through a page, so none is wider. When
 * memory is short the page is out itself, unfiltered. */
FILE *hl_opts_page_open(FILE *out);
void hl_opts_page_close(FILE *page, FILE *out);

/* Writes text to out wrapped at width columns, every line after the first
 * indented by indent spaces (the first continues where the caller left
 * off, at column `at`). */
void hl_opts_wrap(FILE *out, const char *text, size_t at, size_t indent, size_t width);

#endif
