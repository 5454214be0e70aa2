"""Pair-counting scores: Rand, adjusted Rand, Fowlkes-Mallows, pairwise precision / recall / F, the
pair Jaccard index and the pair confusion matrix.

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
from torch_mi._validation import check_beta

__all__ = [
    "adjusted_rand_score",
    "fowlkes_mallows_index",
    "pair_confusion_matrix",
    "pair_jaccard_index",
    "pairwise_fscore",
    "pairwise_precision",
    "pairwise_precision_recall_fscore",
    "pairwise_recall",
    "rand_score",
]


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


def pairwise_precision_recall_fscore(
    preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None
) -> tuple[Tensor, Tensor, Tensor]:
    r"""Pairwise precision, recall and :math:`F_\beta` over the pairs of samples put together.

    .. math::
        P = \frac{tp}{tp + fp}, \qquad R = \frac{tp}{tp + fn}, \qquad
        F_\beta = \frac{(1 + \beta^2)\, tp}{(1 + \beta^2)\, tp + \beta^2 fn + fp}

    with tp the pairs together in both labelings, fp those together only in ``preds`` and fn
    those together only in ``target`` (``pair_confusion_matrix``). Precision is the share of the
    pairs a clustering joins that belong together; the Fowlkes-Mallows index is the geometric mean
    of P and R. A side that joins no pair (all singletons) has precision (``preds``) or recall
    (``target``) 1, so identical partitions score 1 on all three. Exact integers until one
    division per score: no overflow at any n.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: class labels, shape (N,).
        beta: non-negative weight of recall against precision (default 1), as in the usual F-score.
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

    Returns:
        (precision, recall, F): 0-dim float64 tensors, or (B,) each for batched input.

    Example:
        >>> from torch_mi.functional import pairwise_precision_recall_fscore
        >>> pairwise_precision_recall_fscore([0, 0, 0, 1], [0, 0, 1, 1])  # tp = 2, fp = 4, fn = 2 (ordered pairs)
        (tensor(0.3333, dtype=torch.float64), tensor(0.5000, dtype=torch.float64), tensor(0.4000, dtype=torch.float64))

    Reference:
        The pairwise F-measure of clustering evaluation (e.g. Banerjee, Krumpelman, Ghosh, Basu &
        Mooney, "Model-based overlapping clustering", KDD 2005); the pair counts as in Rand (1971).
    """
    weight = check_beta(beta)
    scored = table_from_inputs(preds, target, contingency)
    precision, recall, fscore = scored.apply(_pair_counting.pairwise_precision_recall_fscore, weight)
    return scored.finish(precision), scored.finish(recall), scored.finish(fscore)


def pairwise_precision(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Pairwise precision tp / (tp + fp): the share of pairs joined in ``preds`` that ``target`` joins; in [0, 1].

    Example:
        >>> from torch_mi.functional import pairwise_precision
        >>> pairwise_precision([0, 0, 1, 2], [0, 0, 1, 1])  # the one joined pair is right
        tensor(1., dtype=torch.float64)
    """
    return pairwise_precision_recall_fscore(preds, target, contingency=contingency)[0]


def pairwise_recall(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Pairwise recall tp / (tp + fn): the share of pairs joined in ``target`` that ``preds`` joins; in [0, 1].

    Example:
        >>> from torch_mi.functional import pairwise_recall
        >>> pairwise_recall([0, 0, 1, 2], [0, 0, 1, 1])  # one of the two target pairs is kept
        tensor(0.5000, dtype=torch.float64)
    """
    return pairwise_precision_recall_fscore(preds, target, contingency=contingency)[1]


def pairwise_fscore(preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None) -> Tensor:
    """Pairwise :math:`F_\\beta` of pairwise precision and recall (``beta=1``: their harmonic mean); in [0, 1].

    Example:
        >>> from torch_mi.functional import pairwise_fscore
        >>> pairwise_fscore([0, 0, 1, 2], [0, 0, 1, 1])
        tensor(0.6667, dtype=torch.float64)
    """
    return pairwise_precision_recall_fscore(preds, target, beta, contingency=contingency)[2]


def pair_jaccard_index(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Jaccard index of the pairs joined by each labeling: tp / (tp + fp + fn), in [0, 1].

    1 for identical partitions (also when neither joins any pair), 0 when no pair is joined by both.

    Example:
        >>> from torch_mi.functional import pair_jaccard_index
        >>> pair_jaccard_index([0, 0, 1, 2], [0, 0, 1, 1])
        tensor(0.5000, dtype=torch.float64)

    Reference:
        Jaccard's coefficient on pairs, as compared with Rand's in Milligan & Cooper, "A study of the
        comparability of external criteria for hierarchical cluster analysis", MBR 21 (1986).
    """
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_pair_counting.pair_jaccard_index))
