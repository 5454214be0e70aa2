"""torch_mi: exact, fast mutual information scores for comparing clusterings, in PyTorch.

The Metric classes accumulate a contingency table across batches and distributed ranks;
``torch_mi.functional`` holds their functional twins.
"""

from torch_mi import functional
from torch_mi.metrics import (
    AdjustedMutualInfoScore,
    CompletenessScore,
    HomogeneityScore,
    MutualInfoScore,
    NormalizedMutualInfoScore,
    VMeasureScore,
)

__all__ = [
    "AdjustedMutualInfoScore",
    "CompletenessScore",
    "HomogeneityScore",
    "MutualInfoScore",
    "NormalizedMutualInfoScore",
    "VMeasureScore",
    "functional",
]
__version__ = "0.1.0"
