"""imr: run Bittensor incentive mechanisms as deterministic WebAssembly components, in process.

Load a mechanism once, run it on each epoch, and hand its weights to the chain::

    import imr

    mechanism = imr.Mechanism.load("mechanism.component.wasm")
    run = mechanism.run(imr.Epoch.from_json("epoch.json"))
    subtensor.set_weights(wallet=wallet, netuid=run.receipt["weights"]["netuid"],
                          uids=run.uids, weights=run.weights)

Every run has a receipt (``run.receipt``, ``run.receipt_json``) that anyone can
replay to the same bytes; ``imr.RunLog`` keeps them hash-chained on disk, and
``imr.verify`` checks a whole log. ``imr.weights`` is the bittensor SDK's weight
processing alone, ``imr.yuma`` subtensor's Yuma consensus epoch.
"""

from __future__ import annotations

from . import errors
from ._imr import (
    DEFAULT_FUEL,
    DEFAULT_MEMORY_MIB,
    Epoch,
    Mechanism,
    ReplayReport,
    Run,
    RunLog,
    VerifyReport,
    __version__,
    replay,
    verify,
)
from . import weights, yuma
from .errors import (
    AbiFault,
    ForbiddenImports,
    HostError,
    ImrError,
    InvalidEpoch,
    InvalidOutput,
    LoadError,
    LogError,
    MechanismFailed,
    MechanismInvalidInput,
    MemoryLimit,
    OutOfFuel,
    PipelineRefused,
    RunFailed,
    StackLimit,
    StackOverflow,
    Trap,
    WeightsRefused,
    YumaError,
)

__all__ = [
    "AbiFault",
    "DEFAULT_FUEL",
    "DEFAULT_MEMORY_MIB",
    "Epoch",
    "ForbiddenImports",
    "HostError",
    "ImrError",
    "InvalidEpoch",
    "InvalidOutput",
    "LoadError",
    "LogError",
    "Mechanism",
    "MechanismFailed",
    "MechanismInvalidInput",
    "MemoryLimit",
    "OutOfFuel",
    "PipelineRefused",
    "ReplayReport",
    "Run",
    "RunFailed",
    "RunLog",
    "StackLimit",
    "StackOverflow",
    "Trap",
    "VerifyReport",
    "WeightsRefused",
    "YumaError",
    "__version__",
    "errors",
    "replay",
    "verify",
    "weights",
    "yuma",
]
