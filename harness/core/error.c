/* Status code names and the one-line message printer. */
#include "error.h"

#include "console.h"

#include <stdio.h>
#include <string.h>
#include <unistd.h>

const char *hl_strerror(int err) {
  switch (err) {
  case HL_OK: return "success";
#define HL_X(name, text)                                                                           \
  case HL_E##name: return text;
    HL_ERRNO_MAP(HL_X)
#undef HL_X
  default: return "unknown error";
  }
}

const char *hl_err_name(int err) {
  switch (err) {
  case HL_OK: return "HL_OK";
#define HL_X(name, text)                                                                           \
  case HL_E##name: return "HL_E" #name;
    HL_ERRNO_MAP(HL_X)
#undef HL_X
  default: return "HL_E?";
  }
}

void hl_vmsg(const char *component, const char *fmt, va_list ap) {
  char line[1024];
  int n = snprintf(line, sizeof line, "heaplab: %s: ", component);
  if (n < 0 || (size_t)n >= sizeof line) n = 0;
  int m = vsnprintf(line + n, sizeof line - (size_t)n, fmt, ap);
  size_t len = (size_t)n + (m < 0 ? 0 : (size_t)m);
  if (len > sizeof line - 2) len = sizeof line - 2;
  line[len++] = '\n';
  hl_console_lines(line, len); /* above the progress line, on a terminal */
}

void hl_msg(const char *component, const char *fmt, ...) {
  va_list ap;
  va_start(ap, fmt);
  hl_vmsg(component, fmt, ap);
  va_end(ap);
}
