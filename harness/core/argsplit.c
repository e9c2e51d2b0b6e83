/* Shell-like word splitting (argsplit.h).
 *
 * Two passes over the text with the same scanner: the first counts words
 * and bytes, the second writes them into one block holding the pointer
 * array followed by the words, so the caller frees one pointer. */
#include "argsplit.h"

#include "error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int is_blank(char c) {
  return c == ' ' || c == '\t' || c == '\n';
}

/* Scans text; with out NULL only counts. Returns 0 or HL_EPARSE. */
static int scan(const char *text, char **words, char *out, size_t *nwords, size_t *nbytes,
                char *why, size_t why_len) {
  size_t nw = 0, nb = 0;
  const char *p = text;
  for (;;) {
    while (is_blank(*p))
      p++;
    if (!*p) break;
    if (out) words[nw] = out + nb;
    while (*p && !is_blank(*p)) {
      char c = *p++;
      if (c == '\'') {
        const char *end = strchr(p, '\'');
        if (!end) goto unterminated;
        if (out) memcpy(out + nb, p, (size_t)(end - p));
        nb += (size_t)(end - p);
        p = end + 1;
      } else if (c == '"') {
        while (*p && *p != '"') {
          if (*p == '\\' && p[1] && strchr("$`\"\\\n", p[1])) p++;
          if (out) out[nb] = *p;
          nb++, p++;
        }
        if (!*p) goto unterminated;
        p++;
      } else {
        if (c == '\\' && *p) c = *p++;
        if (out) out[nb] = c;
        nb++;
      }
    }
    if (out) out[nb] = '\0';
    nb++, nw++;
  }
  *nwords = nw;
  *nbytes = nb;
  return 0;
unterminated:
  snprintf(why, why_len, "an unterminated quote in '%s'", text);
  return HL_EPARSE;
}

int hl_argsplit(const char *text, char ***argv, size_t *argc, char *why, size_t why_len) {
  size_t nw, nb;
  *argv = NULL;
  *argc = 0;
  int rc = scan(text, NULL, NULL, &nw, &nb, why, why_len);
  if (rc) return rc;
  if (nw == 0) {
    snprintf(why, why_len, "no command in '%s'", text);
    return HL_EPARSE;
  }
  char **block = malloc((nw + 1) * sizeof *block + nb);
  if (!block) return HL_ENOMEM;
  char *bytes = (char *)(block + nw + 1);
  scan(text, block, bytes, &nw, &nb, why, why_len);
  block[nw] = NULL;
  *argv = block;
  *argc = nw;
  return 0;
}
