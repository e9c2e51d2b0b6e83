/* A command's --help page, reflowed so that no line passes 80 columns
 * (opts.h: hl_opts_page_open, hl_opts_page_close).
 *
 * A command writes its page as it likes (usage lines, paragraphs, lists,
 * the option table from hl_opts_help) into a memory stream; closing the
 * page prints it through one filter, so the width holds for every command
 * by construction rather than by each author counting columns.
 *
 * The filter reads the page as items: a line and the lines after it that
 * continue it, i.e. start at its hanging indent, the column where its text
 * continues: a two-column entry's second column ("  params [W]  text"), a
 * "- " item's text, a usage line's first argument ("Usage: heaplab run "),
 * else the line's own indentation (so a paragraph is one item). An item
 * whose lines all fit is printed exactly as written; one with a line too
 * long is filled again at 80 columns, its first line's lead-in kept as it
 * was and the rest under the hanging indent (a usage item never breaks
 * inside [brackets]). A single word longer than the width stays whole. */
#include "opts.h"

#include <stdlib.h>
#include <string.h>

#define PAGE_WIDTH 80

typedef struct page {
  FILE *f;
  char *text;
  size_t len;
} page_t;

/* open_memstream's buffer must outlive the FILE until fclose: kept per
 * stream in a small table (pages are opened one at a time, seldom two). */
#define MAX_PAGES 4
static page_t pages[MAX_PAGES];

FILE *hl_opts_page_open(FILE *out) {
  for (size_t i = 0; i < MAX_PAGES; i++)
    if (!pages[i].f) {
      pages[i].text = NULL;
      pages[i].len = 0;
      pages[i].f = open_memstream(&pages[i].text, &pages[i].len);
      return pages[i].f ? pages[i].f : out;
    }
  return out;
}

static size_t lead_of(const char *line, size_t len) {
  size_t lead = strspn(line, " ");
  return lead < len ? lead : len;
}

/* Where an item's continuation lines start (see above). */
static size_t hanging_indent(const char *line, size_t len) {
  size_t lead = lead_of(line, len);
  if (!strncmp(line, "Usage: ", 7)) {
    const char *p = line + 7;
    for (int words = 0; words < 2 && p < line + len; words++) { /* "heaplab CMD " */
      p += strcspn(p, " ");
      p += strspn(p, " ");
    }
    return (size_t)(p - line) < len ? (size_t)(p - line) : 7;
  }
  if (lead && lead + 1 < len && line[lead] == '-' && line[lead + 1] == ' ') return lead + 2;
  if (lead) {
    const char *two = strstr(line + lead, "  "); /* a second column */
    if (two && (size_t)(two - line) < len) {
      size_t col = (size_t)(two - line) + strspn(two, " ");
      if (col < len && col < PAGE_WIDTH / 2) return col;
    }
  }
  return lead;
}

/* One word of text[0..len) at *i: up to a space, or for a usage item up to a
 * space outside brackets. Returns its length; *i skips leading spaces. */
static size_t next_word(const char *text, size_t len, size_t *i, int usage) {
  while (*i < len && (text[*i] == ' ' || text[*i] == '\n'))
    ++*i;
  size_t n = 0;
  int depth = 0;
  while (*i + n < len && text[*i + n] != '\n' && (text[*i + n] != ' ' || (usage && depth))) {
    if (text[*i + n] == '[') depth++;
    if (text[*i + n] == ']' && depth) depth--;
    n++;
  }
  return n;
}

/* Fills the words of text[0..len) from column col, continuation lines at
 * indent. */
static void fill(FILE *out, const char *text, size_t len, size_t col, size_t indent, int usage) {
  int line_start = 1;
  size_t i = 0, word;
  while ((word = next_word(text, len, &i, usage)) != 0) {
    if (!line_start && col + 1 + word > PAGE_WIDTH) {
      fprintf(out, "\n%*s", (int)indent, "");
      col = indent;
      line_start = 1;
    }
    if (!line_start) fputc(' ', out), col++;
    fwrite(text + i, 1, word, out);
    col += word;
    i += word;
    line_start = 0;
  }
  fputc('\n', out);
}

/* The item that starts at text[0]: its length (to the end of its last
 * line, without the '\n'); *too_long: whether a line of it is. */
static size_t item_len(const char *text, size_t len, size_t hang, int *too_long) {
  size_t i = 0;
  *too_long = 0;
  for (;;) {
    size_t n = strcspn(text + i, "\n");
    if (n > len - i) n = len - i;
    if (n > PAGE_WIDTH) *too_long = 1;
    size_t next = i + n + 1;
    if (next >= len) return i + n;
    size_t nn = strcspn(text + next, "\n"), lead = lead_of(text + next, nn);
    if (nn == 0 || lead != hang || !strncmp(text + next + lead, "- ", 2)) return i + n;
    i = next;
  }
}

static void reflow(FILE *out, const char *text, size_t len) {
  size_t i = 0;
  while (i < len) {
    size_t n = strcspn(text + i, "\n");
    if (n > len - i) n = len - i;
    size_t hang = hanging_indent(text + i, n);
    int too_long;
    size_t item = n ? item_len(text + i, len - i, hang, &too_long) : 0;
    if (n && too_long && hang < n) {
      fwrite(text + i, 1, hang, out); /* the lead-in, as written */
      fill(out, text + i + hang, item - hang, hang, hang, !strncmp(text + i, "Usage: ", 7));
    } else {
      fwrite(text + i, 1, item, out);
      fputc('\n', out);
    }
    i += item + 1;
  }
}

void hl_opts_page_close(FILE *page, FILE *out) {
  for (size_t i = 0; i < MAX_PAGES && page != out; i++)
    if (pages[i].f == page) {
      fclose(page);
      pages[i].f = NULL;
      if (pages[i].text) reflow(out, pages[i].text, pages[i].len);
      free(pages[i].text);
      pages[i].text = NULL;
      return;
    }
}
