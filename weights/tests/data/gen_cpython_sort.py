"""Regenerate cpython_sort_nan.json: lists of floats holding NaN (and inf, duplicates, runs)
and what CPython's sorted() returns for them, as IEEE bits. Run with CPython 3.11."""
import json, random, struct, sys

rng = random.Random(7)
NAN, INF = float("nan"), float("inf")


def bits(x):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


cases = []
for k in range(30):
    n = rng.choice([1, 2, 3, 5, 17, 63, 64, 65, 100, 129, 257, 400])
    v = []
    for i in range(n):
        r = rng.random()
        if r < 0.08:
            v.append(NAN)
        elif r < 0.1:
            v.append(INF)
        elif r < 0.4 and v:
            v.append(v[-1] + rng.choice([0.0, 0.5, 1.0]))  # ascending stretches
        elif r < 0.5 and v:
            v.append(v[-1] - 0.25)  # descending stretches
        else:
            v.append(float(rng.randrange(50)) / 4)
    cases.append({"input": [bits(x) for x in v], "sorted": [bits(x) for x in sorted(v)]})
json.dump({"python": sys.version.split()[0], "cases": cases}, sys.stdout)
print()
