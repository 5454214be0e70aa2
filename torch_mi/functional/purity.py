"""Purity: the share of samples in their predicted cluster's majority class."""

from __future__ import annotations

from typing import Any

from torch import Tensor

from torch_mi import _purity
from torch_mi._table_inputs import table_from_inputs

__all__ = ["purity_score"]


def purity_score(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    r"""Purity: each predicted cluster is given its majority target class, and the score is the
    share of samples that gets right.

    .. math::
        \text{purity} = \frac{1}{n} \sum_j \max_i n_{ij}

    In (0, 1], higher is better. Several clusters may share a class, so purity rewards
    over-splitting (all singletons score 1): report it beside a score that does not, such as NMI,
    ARI or :func:`cluster_accuracy` (its one-to-one counterpart, never above purity). Swapping the
    arguments gives inverse purity. Exact: an integer count over n, rounded once.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: class labels, shape (N,).
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

    Returns:
        A 0-dim float64 tensor on the labels' device, or (B,) for batched input. Empty input gives 1.

    Example:
        >>> from torch_mi.functional import purity_score
        >>> purity_score([0, 0, 1, 1, 2, 2], [0, 0, 0, 1, 1, 1])
        tensor(0.8333, dtype=torch.float64)
        >>> purity_score([0, 0, 0, 0, 0, 0], [0, 0, 0, 1, 1, 1])  # one cluster: its majority share
        tensor(0.5000, dtype=torch.float64)

    Reference:
        Manning, Raghavan & Schütze, "Introduction to Information Retrieval" (2008), §16.3.
    """
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_purity.purity))
