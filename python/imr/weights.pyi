from typing import Any, Dict, Literal, Sequence, Union

import numpy as np
import numpy.typing as npt

class Emission:
    """The weights the bittensor SDK would submit, and the chain's verdict."""

    @property
    def uids(self) -> npt.NDArray[np.uint16]: ...
    @property
    def values(self) -> npt.NDArray[np.uint16]: ...
    @property
    def stored(self) -> npt.NDArray[np.uint16]: ...
    @property
    def preflight(self) -> Dict[str, Any]: ...
    @property
    def set_weights_call(self) -> str: ...
    @property
    def chain(self) -> Dict[str, Any]: ...
    @property
    def report(self) -> Dict[str, Any]:
        """The JSON object ``imr weights`` prints, as a dict."""

def process(
    uids: Union[Sequence[int], npt.NDArray[Any]],
    scores: Union[Sequence[float], npt.NDArray[Any]],
    *,
    sdk: Literal[10, 11] = 11,
    **chain_params: Any,
) -> Emission:
    """Scores to chain weights exactly as bittensor SDK ``sdk`` would (raises WeightsRefused where it would raise)."""
