/* Strings reaching gnuplot (harness/report/gnuplot.h): hl_gp_quote() turns hostile
 * text (quotes, backslashes, newlines, system(), backquotes, @macros) into
 * one inert single-quoted literal, checked by text and by running gnuplot on
 * a script made of such literals: the commands hidden in them never run and
 * the title comes out as the text it was. hl_gp_datum() keeps a data file's
 * fields and lines apart. */
#include "error.h"
#include "gnuplot.h"
#include "th.h"
#include "util.h"

#include <sys/stat.h>
#include <unistd.h>

static char dir[] = "/tmp/heaplab-test-gnuplot-XXXXXX";

static const char *const hostile[] = {
    "x' 0)\nsystem \"touch DIR/PWNED1\"\nplot '",
    "`touch DIR/PWNED2`",
    "@cmd",
    "back\\slash\\' then \\\nsystem('touch DIR/PWNED3')",
    "tab\there\rcr\x1b[31m",
    "'';system('touch DIR/PWNED4');''",
    "\";system(\"touch DIR/PWNED6\");\"",
    "\\\";system(\"touch DIR/PWNED7\")#",
    "",
};

static void test_quote_text(void) {
  char buf[512];
  CHECK_INT(hl_gp_quote("plain", buf, sizeof buf), 0);
  CHECK_STR(buf, "\"plain\"");
  CHECK_INT(hl_gp_quote("it's \"q\"", buf, sizeof buf), 0);
  CHECK_STR(buf, "\"it's \\\"q\\\"\"");
  CHECK_INT(hl_gp_quote("a\nb\\c", buf, sizeof buf), 0);
  CHECK_STR(buf, "\"a b\\\\c\""); /* no newline survives; the backslash is doubled */
  CHECK_INT(hl_gp_quote("`ls` @m", buf, sizeof buf), 0);
  CHECK_STR(buf, "\"\\140ls\\140 \\100m\"");
  CHECK_INT(hl_gp_quote("", buf, sizeof buf), 0);
  CHECK_STR(buf, "\"\"");
  CHECK_INT(hl_gp_quote("toolong", buf, 6), HL_ERANGE);
  CHECK_STR(buf, "\"\"");
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    CHECK_INT(hl_gp_quote(hostile[i], buf, sizeof buf), 0);
    size_t n = strlen(buf);
    CHECK(n >= 2 && buf[0] == '"' && buf[n - 1] == '"');
    CHECK(strpbrk(buf, "\n\r\t\x1b`@") == NULL);
    /* inside, every quote and backslash is escaped */
    for (size_t k = 1; k + 1 < n; k++) {
      if (buf[k] == '\\') {
        CHECK(strchr("\\\"01", buf[k + 1]) != NULL);
        k++;
      } else {
        CHECK(buf[k] != '"');
      }
    }
  }
}

static void test_datum(void) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  hl_gp_datum(f, "a\tb\nc\"d");
  fputc('|', f);
  hl_gp_datum(f, "");
  fclose(f);
  CHECK_STR(text, "a b c'd|-");
  free(text);
}

/* s with each "DIR" replaced by the test's directory. */
static void with_dir(const char *s, char *buf, size_t len) {
  size_t off = 0;
  for (const char *p = s; *p && off + 1 < len;) {
    if (!strncmp(p, "DIR", 3)) {
      off += (size_t)snprintf(buf + off, len - off, "%s", dir);
      p += 3;
    } else {
      buf[off++] = *p++;
    }
  }
  buf[off < len ? off : len - 1] = '\0';
}

/* Every hostile string as a title and a label of a real gnuplot run. */
static void test_gnuplot_run(void) {
  if (system("command -v gnuplot >/dev/null 2>&1") != 0) {
    fprintf(stderr, "test_gnuplot: gnuplot not installed: the run part is skipped\n");
    return;
  }
  char script[256], cmd[512];
  snprintf(script, sizeof script, "%s/t.gp", dir);
  FILE *f = fopen(script, "w");
  fprintf(f, "set terminal svg noenhanced\nset output 'o.svg'\ncmd = \"touch %s/PWNED5\"\n", dir);
  for (size_t i = 0; i < sizeof hostile / sizeof hostile[0]; i++) {
    char text[512], q[1100];
    with_dir(hostile[i], text, sizeof text);
    CHECK_INT(hl_gp_quote(text, q, sizeof q), 0);
    fprintf(f, "set label %zu %s at %zu,0.5\n", i + 1, q, i);
  }
  char title[1100];
  hl_gp_quote("T'itle `x` @cmd", title, sizeof title);
  fprintf(f, "set title %s\nplot [0:8] x notitle\n", title);
  fclose(f);
  snprintf(cmd, sizeof cmd, "cd %s && gnuplot t.gp 2>gp.err", dir);
  CHECK_INT(system(cmd), 0);
  for (int k = 1; k <= 7; k++) {
    char pwned[300];
    struct stat st;
    snprintf(pwned, sizeof pwned, "%s/PWNED%d", dir, k);
    if (stat(pwned, &st) == 0) TH_FAIL("gnuplot ran a command hidden in a string: %s", pwned);
  }
  char svg[300], *text = NULL;
  snprintf(svg, sizeof svg, "%s/o.svg", dir);
  CHECK_INT(hl_read_file(svg, &text, NULL), 0);
  CHECK(text && strstr(text, "T'itle `x` @cmd") != NULL); /* the title, as it was */
  CHECK(text && strstr(text, "`touch ") != NULL);         /* the labels, as text */
  CHECK(text && strstr(text, "\";system(\"touch ") != NULL);
  free(text);
}

int main(void) {
  if (!mkdtemp(dir)) return 99;
  test_quote_text();
  test_datum();
  test_gnuplot_run();
  char cmd[300];
  snprintf(cmd, sizeof cmd, "%s rm -rf %s", getenv("KEEP") ? "echo" : "", dir);
  if (system(cmd) != 0) return 99;
  return th_done("test_gnuplot");
}
