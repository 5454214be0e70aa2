"""torch_mi: exact, fast scores for comparing clusterings, in PyTorch.

The Metric classes accumulate one contingency table across batches and distributed ranks and
compute every score from it: mutual information (MI, NMI, AMI), homogeneity / completeness /
V-measure, variation of information, the pair-counting scores (Rand, adjusted Rand,
Fowlkes-Mallows, pairwise precision / recall / F, pair Jaccard), cluster accuracy, purity and
BCubed precision / recall / F.
``torch_mi.functional`` holds their functional twins (torchmetrics' argument order),
``torch_mi.sklearn`` scikit-learn's functions as drop-ins, and ``torch_mi.feature_selection`` MI of
features against a target, batched over features.
"""

from typing import TYPE_CHECKING

from torch_mi import functional
from torch_mi.metrics import (
    AdjustedMutualInfoScore,
    AdjustedRandScore,
    BCubedFScore,
    BCubedPrecision,
    BCubedRecall,
    ClusterAccuracy,
    CompletenessScore,
    FeatureMutualInfo,
    FowlkesMallowsIndex,
    HomogeneityScore,
    MutualInfoScore,
    NormalizedMutualInfoScore,
    PairJaccardIndex,
    PairwiseFScore,
    PairwisePrecision,
    PairwiseRecall,
    PurityScore,
    RandScore,
    VariationOfInformation,
    VMeasureScore,
)

__all__ = [
    "AdjustedMutualInfoScore",
    "AdjustedRandScore",
    "BCubedFScore",
    "BCubedPrecision",
    "BCubedRecall",
    "ClusterAccuracy",
    "CompletenessScore",
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
    "functional",
]
__version__ = "0.2.0"


if not TYPE_CHECKING:  # type checkers keep flagging misspelled names

    def __getattr__(name: str) -> object:
        from torch_mi._elsewhere import missing

        raise missing('torch_mi', name)
