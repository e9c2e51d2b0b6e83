#!/usr/bin/env python3
"""What heaplab writes to a terminal, read from a pseudo-terminal.

console.py HEAPLAB TMPDIR

Runs heaplab with its stderr and stdout on a pseudo-terminal and checks the
screen it draws, by replaying the bytes as a terminal would (carriage
return, erase to the end of the line, newline):
  - run: one progress line, "[N/T runs, C/K cells done] M:SS elapsed, ETA
    M:SS | CELL, repetition R/REPS", redrawn in place, its counts adding up;
  - a message (a crashing cell) is on a line of its own, never on the
    progress line, and the progress line is drawn again after it;
  - the table starts on a clean line, no progress left on the screen;
  - --gctrace: every collection line is "[CELL] " and then Go's gctrace
    format, on its own line, progress still shown;
  - oom: no line per death, one line per cell ("at 32.0 MiB: 0/2 survived
    (oom-kill 2)"); --find-min-limit's progress names the run at a limit and
    the run of the cell;
  - off a terminal (a pipe): no progress line and no escape sequence.
No timing is asserted: elapsed and ETA are checked for their form only.
Exit 0 pass, 1 fail.
"""
import os
import pty
import re
import select
import subprocess
import sys

HEAPLAB, TMP = sys.argv[1], sys.argv[2]
failures = 0
checks = 0

PROGRESS = re.compile(
    r'^\[(\d+)/(\d+) runs, (\d+)/(\d+) cells done\] (\d+:\d\d) elapsed, ETA (\d+:\d\d|--:--)'
    r'(?: \| (\S+), (.+))?$')
SEARCH = re.compile(
    r'^\[(\d+) runs?, (\d+)/(\d+) cells done\] (\d+:\d\d) elapsed, ETA (\d+:\d\d|--:--)'
    r'(?: \| (\S+), (.+))?$')
# Go's runtime.gcMarkTermination line (GODEBUG=gctrace=1)
GCTRACE = re.compile(
    r'^gc \d+ @\d+\.\d+s \d+%: [\d.]+\+[\d.]+\+[\d.]+ ms clock, [\d.]+\+[\d.]+/[\d.]+/[\d.]+\+[\d.]+'
    r' ms cpu, \d+->\d+->\d+ MB, \d+ MB goal, \d+ MB stacks, \d+ MB globals, \d+ P$')


def check(ok, what):
    global failures, checks
    checks += 1
    if not ok:
        failures += 1
        print('FAIL: ' + what, file=sys.stderr)
    return ok


def on_pty(args, cols=200):
    """Runs heaplab on a pseudo-terminal of cols columns; returns its bytes."""
    master, slave = pty.openpty()
    os.system('stty cols %d rows 50 < %s' % (cols, os.ttyname(slave)))
    p = subprocess.Popen([HEAPLAB] + args, stdin=subprocess.DEVNULL, stdout=slave, stderr=slave,
                         close_fds=True)
    os.close(slave)
    out = b''
    while True:
        r, _, _ = select.select([master], [], [], 120)
        if not r:
            break
        try:
            chunk = os.read(master, 65536)
        except OSError:  # EIO: the other side is closed
            break
        if not chunk:
            break
        out += chunk
    p.wait()
    os.close(master)
    return p.returncode, out.decode('utf-8', 'replace')


def replay(text):
    """The terminal's lines and every state of the line being drawn:
    (lines, drawn) where lines are the finished lines (as a terminal shows
    them) and drawn is each text the current line held before it was erased
    or ended."""
    lines, drawn, cur = [], [], ''
    i = 0
    text = text.replace('\r\n', '\n')  # the pty's newline translation
    while i < len(text):
        if text.startswith('\r\x1b[K', i):
            if cur:
                drawn.append(cur)
            cur = ''
            i += 4
        elif text[i] == '\r':
            cur = ''
            i += 1
        elif text[i] == '\n':
            lines.append(cur)
            drawn.append(cur)
            cur = ''
            i += 1
        else:
            cur += text[i]
            i += 1
    if cur:
        drawn.append(cur)
        lines.append(cur)
    return lines, drawn


def test_run():
    rc, out = on_pty(['run', '-w', 'fault-inject,escape-return', '-b', 'glibc,span', '-p',
                      'kind=none,crash', '-p', 'calls=20000', '--reps', '3', '--counters', 'none',
                      '-o', os.path.join(TMP, 'run.json')])
    check(rc == 1, 'run with a crashing cell: exit %d, want 1' % rc)
    lines, drawn = replay(out)
    progress = [d for d in drawn if d.startswith('[')]
    check(len(progress) >= 18, 'run: %d progress lines drawn, want one per run (18)' % len(progress))
    seen_runs = set()
    for d in progress:
        m = PROGRESS.match(d)
        if not check(m, 'run: progress line %r is not in the format' % d):
            continue
        done, total, cells_done, cells = (int(m.group(k)) for k in (1, 2, 3, 4))
        check(total == 18 and cells == 6, 'run: totals in %r, want 18 runs and 6 cells' % d)
        check(done <= total and cells_done <= cells, 'run: counts in %r' % d)
        check(cells_done <= done // 3, 'run: more cells done than runs allow in %r' % d)
        if m.group(7):
            seen_runs.add(done)
            check(re.match(r'^repetition [1-3]/3$', m.group(8)),
                  'run: what runs in %r' % d)
            check(m.group(7).split('/')[0] in ('fault-inject', 'escape-return'),
                  'run: cell in %r' % d)
        if done == 0:
            check(m.group(6) == '--:--', 'run: an ETA before any run finished in %r' % d)
        else:
            check(m.group(6) != '--:--', 'run: no ETA after %d finished runs in %r' % (done, d))
    check(seen_runs == set(range(18)), 'run: the runs drawn %s, want 0..17' % sorted(seen_runs))
    # messages: on a line of their own, and the progress drawn again after each
    msgs = [k for k, d in enumerate(drawn) if 'heaplab: run:' in d]
    crashes = [k for k in msgs if 'crash: SEGV' in drawn[k]]
    check(len(crashes) == 6, 'run: %d crash messages, want 6' % len(crashes))
    for k in msgs:  # crashes, the noise note (on a loaded machine), "results written"
        d = drawn[k]
        check(d.startswith('heaplab: run: '), 'run: a message shares its line: %r' % d)
        check('ETA' not in d, 'run: message and progress on one line: %r' % d)
    for k in crashes:  # the progress line is drawn again under each crash message
        check(any(PROGRESS.match(d) for d in drawn[k + 1:k + 3]),
              'run: no progress line redrawn after %r' % drawn[k])
    for line in lines:
        check(not PROGRESS.match(line), 'run: a progress line left on the screen: %r' % line)
    table = [l for l in lines if l.startswith('benchmark ')]
    check(len(table) == 1, 'run: the table header is not on a clean line: %r' % table)
    crash = [l for l in lines if 'kind=crash' in l and 'crash: SEGV' in l]
    check(len(crash) == 6, 'run: %d crash messages on the screen, want 6' % len(crash))


def test_gctrace():
    rc, out = on_pty(['run', '-w', 'steady-service', '-b', 'span-gc,bdwgc', '--quick', '--reps',
                      '1', '--counters', 'none', '--gctrace'])
    check(rc == 0, 'gctrace run: exit %d' % rc)
    lines, drawn = replay(out)
    traces = [l for l in lines if ' gc ' in l and '@' in l]
    check(len(traces) >= 2, 'gctrace: %d trace lines' % len(traces))
    cells = set()
    for l in traces:
        m = re.match(r'^\[(steady-service/(span-gc|bdwgc)[^\]]*)\] (.*)$', l)
        if not check(m, 'gctrace: line without its cell: %r' % l):
            continue
        cells.add(m.group(2))
        check(GCTRACE.match(m.group(3)), "gctrace: not Go's format after the prefix: %r" % l)
    check(cells == {'span-gc', 'bdwgc'}, 'gctrace: lines of %s, want span-gc and bdwgc' % cells)
    check(any(PROGRESS.match(d) for d in drawn), 'gctrace: no progress line under --gctrace')


def test_oom():
    rc, out = on_pty(['oom', '-w', 'leak', '-b', 'glibc,span', '--quick', '-p', 'total=1T',
                      '--limit', '32M', '--runs', '2', '-o', os.path.join(TMP, 'oom.json')])
    check(rc == 0, 'oom: exit %d' % rc)
    lines, drawn = replay(out)
    deaths = [l for l in lines if '(repetition' in l]
    check(not deaths, 'oom: a line per death: %s' % deaths[:2])
    for b in ('glibc', 'span'):
        got = [l for l in lines if l.startswith('heaplab: oom: leak/%s' % b)]
        check(len(got) == 1 and re.match(r'^heaplab: oom: leak/%s(/\S+)? at 32\.0 MiB: 0/2 '
                                         r'survived \(oom-kill 2\)$' % b, got[0]),
              'oom: the line of leak/%s: %s' % (b, got))
    for d in drawn:
        if d.startswith('['):
            m = PROGRESS.match(d)
            check(m, 'oom: progress line %r' % d)
            if m and m.group(7):
                check(re.match(r'^run [12]/2 at 32\.0 MiB$', m.group(8)), 'oom: what: %r' % d)


def test_find_min_limit():
    rc, out = on_pty(['oom', '-w', 'steady-service', '-b', 'glibc', '--quick', '--runs', '2',
                      '--find-min-limit', '-o', os.path.join(TMP, 'min.json')])
    check(rc == 0, 'find-min-limit: exit %d' % rc)
    lines, drawn = replay(out)
    progress = [d for d in drawn if d.startswith('[')]
    check(progress, 'find-min-limit: no progress line')
    for d in progress:
        m = SEARCH.match(d)
        if not check(m, 'find-min-limit: progress line %r' % d) or not m.group(6):
            continue
        what = m.group(7)
        check(re.match(r'^unlimited, to find the peak \(run 1 of the cell\)$', what) or
              re.match(r'^(bracket-high|bracket-low|bisect|check-below) at \d+\.\d (MiB|KiB), '
                       r'run [12]/2 there \(run (\d+) of the cell\)$', what),
              'find-min-limit: what runs: %r' % what)
        runs = re.search(r'\(run (\d+) of the cell\)', what)
        check(runs and int(runs.group(1)) == int(m.group(1)) + 1,
              'find-min-limit: "run N of the cell" is not the next run in %r' % d)
    summary = [l for l in lines if l.startswith('heaplab: oom: steady-service/glibc')]
    check(len(summary) == 1 and re.search(
        r': smallest limit where 2/2 survive: \d+\.\d MiB \(peak \d+\.\d MiB without a limit\); '
        r'at \d+\.\d MiB: \d/2 survived.*; \d+ runs$', summary[0] if summary else ''),
        'find-min-limit: the cell line %s' % summary)


def test_pipe():
    p = subprocess.run([HEAPLAB, 'run', '-w', 'escape-return', '-b', 'glibc', '-p', 'calls=20000',
                        '--reps', '2', '--counters', 'none'], capture_output=True, text=True)
    check(p.returncode == 0, 'pipe: exit %d' % p.returncode)
    check('\x1b' not in p.stderr and '\r' not in p.stderr and 'ETA' not in p.stderr,
          'pipe: progress written off a terminal: %r' % p.stderr[:200])


def test_narrow():
    """On a 60-column terminal the progress line is cut, never wrapped."""
    rc, out = on_pty(['run', '-w', 'escape-return', '-b', 'glibc', '-p', 'calls=20000', '--reps',
                      '2', '--counters', 'none'], cols=60)
    lines, drawn = replay(out)
    progress = [d for d in drawn if d.startswith('[')]
    check(progress and all(len(d) <= 59 for d in progress),
          'narrow: progress lines over 59 columns: %s' % [d for d in progress if len(d) > 59])


test_run()
test_gctrace()
test_oom()
test_find_min_limit()
test_pipe()
test_narrow()
print('%d checks, %d failures' % (checks, failures))
sys.exit(1 if failures else 0)
