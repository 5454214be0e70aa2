"""Metric classes whose scores come out of one computation, each class keeping one of them.

Homogeneity / completeness / V-measure, BCubed and pairwise precision / recall / F are such
families: a subclass names the family's function (table, beta) -> tuple of per-group scores, and
its position. The weighted member (V-measure, BCubed F, pairwise F) takes ``beta`` as its first
positional parameter.
"""

from typing import Any, Callable, Optional, Tuple, Union

from torch import Tensor

from torch_mi._table import Table
from torch_mi._validation import check_beta
from torch_mi.metrics._base import ContingencyMetric


class FamilyMember(ContingencyMetric):
    _family: Callable[[Table, float], tuple]
    _position = 0
    beta = 1.0

    def compute(self) -> Tensor:
        return self._finish(type(self)._family(self.accumulated_table(), self.beta)[self._position])


class WeightedFamilyMember(FamilyMember):
    def __init__(
        self,
        beta: float = 1.0,
        *,
        num_classes: Union[int, Tuple[int, int], None] = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        self.beta = check_beta(beta)
        super().__init__(num_classes=num_classes, num_clusterings=num_clusterings, ignore_index=ignore_index,
                         validate_args=validate_args, **kwargs)
