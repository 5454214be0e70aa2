"""Functional twins of the Metric classes: labels (or a contingency table) in, float64 tensors out.

The argument order is torchmetrics' ``(preds, target)``; ``torch_mi.sklearn`` has the same scores
with scikit-learn's ``(labels_true, labels_pred)`` order and Python floats.
"""

from typing import TYPE_CHECKING

# MI of features against a target (scikit-learn's estimators on tensors, binned MI / AMI); they build on
# the scores above, so they are imported after them.
from torch_mi.feature_selection import (  # noqa: E402
    apply_bin_edges,
    bin_edges,
    binned_mutual_info,
    mutual_info_classif,
    mutual_info_regression,
)
from torch_mi.functional.accuracy import cluster_accuracy
from torch_mi.functional.bcubed import bcubed_fscore, bcubed_precision, bcubed_precision_recall_fscore, bcubed_recall
from torch_mi.functional.information import (
    adjusted_mutual_info_score,
    completeness_score,
    homogeneity_completeness_v_measure,
    homogeneity_score,
    mutual_info_score,
    normalized_mutual_info_score,
    v_measure_score,
    variation_of_information,
)
from torch_mi.functional.pair_counting import (
    adjusted_rand_score,
    fowlkes_mallows_index,
    pair_confusion_matrix,
    pair_jaccard_index,
    pairwise_fscore,
    pairwise_precision,
    pairwise_precision_recall_fscore,
    pairwise_recall,
    rand_score,
)
from torch_mi.functional.purity import purity_score
from torch_mi.functional.tables import contingency_matrix, entropy, expected_mutual_info

__all__ = [
    "adjusted_mutual_info_score",
    "adjusted_rand_score",
    "apply_bin_edges",
    "bcubed_fscore",
    "bcubed_precision",
    "bcubed_precision_recall_fscore",
    "bcubed_recall",
    "bin_edges",
    "binned_mutual_info",
    "cluster_accuracy",
    "completeness_score",
    "contingency_matrix",
    "entropy",
    "expected_mutual_info",
    "fowlkes_mallows_index",
    "homogeneity_completeness_v_measure",
    "homogeneity_score",
    "mutual_info_classif",
    "mutual_info_regression",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "pair_confusion_matrix",
    "pair_jaccard_index",
    "pairwise_fscore",
    "pairwise_precision",
    "pairwise_precision_recall_fscore",
    "pairwise_recall",
    "purity_score",
    "rand_score",
    "v_measure_score",
    "variation_of_information",
]


if not TYPE_CHECKING:  # type checkers keep flagging misspelled names

    def __getattr__(name: str) -> object:
        from torch_mi._elsewhere import missing

        raise missing('torch_mi.functional', name)
