#!/usr/bin/env python3
"""The deterministic part of heaplab's outputs, for the golden test.

golden.py json FILE       the rows' identity, outcomes, exact counts, knobs and key sets,
                          the context's keys and the "oom" object's cells
golden.py text FILE       a table or report with every number masked and runs of spaces
                          collapsed: headers, cell names, words and layout stay
golden.py tree DIR        the files a command wrote, relative, sorted
golden.py headings FILE   the Markdown headings, numbers masked
"""
import json
import os
import re
import sys

NUMBER = re.compile(r'[-+]?\d+(\.\d+)?(e[-+]?\d+)?')
EXACT = ('allocs', 'alloc_bytes', 'frees', 'free_bytes', 'stack_allocs', 'stack_alloc_bytes')
IDENTITY = ('name', 'run_name', 'run_type', 'outcome', 'workload', 'backend', 'params', 'gogc',
            'memlimit', 'escape', 'knobs_not_applicable', 'threads', 'repetitions',
            'aggregate_name')
# keys whose presence depends on the machine rather than on heaplab: the
# counters, the CPUs a run used, and a killed worker's own samples (there
# when it reported one before the kill, which on a loaded machine it may not)
VOLATILE = re.compile(r'^(counter\.|cpus_|samples$)')


def mask(line):
    return re.sub(r' {2,}', '  ', NUMBER.sub('#', line.rstrip()))


def rows(doc):
    out = []
    for r in doc.get('benchmarks', []):
        ident = {k: r[k] for k in IDENTITY if k in r}
        if r.get('run_type') == 'iteration':
            ident.update({k: r[k] for k in EXACT if k in r})
            if r.get('backend') == 'span-gc' and 'num_gc' in r:
                ident['num_gc'] = r['num_gc']
            ident['keys'] = sorted(k for k in r if not VOLATILE.match(k))
        out.append(json.dumps(ident, sort_keys=True))
    return out


def oom(doc):
    out = []
    for c in doc.get('oom', {}).get('cells', []):
        out.append(json.dumps({k: c.get(k) for k in ('name', 'runs', 'survived', 'outcomes')},
                              sort_keys=True))
    return out


def main():
    what, path = sys.argv[1], sys.argv[2]
    if what == 'json':
        doc = json.load(open(path))
        print('context keys:', ' '.join(sorted(doc.get('context', {}))))
        print('top-level keys:', ' '.join(sorted(doc)))
        print('\n'.join(rows(doc) + oom(doc)))
    elif what == 'text':
        print('\n'.join(mask(l) for l in open(path)))
    elif what == 'tree':
        for base, dirs, files in sorted(os.walk(path)):
            dirs.sort()
            for f in sorted(files):
                print(os.path.relpath(os.path.join(base, f), path))
    elif what == 'headings':
        print('\n'.join(mask(l) for l in open(path) if l.startswith('#')))


if __name__ == '__main__':
    main()
