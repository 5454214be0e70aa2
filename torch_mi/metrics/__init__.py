"""torchmetrics ``Metric`` classes that accumulate one contingency table across batches and ranks.

``_base.ContingencyMetric`` is the shared glue (state, update, sync, checks); each module holds the
classes of one family of scores, all computed from that one table.
"""

from torch_mi.metrics._base import ContingencyMetric
from torch_mi.metrics.accuracy import ClusterAccuracy
from torch_mi.metrics.bcubed import BCubedFScore, BCubedPrecision, BCubedRecall
from torch_mi.metrics.features import FeatureMutualInfo
from torch_mi.metrics.information import (
    AdjustedMutualInfoScore,
    CompletenessScore,
    HomogeneityScore,
    MutualInfoScore,
    NormalizedMutualInfoScore,
    VariationOfInformation,
    VMeasureScore,
)
from torch_mi.metrics.pair_counting import (
    AdjustedRandScore,
    FowlkesMallowsIndex,
    PairJaccardIndex,
    PairwiseFScore,
    PairwisePrecision,
    PairwiseRecall,
    RandScore,
)
from torch_mi.metrics.purity import PurityScore

__all__ = [
    "AdjustedMutualInfoScore",
    "AdjustedRandScore",
    "BCubedFScore",
    "BCubedPrecision",
    "BCubedRecall",
    "ClusterAccuracy",
    "CompletenessScore",
    "ContingencyMetric",
    "FeatureMutualInfo",
    "FowlkesMallowsIndex",
    "HomogeneityScore",
    "MutualInfoScore",
    "NormalizedMutualInfoScore",
    "PairJaccardIndex",
    "PairwiseFScore",
    "PairwisePrecision",
    "PairwiseRecall",
    "PurityScore",
    "RandScore",
    "VMeasureScore",
    "VariationOfInformation",
]
