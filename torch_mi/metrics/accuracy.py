"""Cluster accuracy as a Metric class: the best one-to-one matching of clusters to classes, from the table."""

from typing import Any, Optional, Tuple, Union

from torch import Tensor

from torch_mi import _matching
from torch_mi._validation import flatten_label_maps
from torch_mi.metrics._base import ContingencyMetric, with_common_args


@with_common_args
class ClusterAccuracy(ContingencyMetric):
    r"""Cluster accuracy, accumulated over batches (twin of :func:`torch_mi.functional.cluster_accuracy`).

    The share of samples that the best one-to-one map of pred clusters to target classes gets right,
    in [0, 1]; rectangular tables allowed (unmatched clusters count as errors). Only the matching
    leaves the device, solved by SciPy — install it with ``pip install 'torch_mi[accuracy]'``.

    ``update(preds, target)`` takes (N,) labels, label maps of one shape (N, ...) such as segmentation
    masks, or (N, C, ...) float scores (their argmax over C is the cluster), as torchmetrics does;
    float labels too if they are whole numbers (torchmetrics would truncate 1.5 to 1).

    Args:
        num_classes: as in torchmetrics, the first positional parameter; here optional. An int K
            (or a pair) keeps a dense K x K table for labels in ``[0, K)``; ``None`` keeps the sparse
            state for any ids, which never densifies, even with 10^5 clusters a side.

    Example:
        >>> import torch
        >>> from torch_mi import ClusterAccuracy
        >>> metric = ClusterAccuracy(2)
        >>> metric(torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 0, 0]))
        tensor(1., dtype=torch.float64)
    """

    def __init__(
        self,
        num_classes: Union[int, Tuple[int, int], None] = None,
        *,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(num_classes=num_classes, num_clusterings=num_clusterings, ignore_index=ignore_index,
                         validate_args=validate_args, **kwargs)

    def update(self, preds: Any, target: Any) -> None:
        """Add a batch; as in torchmetrics, label maps (N, ...) of one shape and (N, C, ...) float
        scores (their argmax over C) are taken too, with ``num_clusterings=None``."""
        if self.num_clusterings is None:
            preds, target = flatten_label_maps(preds, target)
        super().update(preds, target)

    def compute(self) -> Tensor:
        return self._finish(_matching.cluster_accuracy(self.accumulated_table()))
