"""Purity as a Metric class: each predicted cluster's majority class, from the accumulated table."""

from torch import Tensor

from torch_mi import _purity
from torch_mi.metrics._base import ContingencyMetric, with_common_args


@with_common_args
class PurityScore(ContingencyMetric):
    r"""Purity, accumulated over batches (twin of :func:`torch_mi.functional.purity_score`).

    :math:`\frac{1}{n}\sum_j \max_i n_{ij}`: the share of samples in their predicted cluster's
    majority class, in (0, 1]. It rewards over-splitting (all singletons score 1), so report it
    beside NMI, ARI or :class:`ClusterAccuracy`, its one-to-one counterpart.

    Example:
        >>> import torch
        >>> from torch_mi import PurityScore
        >>> metric = PurityScore()
        >>> metric.update(torch.tensor([0, 0, 1]), torch.tensor([0, 0, 0]))
        >>> metric.update(torch.tensor([1, 2, 2]), torch.tensor([1, 1, 1]))
        >>> metric.compute()
        tensor(0.8333, dtype=torch.float64)
    """

    def compute(self) -> Tensor:
        return self._finish(_purity.purity(self.accumulated_table()))
