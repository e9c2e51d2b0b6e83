/* Strings from results files are data: the one escaping function per
 * language heaplab writes them into (gnuplot's is gnuplot.h's hl_gp_quote).
 *
 * - HTML (report.html): & < > " ' as entities, so a name can neither open a
 *   tag nor leave an attribute; control characters as spaces.
 * - Markdown (report.md, oom-report.md, the gate's comment): what a renderer
 *   would act on is escaped: HTML tags (as entities), links and images ([ ]),
 *   code spans (`), table cells (|) and the backslash itself; a newline,
 *   which would end a table row or start a block, becomes a space. Emphasis
 *   characters stay: they can only change how a name looks.
 * - A terminal (show, run's table): control characters (escape sequences,
 *   carriage returns, newlines) become '?', so a file cannot move the cursor
 *   or rewrite what is on the screen. */
#ifndef HL_ESCAPE_H
#define HL_ESCAPE_H

#include <stddef.h>
#include <stdio.h>

void hl_html_escape(FILE *out, const char *text);
void hl_md_escape(FILE *out, const char *text);
/* The same into buf (cut short to fit); returns buf, for a printf argument. */
const char *hl_md_text(const char *text, char *buf, size_t len);

/* text as it can be printed on a terminal, into a malloc'd string (NULL when
 * out of memory); the string is as long as text. */
char *hl_term_clean(const char *text);

#endif
