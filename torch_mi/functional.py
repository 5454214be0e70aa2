"""Functional scores: label tensors in, 0-dim float64 tensors out (or (B,) for B clusterings).

Every function accepts 1-D integer (or bool) labels as tensors on any device, numpy arrays or
lists, with any label values (negative, huge, non-contiguous, different sets on each side). The
scores are symmetric in ``preds`` and ``target``; the order is torchmetrics' (preds, target).
``preds`` may also be 2-D, (B, N): B clusterings of the same N samples, scored in one pass.
"""

from __future__ import annotations

import math
from typing import Any, Optional, Union

import torch
from torch import Tensor

from torch_mi import _information
from torch_mi._contingency import pair_counts
from torch_mi._expected_mi import expected_mutual_info_from_marginals
from torch_mi._validation import as_label_tensor, check_average_method, check_beta, check_log_base, labels_pair
from torch_mi._table import Table, from_cells

__all__ = [
    "adjusted_mutual_info_score",
    "completeness_score",
    "contingency_matrix",
    "entropy",
    "expected_mutual_info",
    "homogeneity_completeness_v_measure",
    "homogeneity_score",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "v_measure_score",
]


def _table_from_labels(preds: Any, target: Any) -> tuple[Table, bool]:
    preds, target = labels_pair(preds, target, allow_batched_preds=True)
    batched = preds.ndim == 2
    num_groups = preds.shape[0] if batched else 1
    return from_cells(*pair_counts(preds, target), num_groups=num_groups), batched


def _finish(values: Tensor, batched: bool) -> Tensor:
    return values if batched else values.reshape(())


def _in_base(nats: Tensor, log_base: Optional[float]) -> Tensor:
    return nats if log_base is None else nats / math.log(log_base)


def mutual_info_score(preds: Any, target: Any, *, log_base: Optional[float] = None) -> Tensor:
    r"""Mutual information between two labelings of the same samples.

    .. math::
        MI(U, V) = \sum_{i,j} \frac{n_{ij}}{n} \log \frac{n\, n_{ij}}{a_i b_j}

    with :math:`n_{ij}` the contingency table, :math:`a_i` its row sums (``target`` clusters) and
    :math:`b_j` its column sums (``preds`` clusters). Ranges over :math:`[0, \min(H(U), H(V))]`.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: reference cluster labels, shape (N,).
        log_base: base of the logarithm; ``None`` gives nats, ``2`` bits.

    Returns:
        A 0-dim float64 tensor on the labels' device, or (B,) for batched ``preds``.
        Empty input gives 0.

    Example:
        >>> import torch
        >>> from torch_mi.functional import mutual_info_score
        >>> target = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> preds = torch.tensor([1, 1, 0, 0, 0, 3])
        >>> mutual_info_score(preds, target)
        tensor(0.7804, dtype=torch.float64)
        >>> mutual_info_score(preds, target, log_base=2)
        tensor(1.1258, dtype=torch.float64)
    """
    base = check_log_base(log_base)
    table, batched = _table_from_labels(preds, target)
    return _finish(_in_base(_information.mutual_info(table), base), batched)


def normalized_mutual_info_score(preds: Any, target: Any, average_method: str = "arithmetic") -> Tensor:
    r"""Mutual information scaled to :math:`[0, 1]` by a mean of the two entropies.

    .. math::
        NMI(U, V) = \frac{MI(U, V)}{\operatorname{mean}(H(U), H(V))}

    where the mean is ``"min"``, ``"geometric"``, ``"arithmetic"`` (the default, which equals the
    V-measure) or ``"max"``. 1 means the same partition; identical partitions, including two
    one-cluster labelings and empty input, score exactly 1. A one-cluster labeling against a split
    one scores 0. NMI is not adjusted for chance: it grows with the number of clusters even for
    random labelings, which :func:`adjusted_mutual_info_score` corrects.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: reference cluster labels, shape (N,).
        average_method: how the two entropies are averaged into the normaliser.

    Example:
        >>> import torch
        >>> from torch_mi.functional import normalized_mutual_info_score
        >>> target = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> preds = torch.tensor([1, 1, 0, 0, 0, 3])
        >>> normalized_mutual_info_score(preds, target)
        tensor(0.7397, dtype=torch.float64)
        >>> normalized_mutual_info_score(preds, target, average_method="max")
        tensor(0.7103, dtype=torch.float64)
        >>> normalized_mutual_info_score([5, 5, 7, 7], [0, 0, 1, 1])  # same partition, renamed
        tensor(1., dtype=torch.float64)

    Reference:
        Strehl & Ghosh, "Cluster ensembles", JMLR 3 (2002); Vinh, Epps & Bailey, JMLR 11 (2010).
    """
    method = check_average_method(average_method)
    table, batched = _table_from_labels(preds, target)
    return _finish(_information.normalized_mutual_info(table, method), batched)


def adjusted_mutual_info_score(preds: Any, target: Any, average_method: str = "arithmetic") -> Tensor:
    r"""Mutual information adjusted for chance.

    .. math::
        AMI(U, V) = \frac{MI(U, V) - E[MI]}{\operatorname{mean}(H(U), H(V)) - E[MI]}

    with :math:`E[MI]` the expected mutual information when the cluster sizes are fixed and the
    labels randomly permuted (the hypergeometric model; see :func:`expected_mutual_info`). 1 means
    the same partition, about 0 what random labelings of these cluster sizes score on average;
    the score can be negative. Identical partitions score exactly 1; a one-cluster labeling against
    a split one scores 0.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: reference cluster labels, shape (N,).
        average_method: ``"min"``, ``"geometric"``, ``"arithmetic"`` (default) or ``"max"``.

    Example:
        >>> import torch
        >>> from torch_mi.functional import adjusted_mutual_info_score
        >>> target = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> preds = torch.tensor([1, 1, 0, 0, 0, 3])
        >>> adjusted_mutual_info_score(preds, target)
        tensor(0.5024, dtype=torch.float64)

    Reference:
        Vinh, Epps & Bailey, "Information theoretic measures for clusterings comparison: variants,
        properties, normalization and correction for chance", JMLR 11 (2010).
    """
    method = check_average_method(average_method)
    table, batched = _table_from_labels(preds, target)
    return _finish(_information.adjusted_mutual_info(table, method), batched)


def entropy(labels: Any, *, log_base: Optional[float] = None) -> Tensor:
    r"""Entropy of a labeling, :math:`H(U) = -\sum_i \frac{a_i}{n} \log \frac{a_i}{n}`.

    Ranges over :math:`[0, \log n]`; empty input and a single cluster give 0.

    Example:
        >>> from torch_mi.functional import entropy
        >>> entropy([0, 0, 1, 1])
        tensor(0.6931, dtype=torch.float64)
        >>> entropy([0, 0, 1, 1], log_base=2)
        tensor(1., dtype=torch.float64)
    """
    base = check_log_base(log_base)
    labels = as_label_tensor(labels, "labels")
    if labels.ndim != 1:
        raise ValueError(f"`labels` must be 1-D (one label per sample); got shape {tuple(labels.shape)}.")
    table = from_cells(*pair_counts(labels, torch.zeros_like(labels)))
    return _in_base(_information.entropies(table)[1], base).reshape(())


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
        table = torch.sparse_coo_tensor(torch.stack([rows, cols]), pairs.counts, shape).coalesce()
    else:
        table = torch.zeros(shape, dtype=torch.long, device=target.device)
        table[rows, cols] = pairs.counts
    return (table, row_labels, col_labels) if return_labels else table


def expected_mutual_info(
    contingency: Optional[Tensor] = None,
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
    only: give either a contingency table (dense or sparse, rows x columns) or ``row_sums`` and
    ``col_sums``, which must total the same n. Exact to float64 rounding; cost grows with the
    number of distinct cluster sizes, not with n or the number of clusters.

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
        if not isinstance(contingency, torch.Tensor):
            contingency = torch.as_tensor(contingency)
        if contingency.is_sparse:
            contingency = contingency.to_dense()
        if contingency.ndim != 2:
            raise ValueError(f"`contingency` must be 2-D (rows x columns); got shape {tuple(contingency.shape)}.")
        table = as_label_tensor(contingency.reshape(-1), "contingency").reshape(contingency.shape)
        _check_counts(table, "contingency")
        rows, cols = table.sum(dim=1), table.sum(dim=0)
    else:
        if row_sums is None or col_sums is None:
            raise ValueError("Give `contingency`, or both `row_sums` and `col_sums`.")
        rows, cols = as_label_tensor(row_sums, "row_sums"), as_label_tensor(col_sums, "col_sums")
        for name, sums in (("row_sums", rows), ("col_sums", cols)):
            if sums.ndim != 1:
                raise ValueError(f"`{name}` must be 1-D; got shape {tuple(sums.shape)}.")
            _check_counts(sums, name)
        if int(rows.sum()) != int(cols.sum()):
            raise ValueError(
                f"`row_sums` and `col_sums` must count the same samples; they total {int(rows.sum())} "
                f"and {int(cols.sum())}."
            )
        cols = cols.to(rows.device)
    rows, cols = rows[rows > 0], cols[cols > 0]
    emi = expected_mutual_info_from_marginals(
        rows, torch.zeros_like(rows), cols, torch.zeros_like(cols), num_groups=1
    )
    return _in_base(emi, base).reshape(())


def _check_counts(counts: Tensor, name: str) -> None:
    if counts.numel() and int(counts.min()) < 0:
        raise ValueError(f"`{name}` must hold non-negative counts; got a minimum of {int(counts.min())}.")


def homogeneity_completeness_v_measure(preds: Any, target: Any, *, beta: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    r"""Homogeneity, completeness and V-measure from one contingency table.

    Homogeneity :math:`h = MI / H(\text{target})` is 1 when every predicted cluster holds members of
    a single target class; completeness :math:`c = MI / H(\text{preds})` is 1 when every target
    class sits in a single predicted cluster; :math:`v = (1 + \beta) h c / (\beta h + c)`. All three
    lie in :math:`[0, 1]`. A labeling with zero entropy counts as perfectly homogeneous (or complete),
    and empty input gives (1, 1, 1), as in scikit-learn. With ``beta=1``, V equals NMI with the
    arithmetic mean.

    Reference:
        Rosenberg & Hirschberg, "V-Measure: a conditional entropy-based external cluster evaluation
        measure", EMNLP-CoNLL 2007.

    Example:
        >>> from torch_mi.functional import homogeneity_completeness_v_measure
        >>> h, c, v = homogeneity_completeness_v_measure([0, 1, 2, 3], [0, 0, 1, 1])
        >>> h, c, v
        (tensor(1., dtype=torch.float64), tensor(0.5000, dtype=torch.float64), tensor(0.6667, dtype=torch.float64))
    """
    beta = check_beta(beta)
    table, batched = _table_from_labels(preds, target)
    scores = _information.homogeneity_completeness_v_measure(table, beta)
    return tuple(_finish(score, batched) for score in scores)  # type: ignore[return-value]


def homogeneity_score(preds: Any, target: Any) -> Tensor:
    """Homogeneity, MI / H(target): 1 when each predicted cluster holds a single target class.

    Example:
        >>> from torch_mi.functional import homogeneity_score
        >>> homogeneity_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(1., dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target)[0]


def completeness_score(preds: Any, target: Any) -> Tensor:
    """Completeness, MI / H(preds): 1 when each target class sits in a single predicted cluster.

    Example:
        >>> from torch_mi.functional import completeness_score
        >>> completeness_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.5000, dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target)[1]


def v_measure_score(preds: Any, target: Any, *, beta: float = 1.0) -> Tensor:
    """V-measure, the weighted harmonic mean of homogeneity and completeness (``beta`` weighs homogeneity).

    Example:
        >>> from torch_mi.functional import v_measure_score
        >>> v_measure_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.6667, dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target, beta=beta)[2]
