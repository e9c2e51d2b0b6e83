#!/usr/bin/env python3
"""The house rules of harness/, checked so that they stay true.

- no file in harness/ over MAX_FILE_LINES lines;
- no function in harness/'s C and C++ over MAX_FUNCTION_LINES lines, from
  the line its definition starts on to its closing brace;
- the results keys that identify a row ("outcome", "run_type") spelled in
  one .c file, the typed view's (resultsdoc/view.c): every other reader
  takes them from hl_row_t; and the helpers the view replaced are gone;
- no comment in harness/ names a file that is not in the repository.

Usage: house.py SOURCE_ROOT. Exit 0 when every rule holds, 1 with a line per
breach.
"""
import os
import re
import subprocess
import sys

MAX_FILE_LINES = 500
MAX_FUNCTION_LINES = 80
VIEW_FILE = "harness/resultsdoc/view.c"
VIEW_KEYS = ('"outcome"', '"run_type"')
REPLACED_HELPERS = ("is_iteration", "ok_row", "is_ok_iteration", "run_name_of")
C_EXTS = (".c", ".h", ".cc")
# A word that names a file: a path or a base name with a source, script or
# document extension.
FILE_NAME = re.compile(r"(?<![\w.@/-])((?:[\w-]+/)*[\w-]+\.(?:c|h|cc|md|py|sh|gp|go|json|csv|txt))\b")
# Names a comment may give that are no file of the repository: the files
# heaplab writes, and sources of the projects it follows, cited as theirs.
WRITTEN = {"report.md", "oom-report.md", "time.gp"}
UPSTREAM = {"compare.py"}  # Google Benchmark's tools/compare.py
UPSTREAM_DIRS = ("runtime/", "linux/")  # Go's runtime sources, the kernel's headers


PLACEHOLDERS = {"FILE", "BASE", "NEW", "DIR", "NAME", "A", "B", "ALL"}


def placeholder(ref):
    """FILE.json, DIR/report.md: a name the user chooses, in a usage line."""
    return ref.split("/")[0].split(".")[0] in PLACEHOLDERS


def outside_ok(ref):
    return placeholder(ref) or ref in WRITTEN or ref in UPSTREAM or ref.startswith(UPSTREAM_DIRS)


def files_of(root, sub):
    """The files git tracks under sub, or every file when root is no checkout."""
    try:
        out = subprocess.run(["git", "-C", root, "ls-files", "-z", "--cached", "--others",
                              "--exclude-standard", "--", sub], check=True,
                             capture_output=True).stdout.decode()
        names = [n for n in out.split("\0") if n]
        if names:
            return sorted(n for n in names if os.path.isfile(os.path.join(root, n)))
    except (OSError, subprocess.CalledProcessError):
        pass
    found = []
    for d, _, fs in os.walk(os.path.join(root, sub)):
        found += [os.path.relpath(os.path.join(d, f), root) for f in fs]
    return sorted(found)


def read(root, name):
    with open(os.path.join(root, name), encoding="utf-8", errors="replace") as f:
        return f.read()


def functions(text):
    """(name, first line, line count) of each function definition: a
    declaration at column 0 whose body opens at the end of its last line and
    closes with a '}' alone at column 0 (the layout clang-format gives)."""
    lines = text.split("\n")
    i = 0
    while i < len(lines):
        if not re.match(r"[A-Za-z_]", lines[i]):
            i += 1
            continue
        j = i  # the declaration's last line: the one that opens the body
        while j < i + 8 and j + 1 < len(lines) and ";" not in lines[j] and \
                not lines[j].rstrip().endswith("{"):
            j += 1
        head = " ".join(lines[i:j + 1])
        name = re.search(r"(\w+)\s*\(", head)
        if ";" in head or not lines[j].rstrip().endswith("{") or not name or \
                "=" in head[:name.start()]:
            i = j + 1
            continue
        k = j + 1
        while k < len(lines) and lines[k].rstrip() != "}":
            k += 1
        yield name.group(1), i + 1, k - i + 1
        i = k + 1


def comments(name, text):
    """The comments of a file, by its language."""
    if name.endswith(C_EXTS):
        return re.findall(r"/\*.*?\*/|//[^\n]*", text, re.S)
    if name.endswith((".py", ".sh", "meson.build")):
        return re.findall(r"#[^\n]*", text)
    return []


def main():
    root = sys.argv[1] if len(sys.argv) > 1 else "."
    harness = files_of(root, "harness")
    repo = files_of(root, ".")
    if not harness:
        print("house: no files under harness/ in", root)
        return 1
    bases = {os.path.basename(n) for n in repo}
    breaches, key_files = [], set()
    for name in harness:
        text = read(root, name)
        n = text.count("\n")
        if n > MAX_FILE_LINES:
            breaches.append(f"{name}: {n} lines (at most {MAX_FILE_LINES})")
        if name.endswith(C_EXTS):
            for fn, line, count in functions(text):
                if count > MAX_FUNCTION_LINES:
                    breaches.append(f"{name}:{line}: {fn}() is {count} lines "
                                    f"(at most {MAX_FUNCTION_LINES})")
            for helper in REPLACED_HELPERS:
                if re.search(r"\b%s\s*\(" % helper, text):
                    breaches.append(f"{name}: {helper}() again: read the row's view (view.h)")
        if name.endswith((".c", ".cc")) and any(k in text for k in VIEW_KEYS):
            key_files.add(name)
        for c in comments(name, text):
            for ref in FILE_NAME.findall(c):
                known = ref in bases if "/" not in ref else any(
                    r == ref or r.endswith("/" + ref) for r in repo)
                if not known and not outside_ok(ref):
                    breaches.append(f"{name}: a comment names {ref}, not a file of the repository")
    if key_files != {VIEW_FILE}:
        breaches.append(f"{' and '.join(VIEW_KEYS)} spelled in {sorted(key_files)}: "
                        f"only {VIEW_FILE} may (the typed view)")
    for b in breaches:
        print("house:", b)
    print(f"house: {len(harness)} files, {len(breaches)} breaches")
    return 1 if breaches else 0


if __name__ == "__main__":
    sys.exit(main())
