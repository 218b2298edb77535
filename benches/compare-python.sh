#!/usr/bin/env bash
# Side by side with the Python it replaces (issue 12 item 5): one epoch of time-series scoring at 4096 miners,
# the Python anchor (subnet-style numpy, vectorized numpy, pure Python) and imr's `runtime` bench ids
# epoch/4096_miners/{native,wasm_run,wasm_full_epoch}/4096_miners, run one after the other in one go; prints the
# medians and how many times faster each imr id is than each Python version.
#
#   benches/compare-python.sh                 # from anywhere inside the repository
#
# Environment:
#   IMR_ANCHORS       folder holding time-series-python/ (default: ../shared/anchors beside the repository)
#   IMR_ANCHOR_PYTHON a python3 with numpy (default: a venv in target/anchor-venv, made with `pip install numpy`;
#                     the anchor's timing script needs numpy even for its pure-Python version)
#   ANCHOR_TS_DATA    where the anchor writes its synthetic inputs (its own default: /tmp/anchor-ts-data)
#   CRITERION_ARGS    extra criterion arguments (default: --warm-up-time 1 --measurement-time 3)
#
# The Python anchor does less work than imr's epoch (see its README): one resolved request instead of five pending,
# no anti-copy, reconciliation, weights pipeline or receipt. Ratios from one run; the machine may be busy.
set -euo pipefail

repo="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
anchors="${IMR_ANCHORS:-$repo/../shared/anchors}"
anchor="$anchors/time-series-python"
if [[ ! -f "$anchor/ts_bench.py" ]]; then
    echo "error: no Python anchor at $anchor (set IMR_ANCHORS to the folder holding time-series-python/)" >&2
    exit 1
fi

python="${IMR_ANCHOR_PYTHON:-}"
if [[ -z "$python" ]]; then
    venv="$repo/target/anchor-venv"
    if [[ ! -x "$venv/bin/python" ]]; then
        python3 -m venv "$venv" >&2
    fi
    if ! "$venv/bin/python" -c 'import numpy' 2>/dev/null; then
        "$venv/bin/pip" install -q numpy >&2
    fi
    python="$venv/bin/python"
fi
if ! "$python" -c 'import numpy' 2>/dev/null; then
    echo "error: $python has no numpy (set IMR_ANCHOR_PYTHON to a python3 with numpy)" >&2
    exit 1
fi
impls=(numpy numpy_vec purepy)

out="$(mktemp -d)"
trap 'rm -rf "$out"' EXIT

echo "== Python anchor ($anchor, $("$python" --version 2>&1)), N=4096 H=5" >&2
for impl in "${impls[@]}"; do
    "$python" "$anchor/ts_bench.py" --impl "$impl" --only 4096,5 | tee -a "$out/python.jsonl" >&2
done

echo "== imr runtime bench, epoch/4096_miners" >&2
# shellcheck disable=SC2086
(cd "$repo" && cargo bench -q -p imr-benches --bench runtime -- 'epoch/4096_miners/' \
    ${CRITERION_ARGS:---warm-up-time 1 --measurement-time 3}) >&2

"$python" - "$out/python.jsonl" "$repo/target/criterion" <<'EOF'
import json, os, sys

python_rows = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
crit = sys.argv[2]
ids = ["native", "wasm_run", "wasm_full_epoch"]
rust = {}
for i in ids:
    # criterion writes group "epoch/4096_miners", function "<id>", parameter "4096_miners" under these folders
    path = os.path.join(crit, "epoch_4096_miners", i, "4096_miners", "new", "estimates.json")
    with open(path) as f:
        rust[i] = json.load(f)["median"]["point_estimate"]

def ms(ns):
    return f"{ns / 1e6:.2f} ms"

names = {"numpy": "subnet-style numpy", "numpy_vec": "vectorized numpy", "purepy": "pure Python"}
print("| Python anchor, one epoch at N=4096, H=5 | median |" + "".join(f" imr `{i}` is |" for i in ids))
print("|---|---|" + "---|" * len(ids))
for r in python_rows:
    ns = r["median_ns"]
    ratios = "".join(f" {ns / rust[i]:.1f}x faster |" if ns >= rust[i] else f" {rust[i] / ns:.1f}x slower |" for i in ids)
    print(f"| {names.get(r['impl'], r['impl'])} ({r['impl']}, numpy {r.get('numpy', '-')}) | {ms(ns)} |{ratios}")
print()
print("| imr `runtime` bench id | median |")
print("|---|---|")
for i in ids:
    print(f"| `epoch/4096_miners/{i}/4096_miners` | {ms(rust[i])} |")
print()
print(f"load average at the end: {os.getloadavg()[0]:.1f}")
EOF
