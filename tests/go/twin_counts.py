#!/usr/bin/env python3
"""Allocation counts of the C workloads against their Go twins: each case
runs once as `heaplab run -b span --escape on` and once as
`heaplab run -b go` (the workload's twin under real Go, planned by heaplab
with the same parameters, threads and seed; --gogc off, so no collection
adds the runtime's own objects; no heap sampler), and compares

  - objects: heaplab's `allocs` with Go's /gc/heap/allocs:objects plus
    /gc/heap/tiny/allocs:objects (Go counts a tiny block once, the objects
    packed into it after the first apart), setup and timed loop together;
  - per size class: span's `heap_classes` with Go's
    /gc/heap/allocs-by-size:bytes, class by class (bytes after size-class
    rounding: span uses Go's classes and packs tiny objects as Go does), and
    the number of large objects (whole 8 KiB pages on both sides);
  - bytes: Go's /gc/heap/allocs:bytes (a counter apart from the classes')
    with heaplab's objects rounded to Go's size classes (span's classes
    times their sizes, a tiny block as 16): heaplab's `alloc_bytes` is what
    was asked for, so where a case has large objects, whose bytes on Go are
    whole pages, the bytes are compared only when heaplab asked for whole
    pages (`alloc_bytes` equal), and otherwise said not comparable;

each minus what the twins' machinery alone costs Go (the twin `empty`,
which does nothing, run directly: it is no heaplab workload). It first
checks that every twin declares its C workload's parameters with the same
defaults (`heaplab list params`) and that `heaplab list backends` names
every twin as one backend go runs.

    twin_counts.py HEAPLAB TWINS

Exit 0 all equal, 1 a difference (named, with both numbers), 77 the twins
were not built (no go tool), 99 the check could not run. Where the C model
differs from Go on purpose, the case carries the reason: it is run, its
differences are printed with the reason, and they do not fail the test. A
case may also allow Go a few objects of one size class that its runtime
makes for itself (allowance: class bytes -> at most that many more), said
when used.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP, HARNESS = 77, 99

# (workload, parameters, threads): every site of every twin is reached.
CASES = [
    ("escape-return", ["calls=100000"], 1),
    ("escape-return", ["calls=100000", "obj=40", "ptr_pct=30"], 2),
    ("closure-capture", ["calls=100000"], 1),
    ("closure-capture", ["calls=100000", "captured=8"], 2),
    ("interface-boxing", ["calls=70000"], 1),
    ("interface-boxing", ["calls=70000", "struct_bytes=1024", "escape_pct=90"], 2),
    ("slice-growth", ["ops=200"], 1),
    ("slice-growth", ["ops=200", "prealloc=1", "len=300"], 1),
    ("slice-growth", ["ops=100", "prealloc=const", "len=5000", "elem=24"], 2),
    ("string-build", ["ops=2000"], 1),
    ("string-build", ["ops=2000", "method=builder", "piece=3000", "pieces=30"], 1),
    ("string-build", ["ops=2000", "method=bytes"], 2),
    ("string-build", ["ops=2000", "method=bytes", "pieces=3"], 1),
    ("struct-layout", ["objects=20000"], 1),
    ("struct-layout", ["objects=20000", "layout=packed"], 2),
    ("pool-reuse", ["ops=20000"], 1),
    ("pool-reuse", ["ops=20000", "pool=0", "garbage=100"], 1),
    ("pool-reuse", ["ops=20000", "garbage=4K", "fanout=16", "fanout_every=100"], 2,
     "sync.Pool's shared queue allocates as it fills (poolChain: a 48-byte link and a ring "
     "of 8, then 16 interfaces, per P); heaplab's pool keeps its stack in roots"),
    ("producer-consumer", ["objects=20000"], 1),
    ("producer-consumer", ["objects=20000", "obj=3000"], 2, None,
     # Parked on a channel, a goroutine takes a wait-queue entry (sudog) from
     # its P's cache; the twin fills the runtime's central list first
     # (warmWaitQueues), which made 30 runs of 30 clean here, but a P can
     # still come up empty: the runtime's own object, not the workload's.
     {96: 2}),
    ("sizeclass-sweep", ["step=64", "passes=1"], 1),
    ("large-objects", ["ops=200"], 1),
    ("steady-service", ["live=1M", "churn=4M"], 1),
    ("steady-service", ["live=1M", "churn=4M", "ptrs=0", "obj=100"], 2),
]


UNITS = {"": 1, "B": 1, "K": 1 << 10, "k": 1 << 10, "KiB": 1 << 10, "M": 1 << 20, "m": 1 << 20,
         "MiB": 1 << 20, "G": 1 << 30, "g": 1 << 30, "GiB": 1 << 30, "T": 1 << 40, "t": 1 << 40,
         "TiB": 1 << 40, "KB": 1000, "MB": 10**6, "GB": 10**9, "TB": 10**12}


def die(code, text):
    print(("SKIP: " if code == SKIP else "ERROR: ") + text)
    sys.exit(code)


def value(text):
    m = re.fullmatch(r"(\d+)([A-Za-z]*)", text)
    return int(m.group(1)) * UNITS[m.group(2)] if m and m.group(2) in UNITS else text


def check_params(heaplab, twins, workloads):
    failures = []
    for w in workloads:
        out = subprocess.run([heaplab, "list", "params", w], capture_output=True, text=True).stdout
        c = {}
        for line in out.splitlines()[1:]:
            f = line.split()
            if len(f) >= 6 and f[2] == "default" and f[4] == "--quick":
                c[f[0]] = (value(f[3]), value(f[5]))
        r = subprocess.run([twins, "-list-params", w], capture_output=True, text=True)
        g = {f[0]: (value(f[1]), value(f[2])) for f in (l.split() for l in r.stdout.splitlines())}
        if c != g:
            failures.append("%s: parameters differ: heaplab %s, twin %s" % (w, c, g))
    return failures


def row_of(heaplab, w, backend, params, threads, tmp, extra):
    out = os.path.join(tmp, "%s.json" % backend)
    cmd = [heaplab, "run", "-w", w, "-b", backend, "--reps", "1", "--threads", str(threads),
           "--seed", "1", "-o", out] + extra
    for p in params:
        cmd += ["-p", p]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        die(HARNESS, "%s: heaplab run -b %s failed: %s" % (w, backend, r.stderr.strip()[-400:]))
    return [b for b in json.load(open(out))["benchmarks"] if b.get("run_type") == "iteration"][0]


def counts(row):
    classes = {c["object_bytes"]: c["mallocs"] for c in row.get("heap_classes", []) if c["mallocs"]}
    return row["allocs"], row["alloc_bytes"], classes


def c_counts(heaplab, w, params, threads, tmp):
    return counts(row_of(heaplab, w, "span", params, threads, tmp,
                         ["--escape", "on", "--counters", "none"]))


def go_counts(heaplab, w, params, threads, tmp):
    row = row_of(heaplab, w, "go", params, threads, tmp, ["--gogc", "off"])
    if row.get("twin", {}).get("gogc") != "off" or row.get("twin", {}).get("threads") != threads:
        die(HARNESS, "%s: the twin did not run as asked (GOGC off, %d threads): %s" %
            (w, threads, row.get("twin", row.get("twin_error"))))
    return counts(row)


def twin_counts(twins, w, params, threads):
    """A twin run directly (the baseline `empty`, no heaplab workload)."""
    cmd = [twins, "-w", w, "-threads", str(threads), "-seed", "1", "-sample-ms", "0"]
    for p in params:
        cmd += ["-p", p]
    env = dict(os.environ, GOGC="off")
    r = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if r.returncode != 0:
        die(HARNESS, "%s: twin failed: %s" % (w, r.stderr.strip()[-400:]))
    d = json.loads(r.stdout)
    objects = d["setup"]["objects"] + d["timed"]["objects"]
    nbytes = d["setup"]["allocs_bytes"] + d["timed"]["allocs_bytes"]
    classes = {}
    for phase in ("setup", "timed"):
        for c in d[phase]["allocs_by_class"]:
            classes[c["object_bytes"]] = classes.get(c["object_bytes"], 0) + c["mallocs"]
    return objects, nbytes, classes


def check_listed(heaplab, listed):
    """`heaplab list backends` names the twins backend go runs."""
    out = subprocess.run([heaplab, "list", "backends"], capture_output=True, text=True).stdout
    m = re.search(r"^\s+twins: (.*)$", out, re.M)
    named = m.group(1).split(", ") if m else []
    want = [w for w in listed if w != "empty"]
    if sorted(named) != sorted(want):
        return ["list backends: go runs the twins %s, the twins binary has %s" % (named, want)]
    return []


def minus(a, b):
    return {k: a.get(k, 0) - b.get(k, 0) for k in set(a) | set(b) if a.get(k, 0) - b.get(k, 0)}


def class_text(k):
    return "large" if k == 0 else "%d-byte class" % k


def main(argv):
    if len(argv) != 3:
        die(HARNESS, "usage: twin_counts.py HEAPLAB TWINS")
    heaplab, twins = argv[1:]
    if not twins or not os.access(twins, os.X_OK):
        die(SKIP, "the Go twins were not built (no go tool: Debian golang-go, which ci/deps "
            "installs), so there is no real Go to count against")
    listed = subprocess.run([twins, "-list"], capture_output=True, text=True).stdout.split()
    failures = check_params(heaplab, twins, [w for w in listed if w != "empty"])
    failures += check_listed(heaplab, listed)
    # a workload without a twin is refused by the plan, before anything runs
    r = subprocess.run([heaplab, "run", "-w", "leak", "-b", "go", "--quick"], capture_output=True,
                       text=True)
    if r.returncode != 2 or "has no Go twin" not in r.stderr:
        failures.append("run -w leak -b go: exit %d, %r (expected 2, no Go twin)" %
                        (r.returncode, r.stderr.strip()))
    base_objects, base_bytes, base_classes = twin_counts(twins, "empty", ["ops=1000"], 1)
    print("the twins' own machinery: %d objects, %d bytes %s" %
          (base_objects, base_bytes, base_classes))
    with tempfile.TemporaryDirectory(prefix="heaplab-twins.") as tmp:
        for case in CASES:
            w, params, threads = case[:3]
            why = case[3] if len(case) > 3 else None
            allow = case[4] if len(case) > 4 else {}
            name = "%s %s threads=%d" % (w, " ".join(params), threads)
            c_obj, c_bytes, c_cls = c_counts(heaplab, w, params, threads, tmp)
            g_obj, g_bytes, g_cls = go_counts(heaplab, w, params, threads, tmp)
            g_obj -= base_objects
            g_bytes -= base_bytes
            g_cls = minus(g_cls, base_classes)
            allowed = []
            for k, most in allow.items():
                extra = g_cls.get(k, 0) - c_cls.get(k, 0)
                if 0 < extra <= most:
                    allowed.append("%d more in Go's %s" % (extra, class_text(k)))
                    g_cls[k] -= extra
                    g_obj -= extra
                    g_bytes -= extra * k
            bad = []
            if c_obj != g_obj:
                bad.append("objects: heaplab %d, Go %d" % (c_obj, g_obj))
            rounded = sum(k * n for k, n in c_cls.items())
            if c_cls.get(0) and c_bytes != g_bytes:
                allowed.append("bytes not compared: large objects, and heaplab's row holds the "
                               "bytes asked for, not the pages Go gave")
            elif not c_cls.get(0) and rounded != g_bytes:
                bad.append("bytes in size classes: heaplab %d, Go %d" % (rounded, g_bytes))
            for k in sorted(set(c_cls) | set(g_cls)):
                if c_cls.get(k, 0) != g_cls.get(k, 0):
                    bad.append("%s: heaplab %d, Go %d" % (class_text(k), c_cls.get(k, 0),
                                                          g_cls.get(k, 0)))
            if bad and why:
                print("diff %s: %s (expected: %s)" % (name, "; ".join(bad), why))
            elif bad:
                failures.append("%s: %s" % (name, "; ".join(bad)))
            else:
                print("ok   %-60s %8d objects, %d bytes, %d classes, %d large%s" %
                      (name, c_obj, c_bytes, len(c_cls), c_cls.get(0, 0),
                       " (allowed: %s)" % ", ".join(allowed) if allowed else ""))
    for f in failures:
        print("FAIL: " + f)
    print("%d cases, %d differences" % (len(CASES), len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
