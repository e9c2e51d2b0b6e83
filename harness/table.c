/* Aligned text and Markdown tables (table.h). */
#include "table.h"

#include "error.h"

#include <stdlib.h>
#include <string.h>

struct hl_table {
  size_t ncols, nrows, cap;
  char *align;
  char **cells; /* (nrows + 1) * ncols, row 0 = headers */
};

hl_table_t *hl_table_new(const char *const *headers, size_t ncols, const char *align) {
  hl_table_t *t = calloc(1, sizeof *t);
  if (!t) return NULL;
  t->ncols = ncols;
  t->align = strndup(align, ncols);
  if (!t->align || hl_table_add(t, headers) != 0) {
    hl_table_free(t);
    return NULL;
  }
  t->nrows = 0; /* the header row does not count */
  return t;
}

int hl_table_add(hl_table_t *t, const char *const *cells) {
  size_t used = (t->nrows + (t->cells ? 1 : 0)) * t->ncols;
  if (used + t->ncols > t->cap) {
    size_t cap = t->cap ? t->cap * 2 : t->ncols * 16;
    char **c = realloc(t->cells, cap * sizeof *c);
    if (!c) return HL_ENOMEM;
    t->cells = c;
    t->cap = cap;
  }
  for (size_t i = 0; i < t->ncols; i++) {
    t->cells[used + i] = strdup(cells[i] ? cells[i] : "");
    if (!t->cells[used + i]) return HL_ENOMEM;
  }
  if (used) t->nrows++;
  return 0;
}

size_t hl_table_rows(const hl_table_t *t) {
  return t->nrows;
}

static void pad(FILE *out, size_t n) {
  while (n--)
    fputc(' ', out);
}

void hl_table_print(const hl_table_t *t, FILE *out, int markdown) {
  size_t width[64] = {0};
  size_t ncols = t->ncols < 64 ? t->ncols : 64;
  for (size_t r = 0; r <= t->nrows; r++)
    for (size_t c = 0; c < ncols; c++) {
      size_t len = strlen(t->cells[r * t->ncols + c]);
      if (len > width[c]) width[c] = len;
    }
  for (size_t r = 0; r <= t->nrows; r++) {
    if (markdown) fputs("| ", out);
    for (size_t c = 0; c < ncols; c++) {
      const char *cell = t->cells[r * t->ncols + c];
      size_t gap = width[c] - strlen(cell);
      if (t->align[c] == 'r') pad(out, gap);
      fputs(cell, out);
      if (t->align[c] != 'r' && (markdown || c + 1 < ncols)) pad(out, gap);
      if (c + 1 < ncols) fputs(markdown ? " | " : "  ", out);
    }
    fputs(markdown ? " |\n" : "\n", out);
    if (r == 0 && markdown) {
      fputs("|", out);
      for (size_t c = 0; c < ncols; c++) {
        fputs(t->align[c] == 'r' ? " " : " :", out);
        for (size_t k = 1; k < width[c]; k++)
          fputc('-', out);
        fputs(t->align[c] == 'r' ? ": |" : "- |", out);
      }
      fputs("\n", out);
    }
  }
}

void hl_html_escape(FILE *out, const char *text) {
  for (const char *p = text; *p; p++) {
    switch (*p) {
    case '<': fputs("&lt;", out); break;
    case '>': fputs("&gt;", out); break;
    case '&': fputs("&amp;", out); break;
    case '"': fputs("&quot;", out); break;
    default: fputc(*p, out);
    }
  }
}

void hl_table_print_html(const hl_table_t *t, FILE *out) {
  fputs("<table>\n", out);
  for (size_t r = 0; r <= t->nrows; r++) {
    fputs("<tr>", out);
    for (size_t c = 0; c < t->ncols; c++) {
      const char *tag = r == 0 ? "th" : "td";
      fprintf(out, "<%s%s>", tag, t->align[c] == 'r' ? " class=\"r\"" : "");
      hl_html_escape(out, t->cells[r * t->ncols + c]);
      fprintf(out, "</%s>", tag);
    }
    fputs("</tr>\n", out);
  }
  fputs("</table>\n", out);
}

void hl_table_free(hl_table_t *t) {
  if (!t) return;
  if (t->cells) {
    size_t used = (t->nrows + 1) * t->ncols;
    for (size_t i = 0; i < used; i++)
      free(t->cells[i]);
  }
  free(t->cells);
  free(t->align);
  free(t);
}
