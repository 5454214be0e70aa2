"""Pair-counting scores as Metric classes: adjusted Rand, Rand and Fowlkes-Mallows.

They read the same contingency state as the MI classes, so one ``MetricCollection`` of MI, NMI, AMI,
ARI, ACC and V-measure updates one table per batch; the pair counts stay exact integers (no overflow
at any n that int64 counts hold) until the final division.
"""

from torch import Tensor

from torch_mi import _pair_counting
from torch_mi.metrics._base import ContingencyMetric, with_common_args


@with_common_args
class AdjustedRandScore(ContingencyMetric):
    r"""Adjusted Rand index, accumulated over batches (twin of :func:`torch_mi.functional.adjusted_rand_score`).

    1 for identical partitions, about 0 for random labelings, down to -0.5 (Hubert & Arabie 1985).

    Example:
        >>> import torch
        >>> from torch_mi import AdjustedRandScore
        >>> metric = AdjustedRandScore()
        >>> metric(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 1]))
        tensor(1., dtype=torch.float64)
        >>> metric(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 0, 1]))
        tensor(-0.5000, dtype=torch.float64)
    """

    plot_lower_bound = -0.5

    def compute(self) -> Tensor:
        return self._finish(_pair_counting.adjusted_rand_index(self.accumulated_table()))


@with_common_args
class RandScore(ContingencyMetric):
    r"""Rand index, accumulated over batches (twin of :func:`torch_mi.functional.rand_score`): the share
    of sample pairs on which the labelings agree, in [0, 1].

    Example:
        >>> import torch
        >>> from torch_mi import RandScore
        >>> metric = RandScore()
        >>> metric(torch.tensor([2, 1, 0, 1, 0]), torch.tensor([0, 2, 1, 1, 0]))
        tensor(0.6000, dtype=torch.float64)
    """

    def compute(self) -> Tensor:
        return self._finish(_pair_counting.rand_index(self.accumulated_table()))


@with_common_args
class FowlkesMallowsIndex(ContingencyMetric):
    r"""Fowlkes-Mallows index, accumulated over batches (twin of
    :func:`torch_mi.functional.fowlkes_mallows_index`): the geometric mean of pairwise precision and
    recall, in [0, 1].

    Example:
        >>> import torch
        >>> from torch_mi import FowlkesMallowsIndex
        >>> metric = FowlkesMallowsIndex()
        >>> metric(torch.tensor([2, 2, 0, 1, 0]), torch.tensor([2, 2, 1, 1, 0]))
        tensor(0.5000, dtype=torch.float64)
    """

    def compute(self) -> Tensor:
        return self._finish(_pair_counting.fowlkes_mallows_index(self.accumulated_table()))
