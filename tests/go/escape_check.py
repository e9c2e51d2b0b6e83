#!/usr/bin/env python3
"""The site tables against the Go compiler: every allocation site of a C
workload that has a Go twin (workloads/go) names its line in the twin with
a `// site: NAME` comment; this builds the twins with
`go build -gcflags=-m=1` and fails when a site's `escapes` disagrees with
what Go 1.19 decided at that line, naming the site, the line and both
answers.

    escape_check.py HEAPLAB GO TWINS_SRC BUILD_PY [CACHE_DIR]

A site comment takes one of three forms (several on a line, `;` between):

    // site: NAME               the expression on this line: the compiler's
                                report there must say "escapes to heap" /
                                "leaking param" (heap) or "does not escape"
                                (stack), and not both
    // site: NAME (var X)       the variable X declared here: "moved to heap:
                                X" means heap; no such report, the stack
    // site: NAME (runtime: WHY) allocated by the runtime whatever escape
                                analysis said (growslice, a result too long
                                for the 32-byte stack buffer, reflect.New):
                                the heap; WHY says which

A function holding a site must not be inlined anywhere (its copy at the
call site would be decided there): the check fails on "inlining call to F".
Exit 0 pass, 1 a disagreement, 77 skipped (no go, or not Go 1.19, whose
decisions the site tables model), 99 the check itself could not run. After
a pass it also proves it can fail: the same comparison on a site table with
one decision flipped must report exactly that site.
"""
import json
import os
import re
import subprocess
import sys
import tempfile

SKIP, HARNESS = 77, 99
# Small values for every workload's parameters: the sites, not the counts,
# are wanted (heaplab applies a key to every workload that has it).
TINY = ["calls=100", "ops=10", "objects=100", "live=64K", "churn=128K", "passes=1", "step=4096",
        "len=10"]

MSG = re.compile(r"^(?:\./)?([\w./-]+\.go):(\d+):(\d+): (.*)$")
SITE = re.compile(r"site:\s*(\w+)(?:\s*\((var\s+(\w+)|runtime(?::\s*([^)]*))?)\))?")
FUNC = re.compile(r"^func\s+(?:\([^)]*\)\s*)?(\w+)")
INLINED = "inlining call to "


def inlined_name(msg):
    """The function an "inlining call to ..." message names, without its
    package, receiver and type arguments: "callTwice.func1" -> func1."""
    text = msg[len(INLINED):]
    while True:
        shorter = re.sub(r"\[[^\[\]]*\]", "", text)
        if shorter == text:
            break
        text = shorter
    return text.split(".")[-1].strip("()*")


def die(code, text):
    print(("SKIP: " if code == SKIP else "ERROR: ") + text)
    sys.exit(code)


def c_sites(heaplab, workloads, tmp):
    """{workload: {site: (escapes, reason)}} from a tiny heaplab run."""
    out = os.path.join(tmp, "sites.json")
    cmd = [heaplab, "run", "-w", ",".join(workloads), "-b", "glibc", "--reps", "1",
           "--counters", "none", "-o", out]
    for p in TINY:
        cmd += ["-p", p]
    r = subprocess.run(cmd, capture_output=True, text=True)
    if r.returncode != 0:
        die(HARNESS, "heaplab run for the site tables failed: " + r.stderr.strip()[-500:])
    rows = [b for b in json.load(open(out))["benchmarks"] if b.get("run_type") == "iteration"]
    return {r["workload"]: {s["name"]: (bool(s["escapes"]), s["reason"]) for s in r["sites"]}
            for r in rows}


def twin_sites(src, workloads):
    """{workload: [(site, form, var, file, line, enclosing func)]} from the comments."""
    found = {}
    for w in workloads:
        path = os.path.join(src, w.replace("-", "_") + ".go")
        if not os.path.exists(path):
            continue
        func = None
        for n, text in enumerate(open(path), 1):
            m = FUNC.match(text)
            if m:
                func = m.group(1)
            code, sep, comment = text.partition("//")
            if not sep or "site:" not in comment:
                continue
            for part in comment.split(";"):
                m = SITE.search(part)
                if not m:
                    continue
                kind = m.group(2) or ""
                form = "runtime" if kind.startswith("runtime") else "var" if m.group(3) else "expr"
                found.setdefault(w, []).append((m.group(1), form, m.group(3) or m.group(4),
                                                os.path.basename(path), n, func, code))
    return found


def compiler_report(go, src, build_py, tmp, cache):
    """{(file, line): [messages]} and the names of inlined functions."""
    r = subprocess.run([sys.executable, build_py, go, src, os.path.join(tmp, "twins"),
                        cache or os.path.join(tmp, "cache"), "-gcflags=-m=1"],
                       capture_output=True, text=True)
    if r.returncode != 0:
        die(HARNESS, "go build -gcflags=-m=1 failed: " + r.stderr.strip()[-800:])
    at, inlined = {}, {}
    for line in r.stderr.splitlines():
        m = MSG.match(line)
        if not m:
            continue
        key = (os.path.basename(m.group(1)), int(m.group(2)))
        at.setdefault(key, []).append(m.group(4))
        if m.group(4).startswith(INLINED):
            inlined.setdefault(inlined_name(m.group(4)), "%s:%s" % key)
    return at, inlined


def go_decision(site, at, inlined):
    """(escapes or None, evidence) for one site comment."""
    name, form, var, fname, line, func, code = site  # var: the variable, or the runtime's why
    if func in inlined:
        return None, "its function %s is inlined at %s (mark it //go:noinline)" % (func,
                                                                                   inlined[func])
    msgs = sorted(set(at.get((fname, line), [])))
    if form == "runtime":
        return True, "the runtime allocates: " + (var or "(no reason given)")
    if form == "var":
        if not re.search(r"\b%s\b" % re.escape(var), code):
            return None, "the line does not mention %s" % var
        moved = "moved to heap: %s" % var
        return (True, moved) if moved in msgs else (False, "no 'moved to heap: %s'" % var)
    heap = [m for m in msgs if "escapes to heap" in m or m.startswith("moved to heap")
            or m.startswith("leaking param")]
    stack = [m for m in msgs if m.endswith("does not escape")]
    if heap and stack:
        return None, "both answers at the line: %s" % "; ".join(heap[:2] + stack[:2])
    if heap:
        return True, heap[0]
    if stack:
        return False, stack[0]
    return None, "no escape decision reported at the line"


def answer(e):
    return "heap (escapes)" if e else "stack (does not escape)"


def compare(tables, twins, at, inlined, quiet=False):
    """Failure lines; prints one line per site unless quiet."""
    failures = []
    for w in sorted(tables):
        if w not in twins:
            continue
        named = {s[0] for s in twins[w]}
        for site in sorted(set(tables[w]) - named):
            failures.append("%s: site %s has no `// site: %s` line in its twin" % (w, site, site))
        for s in twins[w]:
            name, fname, line = s[0], s[3], s[4]
            where = "%s:%d" % (fname, line)
            if name not in tables[w]:
                failures.append("%s: %s names site %s, which heaplab's table lacks" %
                                (w, where, name))
                continue
            c_escapes, reason = tables[w][name]
            go, why = go_decision(s, at, inlined)
            if go is None:
                failures.append("%s: site %s at %s: %s" % (w, name, where, why))
            elif go != c_escapes:
                failures.append("%s: site %s at %s: heaplab says %s (%s); Go says %s (%s)" %
                                (w, name, where, answer(c_escapes), reason, answer(go), why))
            elif not quiet:
                print("ok   %-18s %-16s %-24s %-5s %s" % (w, name, where,
                                                         "heap" if go else "stack", why))
    return failures


def main(argv):
    if len(argv) not in (5, 6):
        die(HARNESS, "usage: escape_check.py HEAPLAB GO TWINS_SRC BUILD_PY [CACHE_DIR]")
    heaplab, go, src, build_py = argv[1:5]
    cache = argv[5] if len(argv) == 6 else None
    if not go or not os.access(go, os.X_OK):
        die(SKIP, "go is not installed (Debian golang-go; ci/deps installs it), so the site "
            "tables cannot be checked against the Go compiler")
    version = subprocess.run([go, "version"], capture_output=True, text=True).stdout.strip()
    if not re.search(r"\bgo1\.19(\.|\s|$)", version):
        die(SKIP, "the site tables model Go 1.19's escape analysis; this is '%s'" % version)
    print("compiler:", version)
    with tempfile.TemporaryDirectory(prefix="heaplab-escape.") as tmp:
        names = sorted(f[:-3].replace("_", "-") for f in os.listdir(src)
                       if f.endswith(".go") and not f.endswith("_test.go"))
        listed = subprocess.run([heaplab, "list", "workloads"], capture_output=True, text=True)
        workloads = [l.split()[0] for l in listed.stdout.splitlines() if l.strip()]
        workloads = [w for w in workloads if w in names]
        if not workloads:
            die(HARNESS, "no workload has a twin in %s" % src)
        tables = c_sites(heaplab, workloads, tmp)
        twins = twin_sites(src, workloads)
        at, inlined = compiler_report(go, src, build_py, tmp, cache)
    failures = compare(tables, twins, at, inlined)
    for f in failures:
        print("FAIL: " + f)
    checked = sum(len(v) for v in twins.values())
    print("%d site lines of %d workloads checked, %d disagreements" % (checked, len(twins),
                                                                     len(failures)))
    if failures:
        return 1
    # The check must be able to fail: flip one decision and expect exactly it.
    w = sorted(twins)[0]
    site = twins[w][0][0]
    flipped = {k: dict(v) for k, v in tables.items()}
    e, reason = flipped[w][site]
    flipped[w][site] = (not e, reason)
    caught = compare(flipped, twins, at, inlined, quiet=True)
    if not caught or not all(("site %s " % site) in c for c in caught):
        print("ERROR: a flipped decision (%s %s) was not reported: %s" % (w, site, caught))
        return HARNESS
    print("negative control: flipping %s/%s is reported: %s" % (w, site, caught[0]))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
