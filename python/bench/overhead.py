"""The overhead of the Python `Mechanism.run` over the Rust calls it wraps, side by side.

For the time-series example at the scenario's size (epoch 100, 12 miners) and at 4096
miners, alternates batches of: the Python call `mechanism.run(epoch, state)`, and, timed
in Rust with the GIL released, `runner::execute` (what `run()` does: guest run,
validation, weights, receipt) and `Mechanism::run` (the guest alone). Prints medians and
ratios. Needs the 4096-miner epochs:

    cargo run -q -p imr-ts-scenario -- --miners 4095 --epochs 8 target/ts-4096
    python python/bench/overhead.py [--rounds 15] [--batch 20]
"""

from __future__ import annotations

import argparse
import statistics
import time
from pathlib import Path

import imr

REPO = Path(__file__).resolve().parents[2]


def state_before(mechanism: imr.Mechanism, files, k: int) -> bytes:
    state = b""
    for path in files[:k]:
        run = mechanism.run(imr.Epoch.from_json(path), state)
        state = run.state if run.ok else state
    return state


def measure(label, mechanism, files, k, rounds, batch):
    epoch = imr.Epoch.from_json(files[k])
    state = state_before(mechanism, files, k)
    assert mechanism.run(epoch, state).ok
    py_times, execute_times, run_times = [], [], []
    for _ in range(rounds):
        for _ in range(batch):
            t = time.perf_counter()
            run = mechanism.run(epoch, state)
            run.uids, run.weights  # what a validator reads
            py_times.append(time.perf_counter() - t)
        execute_times += imr._imr._bench_rust(mechanism, epoch, state, batch, "execute")
        run_times += imr._imr._bench_rust(mechanism, epoch, state, batch, "run")
    py, ex, rs = (statistics.median(x) for x in (py_times, execute_times, run_times))
    print(f"{label:<12} python run() {py * 1e3:9.3f} ms | rust execute {ex * 1e3:9.3f} ms"
          f" | rust Mechanism::run {rs * 1e3:9.3f} ms | python/execute {py / ex:6.3f}"
          f" (+{(py - ex) * 1e6:7.1f} us) | python/Mechanism::run {py / rs:6.3f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--rounds", type=int, default=15)
    p.add_argument("--batch", type=int, default=20)
    p.add_argument("--mechanism", type=Path,
                   default=REPO / "target/imr-guest/imr_example_time_series.component.wasm")
    p.add_argument("--big", type=Path, default=REPO / "target/ts-4096")
    a = p.parse_args()
    mechanism = imr.Mechanism.load(a.mechanism)
    small = sorted((REPO / "examples/time-series/data/epochs").glob("*.json"))
    measure("12 miners", mechanism, small, 100, a.rounds, a.batch)
    big = sorted(a.big.glob("*.json"))
    if not big:
        raise SystemExit(f"no epochs in {a.big}: see this script's docstring")
    measure("4096 miners", mechanism, big, 7, a.rounds, max(1, a.batch // 4))


if __name__ == "__main__":
    main()
