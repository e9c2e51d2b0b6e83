/* The Go toolchain as a referee: claims about Go's compiler and runtime
 * (C6, C7, C14) are answered by compiling and running small Go programs
 * (standard library only) with the `go` found in PATH.
 *
 * Everything is made under DIR/go/NAME (the claims output directory): the
 * source, the compiler's output, the program, and the build cache
 * (GOCACHE=DIR/go/cache, never $HOME), with GOPROXY=off (nothing is
 * downloaded), GOFLAGS and GOTOOLCHAIN neutral, cgo off.
 */
#ifndef HL_GOTOOL_H
#define HL_GOTOOL_H

#include <stddef.h>

/* `go version`'s output (one line) into buf: 0, or HL_ENOENT when there is
 * no go in PATH (why says so). */
int hl_go_version(const char *dir, char *buf, size_t len);

/* Compiles src as package main with `go tool compile -m=1 -S` (escape
 * analysis decisions and the assembly). *out: everything the compiler
 * printed (malloc'd). 0, or an HL_E* error with a message. */
int hl_go_compile(const char *dir, const char *name, const char *src, char **out);

/* Builds src with `go build` and runs it with the extra environment env
 * (NAME=VALUE, NULL ended). *out: what the program printed. */
int hl_go_run(const char *dir, const char *name, const char *src, const char *const *env,
              char **out);

#endif
