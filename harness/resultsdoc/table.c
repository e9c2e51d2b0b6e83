/* Aligned text and Markdown tables (table.h); every cell escaped for where
 * it goes (escape.h). */
#include "table.h"

#include "error.h"
#include "escape.h"

#include <stdlib.h>
#include <string.h>

struct hl_table {
  size_t ncols, nrows, cap;
  char *align;
  char **cells; /* (nrows + 1) * ncols, row 0 = headers */
  const char **cls; /* as cells, NULL where unmarked; NULL until a cell is marked */
  size_t cls_cap;
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

int hl_table_set_class(hl_table_t *t, size_t col, const char *cls) {
  size_t at = t->nrows * t->ncols + col, used = (t->nrows + 1) * t->ncols;
  if (!t->nrows || col >= t->ncols) return HL_EINVAL;
  if (used > t->cls_cap) {
    size_t cap = t->cap > used ? t->cap : used;
    const char **c = realloc(t->cls, cap * sizeof *c);
    if (!c) return HL_ENOMEM;
    for (size_t i = t->cls_cap; i < cap; i++)
      c[i] = NULL;
    t->cls = c;
    t->cls_cap = cap;
  }
  t->cls[at] = cls;
  return 0;
}

size_t hl_table_rows(const hl_table_t *t) {
  return t->nrows;
}

static void pad(FILE *out, size_t n) {
  while (n--)
    fputc(' ', out);
}

/* A cell as printed: cleaned for a terminal, or escaped for Markdown. */
static char *display(const char *cell, int markdown) {
  if (!markdown) return hl_term_clean(cell);
  char *text = NULL;
  size_t len = 0;
  FILE *f = open_memstream(&text, &len);
  if (!f) return NULL;
  hl_md_escape(f, cell);
  if (fclose(f) != 0) {
    free(text);
    return NULL;
  }
  return text;
}

static void print_rows(const hl_table_t *t, char *const *cells, size_t ncols, FILE *out,
                       int markdown) {
  size_t width[64] = {0};
  for (size_t r = 0; r <= t->nrows; r++)
    for (size_t c = 0; c < ncols; c++) {
      size_t len = strlen(cells[r * t->ncols + c]);
      if (len > width[c]) width[c] = len;
    }
  for (size_t r = 0; r <= t->nrows; r++) {
    if (markdown) fputs("| ", out);
    for (size_t c = 0; c < ncols; c++) {
      const char *cell = cells[r * t->ncols + c];
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

void hl_table_print(const hl_table_t *t, FILE *out, int markdown) {
  size_t n = (t->nrows + 1) * t->ncols, made = 0;
  char **cells = calloc(n, sizeof *cells);
  while (cells && made < n && (cells[made] = display(t->cells[made], markdown)) != NULL)
    made++;
  if (made == n)
    print_rows(t, cells, t->ncols < 64 ? t->ncols : 64, out, markdown);
  else
    fputs("(out of memory: table not printed)\n", out);
  for (size_t i = 0; cells && i < made; i++)
    free(cells[i]);
  free(cells);
}

void hl_table_print_html(const hl_table_t *t, FILE *out) {
  fputs("<table>\n", out);
  for (size_t r = 0; r <= t->nrows; r++) {
    fputs("<tr>", out);
    for (size_t c = 0; c < t->ncols; c++) {
      const char *tag = r == 0 ? "th" : "td";
      size_t at = r * t->ncols + c;
      const char *cls = t->cls && at < t->cls_cap ? t->cls[at] : NULL;
      fprintf(out, "<%s", tag);
      if (cls || t->align[c] == 'r')
        fprintf(out, " class=\"%s%s%s\"", t->align[c] == 'r' ? "r" : "", cls && t->align[c] == 'r' ? " " : "",
                cls ? cls : "");
      fputs(">", out);
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
  free(t->cls);
  free(t->align);
  free(t);
}
