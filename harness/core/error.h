/* heaplab status codes and one-line diagnostics.
 *
 * Status-returning functions return int: 0 on success, a negative HL_E* code
 * on failure (libuv style). One X-macro list gives the enum, hl_strerror()
 * and hl_err_name(), so the three cannot drift. Library code never exits;
 * only main() maps outcomes to exit codes (see HL_EXIT_*).
 */
#ifndef HL_ERROR_H
#define HL_ERROR_H

#include <stdarg.h>

#define HL_ERRNO_MAP(X)                                                                            \
  X(INVAL, "invalid argument")                                                                     \
  X(NOMEM, "out of memory")                                                                        \
  X(NOENT, "no such item")                                                                         \
  X(IO, "input/output error")                                                                      \
  X(PARSE, "malformed input")                                                                      \
  X(RANGE, "value out of range")                                                                   \
  X(UNAVAIL, "unavailable")                                                                        \
  X(SYS, "system call failed")                                                                     \
  X(CHILD, "child process failed")

enum {
  HL_OK = 0,
#define HL_X(name, text) HL_E##name,
  HL__EBASE = -100,
  HL_ERRNO_MAP(HL_X)
#undef HL_X
};

/* Process exit codes of the CLI: 0 ok, 1 the check found
 * something, 2 usage or input error. */
enum {
  HL_EXIT_OK = 0,
  HL_EXIT_FOUND = 1,
  HL_EXIT_USAGE = 2,
};

const char *hl_strerror(int err);
const char *hl_err_name(int err);

/* Prints "heaplab: <component>: <message>\n" to stderr as one write(2), so
 * lines from a parent and its children never interleave mid-line. Does not
 * allocate. */
void hl_msg(const char *component, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void hl_vmsg(const char *component, const char *fmt, va_list ap)
    __attribute__((format(printf, 2, 0)));

#endif
