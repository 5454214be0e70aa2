"""Information-theoretic scores as Metric classes: MI, NMI, AMI, homogeneity, completeness, V-measure, VI.

Each is thin: it keeps the shared contingency state (``ContingencyMetric``) and turns the accumulated
table into its score with the same ``torch_mi._information`` function as its functional twin, so
``compute()`` equals the twin on the concatenated labels bit for bit. First positional parameters
are torchmetrics' (``average_method``, ``beta``); torch_mi's own options are keyword-only.
"""

from typing import Any, Optional, Tuple, Union

from torch import Tensor

from torch_mi import _information, _variation
from torch_mi._validation import check_average_method, check_bool, check_log_base
from torch_mi.metrics._base import ContingencyMetric, with_common_args
from torch_mi.metrics._family import FamilyMember, WeightedFamilyMember

Classes = Union[int, Tuple[int, int], None]


@with_common_args
class MutualInfoScore(ContingencyMetric):
    r"""Mutual information of two labelings, accumulated over batches (twin of
    :func:`torch_mi.functional.mutual_info_score`).

    :math:`MI = \sum_{ij} \frac{n_{ij}}{n}\log\frac{n\,n_{ij}}{a_i b_j}`, in nats, or in ``log_base``.
    Ranges over :math:`[0, \min(H(U), H(V))]`.

    Args:
        log_base: keyword-only; base of the logarithm (``None``: nats, ``2``: bits).

    Example:
        >>> import torch
        >>> from torch_mi import MutualInfoScore
        >>> metric = MutualInfoScore()
        >>> metric.update(torch.tensor([1, 1, 0]), torch.tensor([0, 0, 1]))
        >>> metric.update(torch.tensor([0, 0, 3]), torch.tensor([1, 2, 2]))
        >>> metric.compute()
        tensor(0.7804, dtype=torch.float64)
    """

    plot_upper_bound = None

    def __init__(
        self,
        *,
        log_base: Optional[float] = None,
        num_classes: Classes = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        self.log_base = check_log_base(log_base)
        super().__init__(num_classes=num_classes, num_clusterings=num_clusterings, ignore_index=ignore_index,
                         validate_args=validate_args, **kwargs)

    def compute(self) -> Tensor:
        return self._finish(_information.in_log_base(_information.mutual_info(self.accumulated_table()), self.log_base))


class _AveragedScore(ContingencyMetric):
    """NMI and AMI divide by a mean of the two entropies, chosen by ``average_method``."""

    def __init__(
        self,
        average_method: str = "arithmetic",
        *,
        num_classes: Classes = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        self.average_method = check_average_method(average_method)
        super().__init__(num_classes=num_classes, num_clusterings=num_clusterings, ignore_index=ignore_index,
                         validate_args=validate_args, **kwargs)


@with_common_args
class NormalizedMutualInfoScore(_AveragedScore):
    r"""Normalized mutual information, accumulated over batches (twin of
    :func:`torch_mi.functional.normalized_mutual_info_score`).

    :math:`NMI = MI / \operatorname{mean}(H(U), H(V))`. In :math:`[0, 1]`; 1 for identical partitions.

    Args:
        average_method: the mean of the two entropies: ``"min"``, ``"geometric"``,
            ``"arithmetic"`` (default) or ``"max"``.

    Example:
        >>> import torch
        >>> from torch_mi import NormalizedMutualInfoScore
        >>> metric = NormalizedMutualInfoScore("arithmetic", num_classes=4)
        >>> metric.update(torch.tensor([1, 1, 0]), torch.tensor([0, 0, 1]))
        >>> metric.update(torch.tensor([0, 0, 3]), torch.tensor([1, 2, 2]))
        >>> metric.compute()
        tensor(0.7397, dtype=torch.float64)
    """

    def compute(self) -> Tensor:
        return self._finish(_information.normalized_mutual_info(self.accumulated_table(), self.average_method))


@with_common_args
class AdjustedMutualInfoScore(_AveragedScore):
    r"""Adjusted mutual information, accumulated over batches (twin of
    :func:`torch_mi.functional.adjusted_mutual_info_score`).

    :math:`AMI = (MI - E[MI]) / (\operatorname{mean}(H(U), H(V)) - E[MI])`: 1 for identical
    partitions, about 0 for chance agreement, possibly negative.

    Args:
        average_method: the mean of the two entropies: ``"min"``, ``"geometric"``,
            ``"arithmetic"`` (default) or ``"max"``.

    Example:
        >>> import torch
        >>> from torch_mi import AdjustedMutualInfoScore
        >>> metric = AdjustedMutualInfoScore("arithmetic")
        >>> metric.update(torch.tensor([1, 1, 0]), torch.tensor([0, 0, 1]))
        >>> metric.update(torch.tensor([0, 0, 3]), torch.tensor([1, 2, 2]))
        >>> metric.compute()
        tensor(0.5024, dtype=torch.float64)
    """

    plot_lower_bound = None

    def compute(self) -> Tensor:
        return self._finish(_information.adjusted_mutual_info(self.accumulated_table(), self.average_method))


class _HomogeneityFamily(FamilyMember):
    """Homogeneity, completeness and V-measure come out of one computation; each class keeps one."""

    _family = staticmethod(_information.homogeneity_completeness_v_measure)


@with_common_args
class HomogeneityScore(_HomogeneityFamily):
    r"""Homogeneity: each predicted cluster holds members of a single target class.

    :math:`h = MI / H(\text{target})`, in :math:`[0, 1]`; 1 when ``target`` has one class.
    Twin of :func:`torch_mi.functional.homogeneity_score`.

    Example:
        >>> import torch
        >>> from torch_mi import HomogeneityScore
        >>> metric = HomogeneityScore()
        >>> metric.update(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(1., dtype=torch.float64)
    """

    _position = 0


@with_common_args
class CompletenessScore(_HomogeneityFamily):
    r"""Completeness: all members of a target class are in the same predicted cluster.

    :math:`c = MI / H(\text{preds})`, in :math:`[0, 1]`; 1 when ``preds`` has one cluster.
    Twin of :func:`torch_mi.functional.completeness_score`.

    Example:
        >>> import torch
        >>> from torch_mi import CompletenessScore
        >>> metric = CompletenessScore()
        >>> metric.update(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.5000, dtype=torch.float64)
    """

    _position = 1


@with_common_args
class VMeasureScore(WeightedFamilyMember, _HomogeneityFamily):
    r"""V-measure: the weighted harmonic mean of homogeneity and completeness.

    :math:`v = (1 + \beta) h c / (\beta h + c)`, in :math:`[0, 1]`. With ``beta=1`` it equals NMI
    with the arithmetic mean. Twin of :func:`torch_mi.functional.v_measure_score`.

    Args:
        beta: weight of homogeneity against completeness (default 1).

    Example:
        >>> import torch
        >>> from torch_mi import VMeasureScore
        >>> metric = VMeasureScore(1.0)
        >>> metric.update(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.6667, dtype=torch.float64)
    """

    _position = 2


@with_common_args
class VariationOfInformation(ContingencyMetric):
    r"""Variation of information, accumulated over batches (twin of
    :func:`torch_mi.functional.variation_of_information`).

    :math:`VI = H(U) + H(V) - 2\,MI(U, V)`, a distance between partitions: 0 for identical ones,
    lower is better (Meila 2007).

    Args:
        log_base: keyword-only; base of the logarithm (``None``: nats, ``2``: bits).
        normalized: keyword-only; divide by the joint entropy :math:`H(U, V)`, giving [0, 1].

    Example:
        >>> import torch
        >>> from torch_mi import VariationOfInformation
        >>> metric = VariationOfInformation(log_base=2)
        >>> metric.update(torch.tensor([0, 0, 1, 2]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.5000, dtype=torch.float64)
    """

    higher_is_better = False
    plot_upper_bound = None

    def __init__(
        self,
        *,
        log_base: Optional[float] = None,
        normalized: bool = False,
        num_classes: Classes = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        self.log_base = check_log_base(log_base)
        self.normalized = check_bool(normalized, "normalized")
        super().__init__(num_classes=num_classes, num_clusterings=num_clusterings, ignore_index=ignore_index,
                         validate_args=validate_args, **kwargs)

    def compute(self) -> Tensor:
        table = self.accumulated_table()
        return self._finish(_variation.variation_of_information(table, self.log_base, self.normalized))
