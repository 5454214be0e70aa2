"""Pair-counting scores: Rand, adjusted Rand, Fowlkes-Mallows and the pair confusion matrix.

They count, over all pairs of samples, whether the two labelings put the pair together or apart —
four numbers that follow from the contingency table (``torch_mi._pair_counting``), kept in exact
integers until the last division: no overflow at any n that int64 counts hold.
Inputs as for every functional score: labels ``(preds, target)`` ((B, N) preds for B clusterings),
or a precomputed ``contingency`` table.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from torch_mi import _pair_counting
from torch_mi._table_inputs import table_from_inputs

__all__ = ["adjusted_rand_score", "fowlkes_mallows_index", "pair_confusion_matrix", "rand_score"]


def pair_confusion_matrix(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Pair confusion matrix ``[[tn, fp], [fn, tp]]`` over ordered pairs of distinct samples, int64 (2, 2).

    Row 1 counts pairs together in ``target``, column 1 pairs together in ``preds`` (scikit-learn's
    layout for ``pair_confusion_matrix(labels_true, labels_pred)``). (B, 2, 2) for batched input.

    Example:
        >>> from torch_mi.functional import pair_confusion_matrix
        >>> pair_confusion_matrix([0, 0, 1, 2], [0, 0, 1, 1])
        tensor([[8, 0],
                [2, 2]])
    """
    scored = table_from_inputs(preds, target, contingency)
    matrix = scored.apply(_pair_counting.pair_confusion_matrix)
    return matrix if scored.batched else matrix[0]


def rand_score(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Rand index: the share of sample pairs on which the two labelings agree, in [0, 1].

    Example:
        >>> from torch_mi.functional import rand_score
        >>> rand_score([2, 1, 0, 1, 0], [0, 2, 1, 1, 0])
        tensor(0.6000, dtype=torch.float64)

    Reference:
        Rand, "Objective criteria for the evaluation of clustering methods", JASA 66 (1971).
    """
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_pair_counting.rand_index))


def adjusted_rand_score(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Adjusted Rand index: the Rand index corrected for chance, 1 for identical partitions, about 0
    for random ones, down to -0.5.

    Example:
        >>> from torch_mi.functional import adjusted_rand_score
        >>> adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 1])
        tensor(1., dtype=torch.float64)
        >>> adjusted_rand_score([0, 0, 1, 1], [0, 1, 0, 1])
        tensor(-0.5000, dtype=torch.float64)

    Reference:
        Hubert & Arabie, "Comparing partitions", Journal of Classification 2 (1985).
    """
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_pair_counting.adjusted_rand_index))


def fowlkes_mallows_index(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Fowlkes-Mallows index: the geometric mean of pairwise precision and recall, in [0, 1].

    Example:
        >>> from torch_mi.functional import fowlkes_mallows_index
        >>> fowlkes_mallows_index([2, 2, 0, 1, 0], [2, 2, 1, 1, 0])
        tensor(0.5000, dtype=torch.float64)

    Reference:
        Fowlkes & Mallows, "A method for comparing two hierarchical clusterings", JASA 78 (1983).
    """
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_pair_counting.fowlkes_mallows_index))
