/* A command line given as one string (`heaplab run -x 'CMD ARGS'`), split
 * into words the way a POSIX shell splits a simple command, without running
 * one: blanks separate words; 'single quotes' keep everything literally;
 * "double quotes" keep everything but a backslash before $ ` " \ or a
 * newline; outside quotes a backslash keeps the next character. No
 * expansion of any kind ($VAR, globs, ~) and no operators: a word such as
 * `|` or `>` stays a word (use --shell for a pipeline). */
#ifndef HL_ARGSPLIT_H
#define HL_ARGSPLIT_H

#include <stddef.h>

/* The words of text, NULL-terminated, in one allocation (free(*argv)
 * frees them all). 0, or HL_EPARSE with why (an unterminated quote, no
 * word at all), or HL_ENOMEM. */
int hl_argsplit(const char *text, char ***argv, size_t *argc, char *why, size_t why_len);

#endif
