#!/usr/bin/env bash
# Real programs as cells (-x): sort, python3, gcc and a C program with
# known allocations (tests/programs/allocs.c) under every malloc backend,
# measured per repetition for that process tree alone; the preload proved
# in the program; a static build refused; a failing, crashing, hanging or
# limited program classified, with its output captured beside the results.
. "$(dirname "$0")/lib.sh"
: "${PROG_ALLOCS:?}" "${PROG_ALLOCS_STATIC:?}"
cd "$T"

MALLOCS=glibc,jemalloc,mimalloc,tcmalloc,span-malloc
ok_rows='all(r["outcome"] == "ok" for r in rows)'

# sort: the output captured, the figures there, every preload seen mapped
printf 'pear\napple\nfig\n' >in.txt
expect_exit 0 "$HEAPLAB" run -x 'sort in.txt' -b "$MALLOCS" --reps 2 -o sort.json
expect_py "len(rows) == 10 and $ok_rows" sort.json
expect_py 'all(open(r["stdout_path"]).read() == "apple\nfig\npear\n" for r in rows)' sort.json
expect_py 'all(r["wall_ns"] > 0 and r["rss_peak_bytes"] > 0 and r["minor_faults"] > 0 and r["exit_status"] == 0 for r in rows)' sort.json
expect_py 'all(r["preload_verified"] and r["preload_library"].startswith("/") for r in rows)' sort.json
expect_py '[r["preload_library"].rsplit("/", 1)[1].split(".so")[0] for r in rows[::2]] == ["libc", "libjemalloc", "libmimalloc", "libtcmalloc_minimal", "libheaplab-span"]' sort.json
expect_py 'all(r["workload"] == "sort" and r["name"] == "sort/" + r["backend"] for r in rows)' sort.json
expect_py 'all(r["program_path"] == "/usr/bin/sort" and r["program_kind"] == "dynamic" for r in rows)' sort.json
expect_py 'sorted(set(d["context"]["options"]["backends"])) == sorted("'$MALLOCS'".split(","))' sort.json
expect_py 'd["context"]["programs"] == [{"command": "sort in.txt", "name": "sort", "shell": False, "output_dir": "sort.out"}]' sort.json
expect_py 'not any("escape" in r for r in rows)' sort.json

# every reader takes a program's results as it takes a workload's
expect_exit 0 "$HEAPLAB" show sort.json
expect_in "$T/out" "sort/jemalloc"
expect_exit 0 "$HEAPLAB" compare sort.json sort.json
expect_in "$T/out" "sort/span-malloc"
expect_exit 0 "$HEAPLAB" plot sort.json -o sortplot
[[ -s sortplot/rss.png && -s sortplot/time.png ]] || fail "plot of a program's results made no figures"
expect_exit 0 "$HEAPLAB" report sort.json -o sortrep
expect_in sortrep/report.md "sort/mimalloc"

# the C program: 64 MiB live in 4 KiB blocks on every backend: the peak is
# at least that (and not twice it), every page faulted in at least once
expect_exit 0 "$HEAPLAB" run -x "$PROG_ALLOCS live 64" --name allocs -b "$MALLOCS" --reps 1 --warmup 1 -o allocs.json
expect_py "len(rows) == 5 and $ok_rows" allocs.json
expect_py 'all(64 << 20 <= r["rss_peak_bytes"] < 128 << 20 for r in rows)' allocs.json
expect_py 'all(r["rss_hwm_bytes"] == r["rss_peak_bytes"] or r["rss_tree_peak_bytes"] <= r["rss_peak_bytes"] for r in rows)' allocs.json
expect_py 'all(r["minor_faults"] >= (64 << 20) // 4096 for r in rows)' allocs.json
expect_py 'all(open(r["stdout_path"]).read() == "allocated 16384 blocks (0)\n" for r in rows)' allocs.json
expect_py 'all(r["user_cpu_ns"] + r["sys_cpu_ns"] > 0 for r in rows)' allocs.json
expect_py 'all(r["name"].startswith("allocs/") for r in rows)' allocs.json

# --sample-ms: the program tree's RSS as the worker sampled it, and the parent's view
# (the peak held 300 ms: without a hold it lasts a millisecond or two, which a
# 5 ms sampler on a loaded machine misses)
expect_exit 0 "$HEAPLAB" run -x "$PROG_ALLOCS live 64 300" --name allocs -b glibc --sample-ms 5 --reps 1 -o sampled.json
expect_py 'len(rows[0]["samples"]) > 3 and max(s["rss_bytes"] for s in rows[0]["samples"]) >= 64 << 20' sampled.json
expect_py 'len(rows[0]["rss_timeline"]["rss_bytes"]) > 3' sampled.json

# the static build cannot take a preload: error, with the reason
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS_STATIC live 1" -b glibc,jemalloc --reps 1 -o static.json
expect_py 'all(r["outcome"] == "error" and "statically linked" in r["error_message"] for r in rows)' static.json
expect_py 'not any("wall_ns" in r for r in rows)' static.json

# python3 (a tree of one) and gcc (a driver and its compiler): the tree's peak
expect_exit 0 "$HEAPLAB" run -x "python3 -c 'x = [bytes(1000) for _ in range(100000)]'" -b glibc,jemalloc,mimalloc --reps 1 -o py.json
expect_py "len(rows) == 3 and $ok_rows and all(r['rss_peak_bytes'] > 100 << 20 for r in rows)" py.json
printf 'int main(void) { return 0; }\n' >t.c
expect_exit 0 "$HEAPLAB" run -x "gcc -O2 -c t.c -o t.o" -b glibc,jemalloc --reps 1 -o gcc.json
expect_py "$ok_rows and all(r['rss_tree_peak_bytes'] > 0 for r in rows)" gcc.json

# a user's own library: so:PATH, verified the same way, for -x and workloads
JE=$(python3 -c 'import ctypes.util, sys; print(ctypes.util.find_library("jemalloc") or "")')
JE=/usr/lib/x86_64-linux-gnu/$JE
expect_exit 0 "$HEAPLAB" run -x 'sort in.txt' -b "so:$JE:name=myje" --reps 1 -o so.json
expect_py "rows[0]['name'] == 'sort/myje' and rows[0]['preload_verified'] and rows[0]['preload_library'] == '$(readlink -f "$JE")'" so.json
expect_py "'jemalloc' in rows[0]['backend_version']" so.json
expect_exit 0 "$HEAPLAB" run -w escape-return --quick -b "so:$JE" --reps 1 -o sow.json
expect_py "rows[0]['backend'] == 'so-jemalloc' and rows[0]['outcome'] == 'ok'" sow.json
expect_py "d['context']['backends']['so-jemalloc']['library_path'] == '$(readlink -f "$JE")'" sow.json
expect_exit 0 "$HEAPLAB" list backends "so:$JE"
expect_in "$T/out" "$(readlink -f "$JE")"
expect_in "$T/out" "jemalloc 5"
# a library that is not a malloc: the probe says malloc is not served by it
LIBM=/usr/lib/x86_64-linux-gnu/libm.so.6
expect_exit 2 "$HEAPLAB" run -x 'sort in.txt' -b "so:$LIBM" --reps 1
expect_in "$T/err" "malloc is served by"

# failures: the tails in the row, the files beside the results, heaplab fine
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS fail" --name fail -b glibc --reps 1 -o fail.json
expect_py 'rows[0]["outcome"] == "error" and rows[0]["exit_status"] == 3 and "status 3" in rows[0]["error_message"]' fail.json
expect_py '"something went wrong" in rows[0]["stderr_tail"] and "something went wrong" in rows[0]["stdout_tail"]' fail.json
expect_py 'open(rows[0]["stderr_path"]).read() == "allocs: something went wrong\n"' fail.json
[[ -d fail.out ]] || fail "no fail.out directory beside fail.json"
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS crash" --name crash -b glibc --reps 1 -o crash.json
expect_py 'rows[0]["outcome"] == "crash" and rows[0]["signal"] == "SEGV"' crash.json
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS hang" --name hang -b glibc --reps 1 --timeout 1 -o hang.json
expect_py 'rows[0]["outcome"] == "timeout"' hang.json
expect_exit 1 "$HEAPLAB" run -x 'kill -SEGV $$' --shell --name selfkill -b glibc --reps 1 -o shell.json
expect_py 'rows[0]["outcome"] == "crash" and rows[0]["shell"]' shell.json
# under a limit: the watchdog kills the tree (oom-kill); RLIMIT_DATA makes
# malloc fail in the program, which says so (oom-alloc)
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS grow" --name grow -b glibc,jemalloc --limit 64M --reps 1 -o wd.json
expect_py 'all(r["outcome"] == "oom-kill" and r["limit_bytes"] == 64 << 20 for r in rows)' wd.json
expect_exit 1 "$HEAPLAB" run -x "$PROG_ALLOCS grow" --name grow -b glibc,jemalloc --limit 64M --limit-mode rlimit --reps 1 -o rl.json
expect_py 'all(r["outcome"] == "oom-alloc" and "out of memory" in r["stderr_tail"] for r in rows)' rl.json

# oom: the smallest limit at which the program survives, and its report
expect_exit 0 "$HEAPLAB" oom -x "$PROG_ALLOCS live 32" --name live32 -b glibc --find-min-limit --runs 1 -o oom.json
expect_py 'd["oom"]["cells"][0]["min_limit_bytes"] > 32 << 20 and d["oom"]["cells"][0]["min_limit_bytes"] < 64 << 20' oom.json
expect_exit 0 "$HEAPLAB" oom-report oom.json -o oomrep
expect_in oomrep/oom-report.md "live32/glibc"

# gate: a program on both sides; two builds of it (--base-x, --new-x)
expect_exit 0 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" -x "$PROG_ALLOCS live 16" --name allocs -b glibc --rounds 3 --mem-threshold 20
expect_in "$T/out" "allocs/glibc"
expect_in "$T/out" "gate: PASS"
expect_exit 1 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" --base-x "$PROG_ALLOCS live 16" --new-x "$PROG_ALLOCS live 48" -b glibc --rounds 3
expect_in "$T/out" "REGRESSION: rss_peak_bytes"
expect_exit 2 "$HEAPLAB" gate --base "$HEAPLAB" --new "$HEAPLAB" --base-x 'sort in.txt' -b glibc

# gate: the same program against two backends (this heaplab on both sides);
# the thresholds fixed wide so that the verdict's structure is what is
# checked here, not this machine's timings
wide=(--threshold 1000 --mem-threshold 1000 --rounds 3)
mkdir gbruns
expect_exit 0 "$HEAPLAB" gate -x 'sort in.txt' --base-backend glibc --new-backend span-malloc "${wide[@]}" --json gb.json --save-runs gbruns
expect_in "$T/out" "base: backend glibc, new: backend span-malloc"
expect_py '[b["name"] for b in d["benchmarks"]] == ["sort"] and d["benchmarks"][0]["verdict"] in ("same", "faster")' gb.json
expect_py 'd["base"]["backend"] == "glibc" and d["new"]["backend"] == "span-malloc" and d["base"]["kind"] == "binary"' gb.json
expect_py 'd["benchmarks"][0]["base_reps"] == d["benchmarks"][0]["new_reps"] >= 3 and d["counts"]["compared"] == 1' gb.json
expect_py '{r["backend"] for r in rows} == {"glibc"} and all(r["preload_verified"] for r in rows)' gbruns/base.json
expect_py '{r["backend"] for r in rows} == {"span-malloc"} and all(r["name"] == "sort/span-malloc" for r in rows)' gbruns/new.json
# heaplab's own workloads the same way (their counts must agree across
# backends), and the rows of two backends in one results file
expect_exit 0 "$HEAPLAB" gate -w escape-return --quick --base-backend glibc --new-backend span "${wide[@]}" --json gw.json
expect_py '[b["name"] for b in d["benchmarks"]] == ["escape-return/calls=200000"] and d["benchmarks"][0]["metrics"]["allocs"]["verdict"] == "equal"' gw.json
expect_exit 0 "$HEAPLAB" run -w escape-return --quick -b glibc,span --reps 3 -o gwboth.json
expect_exit 0 "$HEAPLAB" gate --base gwboth.json --new gwboth.json --base-backend glibc --new-backend span "${wide[@]}" --json gf.json
expect_py '[b["name"] for b in d["benchmarks"]] == ["escape-return/calls=200000"] and d["base"]["kind"] == "results"' gf.json
expect_exit 2 "$HEAPLAB" gate --base gwboth.json --new gwboth.json --base-backend glibc --new-backend mimalloc
expect_in "$T/err" "has no rows of backend mimalloc"
expect_exit 2 "$HEAPLAB" gate -x 'sort in.txt' --base-backend glibc
expect_in "$T/err" "go together"
expect_exit 2 "$HEAPLAB" gate -x 'sort in.txt' --base-backend glibc --new-backend span-malloc -b glibc
expect_in "$T/err" "replace -b"
expect_exit 2 "$HEAPLAB" gate -x 'sort in.txt' --base-backend glibc,jemalloc --new-backend span-malloc
expect_in "$T/err" "one backend a side"
expect_exit 2 "$HEAPLAB" gate -x 'sort in.txt' --base-backend glibc --new-backend no-such
expect_in "$T/err" "unknown backend"

# --memlimit-ratio needs a hard limit in run
expect_exit 2 "$HEAPLAB" run -x 'sort in.txt' -b glibc --memlimit-ratio 0.9
expect_in "$T/err" "needs --limit"

# bad input: exit 2 before anything runs
expect_exit 2 "$HEAPLAB" run -x 'no-such-program-here' -b glibc
expect_in "$T/err" "not found"
expect_exit 2 "$HEAPLAB" run -x "sort 'in.txt" -b glibc
expect_in "$T/err" "unterminated quote"
expect_exit 2 "$HEAPLAB" run -x 'sort in.txt' -w escape-return
expect_exit 2 "$HEAPLAB" run -x 'sort in.txt' -b span-gc
expect_in "$T/err" "cannot run a program"
# go runs a workload only through its Go twin: one without a twin is refused
expect_exit 2 "$HEAPLAB" run -w leak -b go --quick
expect_in "$T/err" "no Go twin"
expect_exit 2 "$HEAPLAB" run -x 'sort in.txt' -x 'sort in.txt' -b glibc
expect_in "$T/err" "listed twice"

done_checks
