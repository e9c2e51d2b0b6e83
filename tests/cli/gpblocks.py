#!/usr/bin/env python3
"""Every data block a heaplab gnuplot script indexes exists and is not empty.

gpblocks.py DIR...

For each *.gp under the folders, each `"FILE" index N` (and `'' index N`,
which reuses the file before it) must name block N of FILE as gnuplot
reads it: blocks are separated by two blank lines in a row, a single blank
line is a gap inside a block, lines starting with # are comments; the block
must hold at least one data line. Also every block header comment
"# block K" appears once and in order. Prints each problem; exit 1 if any,
0 otherwise (and 1 when no script indexes a block at all, so the check
cannot pass by finding nothing).
"""
import os
import re
import sys

REF = re.compile(r'(?:"([^"]+)"|\'\')\s+index\s+(\d+)')


def blocks(path):
    text = open(path, encoding='utf-8').read()
    out, cur, blank = [], [], 0
    for line in text.split('\n'):
        if line.strip() == '':
            blank += 1
            continue
        if blank >= 2 and (cur or out):
            out.append(cur)
            cur = []
        blank = 0
        cur.append(line)
    out.append(cur)
    return out


def main(dirs):
    problems, refs = [], 0
    for d in dirs:
        for root, _, files in os.walk(d):
            for name in sorted(files):
                if not name.endswith('.gp'):
                    continue
                script = open(os.path.join(root, name), encoding='utf-8').read()
                last, seen = None, set()
                for m in REF.finditer(script):
                    data = m.group(1) or last
                    last = data
                    refs += 1
                    path = os.path.join(root, data)
                    if not os.path.exists(path):
                        problems.append('%s: %s does not exist' % (name, data))
                        continue
                    seen.add(data)
                    bl = blocks(path)
                    n = int(m.group(2))
                    if n >= len(bl):
                        problems.append('%s: %s has %d blocks, index %d' % (name, data, len(bl), n))
                    elif not [l for l in bl[n] if not l.startswith('#')]:
                        problems.append('%s: block %d of %s is empty' % (name, n, data))
                for data in sorted(seen):
                    heads = re.findall(r'^# block (\d+)', open(os.path.join(root, data)).read(), re.M)
                    if heads and heads != [str(k) for k in range(len(heads))]:
                        problems.append('%s: block headers %s' % (data, heads))
    for p in problems:
        print('FAIL: ' + p)
    if not refs:
        print('FAIL: no script indexes a data block')
    print('%d indexed blocks checked, %d problems' % (refs, len(problems)))
    return 1 if problems or not refs else 0


sys.exit(main(sys.argv[1:]))
