"""imr.verify finds tampering and names the receipt."""

from __future__ import annotations

import json

import pytest

import imr

from conftest import small_epoch


@pytest.fixture
def log_dir(time_series, epoch_files, tmp_path):
    with imr.RunLog.open(tmp_path / "log") as log:
        for path in epoch_files[:4]:
            log.append(time_series, imr.Epoch.from_json(path))
    assert imr.verify(tmp_path / "log").ok
    return tmp_path / "log"


def test_a_tampered_receipt_is_reported_with_its_number(log_dir):
    receipt = log_dir / "receipts" / "00000002.json"
    r = json.loads(receipt.read_text())
    r["weights"]["values"][0] ^= 1
    receipt.write_text(json.dumps(r, indent=2))
    report = imr.verify(log_dir)
    assert not report.ok
    assert report.problems and all(p.startswith("receipt ") for p in report.problems)
    assert any(p.startswith("receipt 2: ") for p in report.problems), report.problems
    assert report.identical < report.receipts == 4
    replayed = imr.replay(2, log=log_dir)
    assert not replayed.identical and not replayed.hash_valid


def test_a_tampered_blob_is_reported(log_dir):
    state_out = json.loads((log_dir / "receipts" / "00000001.json").read_text())["state_out"]
    blob = log_dir / "blobs" / state_out
    blob.write_bytes(blob.read_bytes() + b" ")
    report = imr.verify(log_dir, replay=False)
    assert not report.ok
    assert any(state_out in p for p in report.problems), report.problems


def test_a_resealed_receipt_is_caught_by_the_next_link(log_dir):
    # Re-sealing a forged receipt cannot be hidden: the next receipt names the old hash.
    path = log_dir / "receipts" / "00000001.json"
    r = json.loads(path.read_text())
    r["fuel_consumed"] += 1
    path.write_text(json.dumps(r, indent=2))
    report = imr.verify(log_dir)
    assert any(p.startswith("receipt 1: ") for p in report.problems), report.problems


def test_a_signed_log_verifies_for_its_key_only(tmp_path, hostile_bytes):
    hostile = imr.Mechanism.from_bytes(hostile_bytes, cache=False)
    alice = "5GrwvaEF5zXb26Fz9rcQpDWS57CtERHpNehXCPcNoHGKutQY"
    bob = "5FHneW46xGXgs5mUiveU4sbTyGBzmstUspZC92UhjJM694ty"
    with imr.RunLog.open(tmp_path / "log", sign_with="uri://Alice") as log:
        for _ in range(2):
            log.append(hostile, small_epoch({"mode": "ok"}))
    report = imr.verify(tmp_path / "log", signer=alice, require_signatures=True)
    assert report.ok and report.signed == 2, report.problems
    report = imr.verify(tmp_path / "log", signer=bob, replay=False)
    assert not report.ok
    assert report.problems[0].startswith("receipt 0: signature: signed by"), report.problems
    with pytest.raises(ValueError, match="not an ss58 address"):
        imr.verify(tmp_path / "log", signer="nope")
    with pytest.raises(ValueError, match="bad key source"):
        imr.RunLog.open(tmp_path / "other", sign_with="//Alice")
