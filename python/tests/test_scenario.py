"""The bundled time-series scenario through Python gives the CLI's bytes, epoch by epoch."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

import imr

from conftest import TIME_SERIES_EPOCHS, read_json


@pytest.fixture(scope="module")
def cli_run(imr_cli, time_series_path, tmp_path_factory):
    """`imr run` in validator mode over the whole scenario: its run log and last outputs."""
    root = tmp_path_factory.mktemp("cli")
    imr_cli(
        "run", "--mechanism", time_series_path, "--epochs", TIME_SERIES_EPOCHS,
        "--log", root / "log", "--out", root / "out", "--quiet", "--no-cache",
    )
    return root


def cli_receipt(cli_run: Path, seq: int) -> bytes:
    return (cli_run / "log" / "receipts" / f"{seq:08}.json").read_bytes()


def test_run_log_append_gives_the_cli_receipts_for_every_epoch(
    time_series, epoch_files, cli_run, tmp_path
):
    with imr.RunLog.open(tmp_path / "log") as log:
        for seq, path in enumerate(epoch_files):
            run = log.append(time_series, imr.Epoch.from_json(path))
            assert run.ok, run.error
            assert run.seq == seq
            assert run.receipt_json == cli_receipt(cli_run, seq), f"receipt {seq} ({path.name})"
        assert len(log) == len(epoch_files)
        assert log.head == run.hash
    # The last epoch's outputs are what `imr run --out` wrote.
    assert run.receipt_json == (cli_run / "out" / "receipt.json").read_bytes()
    weights = read_json(cli_run / "out" / "weights.json")
    assert run.uids.dtype == np.uint16 and run.weights.dtype == np.uint16
    assert run.uids.tolist() == weights["uids"]
    assert run.weights.tolist() == weights["values"]
    assert run.set_weights_call == weights["set_weights_call"]
    assert run.preflight == weights["preflight"]
    assert run.state == (cli_run / "out" / "state.json").read_bytes()
    assert run.diagnostics == read_json(cli_run / "out" / "diagnostics.json")


def test_mechanism_run_chained_by_hand_gives_the_same_receipts(
    time_series, epoch_files, cli_run
):
    state, previous = b"", None
    for seq, path in enumerate(epoch_files):
        run = time_series.run(imr.Epoch.from_json(path), state, previous=previous)
        assert run.receipt_json == cli_receipt(cli_run, seq), f"receipt {seq} ({path.name})"
        assert run.receipt == json.loads(run.receipt_json)
        assert run.seq is None
        state = run.state if run.ok else state
        previous = run


def test_an_epoch_built_from_a_dict_or_arguments_is_the_file_epoch(epoch_files):
    path = epoch_files[3]
    from_file = imr.Epoch.from_json(path)
    d = json.loads(path.read_text())
    assert imr.Epoch.from_dict(d).hash == from_file.hash
    assert imr.Epoch.from_json(path.read_bytes()) == from_file
    assert imr.Epoch.from_json(path.read_text()) == from_file
    assert imr.Epoch.from_json(str(path)) == from_file
    d["seed"] = bytes.fromhex(d["seed"])
    built = imr.Epoch(**d)
    assert built == from_file and built.hash == from_file.hash
    # Reformatting does not change the epoch: the payloads are canonical JSON.
    assert imr.Epoch.from_json(json.dumps(json.loads(path.read_text()), indent=1)) == from_file


def test_the_log_verifies_and_replays(time_series, epoch_files, tmp_path):
    with imr.RunLog.open(tmp_path / "log") as log:
        for path in epoch_files[:5]:
            log.append(time_series, imr.Epoch.from_json(path))
    report = imr.verify(tmp_path / "log")
    assert report.ok, report.problems
    assert (report.receipts, report.identical, report.problems) == (5, 5, [])
    by_number = imr.replay(2, log=tmp_path / "log")
    assert by_number.identical and by_number.differences == []
    by_file = imr.replay(tmp_path / "log" / "receipts" / "00000004.json")
    assert by_file.identical and by_file.hash == report.head
