"""scikit-learn's scaling and tie-breaking noise for the kNN feature-MI estimators, drawn in its order."""

from __future__ import annotations

from numbers import Integral
from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor

from torch_mi._sklearn_compat import InvalidParameterError

_NOISE_ROWS = 1 << 16  # rows of noise drawn per numpy call (same stream as one big draw)
_SEED_MAX = 2**32 - 1  # numpy's legacy seeds, the range scikit-learn's "random_state" constraint allows


def std_scale_(columns: Tensor, tiny: float = 10 * torch.finfo(torch.float64).eps) -> Tensor:
    """Divide each column by its std (ddof=0) in place; columns with std < ``tiny`` by 1.

    As ``sklearn.preprocessing.scale``: near-constant columns of X (std < 10 eps) and a y with
    std exactly 0 are left unscaled.
    """
    std = columns.std(dim=0, correction=0)
    std = torch.where(std < tiny, torch.ones_like(std), std)
    return columns.div_(std)


def numpy_rng(random_state: Any) -> np.random.RandomState:
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        seed = int(random_state)
        if not 0 <= seed <= _SEED_MAX:
            raise InvalidParameterError(f"`random_state` as an int must lie in [0, {_SEED_MAX}]; got {random_state}.")
        return np.random.RandomState(seed)
    raise InvalidParameterError(
        "`random_state` must be None, an int, a numpy.random.RandomState or a torch.Generator; "
        f"got {type(random_state).__name__}."
    )


class Noise:
    """Standard normal draws in scikit-learn's order: (N, F_continuous) first, then (N,) for y."""

    def __init__(self, random_state: Any) -> None:
        # exactly one of the two is set: torch's generator, or numpy's stream
        self.generator: Optional[torch.Generator]
        self.rng: Optional[np.random.RandomState]
        if isinstance(random_state, torch.Generator):
            self.generator, self.rng = random_state, None
        else:
            self.generator, self.rng = None, numpy_rng(random_state)

    def add_(self, columns: Tensor) -> None:
        """columns += 1e-10 * max(1, mean|column|) * normal, column by column's own scale."""
        scale = 1e-10 * torch.clamp(columns.abs().mean(dim=0), min=1.0)
        if self.generator is not None:
            noise = torch.randn(columns.shape, generator=self.generator, dtype=torch.float64,
                                device=self.generator.device)
            columns.add_(scale * noise.to(columns.device))
            return
        assert self.rng is not None  # no generator: __init__ set numpy's stream
        squeeze = columns.ndim == 1
        view = columns[:, None] if squeeze else columns
        for start in range(0, view.shape[0], _NOISE_ROWS):
            rows = min(_NOISE_ROWS, view.shape[0] - start)
            size = rows if squeeze else (rows, view.shape[1])
            draw = torch.from_numpy(self.rng.standard_normal(size=size)).reshape(rows, -1)
            view[start:start + rows].add_(scale * draw.to(columns.device))
