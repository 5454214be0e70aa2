"""Cluster accuracy: the share of samples that the best one-to-one matching of clusters to classes gets right."""

from __future__ import annotations

from typing import Any, Optional

from torch import Tensor

from torch_mi import _matching
from torch_mi._table_inputs import table_from_inputs
from torch_mi._validation import check_label_range, check_num_classes, labels_pair

__all__ = ["cluster_accuracy"]


def cluster_accuracy(
    preds: Any = None, target: Any = None, num_classes: Optional[int] = None, *, contingency: Any = None
) -> Tensor:
    """Cluster accuracy (ACC): max over one-to-one maps of pred clusters to target classes of the
    share of samples mapped to their class, in [0, 1].

    Rectangular tables are allowed: clusters left without a partner count as errors. The matching is
    solved by SciPy (``pip install 'torch_mi[accuracy]'``): dense for small or dense tables, on the
    nonzero cells only for large sparse ones. On CUDA only the nonzero cells leave the device.

    Args:
        preds: predicted cluster labels, shape (N,), or (B, N) for B clusterings at once.
        target: class labels, shape (N,).
        num_classes: optional, as in torchmetrics: labels must then lie in ``[0, num_classes)``.
        contingency: instead of labels, a table of counts (rows: target, columns: preds).

    Example:
        >>> from torch_mi.functional import cluster_accuracy
        >>> cluster_accuracy([0, 0, 1, 1], [1, 1, 0, 0])
        tensor(1., dtype=torch.float64)
        >>> cluster_accuracy([0, 0, 0, 1, 2, 2], [0, 0, 1, 1, 2, 2])
        tensor(0.8333, dtype=torch.float64)
    """
    classes = check_num_classes(num_classes)
    if classes is not None and contingency is None:
        checked_preds, checked_target = labels_pair(preds, target, allow_batched_preds=True)
        check_label_range(checked_target, classes[0], "target", None)
        check_label_range(checked_preds, classes[1], "preds", None)
    scored = table_from_inputs(preds, target, contingency)
    return scored.finish(scored.apply(_matching.cluster_accuracy))
