"""Regenerate bittensor-sdk/sdk-11.3.0/clip_to_max_weight_nonfinite.json (imr's own cases).

The expected values are what CPython computes for bittensor 11.3.0's
`bittensor.intents.weights.clip_to_max_weight`, whose body is reproduced below statement for
statement (source read at RaoFoundation/subtensor sdk/python/bittensor/intents/weights.py,
032d5fd9; the same algorithm as the vectors' 11.3.0 module). Run with CPython 3.11 (the
vectors' interpreter): `python3.11 gen_clip_nonfinite.py > .../clip_to_max_weight_nonfinite.json`.
Nothing here is imr code: the point of these cases is CPython's own float and sort semantics.
"""
import json, math, random, struct, sys
from itertools import accumulate


class BittensorError(Exception):
    pass


def clip_to_max_weight(weights, limit):
    n = len(weights)
    total = float(sum(weights))
    if n == 0 or total <= 0:
        raise BittensorError("All weights are zero; nothing to set.")
    if n * limit <= 1:
        return [1.0 / n] * n

    estimation = sorted(w / total for w in weights)
    if estimation[-1] <= limit:
        return [w / total for w in weights]

    epsilon = 1e-7
    cumsum = list(accumulate(estimation))
    n_values = sum(
        1 for i, e in enumerate(estimation) if e / ((n - i - 1) * e + cumsum[i] + epsilon) < limit
    )
    cutoff_scale = (limit * cumsum[n_values - 1] - epsilon) / (1 - limit * (n - n_values))
    cutoff = cutoff_scale * total

    clipped = [min(float(w), cutoff) for w in weights]
    clipped_total = sum(clipped)
    return [w / clipped_total for w in clipped]


def enc(x):
    if math.isnan(x):
        return "NaN"
    if math.isinf(x):
        return "Infinity" if x > 0 else "-Infinity"
    return x


def bits(x):
    return "0x%016x" % struct.unpack("<Q", struct.pack("<d", x))[0]


INF, NAN = float("inf"), float("nan")
rng = random.Random(20261205)
inputs = [
    ("inf-middle", [1.0, INF, 2.0], 0.5),
    ("inf-first", [INF, 0.1, 0.2, 0.3], 0.4),
    ("inf-last", [0.3, 0.2, 0.1, INF], 0.4),
    ("inf-binding-limit", [0.5, 0.25, INF, 0.1], 0.3),
    ("two-infs", [INF, 1.0, INF, 2.0, 3.0], 0.3),
    ("inf-with-zeros", [0.0, INF, 0.0, 0.0], 0.5),
    ("inf-only", [INF], 0.5),
    ("inf-uniform-branch", [INF, 1.0], 0.5),
    ("neg-inf", [1.0, -INF, 2.0], 0.5),
    ("inf-and-neg-inf", [INF, -INF, 1.0, 2.0], 0.4),
    ("nan-middle", [1.0, NAN, 2.0], 0.5),
    ("nan-first", [NAN, 0.4, 0.1, 0.2], 0.3),
    ("nan-last", [0.4, 0.1, 0.2, NAN], 0.3),
    ("nan-and-inf", [0.2, NAN, INF, 0.3, 0.1], 0.35),
    ("nan-only", [NAN, NAN], 0.9),
    ("inf-negative-weights", [-1.0, INF, 3.0, 0.5], 0.4),
]
# Longer lists: CPython's sort merges runs (n >= 64), so NaN placement depends on galloping.
for k, (n, n_inf, n_nan, limit) in enumerate(
    [(70, 1, 0, 0.05), (100, 2, 0, 0.05), (130, 0, 3, 0.02), (200, 2, 2, 0.01), (90, 1, 1, 0.1)]
):
    w = [round(rng.random(), 6) for _ in range(n)]
    for _ in range(n_inf):
        w[rng.randrange(n)] = INF
    for _ in range(n_nan):
        w[rng.randrange(n)] = NAN
    inputs.append((f"long-{n}-inf{n_inf}-nan{n_nan}", w, limit))

cases = []
for i, (name, w, limit) in enumerate(inputs, 1):
    case = {
        "id": f"imr-clip-nonfinite-{i:02d}",
        "description": name,
        "tags": ["non-finite", "imr-own"],
        "input": {"weights": [enc(x) for x in w], "limit": limit},
    }
    try:
        y = clip_to_max_weight(w, limit)
        case["expected"] = {"y": [enc(x) for x in y], "bits": [bits(x) for x in y]}
    except BittensorError as e:
        case["error"] = {"type": "BittensorError", "module": "bittensor.result", "message": str(e)}
    except ZeroDivisionError as e:
        case["error"] = {"type": "ZeroDivisionError", "module": "builtins", "message": str(e)}
    cases.append(case)

doc = {
    "function": "clip_to_max_weight",
    "signature": "clip_to_max_weight(weights: Sequence[float], limit: float) -> list[float]",
    "sdk": {"package": "bittensor", "version": "11.3.0", "module": "bittensor.intents.weights"},
    "environment": {"python": sys.version.split()[0], "implementation": "CPython"},
    "generator": "weights/tests/data/gen_clip_nonfinite.py (imr's own hand-built inputs)",
    "schema": "see ../../../../../shared/vectors/bittensor-sdk/README.md",
    "notes": "Non-finite weights (inf, -inf, nan): CPython float semantics and sorted()'s order.",
    "case_count": len(cases),
    "cases": cases,
}
json.dump(doc, sys.stdout, indent=1)
print()
