/* The status line and the lines above it (console.h). */
#include "console.h"

#include <stdio.h>
#include <string.h>
#include <sys/ioctl.h>
#include <unistd.h>

#define STATUS_MAX 512
#define ERASE "\r\033[K" /* to column 0, erase to the end of the line */

static char status[STATUS_MAX];
static int enabled = 1, drawn;

int hl_console_has_status(void) {
  return enabled && isatty(STDERR_FILENO);
}

void hl_console_status_enable(int on) {
  if (!on) hl_console_status(NULL);
  enabled = on;
}

/* The terminal's width, less one column: a line that fills the last column
 * makes some terminals wrap, and the next carriage return would then redraw
 * the wrong line. */
static size_t usable_width(void) {
  struct winsize ws;
  if (ioctl(STDERR_FILENO, TIOCGWINSZ, &ws) == 0 && ws.ws_col > 1) return ws.ws_col - 1u;
  return 79;
}

static void put(const char *s, size_t n) {
  while (n) {
    ssize_t w = write(STDERR_FILENO, s, n);
    if (w <= 0) return; /* a terminal that is gone: nothing to do */
    s += w;
    n -= (size_t)w;
  }
}

/* Erases the drawn status line, writes text, draws the status line again;
 * in one write. */
static void redraw(const char *text, size_t len) {
  char buf[STATUS_MAX + 8192 + 16];
  size_t n = 0;
  if (drawn) memcpy(buf, ERASE, sizeof ERASE - 1), n = sizeof ERASE - 1;
  if (len > sizeof buf - n - STATUS_MAX - 8) { /* a very long message: on its own */
    put(buf, n);
    put(text, len);
    n = 0;
  } else {
    memcpy(buf + n, text, len);
    n += len;
  }
  size_t s = strlen(status), width = usable_width();
  if (s > width) s = width;
  memcpy(buf + n, status, s);
  n += s;
  drawn = s > 0;
  put(buf, n);
}

void hl_console_status(const char *text) {
  if (!hl_console_has_status()) return;
  snprintf(status, sizeof status, "%s", text ? text : "");
  redraw("", 0);
}

void hl_console_lines(const char *text, size_t len) {
  if (!hl_console_has_status() || (!drawn && !status[0])) {
    put(text, len);
    return;
  }
  redraw(text, len);
}
