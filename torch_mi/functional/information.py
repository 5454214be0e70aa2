"""Information-theoretic scores: MI, NMI, AMI, homogeneity, completeness, V-measure.

Each takes labels — ``preds`` (N,) or (B, N) for B clusterings, and ``target`` (N,), as tensors on any
device, numpy arrays, lists or pandas Series; integer ids of any range, strings or objects — or a
precomputed ``contingency`` table (rows: target clusters, columns: pred clusters; dense, batched
(B, R, C), or torch / scipy sparse). The order is torchmetrics' (preds, target); the scores are
symmetric except homogeneity / completeness. Results are 0-dim float64 tensors, (B,) when batched.
"""

from __future__ import annotations

from typing import Any, Optional

from torch import Tensor

from torch_mi import _information, _variation
from torch_mi._table_inputs import table_from_inputs
from torch_mi._validation import check_average_method, check_beta, check_bool, check_log_base

__all__ = [
    "adjusted_mutual_info_score",
    "completeness_score",
    "homogeneity_completeness_v_measure",
    "homogeneity_score",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "v_measure_score",
    "variation_of_information",
]


def mutual_info_score(
    preds: Any = None, target: Any = None, *, contingency: Any = None, log_base: Optional[float] = None
) -> Tensor:
    r"""Mutual information between two labelings of the same samples.

    .. math::
        MI(U, V) = \sum_{i,j} \frac{n_{ij}}{n} \log \frac{n\, n_{ij}}{a_i b_j}

    with :math:`n_{ij}` the contingency table, :math:`a_i` its row sums (``target`` clusters) and
    :math:`b_j` its column sums (``preds`` clusters). Ranges over :math:`[0, \min(H(U), H(V))]`.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: reference cluster labels, shape (N,).
        contingency: instead of labels, a table of counts (rows: target, columns: preds).
        log_base: base of the logarithm; ``None`` gives nats, ``2`` bits.

    Returns:
        A 0-dim float64 tensor on the labels' device, or (B,) for batched input. Empty input gives 0.

    Example:
        >>> import torch
        >>> from torch_mi.functional import mutual_info_score
        >>> target = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> preds = torch.tensor([1, 1, 0, 0, 0, 3])
        >>> mutual_info_score(preds, target)
        tensor(0.7804, dtype=torch.float64)
        >>> mutual_info_score(preds, target, log_base=2)
        tensor(1.1258, dtype=torch.float64)
        >>> mutual_info_score(contingency=torch.tensor([[0, 2, 0], [2, 0, 0], [1, 0, 1]]))
        tensor(0.7804, dtype=torch.float64)
    """
    base = check_log_base(log_base)
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(_information.in_log_base(scored.apply(_information.mutual_info), base))


def normalized_mutual_info_score(
    preds: Any = None, target: Any = None, average_method: str = "arithmetic", *, contingency: Any = None
) -> Tensor:
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
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

    Example:
        >>> import torch
        >>> from torch_mi.functional import normalized_mutual_info_score
        >>> target = torch.tensor([0, 0, 1, 1, 2, 2])
        >>> preds = torch.tensor([1, 1, 0, 0, 0, 3])
        >>> normalized_mutual_info_score(preds, target)
        tensor(0.7397, dtype=torch.float64)
        >>> normalized_mutual_info_score(preds, target, "max")
        tensor(0.7103, dtype=torch.float64)
        >>> normalized_mutual_info_score(["b", "b", "a", "a"], ["x", "x", "y", "y"])  # same partition, renamed
        tensor(1., dtype=torch.float64)

    Reference:
        Strehl & Ghosh, "Cluster ensembles", JMLR 3 (2002); Vinh, Epps & Bailey, JMLR 11 (2010).
    """
    method = check_average_method(average_method)
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_information.normalized_mutual_info, method))


def adjusted_mutual_info_score(
    preds: Any = None, target: Any = None, average_method: str = "arithmetic", *, contingency: Any = None
) -> Tensor:
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
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

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
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_information.adjusted_mutual_info, method))


def homogeneity_completeness_v_measure(
    preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None
) -> tuple[Tensor, Tensor, Tensor]:
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
    scored = table_from_inputs(preds, target, contingency)
    h, c, v = scored.apply(_information.homogeneity_completeness_v_measure, beta)
    return scored.finish(h), scored.finish(c), scored.finish(v)


def homogeneity_score(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Homogeneity, MI / H(target): 1 when each predicted cluster holds a single target class.

    Example:
        >>> from torch_mi.functional import homogeneity_score
        >>> homogeneity_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(1., dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target, contingency=contingency)[0]


def completeness_score(preds: Any = None, target: Any = None, *, contingency: Any = None) -> Tensor:
    """Completeness, MI / H(preds): 1 when each target class sits in a single predicted cluster.

    Example:
        >>> from torch_mi.functional import completeness_score
        >>> completeness_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.5000, dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target, contingency=contingency)[1]


def v_measure_score(preds: Any = None, target: Any = None, beta: float = 1.0, *, contingency: Any = None) -> Tensor:
    """V-measure, the weighted harmonic mean of homogeneity and completeness (``beta`` weighs homogeneity).

    Example:
        >>> from torch_mi.functional import v_measure_score
        >>> v_measure_score([0, 1, 2, 3], [0, 0, 1, 1])
        tensor(0.6667, dtype=torch.float64)
    """
    return homogeneity_completeness_v_measure(preds, target, beta, contingency=contingency)[2]


def variation_of_information(
    preds: Any = None,
    target: Any = None,
    *,
    contingency: Any = None,
    log_base: Optional[float] = None,
    normalized: bool = False,
) -> Tensor:
    r"""Variation of information, :math:`VI = H(U) + H(V) - 2\,MI(U, V)`: a distance between partitions.

    0 for identical partitions, at most :math:`\log n`; lower is better. With ``normalized=True``,
    :math:`VI / H(U, V)` in [0, 1] (the joint entropy as normaliser; Vinh, Epps & Bailey 2010).

    Example:
        >>> from torch_mi.functional import variation_of_information
        >>> variation_of_information([0, 0, 1, 1], [0, 0, 1, 1])
        tensor(0., dtype=torch.float64)
        >>> variation_of_information([0, 0, 1, 2], [0, 0, 1, 1], log_base=2)
        tensor(0.5000, dtype=torch.float64)

    Reference:
        Meila, "Comparing clusterings — an information based distance", J. Multivariate Analysis 98 (2007).
    """
    base = check_log_base(log_base)
    normalized = check_bool(normalized, "normalized")
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_variation.variation_of_information, base, normalized))
