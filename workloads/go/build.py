#!/usr/bin/env python3
"""Builds the Go twins (heaplab-twins) for meson and for the tests.

    build.py GO SRCDIR OUTPUT CACHEDIR [go build flags...]

Runs `go build` in SRCDIR with the build's own caches (never $HOME), no
network (GOPROXY=off: the module uses the standard library only), no cgo,
and the toolchain that was found (GOTOOLCHAIN=local). The compiler's
diagnostics (-gcflags=-m=1) go to stderr, as go build prints them.
"""
import os
import subprocess
import sys


def main(argv):
    if len(argv) < 5:
        print("usage: build.py GO SRCDIR OUTPUT CACHEDIR [flags...]", file=sys.stderr)
        return 2
    go, src, out, cache = argv[1:5]
    cache = os.path.abspath(cache)
    env = dict(os.environ, GOCACHE=os.path.join(cache, "build"), GOPATH=os.path.join(cache, "path"),
               GOPROXY="off", GOTOOLCHAIN="local", CGO_ENABLED="0", GO111MODULE="on",
               GOFLAGS="")
    cmd = [go, "build", "-o", os.path.abspath(out)] + argv[5:] + ["."]
    return subprocess.call(cmd, cwd=src, env=env)


if __name__ == "__main__":
    sys.exit(main(sys.argv))
