"""The bittensor SDK's weight processing, bit for bit (``imr weights``).

``process(uids, scores, sdk=11, **chain_params)`` returns an :class:`Emission`
whose ``uids`` and ``values`` are what ``subtensor.set_weights`` would submit.
"""

from __future__ import annotations

from ._imr import weights as _weights

Emission = _weights.Emission
process = _weights.process

__all__ = ["Emission", "process"]
