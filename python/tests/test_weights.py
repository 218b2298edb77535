"""imr.weights.process equals `imr weights` on the bundled examples."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import imr

from conftest import REPO, TIME_SERIES_EPOCHS

SCORES = REPO / "weights" / "examples" / "scores.json"

# (CLI flags, the same chain parameters as keyword arguments)
CASES = [
    ([], {}),
    (["--sdk", "10"], {"sdk": 10}),
    (["--netuid", "1", "--n", "8", "--commit-reveal", "false", "--sdk", "10"],
     {"netuid": 1, "n": 8, "commit_reveal_enabled": False, "sdk": 10}),
    (["--max-weight-limit", "20000", "--n", "16"], {"max_weight_limit": 20000, "n": 16}),
    (["--min-allowed-weights", "7", "--exclude-quantile", "6553", "--sdk", "10"],
     {"min_allowed_weights": 7, "exclude_quantile": 6553, "sdk": 10}),
    (["--caller-uid", "3", "--caller-permit", "false", "--version-key", "5",
      "--weights-version-key", "6"],
     {"caller_uid": 3, "caller_permit": False, "version_key": 5, "weights_version_key": 6}),
]


@pytest.mark.parametrize("flags, kwargs", CASES)
def test_process_equals_the_cli(imr_cli, flags, kwargs):
    cli = json.loads(imr_cli("weights", "--scores", SCORES, *flags).stdout)
    scores = json.loads(SCORES.read_text())
    for uids, values in [
        (scores["uids"], scores["weights"]),
        (np.array(scores["uids"], dtype=np.int64), np.array(scores["weights"])),
    ]:
        emission = imr.weights.process(uids, values, **kwargs)
        assert emission.report == cli
        assert emission.uids.tolist() == cli["uids"]
        assert emission.values.tolist() == cli["values"]
        assert emission.values.dtype == np.uint16
        assert emission.preflight == cli["preflight"]
        assert emission.set_weights_call == cli["set_weights_scale_hex"]


def test_process_equals_the_weights_of_a_run(time_series):
    """The weights in a receipt are process() of the run's scores with the epoch's chain."""
    path = sorted(TIME_SERIES_EPOCHS.glob("*.json"))[50]
    epoch_file = json.loads(path.read_text())
    run = time_series.run(imr.Epoch.from_json(path))
    chain = run.receipt["weights"]["pipeline"]["chain"]
    emission = imr.weights.process(list(run.scores), list(run.scores.values()), **chain)
    assert emission.uids.tolist() == run.uids.tolist()
    assert emission.values.tolist() == run.weights.tolist()
    assert emission.set_weights_call == run.set_weights_call
    assert chain["netuid"] == epoch_file["netuid"]
