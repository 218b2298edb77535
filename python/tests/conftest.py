"""Shared fixtures: the repository, the `imr` CLI (the reference the package must match),
and the guest components, built once per session with `imr build`."""

from __future__ import annotations

import json
import os
import subprocess
from pathlib import Path
from typing import Any, Callable, Dict, List

import pytest

import imr

REPO = Path(__file__).resolve().parents[2]
TIME_SERIES_EPOCHS = REPO / "examples" / "time-series" / "data" / "epochs"


def _cli_path() -> Path:
    if "IMR_BIN" in os.environ:
        return Path(os.environ["IMR_BIN"])
    target = Path(os.environ.get("CARGO_TARGET_DIR", REPO / "target"))
    return target / "debug" / "imr"


@pytest.fixture(scope="session")
def imr_cli() -> Callable[..., subprocess.CompletedProcess]:
    """Runs the `imr` CLI (building it once when it is missing) and returns the completed process."""
    path = _cli_path()
    if not path.exists():
        subprocess.run(
            ["cargo", "build", "-q", "-p", "imr-host", "--bin", "imr"], cwd=REPO, check=True
        )
    assert path.exists(), f"the imr CLI is not at {path} (set IMR_BIN)"

    def run(*args: Any, check: bool = True) -> subprocess.CompletedProcess:
        done = subprocess.run(
            [str(path), *map(str, args)], cwd=REPO, capture_output=True, text=True
        )
        if check and done.returncode != 0:
            raise AssertionError(f"imr {' '.join(map(str, args))} failed:\n{done.stderr}")
        return done

    return run


@pytest.fixture(scope="session")
def build(imr_cli) -> Callable[[str], Path]:
    """Builds a guest crate (relative to the repository) with `imr build`; returns the component path."""
    built: Dict[str, Path] = {}

    def component(crate: str) -> Path:
        if crate not in built:
            out = imr_cli("build", crate).stdout.splitlines()
            built[crate] = Path(out[0].strip())
        return built[crate]

    return component


@pytest.fixture(scope="session")
def time_series_path(build) -> Path:
    return build("examples/time-series")


@pytest.fixture(scope="session")
def time_series(time_series_path) -> imr.Mechanism:
    return imr.Mechanism.load(time_series_path, cache=False)


@pytest.fixture(scope="session")
def hostile_bytes(build) -> bytes:
    return build("host/tests/guests/hostile").read_bytes()


@pytest.fixture(scope="session")
def epoch_files() -> List[Path]:
    files = sorted(TIME_SERIES_EPOCHS.glob("*.json"))
    assert files, f"no epoch files in {TIME_SERIES_EPOCHS}"
    return files


def small_epoch(params: Any, **extra: Any) -> imr.Epoch:
    """Neurons 0..3 and `params` (the host tests' epoch for the hostile guest)."""
    return imr.Epoch(
        netuid=3,
        block=100,
        seed=bytes([1]) * 32,
        neurons=[{"uid": u, "hotkey": f"h{u}", "registered_at_block": 1} for u in range(4)],
        params=params,
        **extra,
    )


def read_json(path: Path) -> Any:
    return json.loads(path.read_text())
