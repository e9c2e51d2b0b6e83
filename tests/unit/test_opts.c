/* The option-table engine (harness/core/opts.h): long and short spellings,
 * values inline or next, operands, a value given twice, repeatable options,
 * flags, environment defaults and where a value came from, --help, the
 * record of what was given, help text wrapped at 80 columns, defaults shown
 * from the command's context, and the --help page filter (no line over 80). */
#include "error.h"
#include "opts.h"
#include "th.h"

#include <stdlib.h>
#include <string.h>

typedef struct ctx {
  char workloads[64], reps[16], gogc[16], gogc_from[32], params[128];
  int quick, napplied;
} ctx_t;

static int apply(void *p, const hl_opt_t *opt, const char *value, const char *source) {
  ctx_t *c = p;
  c->napplied++;
  switch (opt->id) {
  case 'w': snprintf(c->workloads, sizeof c->workloads, "%s", value); break;
  case 'r':
    if (strspn(value, "0123456789") != strlen(value) || !*value)
      return hl_opts_bad(source, value, "expected an integer");
    snprintf(c->reps, sizeof c->reps, "%s", value);
    break;
  case 'g':
    snprintf(c->gogc, sizeof c->gogc, "%s", value);
    snprintf(c->gogc_from, sizeof c->gogc_from, "%s", source);
    break;
  case 'p':
    strncat(c->params, value, sizeof c->params - strlen(c->params) - 2);
    strcat(c->params, ";");
    break;
  case 'q': c->quick++; break;
  }
  return 0;
}

static const hl_opt_t table[] = {
    {"workloads", 'w', "LIST", "workloads, comma-separated", NULL, HL_OPT_LIST, apply, 'w'},
    {"reps", 0, "N", "repetitions", NULL, 0, apply, 'r'},
    {"gogc", 0, "N|off",
     "GC percent, a long explanation that has to wrap over more than one "
     "line of the help text because it is long",
     "HL_TEST_GOGC", HL_OPT_LIST, apply, 'g'},
    {"param", 'p', "KEY=V", "a parameter", NULL, HL_OPT_REPEAT, apply, 'p'},
    {"quick", 0, NULL, "small", NULL, 0, apply, 'q'},
    {"hidden", 0, "X", NULL, NULL, 0, apply, 'x'},
};

static int parse(ctx_t *c, hl_opt_group_t *g, size_t max_operands, hl_opts_operands_t *ops,
                 const char *const *args) {
  char *argv[32];
  int argc = 0;
  argv[argc++] = (char *)"test";
  while (*args)
    argv[argc++] = (char *)*args++;
  memset(c, 0, sizeof *c);
  *g = (hl_opt_group_t){"Test options", table, sizeof table / sizeof table[0], c, {{0}}, 0};
  return hl_opts_parse("test", g, 1, argc, argv, max_operands, ops);
}

#define ARGS(...) ((const char *const[]){__VA_ARGS__, NULL})

static void test_parse(void) {
  ctx_t c;
  hl_opt_group_t g;
  hl_opts_operands_t ops;
  unsetenv("HL_TEST_GOGC");
  CHECK_INT(parse(&c, &g, 2, &ops,
                  ARGS("-w", "a,b", "in.json", "--reps=3", "-pk=1", "--param", "j=2", "--quick",
                       "--quick", "out.json")),
            0);
  CHECK_STR(c.workloads, "a,b");
  CHECK_STR(c.reps, "3");
  CHECK_STR(c.params, "k=1;j=2;");
  CHECK_INT(c.quick, 2);
  CHECK_INT(ops.n, 2);
  CHECK_STR(ops.v[0], "in.json");
  CHECK_STR(ops.v[1], "out.json");
  CHECK_INT(g.ngiven, 6);
  CHECK(g.given[0].opt == &table[0] && !strcmp(g.given[0].value, "a,b"));
  CHECK(hl_opts_given(&g, "reps") && !hl_opts_given(&g, "gogc"));
  free(ops.v);
  /* "--" ends the options: what follows are operands, even "-x" */
  CHECK_INT(parse(&c, &g, 2, &ops, ARGS("--", "-x")), 0);
  CHECK_INT(ops.n, 1);
  CHECK_STR(ops.v[0], "-x");
  free(ops.v);
  /* a value may start with '-' when it is the next argument */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps", "-3")), HL_EINVAL);
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--help", "--nonsense")), 1);
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("-h")), 1);
  /* --help anywhere wins, before anything is applied or refused */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps", "7", "--nonsense", "--help")), 1);
  CHECK_INT(c.napplied, 0);
  CHECK_INT(parse(&c, &g, 2, &ops, ARGS("--", "--help")), 0); /* an operand after -- */
  free(ops.v);
}

static void test_refusals(void) {
  ctx_t c;
  hl_opt_group_t g;
  hl_opts_operands_t ops;
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--frobnicate")), HL_EINVAL);
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps")), HL_EINVAL);             /* needs a value */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--quick=1")), HL_EINVAL);          /* a flag */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("-w", "a", "-w", "b")), HL_EINVAL); /* twice */
  CHECK_STR(c.workloads, "a"); /* the second is not applied */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps", "1", "--reps=1")), HL_EINVAL);
  CHECK_INT(parse(&c, &g, 1, &ops, ARGS("a.json", "b.json")), HL_EINVAL); /* too many operands */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps", "x")), HL_EINVAL);      /* the handler's */
  CHECK(ops.v == NULL && ops.n == 0);
}

static void test_env(void) {
  ctx_t c;
  hl_opt_group_t g;
  hl_opts_operands_t ops;
  setenv("HL_TEST_GOGC", "50", 1);
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--reps", "1")), 0);
  CHECK_STR(c.gogc, "50");
  CHECK_STR(c.gogc_from, "HL_TEST_GOGC");
  CHECK(!hl_opts_given(&g, "gogc"));
  free(ops.v);
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--gogc", "200")), 0); /* an option wins */
  CHECK_STR(c.gogc, "200");
  CHECK_STR(c.gogc_from, "--gogc");
  CHECK_INT(c.napplied, 1);
  free(ops.v);
  setenv("HL_TEST_GOGC", "", 1); /* set but empty counts as unset */
  CHECK_INT(parse(&c, &g, 0, &ops, ARGS("--quick")), 0);
  CHECK_STR(c.gogc, "");
  free(ops.v);
  unsetenv("HL_TEST_GOGC");
}

static void test_help(void) {
  hl_opt_group_t g = {"Test options", table, sizeof table / sizeof table[0], NULL, {{0}}, 0};
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  hl_opts_help(f, &g, 1);
  fclose(f);
  CHECK(strstr(text, "Test options:\n") == text);
  CHECK(strstr(text, "  -w, --workloads LIST") != NULL);
  CHECK(strstr(text, "      --reps N") != NULL);
  CHECK(strstr(text, "hidden") == NULL);
  size_t lines = 0, longest = 0;
  for (char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    if (n > longest) longest = n;
    lines++;
    p += n + (p[n] == '\n');
  }
  CHECK(longest <= 80);
  CHECK(lines >= 7); /* the long help took two lines */
  free(text);
}

/* The default shown is the context's: "(default 5)" once, after the help. */
static int show_reps(const void *ctx, const hl_opt_t *opt, char *buf, size_t len) {
  if (opt->id != 'r') return 0;
  snprintf(buf, len, "%d", *(const int *)ctx);
  return 1;
}

static char *help_text(const hl_opt_group_t *g) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  hl_opts_help(f, g, 1);
  fclose(f);
  return text;
}

static void test_help_default(void) {
  int reps = 5;
  hl_opt_group_t g = {"Test options", table, sizeof table / sizeof table[0], &reps, {{0}}, 0};
  hl_opts_set_defaults(table, show_reps);
  char *text = help_text(&g);
  CHECK(strstr(text, "--reps N                repetitions (default 5)\n") != NULL);
  CHECK(strstr(text, "small (default") == NULL);
  free(text);
  reps = 3;
  text = help_text(&g);
  CHECK(strstr(text, "repetitions (default 3)\n") != NULL);
  free(text);
  hl_opts_set_defaults(table, NULL); /* off again */
  text = help_text(&g);
  CHECK(strstr(text, "(default") == NULL);
  free(text);
}

/* Runs text through a --help page; returns what came out. */
static char *through_page(const char *text) {
  char *out = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&out, &len);
  FILE *page = hl_opts_page_open(f);
  CHECK(page != f);
  fputs(text, page);
  hl_opts_page_close(page, f);
  fclose(f);
  return out;
}

static size_t longest_line(const char *text) {
  size_t longest = 0;
  for (const char *p = text; *p;) {
    size_t n = strcspn(p, "\n");
    if (n > longest) longest = n;
    p += n + (p[n] == '\n');
  }
  return longest;
}

static void test_help_page(void) {
  /* lines that fit are left exactly as they are */
  const char *fits = "Usage: heaplab x FILE\n\nA short paragraph,\nhand wrapped.\n\n"
                     "Options:\n  --a N   the a\n";
  char *out = through_page(fits);
  CHECK_STR(out, fits);
  free(out);
  /* a paragraph with a line of 84 columns is filled again, as a whole */
  out = through_page("Runs every cell of the plan, each repetition in its own process, "
                     "interleaved, and then\nprints a table.\n\nNext paragraph.\n");
  CHECK(longest_line(out) <= 80);
  CHECK(strstr(out, "interleaved,\nand then prints a table.\n\nNext paragraph.\n") != NULL);
  free(out);
  /* a usage line continues under its first argument */
  out = through_page("Usage: heaplab run [-w LIST] [-b LIST] [-p KEY=V[,V..]]... [OPTIONS] "
                     "[-o FILE.json]\n");
  CHECK(longest_line(out) <= 80);
  CHECK(strstr(out, "\n                   [-o FILE.json]\n") != NULL);
  free(out);
  /* a two-column entry continues in its second column, a list item under its text */
  out = through_page("Subjects:\n  params [WORKLOAD]  each workload's parameters: kind, "
                     "default, --quick default, and more\n  - an item of a list that goes on "
                     "and on and on past the right margin of the page\n");
  CHECK(longest_line(out) <= 80);
  CHECK(strstr(out, "  params [WORKLOAD]  each workload's") != NULL); /* the gap kept */
  CHECK(strstr(out, "\n                     and more\n") != NULL);
  CHECK(strstr(out, "\n    page\n") != NULL);
  free(out);
}

int main(void) {
  test_parse();
  test_refusals();
  test_env();
  test_help();
  test_help_default();
  test_help_page();
  return th_done("test_opts");
}
