#!/usr/bin/env python3
"""Summarises ci/gc-bench's results: one row per setting and collector.

Reads heaplab results files (the ones ci/gc-bench writes) and prints a
Markdown table: peak RSS (median and range over repetitions), collections,
GC CPU share, CPU and wall time per run, and, from the per-cycle timeline,
the heap at each collection against that cycle's goal (the pacer's goal:
marked + (marked + roots) x GOGC/100, or the memory limit's): at the largest
heap of any cycle, and the range over the second half of each run's cycles.
Medians over repetitions, with the range in parentheses. A second table,
for collectors whose cycles carry stop-the-world windows (span-gc): p50,
p99 and max of the sweep-termination and mark-termination windows over all
cycles of all repetitions (with the part spent waiting for threads to
stop, and the stopping thread's CPU time in the window: its work without
the time it was preempted), and the write barrier's calls per pointer store and the share of
the pointers it looked at that were skipped as already marked.

usage: gc-table.py LABEL=FILE.json ...  (the label may contain "=")
"""
import json
import statistics
import sys

MIB = 1 << 20


def med_range(values, scale=1.0, fmt="{:.0f}"):
    if not values:
        return "-"
    v = sorted(x / scale for x in values)
    return (fmt + " ({}-{})").format(statistics.median(v), fmt.format(v[0]), fmt.format(v[-1]))


def cycles_summary(entries):
    """The largest heap any heap-triggered cycle started at, that cycle's
    heap/goal, and heap/goal over the steady cycles (the second half of each
    run's cycles: the first ones grow with the live set during setup)."""
    peak, peak_ratio, steady = 0, None, []
    for e in entries:
        cycles = [c for c in e.get("gc_cycles", [])
                  if not c.get("forced") and c.get("heap_goal_bytes")]
        for i, c in enumerate(cycles):
            ratio = c["heap_end_bytes"] / c["heap_goal_bytes"]
            if c["heap_end_bytes"] > peak:
                peak, peak_ratio = c["heap_end_bytes"], ratio
            if i >= len(cycles) // 2:
                steady.append(ratio)
    return peak, peak_ratio, steady


def by_backend(path):
    """The file's completed iteration rows, grouped by backend, in order."""
    groups = {}
    for e in json.load(open(path))["benchmarks"]:
        if e.get("run_type") == "iteration" and e.get("outcome") == "ok":
            groups.setdefault(e["backend"], []).append(e)
    return groups.items()


def rows(setting, path):
    for backend, entries in by_backend(path):
        rss = [e["rss_peak_bytes"] for e in entries if "rss_peak_bytes" in e]
        gcs = [e.get("num_gc", 0) for e in entries]
        frac = [100 * e.get("gc_cpu_fraction", 0) for e in entries]
        cpu = [e["cpu_time"] * e["iterations"] / 1e9 for e in entries]
        wall = [e["real_time"] * e["iterations"] / 1e9 for e in entries]
        peak, peak_ratio, steady = cycles_summary(entries)
        if steady:
            heap = "{:.1f} ({:.3f} of its goal)".format(peak / MIB, peak_ratio)
            ratio = "{:.3f}-{:.3f}".format(min(steady), max(steady))
        else:
            heap = "{:.0f}".format(max(e.get("heap_peak_bytes", 0) for e in entries) / MIB)
            ratio = "-"
        yield "| {} | {} | {} | {} | {} | {} | {} | {} | {} | {} |".format(
            setting, backend, len(entries), med_range(rss, MIB), med_range(gcs),
            med_range(frac, 1.0, "{:.1f}"), med_range(cpu, 1.0, "{:.2f}"),
            med_range(wall, 1.0, "{:.2f}"), heap, ratio)


def quantiles_us(values):
    if not values:
        return "-"
    v = sorted(values)
    at = lambda q: v[min(len(v) - 1, int(q * len(v)))]
    return "{:.0f} / {:.0f} / {:.0f}".format(at(0.5) / 1e3, at(0.99) / 1e3, v[-1] / 1e3)


def pause_rows(setting, path):
    for backend, entries in by_backend(path):
        cycles = [c for e in entries for c in e.get("gc_cycles", []) if "stw_ns" in c]
        if not cycles:
            continue
        win = [quantiles_us([c["stw_ns"][k] for c in cycles]) for k in (0, 1)]
        wait = [quantiles_us([c.get("stw_wait_ns", [0, 0])[k] for c in cycles]) for k in (0, 1)]
        cpu = [quantiles_us([c.get("stw_cpu_ns", [0, 0])[k] for c in cycles]) for k in (0, 1)]
        calls = sum(c.get("barrier_calls", 0) for c in cycles)
        looked = sum(c.get("barrier_buffered", 0) + c.get("barrier_skipped", 0) for c in cycles)
        skipped = sum(c.get("barrier_skipped", 0) for c in cycles)
        # steady-service makes one pointer store per iteration (a root slot)
        stores = sum(e["iterations"] for e in entries)
        yield "| {} | {} | {} | {} | {} | {} | {} | {} | {:.4f} | {} |".format(
            setting, backend, win[0], wait[0], cpu[0], win[1], wait[1], cpu[1],
            calls / stores if stores else 0,
            "{:.1f}%".format(100 * skipped / looked) if looked else "-")


def table(header, row_fn, args):
    print(header)
    print("|---" * (header.count("|") - 1) + "|")
    for arg in args:
        setting, path = arg.rsplit("=", 1)
        for row in row_fn(setting, path):
            print(row)


def main(argv):
    if len(argv) < 2 or any("=" not in a for a in argv[1:]):
        sys.exit(__doc__)
    table("| setting | backend | reps | peak RSS MiB | GCs | GC CPU % | CPU s | wall s |"
          " peak heap MiB | heap/goal, steady cycles |", rows, argv[1:])
    print()
    table("| setting | backend | sweep term. us p50 / p99 / max | of it stopping | its CPU |"
          " mark term. us p50 / p99 / max | of it stopping | its CPU | barrier calls per store |"
          " skipped as marked |", pause_rows, argv[1:])


if __name__ == "__main__":
    main(sys.argv)
