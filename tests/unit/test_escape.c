/* The escaping functions (harness/resultsdoc/escape.h), fed hostile text: HTML gets no
 * tag and no attribute out of a string, Markdown no link, code span, HTML or
 * table break, a terminal no control character. */
#include "escape.h"
#include "th.h"

#include <stdlib.h>
#include <string.h>

static char *html(const char *s) {
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  hl_html_escape(f, s);
  fclose(f);
  return text;
}

static void test_html(void) {
  char *t = html("<script>alert('x')</script> & \"q\" \n");
  CHECK_STR(t, "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &amp; &quot;q&quot;  ");
  free(t);
  t = html("\" onmouseover=\"alert(1)");
  CHECK(strchr(t, '"') == NULL && strchr(t, '<') == NULL);
  free(t);
}

static void test_markdown(void) {
  char buf[256];
  CHECK_STR(hl_md_text("[x](javascript:alert(1))", buf, sizeof buf), "\\[x\\](javascript:alert(1))");
  CHECK_STR(hl_md_text("a|b\nc", buf, sizeof buf), "a\\|b c");
  CHECK_STR(hl_md_text("`code` <img src=x onerror=y>", buf, sizeof buf),
            "\\`code\\` &lt;img src=x onerror=y&gt;");
  CHECK_STR(hl_md_text("back\\|slash", buf, sizeof buf), "back\\\\\\|slash");
  CHECK_STR(hl_md_text("plain/name=4M", buf, sizeof buf), "plain/name=4M");
  /* cut short to fit, always terminated */
  CHECK_INT(strlen(hl_md_text("0123456789", buf, 5)), 4);
}

static void test_terminal(void) {
  char *t = hl_term_clean("a\x1b[2J\rb\n\x07" "c\x7f");
  CHECK_STR(t, "a?[2J?b??c?");
  free(t);
}

int main(void) {
  test_html();
  test_markdown();
  test_terminal();
  return th_done("test_escape");
}
