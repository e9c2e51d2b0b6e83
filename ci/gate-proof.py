#!/usr/bin/env python3
"""Summarises ci/gate-proof's decisions (every run present, so a run cut
short still reads): per mode and experiment, the gate runs failing, the
target flagged, the controls flagged, the measured change, the threshold
and the rounds used; for the time mode how many target verdicts had a
threshold above 5% at the first look (20 rounds) and how many of those
were flagged in the end, and each test (signed-rank, biweight, U) applied
to the first look alone at the same alpha; and the machine's load and CPU
pressure over the runs."""
import glob
import json
import os
import statistics
import sys

out = sys.argv[1]
target = 'escape-return'
labels = {'aa': 'A/A (same binary)', 'inject2': 'injected 2%', 'inject5': 'injected 5%',
          'inject10': 'injected 10%', 'retain1m': 'retained 1 MiB', 'retain5': 'retained 5%'}
ALPHA = 0.05


def fmt(xs):
    if not xs:
        return '-'
    return f"{statistics.median(xs):+.1f}% ({min(xs):+.1f} .. {max(xs):+.1f})"


def load(mode, exp):
    docs = []
    for path in sorted(glob.glob(f"{out}/{mode}-{exp}-*.json")):
        try:
            docs.append(json.load(open(path)))
        except ValueError:
            pass  # a run cut short
    return docs


def holm(ps):
    order = sorted(range(len(ps)), key=lambda i: ps[i])
    adj, run = [1.0] * len(ps), 0.0
    for k, i in enumerate(order):
        run = max(run, min(1.0, (len(ps) - k) * ps[i]))
        adj[i] = run
    return adj


def first_look(doc, test):
    """Which benchmarks the test alone flags from the first look, at ALPHA."""
    rows = [(b['name'], b['timing_tests']['looks'][0][test]) for b in doc['benchmarks']
            if isinstance(b.get('timing_tests'), dict) and b['timing_tests'].get('looks')]
    rows = [(n, f) for n, f in rows if f.get('tested')]
    adj = holm([f['p_value'] for _, f in rows])
    return {n for (n, f), p in zip(rows, adj) if p < ALPHA and f['change_pct'] > f['threshold_pct']}


def time_row(exp, docs):
    fails = sum(d['exit_status'] == 1 for d in docs)
    flagged, ch, thr, rounds, controls = {}, {}, [], [], 0
    fixed = {'paired': 0, 'biweight': 0, 'utest': 0}
    wide, wide_flagged, thr0 = 0, 0, []  # first-look threshold above 5%; at the first look
    for d in docs:
        for test in fixed:
            fixed[test] += any(n.startswith(target + '/') for n in first_look(d, test))
        for b in d['benchmarks']:
            backend = b['name'].split('/')[1]
            if b['name'].startswith(target + '/'):
                t = b['timing']
                flagged[backend] = flagged.get(backend, 0) + (t['result'] == 'slower')
                ch.setdefault(backend, []).append(t.get('change_pct', 0))
                thr.append(t.get('threshold_pct', 0))
                rounds.append(t.get('rounds', 0))
                looks = (b.get('timing_tests') or {}).get('looks') or [{}]
                thr0.append(looks[0].get('paired', {}).get('threshold_pct', 0))
                if thr0[-1] > 5:
                    wide += 1
                    wide_flagged += t['result'] == 'slower'
            else:
                controls += b['verdict'] in ('REGRESSION', 'METRIC CHANGED', 'MISSING in new')
    n, nb = len(docs), len(flagged) or 1
    fl = ' / '.join(f"{flagged[k]}/{n}" for k in sorted(flagged))
    chs = ' / '.join(fmt(ch[k]) for k in sorted(ch))
    ctl = (len(docs[0]['benchmarks']) - nb) * n if docs else 0
    r = f"{statistics.median(rounds):.0f} ({min(rounds)}-{max(rounds)})" if rounds else '-'
    print(f"| {labels[exp]} | **{fails}/{n}** | {fl} | {controls}/{ctl} | {chs} | "
          f"{statistics.median(thr0):.1f}% / {statistics.median(thr):.1f}% | {r} | {wide_flagged}/{wide} | "
          f"{fixed['paired']}/{n} | {fixed['biweight']}/{n} | {fixed['utest']}/{n} |")


def instr_row(exp, docs):
    fails = sum(d['exit_status'] == 1 for d in docs)
    flagged, ch, tol, controls = {}, {}, [], 0
    for d in docs:
        for b in d['benchmarks']:
            backend = b['name'].split('/')[1]
            g = b.get('instructions', {})
            if b['name'].startswith(target + '/'):
                flagged[backend] = flagged.get(backend, 0) + (g.get('result') == 'more')
                ch.setdefault(backend, []).append(g.get('change_pct', 0))
                tol.append(g.get('tolerance_pct', 0))
            else:
                controls += b['verdict'] in ('REGRESSION', 'METRIC CHANGED', 'MISSING in new')
    n, nb = len(docs), len(flagged) or 1
    fl = ' / '.join(f"{flagged[k]}/{n}" for k in sorted(flagged))
    chs = ' / '.join(
        f"{statistics.median(ch[k]):+.2f}% ({min(ch[k]):+.2f} .. {max(ch[k]):+.2f})" for k in sorted(ch))
    ctl = (len(docs[0]['benchmarks']) - nb) * n if docs else 0
    print(f"| {labels[exp]} | **{fails}/{n}** | {fl} | {controls}/{ctl} | {chs} | "
          f"{statistics.median(tol):.2f}% |" if tol else f"| {labels[exp]} | {fails}/{n} | - | - | - | - |")


def load_summary():
    path = f"{out}/load.txt"
    if not os.path.exists(path):
        return
    rows = [l.split() for l in open(path) if len(l.split()) >= 9]
    one = [float(r[3]) for r in rows]
    p10 = [float(r[6]) for r in rows if r[6] != '-']
    p60 = [float(r[7]) for r in rows if r[7] != '-']
    print(f"\nmachine, sampled before each of {len(rows)} gate runs: load average (1 min) "
          f"median {statistics.median(one):.1f}, range {min(one):.1f}-{max(one):.1f}; "
          f"CPU pressure some avg10 median {statistics.median(p10):.0f}% "
          f"({min(p10):.0f}-{max(p10):.0f}%), avg60 median {statistics.median(p60):.0f}% "
          f"({min(p60):.0f}-{max(p60):.0f}%)")


print("\nDefault mode (time: the signed-rank and the biweight test of the paired rounds, each "
      "at alpha/2, sequential)\n")
print(f"| experiment | gate runs failing | {target} flagged (glibc / span) | controls flagged | "
      f"{target} change, median (range): glibc / span | threshold, first look / at the verdict "
      f"(median) | rounds used, median "
      f"(range) | flagged of those with a threshold > 5% at the first look (20 rounds) | first look alone: "
      f"signed-rank | biweight | U test |")
print("|---|---|---|---|---|---|---|---|---|---|---|")
for exp in ('aa', 'inject2', 'inject5', 'inject10'):
    docs = load('time', exp)
    if docs:
        time_row(exp, docs)
print("\n--measure instructions\n")
print(f"| experiment | gate runs failing | {target} flagged (glibc / span) | controls flagged | "
      f"{target} instructions change, median (range): glibc / span | tolerance |")
print("|---|---|---|---|---|---|")
for exp in ('aa', 'inject2', 'inject5', 'inject10'):
    docs = load('instructions', exp)
    if docs:
        instr_row(exp, docs)
load_summary()
