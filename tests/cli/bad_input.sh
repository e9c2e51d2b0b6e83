#!/usr/bin/env bash
# Bad input: one clear message naming the problem (and the valid choices),
# exit 2, and no results file written.
. "$(dirname "$0")/lib.sh"

R="$T/r.json"
bad() { # bad "expected message" args...
  local msg=$1
  shift
  rm -f "$R"
  expect_exit 2 "$HEAPLAB" "$@" && expect_in "$T/err" "$msg"
  checks=$((checks + 1))
  [[ ! -e "$R" ]] || fail "results file written for: $*"
  checks=$((checks + 1))
  [[ $(wc -l <"$T/err") -le 2 ]] || fail "more than one message for: $*"
}

bad "unknown workload 'steady-servic'; available: escape-return" run -w steady-servic -b glibc -o "$R"
bad "workload 'pool-reuse' named twice" run -w pool-reuse,pool-reuse -b glibc -o "$R"
bad "unknown backend 'jemaloc'; available: glibc jemalloc mimalloc tcmalloc span span-malloc span-gc bdwgc" run -w pool-reuse -b jemaloc -o "$R"
bad "unknown backend 'glibcc'; available: glibc" run -w pool-reuse -b glibcc:arena_max=2 -o "$R"
bad "backend 'glibc:arenas=2': unknown option 'arenas'; glibc takes: arena_max=N (1..1024)" run -w pool-reuse -b glibc:arenas=2 -o "$R"
bad "backend 'glibc:arena_max=0': arena_max '0': expected an integer from 1 to 1024" run -w pool-reuse -b glibc:arena_max=0 -o "$R"
bad "backend 'glibc:arena_max=two': arena_max 'two': expected an integer from 1 to 1024" run -w pool-reuse -b glibc:arena_max=two -o "$R"
bad "backend 'glibc:arena_max': 'arena_max': expected KEY=VALUE" run -w pool-reuse -b glibc:arena_max -o "$R"
bad "backend 'glibc:': expected NAME:KEY=VALUE" run -w pool-reuse -b glibc: -o "$R"
bad "option 'arena_max' given twice" run -w pool-reuse -b glibc:arena_max=2:arena_max=3 -o "$R"
bad "backend 'glibc:arena_max=2' named twice" run -w pool-reuse -b glibc:arena_max=2,glibc:arena_max=02 -o "$R"
bad "backend 'glibc' named twice" run -w pool-reuse -b glibc,glibc -o "$R"
bad "backend 'jemalloc:decay=0': jemalloc takes no options" run -w pool-reuse -b jemalloc:decay=0 -o "$R"
bad "'64Q' is not a size" run -w steady-service -b glibc -p live=64Q -o "$R"
bad "unknown parameter 'lvie'" run -w steady-service -b glibc -p lvie=64M -o "$R"
bad "(steady-service: live obj churn ptrs)" run -w steady-service -b glibc -p lvie=64M -o "$R"
bad "--reps '0': expected an integer from 1" run -w pool-reuse -b glibc --reps 0 -o "$R"
bad "--reps '-3'" run -w pool-reuse -b glibc --reps -3 -o "$R"
bad "--threads 'two'" run -w pool-reuse -b glibc --threads two -o "$R"
bad "--limit '64Q'" run -w pool-reuse -b glibc --limit 64Q -o "$R"
bad "--limit '0'" run -w pool-reuse -b glibc --limit 0 -o "$R"
bad "--limit-mode 'as': expected cgroup, rlimit or watchdog" run -w pool-reuse -b glibc --limit 64M --limit-mode as -o "$R"
bad "--limit-mode and --cgroup need --limit SIZE" run -w pool-reuse -b glibc --limit-mode rlimit -o "$R"
bad "--limit-mode cgroup needs --cgroup DIR" run -w pool-reuse -b glibc --limit 64M --limit-mode cgroup -o "$R"
bad "--cgroup /nonexistent/cg: /nonexistent/cg is not a directory" run -w pool-reuse -b glibc --limit 64M --cgroup /nonexistent/cg -o "$R"
bad "--cgroup $T: $T has no cgroup.controllers" run -w pool-reuse -b glibc --limit 64M --cgroup "$T" -o "$R"
# Contradictions: exit 2, naming both sides.
bad "--cgroup $T and --limit-mode watchdog contradict" run -w pool-reuse -b glibc --limit 64M --cgroup "$T" --limit-mode watchdog -o "$R"
bad "--cgroup $T and --limit-mode rlimit contradict" run -w pool-reuse -b glibc --limit 64M --limit-mode rlimit --cgroup "$T" -o "$R"
bad "--find-min-limit and --limit 64M contradict" oom -w pool-reuse -b glibc --find-min-limit --limit 64M -o "$R"
bad "--workloads 'escape-return': given twice (first 'pool-reuse'); list several values in one: --workloads pool-reuse,escape-return" run -w pool-reuse -w escape-return -b glibc -o "$R"
bad "--backends 'span': given twice (first 'glibc')" run -w pool-reuse -b glibc --backends=span -o "$R"
bad "--reps '3': given twice (first '2'); give it once" run -w pool-reuse -b glibc --reps 2 --reps 3 -o "$R"
bad "--gogc '100': given twice (first '50')" run -w pool-reuse -b glibc --gogc 50 --gogc 100 -o "$R"
bad "--limit '96M': given twice (first '64M')" run -w pool-reuse -b glibc --limit 64M --limit 96M -o "$R"
bad "--output '$R': given twice (first '$T/a.json')" run -w pool-reuse -b glibc -o "$T/a.json" -o "$R"
HEAPLAB_GOGC=50 bad "--gogc '200': given twice (first '100')" run -w pool-reuse -b glibc --gogc 100 --gogc 200 -o "$R"
bad "--runs '3': given twice (first '2'); give it once" oom -w pool-reuse -b glibc --limit 64M --runs 2 --runs=3 -o "$R"
bad "oom: --reps '3': given twice (first --runs '2'); give the repetitions once" oom -w pool-reuse -b glibc --limit 64M --runs 2 --reps 3 -o "$R"
bad "--report '$T/b': given twice (first '$T/a')" oom -w pool-reuse -b glibc --limit 64M --report "$T/a" --report "$T/b" -o "$R"
bad "heaplab: gate: --workloads 'escape-return': given twice (first 'pool-reuse')" gate --base "$T/x.json" --new "$T/y.json" -w pool-reuse -w escape-return --json "$R"
bad "heaplab: gate: --gogc '100': given twice (first '50')" gate --base "$T/x.json" --new "$T/y.json" --gogc 50 --gogc 100 --json "$R"
bad "heaplab: gate: --rounds '3': given twice (first '2')" gate --base "$T/x.json" --new "$T/y.json" --rounds 2 --rounds 3 --json "$R"
bad "--sample-ms '-5'" run -w pool-reuse -b glibc --sample-ms -5 -o "$R"
bad "--thrash-window '0'" run -w pool-reuse -b glibc --thrash-window 0 -o "$R"
bad "--timeout '0'" run -w pool-reuse -b glibc --timeout 0 -o "$R"
bad "--pin 'tight': expected none, compact or scatter" run -w pool-reuse -b glibc --pin tight -o "$R"
bad "--escape 'maybe': expected on or off" run -w pool-reuse -b glibc --escape maybe -o "$R"
bad "--gogc '-5'" run -w pool-reuse -b glibc --gogc -5 -o "$R"
bad "--memlimit '12XB': expected a byte count" run -w pool-reuse -b glibc --memlimit 12XB -o "$R"
bad "--memlimit '-1': expected a byte count" run -w pool-reuse -b glibc --memlimit -1 -o "$R"
bad "--memlimit '': expected a byte count" run -w pool-reuse -b glibc --memlimit "" -o "$R"
bad "--memlimit '64Q': expected a byte count such as 100M" run -w pool-reuse -b glibc --memlimit 64Q -o "$R"
bad "--memlimit '99999999999TiB': too large" run -w pool-reuse -b glibc --memlimit 99999999999TiB -o "$R"
bad "--pacer-model 'go118': expected go122 or go119" run -w pool-reuse -b glibc --pacer-model go118 -o "$R"
HEAPLAB_GOGC=lots bad "HEAPLAB_GOGC 'lots': expected a percentage" run -w pool-reuse -b glibc -o "$R"
HEAPLAB_MEMLIMIT=1.5GiB bad "HEAPLAB_MEMLIMIT '1.5GiB': expected a byte count" run -w pool-reuse -b glibc -o "$R"
bad "'maybe' is not one of none|crash|abort|hang|oom" run -w fault-inject -b glibc -p kind=maybe -o "$R"
bad "out of range" run -w escape-return -b glibc -p ptr_pct=101 -o "$R"
bad "min is larger than max" run -w large-objects -b glibc -p min=8M -p max=1M -o "$R"
# Nothing dangerous by default: a cell that grows until stopped needs a
# limit below the machine's available memory, in any mode. Should heaplab
# ever run them, these commands run with 4 GiB of address space (ulimit -v),
# or under ASan (whose shadow needs terabytes of it) with ASan's 4 GiB RSS
# cap, so they fail instead of taking the machine's memory.
cap='ulimit -v 4194304'
(eval "$cap" && "$HEAPLAB" --version) >/dev/null 2>&1 ||
  cap='export ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}hard_rss_limit_mb=4096"'
printf '#!/bin/sh\n%s && exec "%s" "$@"\n' "$cap" "$HEAPLAB" >"$T/capped"
chmod +x "$T/capped"
capped() { HEAPLAB="$T/capped" bad "$@"; }
capped "leak: it keeps every buffer until total (default 1T) is reached" run -w leak -b glibc -o "$R"
capped "refused without a memory limit: give --limit SIZE below the available memory (MemAvailable " run -w leak -b glibc -o "$R"
capped "refused without a memory limit" oom -w leak -b glibc --find-min-limit -o "$R"
capped "refused: --limit 1000T is not below the available memory (MemAvailable " run -w leak -b glibc --limit 1000T -o "$R"
capped "fault-inject: kind=oom allocates until" run -w fault-inject -b glibc -p kind=none,oom -o "$R"
capped "refused: --limit 1000T is not below" run -w fault-inject -b glibc -p kind=oom --limit 1000T --limit-mode rlimit -o "$R"
capped "refused: --limit 1000T is not below" oom -w fault-inject -b glibc -p kind=oom --limit 1000T -o "$R"
bad "leak: buf is larger than total" run -w leak -b glibc -p buf=8M -p total=4M -o "$R"
bad "spike: base/obj gives fewer objects than threads" run -w spike -b glibc -p base=1K --threads 2 -o "$R"
bad "fragmentation: burst is smaller than the mean object" run -w fragmentation -b glibc -p burst=64 -o "$R"
bad "retention: peak/obj gives fewer objects than threads" run -w retention -b glibc -p peak=4K --threads 2 -o "$R"
bad "'later' is not one of oldest|spread" run -w retention -b glibc -p keep=later -o "$R"
bad "out of range" run -w retention -b glibc -p keep_pct=101 -o "$R"
bad "given twice" run -w steady-service -b glibc -p live=4M -p live=8M -o "$R"
bad "expected KEY=VALUE" run -w steady-service -b glibc -p live -o "$R"
bad "unknown option '--frobnicate'" run --frobnicate
bad "unexpected argument 'extra'" run -w pool-reuse -b glibc extra
bad "cannot write results file" run -w pool-reuse -b glibc -o /nonexistent-dir/r.json
bad "cannot write results file" run -w pool-reuse -b glibc -o "$T"
bad "unknown command 'rnu'" rnu
bad "expected one of: backends, workloads, counters, params" list things
bad "unknown workload 'nope'" list params nope

# compare / plot / show: unreadable or malformed JSON
printf '{"context": {}, "benchmarks": [' >"$T/broken.json"
printf '[1,2,3]\n' >"$T/array.json"
bad "missing.json: cannot read: no such file" compare "$T/missing.json" "$T/broken.json"
bad "broken.json: not valid JSON" compare "$T/broken.json" "$T/array.json"
bad "array.json: not a results file" show "$T/array.json"
bad "broken.json: not valid JSON" plot "$T/broken.json" -o "$T/plots"
bad "expected two results files" compare "$T/array.json"
bad "--threshold 'x'" compare --threshold x "$T/array.json" "$T/array.json"
bad "expected one results file and -o DIR" plot "$T/array.json"
bad "--format 'jpg': expected png or svg" plot "$T/array.json" -o "$T/p" --format jpg

# Help is not an error.
expect_exit 0 "$HEAPLAB" run --help && expect_in "$T/out" "--limit SIZE"
expect_in "$T/out" "--memlimit SIZE|off"
expect_in "$T/out" "--gctrace"
expect_in "$T/out" "--pacer-model go122|go119"
expect_exit 0 "$HEAPLAB" --help && expect_in "$T/out" "Commands:"
expect_exit 0 "$HEAPLAB" compare --help && expect_in "$T/out" "Mann-Whitney"
expect_exit 0 "$HEAPLAB" plot --help && expect_in "$T/out" "gnuplot"
expect_exit 0 "$HEAPLAB" --version && expect_in "$T/out" "heaplab "
expect_exit 2 "$HEAPLAB"
done_checks
