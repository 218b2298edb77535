"""A subnet-template-style validator whose reward function is an imr mechanism.

Each step, `forward()` queries the miners (simulated: their answers are replayed from
the time-series scenario, no network), builds an `imr.Epoch`, runs the time-series
mechanism through a run log (state and receipt chain carried by the log), and hands
`run.uids, run.weights` to `set_weights` with the bittensor SDK's signature (a stand-in
here: no chain is reachable). See README.md for the real call.

    python examples/python-validator/validator.py [--steps N] [--log DIR]
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any, Dict, List

import imr

REPO = Path(__file__).resolve().parents[2]
SCENARIO = REPO / "examples" / "time-series" / "data" / "epochs"
MECHANISM = REPO / "target" / "imr-guest" / "imr_example_time_series.component.wasm"


class StandInSubtensor:
    """Has `bittensor.Subtensor.set_weights`' signature; records instead of submitting."""

    def __init__(self) -> None:
        self.submitted: List[Dict[str, Any]] = []

    def set_weights(self, wallet, netuid, uids, weights, version_key=0,
                    wait_for_inclusion=False, wait_for_finalization=False, **kwargs):
        self.submitted.append({"netuid": netuid, "uids": uids, "weights": weights,
                               "version_key": version_key})
        return True, "recorded (stand-in: no chain)"


class Validator:
    def __init__(self, mechanism: imr.Mechanism, log: imr.RunLog, subtensor, wallet=None):
        self.mechanism, self.log, self.subtensor, self.wallet = mechanism, log, subtensor, wallet
        self.step = 0

    def query_miners(self) -> Dict[str, Any]:
        """Stands in for dendrite calls: the metagraph, the task and the miners' answers."""
        return json.loads((SCENARIO / f"{self.step:04}.json").read_text())

    def forward(self) -> imr.Run:
        snapshot = self.query_miners()
        epoch = imr.Epoch(
            netuid=snapshot["netuid"],
            block=snapshot["block"],
            seed=bytes.fromhex(snapshot["seed"]),  # on chain: the block hash
            neurons=snapshot["neurons"],            # from the metagraph
            task=snapshot["task"],                  # what the validator asked
            responses=[{"uid": r["uid"], "payload": r["payload"], "latency_ms": r.get("latency_ms")}
                       for r in snapshot["responses"]],
            params=snapshot["params"],
            chain=snapshot.get("chain"),
        )
        run = self.log.append(self.mechanism, epoch)  # state and previous receipt come from the log
        run.raise_for_error()
        if not run.preflight["ok"]:
            raise RuntimeError(f"the chain would refuse these weights: {run.preflight['rejections']}")
        ok, message = self.subtensor.set_weights(
            wallet=self.wallet, netuid=epoch.netuid, uids=run.uids, weights=run.weights,
            version_key=run.receipt["weights"]["version_key"],
        )
        print(f"step {self.step}: block {epoch.block}, receipt {run.seq} {run.hash[:16]}…, "
              f"{len(run.uids)} weights, set_weights: {message}")
        self.step += 1
        return run


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=8)
    parser.add_argument("--log", type=Path, default=REPO / "out" / "python-validator-log")
    parser.add_argument("--mechanism", type=Path, default=MECHANISM)
    args = parser.parse_args()
    if not args.mechanism.exists():
        raise SystemExit(f"{args.mechanism} is missing: build it with "
                         "`cargo build -p imr-host && ./target/debug/imr build examples/time-series`")
    mechanism = imr.Mechanism.load(args.mechanism)
    subtensor = StandInSubtensor()
    with imr.RunLog.open(args.log) as log:
        validator = Validator(mechanism, log, subtensor)
        validator.step = len(log)  # a restarted validator continues its log
        for _ in range(args.steps):
            run = validator.forward()
    print("uid    weight")
    for uid, weight in zip(run.uids.tolist(), run.weights.tolist()):
        print(f"{uid:<6} {weight}")
    report = imr.verify(args.log)
    print(f"run log {args.log}: {report.receipts} receipts, "
          f"{'verified' if report.ok else report.problems}, head {report.head}")


if __name__ == "__main__":
    main()
