"""The table itself and what depends on its margins only: contingency matrix, entropy, expected MI."""

from __future__ import annotations

from typing import Any, Optional, Union

import torch
from torch import Tensor

from torch_mi import _information
from torch_mi._contingency import pair_counts
from torch_mi._expected_mi import expected_mutual_info_from_marginals
from torch_mi._table_inputs import table_from_contingency
from torch_mi._validation import as_count_tensor, as_label_tensor, check_log_base, labels_pair

__all__ = ["contingency_matrix", "entropy", "expected_mutual_info"]


def entropy(labels: Any, *, log_base: Optional[float] = None) -> Tensor:
    r"""Entropy of a labeling, :math:`H(U) = -\sum_i \frac{a_i}{n} \log \frac{a_i}{n}`.

    Ranges over :math:`[0, \log n]`; empty input and a single cluster give 0.

    Example:
        >>> from torch_mi.functional import entropy
        >>> entropy([0, 0, 1, 1])
        tensor(0.6931, dtype=torch.float64)
        >>> entropy(["a", "a", "b", "b"], log_base=2)
        tensor(1., dtype=torch.float64)
    """
    base = check_log_base(log_base)
    labels = as_label_tensor(labels, "labels", factorize_strings=True)
    if labels.ndim != 1:
        raise ValueError(f"`labels` must be 1-D (one label per sample); got shape {tuple(labels.shape)}.")
    sizes = torch.unique(labels, return_counts=True)[1]
    return _information.in_log_base(_information.labeling_entropy(sizes), base)


def contingency_matrix(
    preds: Any, target: Any, *, return_labels: bool = False, sparse: bool = False
) -> Union[Tensor, tuple[Tensor, Tensor, Tensor]]:
    """The contingency table of two labelings: rows are target clusters, columns pred clusters.

    Row i counts the samples whose target is the i-th smallest distinct target label; column j
    likewise for preds. Only labels that occur get a row or column.

    Args:
        preds: predicted cluster labels, shape (N,).
        target: reference cluster labels, shape (N,).
        return_labels: also return the target labels (rows) and pred labels (columns).
        sparse: return a coalesced ``torch.sparse_coo_tensor`` instead of a dense one, for label
            sets whose dense table would not fit in memory.

    Returns:
        An int64 (R, C) tensor on the labels' device, or ``(table, target_labels, pred_labels)``.

    Example:
        >>> from torch_mi.functional import contingency_matrix
        >>> contingency_matrix([1, 1, 0, 0, 0, 3], [0, 0, 1, 1, 2, 2])
        tensor([[0, 2, 0],
                [2, 0, 0],
                [1, 0, 1]])
        >>> table, rows, cols = contingency_matrix([10, 10, 30], [-1, 5, 5], return_labels=True)
        >>> rows, cols
        (tensor([-1,  5]), tensor([10, 30]))
    """
    preds, target = labels_pair(preds, target)
    pairs = pair_counts(preds, target)
    row_labels, rows = torch.unique(pairs.target, sorted=True, return_inverse=True)
    col_labels, cols = torch.unique(pairs.preds, sorted=True, return_inverse=True)
    shape = (row_labels.numel(), col_labels.numel())
    if sparse:
        # The indices are in range by construction: say so, or torch warns that it did not check.
        table = torch.sparse_coo_tensor(torch.stack([rows, cols]), pairs.counts, shape,
                                        check_invariants=False).coalesce()
    else:
        table = torch.zeros(shape, dtype=torch.long, device=target.device)
        table[rows, cols] = pairs.counts
    return (table, row_labels, col_labels) if return_labels else table


def expected_mutual_info(
    contingency: Any = None,
    *,
    row_sums: Any = None,
    col_sums: Any = None,
    log_base: Optional[float] = None,
) -> Tensor:
    r"""Expected mutual information of two labelings with the given cluster sizes, under chance.

    .. math::
        E[MI] = \sum_{i,j} \sum_{k} \frac{k}{n} \log\frac{n k}{a_i b_j}
                \frac{\binom{b_j}{k}\binom{n - b_j}{a_i - k}}{\binom{n}{a_i}}

    the mean MI over all labelings with row sums :math:`a_i` and column sums :math:`b_j`
    (the hypergeometric model of Vinh, Epps & Bailey, JMLR 11, 2010). It depends on the marginals
    only: give either a contingency table (dense, batched (B, R, C), or torch / scipy sparse) or
    ``row_sums`` and ``col_sums``, which must total the same n. Exact to float64 rounding; cost grows
    with the number of distinct cluster sizes, not with n or the number of clusters.

    Example:
        >>> import torch
        >>> from torch_mi.functional import expected_mutual_info
        >>> expected_mutual_info(torch.tensor([[0, 2, 0], [2, 0, 0], [1, 0, 1]]))
        tensor(0.5031, dtype=torch.float64)
        >>> expected_mutual_info(row_sums=[2, 2, 2], col_sums=[3, 2, 1])
        tensor(0.5031, dtype=torch.float64)
    """
    base = check_log_base(log_base)
    if contingency is not None:
        if row_sums is not None or col_sums is not None:
            raise ValueError("Give either `contingency` or `row_sums` and `col_sums`, not both.")
        scored = table_from_contingency(contingency)
        table = scored.table
        emi = expected_mutual_info_from_marginals(
            table.row_sums, table.row_groups, table.col_sums, table.col_groups, table.num_groups
        )
        return scored.finish(_information.in_log_base(emi, base))
    if row_sums is None or col_sums is None:
        raise ValueError("Give `contingency`, or both `row_sums` and `col_sums`.")
    rows, cols = as_count_tensor(row_sums, "row_sums"), as_count_tensor(col_sums, "col_sums")
    for name, sums in (("row_sums", rows), ("col_sums", cols)):
        if sums.ndim != 1:
            raise ValueError(f"`{name}` must be 1-D; got shape {tuple(sums.shape)}.")
    if int(rows.sum()) != int(cols.sum()):
        raise ValueError(
            f"`row_sums` and `col_sums` must count the same samples; they total {int(rows.sum())} "
            f"and {int(cols.sum())}."
        )
    cols = cols.to(rows.device)
    rows, cols = rows[rows > 0], cols[cols > 0]
    emi = expected_mutual_info_from_marginals(rows, torch.zeros_like(rows), cols, torch.zeros_like(cols), num_groups=1)
    return _information.in_log_base(emi, base).reshape(())
