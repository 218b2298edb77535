"""imr.yuma equals `imr yuma` on examples/yuma-copier."""

from __future__ import annotations

import json

import numpy as np
import pytest

import imr

from conftest import REPO

COPIER = REPO / "examples" / "yuma-copier"
STATES = sorted(COPIER.glob("state-*.json"))


def plain(output):
    return {k: (v.tolist() if isinstance(v, np.ndarray) else v) for k, v in output.items()}


def test_the_example_has_states():
    assert STATES


@pytest.mark.parametrize("state", STATES, ids=lambda p: p.stem)
def test_run_equals_the_cli(imr_cli, state):
    weights = COPIER / "weights.json"
    cli = json.loads(
        imr_cli("yuma", "--state", state, "--weights-per-epoch", weights).stdout
    )["epochs"]
    records = imr.yuma.run(json.loads(state.read_text()), weights_per_epoch=json.loads(weights.read_text()))
    assert len(records) == len(cli) == len(json.loads(weights.read_text())["epochs"])
    for mine, theirs in zip(records, cli):
        assert mine["epoch"] == theirs["epoch"] and mine["block"] == theirs["block"]
        assert plain(mine["output"]) == theirs["output"]
    out = records[-1]["output"]
    assert out["incentive_u16"].dtype == np.uint16
    assert out["validator_emission"].dtype == np.uint64
    assert out["active"].dtype == np.bool_
    # Paths work as well as dicts, and int uid keys as well as strings.
    by_path = imr.yuma.run(state, weights_per_epoch=weights)
    assert [plain(r["output"]) for r in by_path] == [t["output"] for t in cli]
    int_keys = [{int(k): v for k, v in e.items()} for e in json.loads(weights.read_text())["epochs"]]
    assert [plain(r["output"]) for r in imr.yuma.run(state, weights_per_epoch=int_keys)] == [
        t["output"] for t in cli
    ]


@pytest.mark.parametrize("state", STATES, ids=lambda p: p.stem)
def test_epoch_and_fixed_weights_equal_the_cli(imr_cli, state):
    one = json.loads(imr_cli("yuma", "--state", state).stdout)
    assert plain(imr.yuma.epoch(json.loads(state.read_text()))) == one
    fixed = json.loads(imr_cli("yuma", "--state", state, "--epochs", "5").stdout)["epochs"]
    assert [plain(r["output"]) for r in imr.yuma.run(state, epochs=5)] == [
        t["output"] for t in fixed
    ]
