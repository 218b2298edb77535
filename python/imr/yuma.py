"""Subtensor's Yuma consensus epoch, bit for bit (``imr yuma``).

A state is the ``imr yuma --state`` object: ``{"params": {...}, "input": {...}}``
(see ``imr yuma --help``). Per-uid vectors of the output come back as numpy
arrays: ``*_u16`` as ``uint16``, rao amounts as ``uint64``, flags as ``bool``;
``bonds_u16`` stays a list of sparse rows ``[[uid, value], ...]``.
"""

from __future__ import annotations

import os
from typing import Any, Dict, List, Mapping, Optional, Sequence, Union

import numpy as np

from ._imr import yuma as _yuma

__all__ = ["epoch", "run"]

State = Union[Mapping[str, Any], str, "os.PathLike[str]"]


def _state(state: State) -> Any:
    if isinstance(state, (str, os.PathLike)):
        import json

        with open(state, encoding="utf-8") as f:
            return json.load(f)
    return state


def _arrays(output: Dict[str, Any]) -> Dict[str, Any]:
    """Per-uid vectors as numpy arrays (sparse matrices stay lists)."""
    converted: Dict[str, Any] = {}
    for key, value in output.items():
        if isinstance(value, list) and not any(isinstance(v, list) for v in value):
            if key.endswith("_u16"):
                dtype: Any = np.uint16
            elif value and all(isinstance(v, bool) for v in value):
                dtype = np.bool_
            elif key in ("new_validator_permit", "active"):
                dtype = np.bool_
            else:
                dtype = np.uint64
            converted[key] = np.array(value, dtype=dtype)
        else:
            converted[key] = value
    return converted


def _weights(weights_per_epoch: Any) -> Any:
    """``{"epochs": [...]}`` or a bare list of per-epoch submissions; uid keys may be ints."""
    if weights_per_epoch is None:
        return None
    if isinstance(weights_per_epoch, (str, os.PathLike)):
        weights_per_epoch = _state(weights_per_epoch)
    epochs: Sequence[Any]
    if isinstance(weights_per_epoch, Mapping):
        if set(weights_per_epoch) != {"epochs"}:
            return weights_per_epoch  # let the parser name the problem
        epochs = weights_per_epoch["epochs"]
    else:
        epochs = weights_per_epoch
    return {
        "epochs": [
            {str(uid): row for uid, row in subs.items()} if isinstance(subs, Mapping) else subs
            for subs in epochs
        ]
    }


def epoch(state: State) -> Dict[str, Any]:
    """Runs one Yuma epoch on ``state`` and returns what the chain would store."""
    return _arrays(_yuma.epoch(_state(state)))


def run(
    state: State,
    epochs: Optional[int] = None,
    weights_per_epoch: Any = None,
) -> List[Dict[str, Any]]:
    """Runs ``epochs`` epochs back to back from ``state``, carrying bonds and permits.

    Without ``weights_per_epoch`` the weights are held fixed; with it (``{"epochs":
    [{uid: [[dest, value], ...]}, ...]}`` or the bare list), entry k lists the
    uids submitting before epoch k. ``epochs`` defaults to the schedule's length (or 1).
    Returns one ``{"epoch", "block", "output"}`` per epoch.
    """
    records = _yuma.run(_state(state), epochs, _weights(weights_per_epoch))
    return [{**r, "output": _arrays(r["output"])} for r in records]
