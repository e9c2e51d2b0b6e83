/* The terminal heaplab's messages go to: one status line at the bottom
 * (the progress of a run) and every other line above it.
 *
 * On a terminal (stderr a tty) the status line is drawn in place (carriage
 * return, erase to the end of the line) and cut to the terminal's width so
 * it never wraps; a message (hl_msg) or a forwarded worker line erases it,
 * is written on its own line, and the status line is drawn again under it,
 * so the two never run together. Off a terminal there is no status line:
 * messages are plain lines and nothing is redrawn.
 *
 * Single-threaded, like the parent process that uses it; every write is one
 * write(2) of a stack buffer, no allocation. */
#ifndef HL_CONSOLE_H
#define HL_CONSOLE_H

#include <stddef.h>

/* Whether a status line is shown: stderr is a terminal (and
 * hl_console_status_enable(0) did not turn it off). */
int hl_console_has_status(void);

/* Turns the status line off (1: on again, where stderr is a terminal). */
void hl_console_status_enable(int on);

/* Sets the status line's text (a line, no newline) and draws it; "" or
 * NULL removes it. */
void hl_console_status(const char *text);

/* Writes complete lines (each ending in '\n') above the status line. */
void hl_console_lines(const char *text, size_t len);

#endif
