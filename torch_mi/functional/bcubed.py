"""BCubed precision, recall and F-score: per-sample overlap of a sample's cluster and its class, averaged.

A sample's BCubed precision is the share of its predicted cluster that shares its target class, its
recall the share of its class that shares its cluster; the scores average them over samples
(``torch_mi._bcubed`` computes them from the contingency table). Inputs as for every functional
score: labels ``(preds, target)`` ((B, N) preds for B clusterings), or a precomputed ``contingency``.
"""

from __future__ import annotations

from typing import Any

from torch import Tensor

from torch_mi import _bcubed
from torch_mi._table_inputs import table_from_inputs
from torch_mi._validation import check_beta

__all__ = ["bcubed_fscore", "bcubed_precision", "bcubed_precision_recall_fscore", "bcubed_recall"]


def bcubed_precision_recall_fscore(
    preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None
) -> tuple[Tensor, Tensor, Tensor]:
    r"""BCubed precision, recall and :math:`F_\beta`, from one table.

    .. math::
        P = \frac{1}{n} \sum_{ij} \frac{n_{ij}^2}{b_j}, \qquad
        R = \frac{1}{n} \sum_{ij} \frac{n_{ij}^2}{a_i}, \qquad
        F_\beta = \frac{(1 + \beta^2) P R}{\beta^2 P + R}

    with :math:`a_i` the ``target`` class sizes and :math:`b_j` the ``preds`` cluster sizes. Each
    lies in (0, 1] and is 1 for identical partitions; precision is 1 when every cluster holds one
    class (all singletons included), recall when every class lies in one cluster. ``beta`` weighs
    recall ``beta`` times as much as precision, as in the usual F-score; ``beta=1`` is their harmonic
    mean.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: class labels, shape (N,).
        beta: non-negative weight of recall against precision (default 1).
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

    Returns:
        (precision, recall, F): 0-dim float64 tensors, or (B,) each for batched input. Empty input
        gives 1 for each.

    Example:
        >>> from torch_mi.functional import bcubed_precision_recall_fscore
        >>> bcubed_precision_recall_fscore([0, 0, 0, 1], [0, 0, 1, 1])  # P = 2/3, R = 3/4, F = 12/17
        (tensor(0.6667, dtype=torch.float64), tensor(0.7500, dtype=torch.float64), tensor(0.7059, dtype=torch.float64))

    Reference:
        Bagga & Baldwin, "Entity-based cross-document coreferencing using the vector space model",
        COLING-ACL 1998; Amigó, Gonzalo, Artiles & Verdejo, "A comparison of extrinsic clustering
        evaluation metrics based on formal constraints", Information Retrieval 12 (2009).
    """
    weight = check_beta(beta)
    scored = table_from_inputs(preds, target, contingency)
    precision, recall, fscore = scored.apply(_bcubed.bcubed_precision_recall_fscore, weight)
    return scored.finish(precision), scored.finish(recall), scored.finish(fscore)


def bcubed_precision(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """BCubed precision: per sample, the share of its predicted cluster in its class, averaged; in (0, 1].

    Example:
        >>> from torch_mi.functional import bcubed_precision
        >>> bcubed_precision([0, 1, 2, 3], [0, 0, 1, 1])  # singletons: every cluster holds one class
        tensor(1., dtype=torch.float64)
    """
    return bcubed_precision_recall_fscore(preds, target, contingency=contingency)[0]


def bcubed_recall(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """BCubed recall: per sample, the share of its class in its predicted cluster, averaged; in (0, 1].

    Example:
        >>> from torch_mi.functional import bcubed_recall
        >>> bcubed_recall([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.5000, dtype=torch.float64)
    """
    return bcubed_precision_recall_fscore(preds, target, contingency=contingency)[1]


def bcubed_fscore(preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None) -> Tensor:
    """BCubed :math:`F_\\beta` of BCubed precision and recall (``beta=1``: their harmonic mean); in (0, 1].

    Example:
        >>> from torch_mi.functional import bcubed_fscore
        >>> bcubed_fscore([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.6667, dtype=torch.float64)
    """
    return bcubed_precision_recall_fscore(preds, target, beta, contingency=contingency)[2]
