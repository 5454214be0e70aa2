"""BCubed precision, recall and F-score as Metric classes, from the accumulated table.

The three come out of one computation (``torch_mi._bcubed``); each class keeps one of them, and all
keep the shared contingency state, so a ``MetricCollection`` of them updates one table.
"""

from torch_mi import _bcubed
from torch_mi.metrics._base import with_common_args
from torch_mi.metrics._family import FamilyMember, WeightedFamilyMember


class _BCubedFamily(FamilyMember):
    _family = staticmethod(_bcubed.bcubed_precision_recall_fscore)


@with_common_args
class BCubedPrecision(_BCubedFamily):
    r"""BCubed precision, accumulated over batches (twin of :func:`torch_mi.functional.bcubed_precision`).

    :math:`\frac{1}{n}\sum_{ij} n_{ij}^2 / b_j`: per sample, the share of its predicted cluster
    that shares its class, averaged; in (0, 1], 1 when every cluster holds one class.

    Example:
        >>> import torch
        >>> from torch_mi import BCubedPrecision
        >>> metric = BCubedPrecision()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.6667, dtype=torch.float64)
    """

    _position = 0


@with_common_args
class BCubedRecall(_BCubedFamily):
    r"""BCubed recall, accumulated over batches (twin of :func:`torch_mi.functional.bcubed_recall`).

    :math:`\frac{1}{n}\sum_{ij} n_{ij}^2 / a_i`: per sample, the share of its class that shares
    its predicted cluster, averaged; in (0, 1], 1 when every class lies in one cluster.

    Example:
        >>> import torch
        >>> from torch_mi import BCubedRecall
        >>> metric = BCubedRecall()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.7500, dtype=torch.float64)
    """

    _position = 1


@with_common_args
class BCubedFScore(WeightedFamilyMember, _BCubedFamily):
    r"""BCubed :math:`F_\beta`, accumulated over batches (twin of :func:`torch_mi.functional.bcubed_fscore`).

    :math:`(1 + \beta^2) P R / (\beta^2 P + R)` of BCubed precision P and recall R, in (0, 1];
    ``beta=1`` is their harmonic mean (Amigó et al., Information Retrieval 12, 2009).

    Args:
        beta: non-negative weight of recall against precision (default 1), as in the usual F-score.

    Example:
        >>> import torch
        >>> from torch_mi import BCubedFScore
        >>> metric = BCubedFScore()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.7059, dtype=torch.float64)
    """

    _position = 2
