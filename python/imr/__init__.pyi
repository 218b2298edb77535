"""Type stubs of the imr package (the classes live in the extension module imr._imr)."""

import os
from typing import Any, Dict, List, Literal, Optional, Sequence, Tuple, Union

import numpy as np
import numpy.typing as npt

from . import errors as errors
from . import weights as weights
from . import yuma as yuma
from .errors import (
    AbiFault as AbiFault,
    ForbiddenImports as ForbiddenImports,
    HostError as HostError,
    ImrError as ImrError,
    InvalidEpoch as InvalidEpoch,
    InvalidOutput as InvalidOutput,
    LoadError as LoadError,
    LogError as LogError,
    MechanismFailed as MechanismFailed,
    MechanismInvalidInput as MechanismInvalidInput,
    MemoryLimit as MemoryLimit,
    OutOfFuel as OutOfFuel,
    PipelineRefused as PipelineRefused,
    RunFailed as RunFailed,
    StackLimit as StackLimit,
    StackOverflow as StackOverflow,
    Trap as Trap,
    WeightsRefused as WeightsRefused,
    YumaError as YumaError,
)

__version__: str
DEFAULT_FUEL: int
DEFAULT_MEMORY_MIB: int

StrPath = Union[str, "os.PathLike[str]"]
Engine = Literal["cranelift", "pulley"]
Sdk = Literal[10, 11]
JSON = Any

class Epoch:
    """One epoch: what a mechanism reads, plus the chain parameters for the weights."""

    def __init__(
        self,
        *,
        netuid: int,
        block: int,
        seed: Union[bytes, str],
        neurons: Sequence[Dict[str, Any]],
        task: JSON = None,
        responses: Optional[Sequence[Dict[str, Any]]] = None,
        params: JSON = None,
        chain: Optional[Dict[str, Any]] = None,
    ) -> None: ...
    @staticmethod
    def from_json(source: Union[str, bytes, "os.PathLike[str]"]) -> Epoch:
        """Epoch file content (JSON text or bytes) or the path of an epoch file."""
    @staticmethod
    def from_dict(d: Dict[str, Any]) -> Epoch:
        """A dict with the epoch file's schema (same checks, same errors)."""
    @property
    def hash(self) -> str:
        """blake3 (hex) of the canonical encoding: the receipt's ``epoch``."""
    @property
    def netuid(self) -> int: ...
    @property
    def block(self) -> int: ...
    @property
    def seed(self) -> bytes: ...
    @property
    def uids(self) -> List[int]: ...
    @property
    def response_count(self) -> int: ...

class Run:
    """What one run produced. A failed run has ``ok == False``, ``error`` set, and still a receipt."""

    @property
    def ok(self) -> bool: ...
    @property
    def uids(self) -> npt.NDArray[np.uint16]:
        """Uids to set weights for (ascending); empty when the run failed."""
    @property
    def weights(self) -> npt.NDArray[np.uint16]:
        """u16 weights, one per uid: ``subtensor.set_weights(uids=run.uids, weights=run.weights)``."""
    @property
    def scores(self) -> Dict[int, float]: ...
    @property
    def state(self) -> Optional[bytes]:
        """The state for the next epoch (None when the run failed)."""
    @property
    def diagnostics(self) -> JSON: ...
    @property
    def fuel_consumed(self) -> int: ...
    @property
    def fuel_limit(self) -> int: ...
    @property
    def log(self) -> List[Tuple[str, str]]:
        """The guest's log lines as (level, message)."""
    @property
    def receipt(self) -> Dict[str, Any]: ...
    @property
    def receipt_json(self) -> bytes:
        """The receipt, byte-identical to the ``receipt.json`` that ``imr run`` writes."""
    @property
    def hash(self) -> str:
        """The receipt's hash."""
    @property
    def seq(self) -> Optional[int]:
        """The receipt's number in the run log it was appended to (None otherwise)."""
    @property
    def set_weights_call(self) -> Optional[str]:
        """SCALE hex of the set_weights call's arguments (None when the run failed)."""
    @property
    def preflight(self) -> Optional[Dict[str, Any]]:
        """The chain's pre-flight verdict: ``{"ok": bool, "rejections": [...]}``."""
    @property
    def error(self) -> Optional[RunFailed]:
        """Why the run failed (not raised), or None."""
    def raise_for_error(self) -> Run:
        """Raises ``error`` if the run failed; returns the run otherwise."""

class Mechanism:
    """A mechanism component, admitted and compiled; shareable by threads."""

    @staticmethod
    def load(
        path: StrPath,
        *,
        fuel: int = 2_000_000_000,
        memory_mib: int = 256,
        engine: Engine = "cranelift",
        cache_dir: Optional[StrPath] = None,
        cache: bool = True,
    ) -> Mechanism: ...
    @staticmethod
    def from_bytes(
        data: bytes,
        *,
        fuel: int = 2_000_000_000,
        memory_mib: int = 256,
        engine: Engine = "cranelift",
        cache_dir: Optional[StrPath] = None,
        cache: bool = True,
    ) -> Mechanism: ...
    def run(
        self,
        epoch: Epoch,
        state: bytes = b"",
        *,
        sdk: Sdk = 11,
        previous: Union[str, Run, Dict[str, Any], None] = None,
    ) -> Run:
        """Runs one epoch (GIL released). Raises only for bad arguments."""
    @property
    def id(self) -> str:
        """The component's blake3 (hex)."""
    @property
    def size(self) -> int: ...
    @property
    def imports(self) -> List[str]: ...
    @property
    def fuel(self) -> int: ...
    @property
    def memory_mib(self) -> int: ...
    @property
    def engine(self) -> str: ...

class RunLog:
    """A hash-chained run log on disk, opened for appending (holds its lock until ``close()``)."""

    @staticmethod
    def open(path: StrPath, *, sign_with: Optional[str] = None) -> RunLog:
        """Opens the log, creating it when missing (as ``imr run --log``).

        ``sign_with`` (``wallet:NAME/HOTKEY``, ``file:PATH``, ``env:VAR`` or ``uri:SECRET_URI``,
        as ``imr run --sign-with``) signs every receipt appended with that hotkey."""
    def append(self, mechanism: Mechanism, epoch: Epoch, *, sdk: Sdk = 11) -> Run:
        """Runs ``epoch`` with the state and previous receipt from the log, and appends the run."""
    @property
    def head(self) -> Optional[str]: ...
    @property
    def path(self) -> str: ...
    def receipts(self) -> List[Dict[str, Any]]: ...
    def close(self) -> None: ...
    def __len__(self) -> int: ...
    def __enter__(self) -> RunLog: ...
    def __exit__(self, *args: Any) -> bool: ...

class VerifyReport:
    ok: bool
    identical: int
    replayed: int
    mismatched: int
    no_result: int
    signed: int
    missing: int
    receipts: int
    blobs: int
    problems: List[str]
    head: Optional[str]

class ReplayReport:
    identical: bool
    hash_valid: bool
    fingerprint_differs: bool
    differences: List[Tuple[str, str, str]]
    hash: str

def verify(
    path: StrPath,
    *,
    replay: bool = True,
    engine: Engine = "cranelift",
    jobs: int = 0,
    cache_dir: Optional[StrPath] = None,
    cache: bool = True,
    signer: Optional[str] = None,
    signer_uid: Optional[int] = None,
    require_signatures: bool = False,
) -> VerifyReport:
    """Verifies a whole run log (``imr verify``); GIL released.

    ``signer`` (an ss58 address) or ``signer_uid`` (that uid's hotkey in each epoch) is the key
    every signature present must be by; ``require_signatures`` makes a missing one a problem."""

def replay(
    receipt: Union[StrPath, int],
    *,
    log: Optional[StrPath] = None,
    engine: Engine = "cranelift",
    cache_dir: Optional[StrPath] = None,
    cache: bool = True,
) -> ReplayReport:
    """Re-executes one receipt's run and compares (``imr replay``)."""
