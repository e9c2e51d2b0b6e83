/* Escaping by target language (escape.h). */
#include "escape.h"

#include <stdlib.h>
#include <string.h>

static int is_control(unsigned char c) {
  return c < 0x20 || c == 0x7f;
}

void hl_html_escape(FILE *out, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '"': fputs("&quot;", out); break;
    case '\'': fputs("&#39;", out); break;
    default: fputc(is_control(*p) ? ' ' : *p, out);
    }
  }
}

void hl_md_escape(FILE *out, const char *text) {
  for (const unsigned char *p = (const unsigned char *)text; *p; p++) {
    switch (*p) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '\\':
    case '`':
    case '[':
    case ']':
    case '|':
      fputc('\\', out);
      fputc(*p, out);
      break;
    default: fputc(is_control(*p) ? ' ' : *p, out);
    }
  }
}

const char *hl_md_text(const char *text, char *buf, size_t len) {
  FILE *f = fmemopen(buf, len, "w");
  buf[0] = '\0';
  if (!f) return buf;
  setbuf(f, NULL);
  hl_md_escape(f, text);
  fclose(f);
  buf[len - 1] = '\0';
  return buf;
}

char *hl_term_clean(const char *text) {
  char *s = strdup(text);
  if (!s) return NULL;
  for (unsigned char *p = (unsigned char *)s; *p; p++)
    if (is_control(*p)) *p = '?';
  return s;
}
