"""Pair-counting scores as Metric classes: adjusted Rand, Rand, Fowlkes-Mallows, pairwise precision /
recall / F and the pair Jaccard index.

They read the same contingency state as the MI classes, so one ``MetricCollection`` of MI, NMI, AMI,
ARI, ACC and V-measure updates one table per batch; the pair counts stay exact integers (no overflow
at any n that int64 counts hold) until the final division.
"""

from torch import Tensor

from torch_mi import _pair_counting
from torch_mi.metrics._base import ContingencyMetric, with_common_args
from torch_mi.metrics._family import FamilyMember, WeightedFamilyMember


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


@with_common_args
class PairJaccardIndex(ContingencyMetric):
    r"""Jaccard index of the pairs joined by each labeling, accumulated over batches (twin of
    :func:`torch_mi.functional.pair_jaccard_index`): tp / (tp + fp + fn), in [0, 1].

    Example:
        >>> import torch
        >>> from torch_mi import PairJaccardIndex
        >>> metric = PairJaccardIndex()
        >>> metric(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 0, 1, 1]))
        tensor(0.5000, dtype=torch.float64)
    """

    def compute(self) -> Tensor:
        return self._finish(_pair_counting.pair_jaccard_index(self.accumulated_table()))


class _PairwiseFamily(FamilyMember):
    _family = staticmethod(_pair_counting.pairwise_precision_recall_fscore)


@with_common_args
class PairwisePrecision(_PairwiseFamily):
    r"""Pairwise precision, accumulated over batches (twin of :func:`torch_mi.functional.pairwise_precision`).

    tp / (tp + fp): the share of the sample pairs joined in ``preds`` that ``target`` joins too;
    in [0, 1], 1 when no joined pair is wrong (all singletons included).

    Example:
        >>> import torch
        >>> from torch_mi import PairwisePrecision
        >>> metric = PairwisePrecision()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.3333, dtype=torch.float64)
    """

    _position = 0


@with_common_args
class PairwiseRecall(_PairwiseFamily):
    r"""Pairwise recall, accumulated over batches (twin of :func:`torch_mi.functional.pairwise_recall`).

    tp / (tp + fn): the share of the sample pairs joined in ``target`` that ``preds`` keeps
    together; in [0, 1], 1 when no target pair is split.

    Example:
        >>> import torch
        >>> from torch_mi import PairwiseRecall
        >>> metric = PairwiseRecall()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.5000, dtype=torch.float64)
    """

    _position = 1


@with_common_args
class PairwiseFScore(WeightedFamilyMember, _PairwiseFamily):
    r"""Pairwise :math:`F_\beta`, accumulated over batches (twin of :func:`torch_mi.functional.pairwise_fscore`).

    :math:`(1 + \beta^2) P R / (\beta^2 P + R)` of pairwise precision P and recall R, in [0, 1];
    ``beta=1`` is their harmonic mean.

    Args:
        beta: non-negative weight of recall against precision (default 1), as in the usual F-score.

    Example:
        >>> import torch
        >>> from torch_mi import PairwiseFScore
        >>> metric = PairwiseFScore()
        >>> metric.update(torch.tensor([0, 0, 0, 1]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.4000, dtype=torch.float64)
    """

    _position = 2
