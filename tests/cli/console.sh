#!/usr/bin/env bash
# What heaplab draws on a terminal (progress, messages, gctrace, oom's
# lines), read from a pseudo-terminal by console.py.
. "$(dirname "$0")/lib.sh"
python3 "$(dirname "$0")/console.py" "$HEAPLAB" "$T"
