"""A deterministic Python workout for tests/span/preload.sh.

It works CPython's allocators hard (dicts of a few hundred thousand keys,
sorts, big string join/split, JSON round trips, deletes, list comprehension
churn, bytearray growth) and prints a SHA-256 digest of what it built, so
that a run under a malloc replacement (LD_PRELOAD) can be compared byte for
byte with a run without one. Run with PYTHONMALLOC=malloc (preload.sh does),
every object comes from malloc/realloc/free; otherwise only the big ones do
and small ones come from pymalloc's arenas. It checks its own round trips
too (exit 1 when one differs), but it does not time anything.
"""

import hashlib
import json
import random
import sys

SEED = 20240601


def phase_dicts(rng, digest):
    """Builds, updates, deletes from and rebuilds dicts of 300k keys."""
    d = {}
    for i in range(300_000):
        d["k%010x" % rng.getrandbits(40)] = (i, "v" * (i % 37))
    for k in list(d)[::3]:
        del d[k]
    for i in range(0, 300_000, 7):
        d["n%d" % i] = [i] * (i % 11)
    inverted = {v[0] if isinstance(v, tuple) else -len(v): k for k, v in d.items()}
    digest.update(("dicts %d %d\n" % (len(d), len(inverted))).encode())
    return d


def phase_sort_join(rng, d, digest):
    """Sorts keys several ways, joins them into one big string and splits it."""
    keys = sorted(d)
    by_len = sorted(keys, key=lambda k: (len(k), k[::-1]))
    big = "\n".join(keys)
    parts = big.split("\n")
    if parts != keys:
        sys.exit("workout: split(join(keys)) differs")
    words = big.replace("k", " k").split()
    rng.shuffle(words)
    words.sort()
    digest.update(big.encode())
    digest.update(("sort %d %d %s\n" % (len(big), len(words), by_len[len(by_len) // 2])).encode())
    return keys


def phase_json(rng, keys, digest):
    """Round-trips nested structures through JSON, growing them each time."""
    doc = {"keys": keys[:50_000], "nums": [rng.random() for _ in range(50_000)], "nest": {}}
    for round_no in range(3):
        size = 10_000 * (round_no + 1)
        doc["nest"] = {str(i): {"a": [i, str(i) * 3], "b": {"c": i / 7}} for i in range(size)}
        text = json.dumps(doc, sort_keys=True)
        back = json.loads(text)
        if back != doc:
            sys.exit("workout: json round trip %d differs" % round_no)
        digest.update(hashlib.sha256(text.encode()).digest())
    digest.update(("json %d\n" % len(text)).encode())


def phase_churn(rng, digest):
    """List comprehension churn: lists of strings and bytearrays grow and die."""
    total = 0
    survivors = []
    for gen in range(30):
        batch = [("x%d" % (i * gen)) * (1 + (i % 50)) for i in range(20_000)]
        grown = bytearray()
        for s in batch[:: 1 + gen % 5]:
            grown += s.encode()
        survivors.append(batch[rng.randrange(len(batch))])
        if len(survivors) > 10:
            del survivors[rng.randrange(len(survivors))]
        total += len(grown) + sum(len(s) for s in batch[::100])
    digest.update(("churn %d %s\n" % (total, "|".join(survivors))).encode())


def main():
    rng = random.Random(SEED)
    digest = hashlib.sha256()
    d = phase_dicts(rng, digest)
    keys = phase_sort_join(rng, d, digest)
    del d
    phase_json(rng, keys, digest)
    phase_churn(rng, digest)
    print("workout: sha256 %s" % digest.hexdigest())


if __name__ == "__main__":
    main()
