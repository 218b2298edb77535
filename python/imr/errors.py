"""The exceptions imr raises (and the ones a failed run carries in ``Run.error``).

Every class derives from :class:`ImrError`. Each instance has ``message`` (the
text, as the CLI prints it) and the attributes its class documents.
"""

from __future__ import annotations

from typing import Any, List, Optional

__all__ = [
    "ImrError",
    "InvalidEpoch",
    "LoadError",
    "ForbiddenImports",
    "RunFailed",
    "OutOfFuel",
    "MemoryLimit",
    "StackOverflow",
    "StackLimit",
    "Trap",
    "AbiFault",
    "InvalidOutput",
    "MechanismInvalidInput",
    "MechanismFailed",
    "HostError",
    "PipelineRefused",
    "WeightsRefused",
    "LogError",
    "YumaError",
]


class ImrError(Exception):
    """Base class of every imr error."""

    message: str

    def __init__(self, message: str, **details: Any) -> None:
        super().__init__(message)
        self.message = message
        for key, value in details.items():
            setattr(self, key, value)


class InvalidEpoch(ImrError, ValueError):
    """An epoch (file, JSON, dict or constructor arguments) breaks the epoch schema.

    ``field`` names the offending field as a path (``neurons[1].uid``), ``reason``
    says what is wrong, ``path`` is the file (or ``None``).
    """

    field: str
    reason: str
    path: Optional[str]


class LoadError(ImrError):
    """A mechanism component could not be loaded (unreadable, not a component, wrong world)."""


class ForbiddenImports(LoadError):
    """The component imports something outside the mechanism world; ``imports`` lists every one."""

    imports: List[str]


class RunFailed(ImrError):
    """Base of the reasons a run produced no outcome (found in ``Run.error``).

    ``kind`` is the receipt's error kind (``out_of_fuel``, ``trap``, ...),
    ``deterministic`` tells whether every validator must see the same failure
    (then it is a result and has a receipt), ``details`` is the receipt's error object.
    """

    kind: str
    deterministic: bool
    details: dict


class OutOfFuel(RunFailed):
    """The run used its whole fuel budget (``limit``)."""

    limit: int


class MemoryLimit(RunFailed):
    """The guest tried to grow its memory to ``requested`` bytes, over ``limit``."""

    requested: int
    limit: int


class StackOverflow(RunFailed):
    """The guest exhausted its stack (``limit_bytes``). Not deterministic: no result, no receipt in a log."""

    limit_bytes: int


class StackLimit(RunFailed):
    """The guest recursed past the logical stack limit (``limit`` logical bytes per core instance).

    Deterministic: the limit is a property of the component's code, the same on every engine and machine.
    """

    limit: int


class Trap(RunFailed):
    """The guest trapped: ``trap`` is the trap's stable name (``UnreachableCodeReached``,
    ``MemoryOutOfBounds``, ...), ``panic_message`` the guest's panic message (or None)."""

    trap: str
    panic_message: Optional[str]


class AbiFault(RunFailed):
    """The component broke the canonical ABI in what it returned or logged.

    ``fault`` is one of ``invalid_utf8``, ``invalid_discriminant``, ``out_of_bounds``,
    ``misaligned``, ``copy_limit``; ``reason`` says it in words. Deterministic: a result.
    """

    fault: str
    reason: str


class InvalidOutput(RunFailed):
    """The outcome breaks the contract (a NaN, negative or unknown-uid score) or an output cap.

    For a bad score: ``uid``, ``value`` (text) and ``reason``; for an output over
    its cap (``kind == "output_too_large"``): ``what``, ``size`` and ``limit``.
    """


class MechanismInvalidInput(RunFailed):
    """The mechanism refused the epoch; ``reason`` is its message (it names the field)."""

    reason: str


class MechanismFailed(RunFailed):
    """The mechanism (or the weights pipeline on its scores) failed; ``reason`` is the message."""

    reason: str


class PipelineRefused(RunFailed):
    """The weights pipeline refused the mechanism's (valid) scores; ``reason`` says why.

    Deterministic: a result with a receipt (error kind ``weights_refused``).
    """

    reason: str


class HostError(RunFailed):
    """The host itself failed (not a result of the mechanism; never logged)."""

    reason: str


class WeightsRefused(ImrError, ValueError):
    """The bittensor SDK's weight processing would raise on these scores.

    ``python_error`` names the exception the SDK raises (``ValueError``, ...).
    """

    python_error: str


class LogError(ImrError):
    """A run log could not be opened, read, appended to or verified."""


class YumaError(ImrError, ValueError):
    """A Yuma state or weights schedule is invalid (the message names the field)."""
