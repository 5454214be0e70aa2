"""torchmetrics ``Metric`` classes that accumulate one contingency table across batches and ranks.

``_base.ContingencyMetric`` is the shared glue (state, update, sync, checks); each module holds the
classes of one family of scores, all computed from that one table.
"""

from torch_mi.metrics._base import ContingencyMetric
from torch_mi.metrics.information import (
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
    "ContingencyMetric",
    "HomogeneityScore",
    "MutualInfoScore",
    "NormalizedMutualInfoScore",
    "VMeasureScore",
]
