/* Plain-text and Markdown tables: the one reporter every command uses to
 * print rows (run summaries, compare verdicts, reports). Cells are copied; numbers are
 * formatted by the caller. Cells are escaped when printed (escape.h): cleaned of
 * control characters on a terminal, escaped in Markdown and HTML. */
#ifndef HL_TABLE_H
#define HL_TABLE_H

#include "escape.h"

#include <stddef.h>
#include <stdio.h>

typedef struct hl_table hl_table_t;

/* align: one character per column, 'l' or 'r'. */
hl_table_t *hl_table_new(const char *const *headers, size_t ncols, const char *align);
int hl_table_add(hl_table_t *t, const char *const *cells);
/* Marks cell col of the last row added with an HTML class (a static
 * string: "better", "worse", "same"); only the HTML shows it. */
int hl_table_set_class(hl_table_t *t, size_t col, const char *cls);
size_t hl_table_rows(const hl_table_t *t);
void hl_table_print(const hl_table_t *t, FILE *out, int markdown);
/* An HTML <table>, cells escaped; right-aligned columns get class "r", marked cells
 * their class as well. */
void hl_table_print_html(const hl_table_t *t, FILE *out);
void hl_table_free(hl_table_t *t);

#endif
