"""torchmetrics ``Metric`` classes that accumulate a contingency table across batches and ranks.

The state is the table, never the labels, in one of two modes chosen by ``num_classes``:

* dense (``num_classes=K`` or ``(target_classes, pred_classes)``): an int64 table on the metric's
  device, filled with ``scatter_add_``. With ``validate_args=False`` an ``update()`` is pure tensor
  work with no host-device synchronization. Ranks sum their tables.
* sparse (``num_classes=None``): any integer ids. The state is a list of (P, 4) int64 blocks of
  rows ``[group, target, pred, count]``, compacted in amortized fashion so that it grows with the
  number of distinct label pairs, not with the number of samples or updates. Ranks concatenate
  their blocks, which are then compacted.

Every class keeps the same state, so a ``MetricCollection`` of them updates one table per batch
(torchmetrics' compute groups), and every ``compute()`` equals its functional twin on the
concatenated labels, bit for bit.
"""

from __future__ import annotations

import functools
import math
from numbers import Integral
from typing import Any, Optional, Sequence, Union

import torch
from torch import Tensor
from torchmetrics import Metric
from torchmetrics.utilities.distributed import gather_all_tensors

from torch_mi import _information
from torch_mi._contingency import aggregate_pairs, dense_counts, pair_counts
from torch_mi._inputs import check_average_method, check_beta, check_log_base, labels_pair
from torch_mi._table import Table, from_cells, from_dense

__all__ = [
    "AdjustedMutualInfoScore",
    "CompletenessScore",
    "HomogeneityScore",
    "MutualInfoScore",
    "NormalizedMutualInfoScore",
    "VMeasureScore",
]

# Sparse state: compact once the rows appended since the last compaction reach the compacted size
# (at least this many), so every row is re-sorted O(1) times on average.
_MIN_ROWS_BEFORE_COMPACTION = 4096


def _check_num_classes(num_classes: Any) -> Optional[tuple[int, int]]:
    def positive(value: Any) -> bool:
        return isinstance(value, Integral) and not isinstance(value, bool) and value > 0

    if num_classes is None:
        return None
    if positive(num_classes):
        return int(num_classes), int(num_classes)
    if isinstance(num_classes, Sequence) and len(num_classes) == 2 and all(positive(v) for v in num_classes):
        return int(num_classes[0]), int(num_classes[1])
    raise ValueError(
        "`num_classes` must be None, a positive int, or a pair (target_classes, pred_classes) of "
        f"positive ints; got {num_classes!r}."
    )


def _check_optional_int(value: Any, name: str) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"`{name}` must be an int or None; got {value!r} of type {type(value).__name__}.")
    return int(value)


class _ContingencyMetric(Metric):
    """Shared state and update of every score: a contingency table of target x preds labels.

    Args:
        num_classes: ``None`` (default) for arbitrary integer labels, kept as distinct pairs; a
            positive int K, or a pair (target_classes, pred_classes), for labels in ``[0, K)``,
            kept as a dense table.
        num_clusterings: ``None`` (default) for ``preds`` of shape (N,); B to score B clusterings
            at once, ``preds`` of shape (B, N), ``compute()`` returning B scores.
        ignore_index: samples whose target equals it are left out.
        validate_args: check labels against ``num_classes``. Off, a dense ``update()`` makes no
            host-device synchronization; out-of-range labels are then undefined behaviour.
        kwargs: passed to ``torchmetrics.Metric`` (``sync_on_compute``, ``dist_sync_on_step``, ...).
    """

    is_differentiable = False
    higher_is_better = True
    full_state_update = False
    plot_lower_bound: Optional[float] = 0.0
    plot_upper_bound: Optional[float] = 1.0

    table: Tensor
    pairs: list[Tensor]

    def __init__(
        self,
        num_classes: Union[int, tuple[int, int], None] = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        **kwargs: Any,
    ) -> None:
        super().__init__(**kwargs)
        self.num_classes = _check_num_classes(num_classes)
        clusterings = _check_optional_int(num_clusterings, "num_clusterings")
        if clusterings is not None and clusterings < 1:
            raise ValueError(f"`num_clusterings` must be a positive int or None; got {num_clusterings!r}.")
        self.num_clusterings = clusterings
        self.ignore_index = _check_optional_int(ignore_index, "ignore_index")
        if not isinstance(validate_args, bool):
            raise TypeError(f"`validate_args` must be a bool; got {validate_args!r}.")
        self.validate_args = validate_args
        self._compacted_rows = 0
        self._pending_rows = 0
        if self.num_classes is None:
            self.add_state("pairs", default=[], dist_reduce_fx="cat")
        else:
            shape = self.num_classes if clusterings is None else (clusterings, *self.num_classes)
            self.add_state("table", default=torch.zeros(shape, dtype=torch.long), dist_reduce_fx="sum")

    # ----------------------------------------------------------------------------------- update
    def update(self, preds: Any, target: Any) -> None:
        """Add the (target, preds) pairs of a batch to the table. A rejected batch changes nothing."""
        preds, target = labels_pair(preds, target, allow_batched_preds=self.num_clusterings is not None)
        self._check_batch(preds, target)
        if self.num_classes is None:
            self._update_sparse(preds, target)
        else:
            self._update_dense(preds, target)

    def _check_batch(self, preds: Tensor, target: Tensor) -> None:
        if self.num_clusterings is not None and (preds.ndim != 2 or preds.shape[0] != self.num_clusterings):
            raise ValueError(
                f"`preds` must have shape (num_clusterings, N) = ({self.num_clusterings}, N); "
                f"got {tuple(preds.shape)}."
            )
        if target.device != self.device:
            raise ValueError(
                f"The labels are on {target.device} but the metric's state is on {self.device}; "
                f"move one of them, e.g. `metric.to({str(target.device)!r})`."
            )

    def _update_dense(self, preds: Tensor, target: Tensor) -> None:
        rows, cols = self.num_classes
        kept = None if self.ignore_index is None else target != self.ignore_index
        if self.validate_args:
            self._check_range(target, rows, "target", kept)
            self._check_range(preds, cols, "preds", kept)
        if kept is not None:  # a zero weight drops a sample without a data-dependent (syncing) mask
            target = torch.where(kept, target, 0)
            preds = torch.where(kept, preds, 0)
        dense_counts(preds, target, rows, cols, weights=kept, out=self.table)

    @staticmethod
    def _check_range(labels: Tensor, size: int, name: str, kept: Optional[Tensor]) -> None:
        if labels.numel() == 0:
            return
        if kept is None:  # one min/max pass, and a single host sync for both bounds
            lo, hi = (int(x) for x in torch.aminmax(labels))
            if lo >= 0 and hi < size:
                return
        outside = (labels < 0) | (labels >= size)
        if kept is not None:
            outside &= kept
        if bool(outside.any()):
            bad = labels[outside]
            raise ValueError(
                f"`{name}` must hold labels in [0, {size}) for num_classes={size}; found labels from "
                f"{int(bad.min())} to {int(bad.max())}. Pass num_classes=None for arbitrary label ids."
            )

    def _update_sparse(self, preds: Tensor, target: Tensor) -> None:
        if self.ignore_index is not None:
            kept = target != self.ignore_index
            target, preds = target[kept], preds[..., kept]
        counts = pair_counts(preds, target)
        block = torch.stack([counts.groups, counts.target, counts.preds, counts.counts], dim=1)
        self.pairs.append(block)
        self._pending_rows += block.shape[0]
        self._maybe_compact()

    # --------------------------------------------------------------------- sparse state upkeep
    def _maybe_compact(self) -> None:
        if len(self.pairs) > 1 and self._pending_rows >= max(self._compacted_rows, _MIN_ROWS_BEFORE_COMPACTION):
            self._compact()

    def _compact(self) -> None:
        self.pairs = [self._compacted_block()]
        self._compacted_rows = self.pairs[0].shape[0]
        self._pending_rows = 0

    def _compacted_block(self) -> Tensor:
        state = self.pairs
        rows = torch.cat(state) if isinstance(state, list) and state else state
        if isinstance(rows, list) or rows.numel() == 0:
            return torch.zeros(0, 4, dtype=torch.long, device=self.device)
        merged = aggregate_pairs(rows[:, 1], rows[:, 2], counts=rows[:, 3], groups=rows[:, 0])
        return torch.stack([merged.groups, merged.target, merged.preds, merged.counts], dim=1)

    def _reduce_states(self, incoming_state: dict[str, Any]) -> None:
        # forward() and merge_state() append blocks here rather than in update(): compact here too.
        super()._reduce_states(incoming_state)
        if self.num_classes is None:
            self._pending_rows = sum(block.shape[0] for block in self.pairs) - self._compacted_rows
            self._maybe_compact()

    def _sync_dist(self, dist_sync_fn: Any = gather_all_tensors, process_group: Optional[Any] = None) -> None:
        if self.num_classes is None:
            # One typed (P, 4) block per rank, possibly with P = 0: the gather then has the same
            # dtype and rank everywhere, also on a rank that saw no samples.
            self.pairs = [self._compacted_block()]
        super()._sync_dist(dist_sync_fn, process_group)
        if self.num_classes is None:
            self.pairs = [self._compacted_block()]

    # ---------------------------------------------------------------------------------- compute
    def _accumulated_table(self) -> Table:
        num_groups = self.num_clusterings or 1
        if self.num_classes is not None:
            return from_dense(self.table)
        block = self._compacted_block()
        return from_cells(block[:, 0], block[:, 1], block[:, 2], block[:, 3], num_groups=num_groups)

    def _finish(self, values: Tensor) -> Tensor:
        return values if self.num_clusterings is not None else values.reshape(())

    def _wrap_compute(self, compute: Any) -> Any:
        # torchmetrics squeezes one-element results; with num_clusterings=1 that would drop the
        # clustering axis that the functional twin keeps, so restore it.
        wrapped = super()._wrap_compute(compute)

        @functools.wraps(wrapped)
        def keep_clustering_axis(*args: Any, **kwargs: Any) -> Any:
            value = wrapped(*args, **kwargs)
            return value.reshape(-1) if self.num_clusterings is not None else value

        return keep_clustering_axis

    def contingency_matrix(self, return_labels: bool = False) -> Union[Tensor, tuple[Tensor, Tensor, Tensor]]:
        """The accumulated table: (R, C) int64, or (B, R, C) with ``num_clusterings``.

        Dense mode returns the full ``num_classes`` table (labels 0..K-1, empty rows included);
        sparse mode one row per target label seen and one column per pred label seen, sorted.
        With ``return_labels``, also the row (target) and column (pred) labels.
        """
        if self.num_classes is not None:
            rows, cols = self.num_classes
            table = self.table.clone()
            row_labels = torch.arange(rows, device=self.device)
            col_labels = torch.arange(cols, device=self.device)
        else:
            block = self._compacted_block()
            row_labels, r = torch.unique(block[:, 1], sorted=True, return_inverse=True)
            col_labels, c = torch.unique(block[:, 2], sorted=True, return_inverse=True)
            groups = self.num_clusterings or 1
            table = torch.zeros(groups, row_labels.numel(), col_labels.numel(), dtype=torch.long, device=self.device)
            table[block[:, 0], r, c] = block[:, 3]
            if self.num_clusterings is None:
                table = table[0]
        return (table, row_labels, col_labels) if return_labels else table

    def plot(self, val: Optional[Union[Tensor, Sequence[Tensor]]] = None, ax: Optional[Any] = None) -> Any:
        """Plot a single or multiple values from the metric (torchmetrics' ``Metric.plot``).

        Example:
            >>> import torch
            >>> from torch_mi import NormalizedMutualInfoScore
            >>> metric = NormalizedMutualInfoScore()
            >>> metric.update(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 0]))
            >>> fig, ax = metric.plot()
        """
        return self._plot(val, ax)

    def plot_contingency(self, ax: Optional[Any] = None, **kwargs: Any) -> Any:
        """Heatmap of the accumulated table: which target clusters were mixed into which pred clusters.

        Returns ``(figure, axes)``; keyword arguments go to ``torch_mi.plotting.plot_contingency``.
        """
        from torch_mi.plotting import plot_contingency

        if self.num_clusterings is not None:
            raise ValueError("plot_contingency draws one table; index a single clustering's metric instead.")
        table, rows, cols = self.contingency_matrix(return_labels=True)
        return plot_contingency(table, row_labels=rows, col_labels=cols, ax=ax, **kwargs)


class MutualInfoScore(_ContingencyMetric):
    r"""Mutual information of two labelings, accumulated over batches (twin of
    :func:`torch_mi.functional.mutual_info_score`).

    :math:`MI = \sum_{ij} \frac{n_{ij}}{n}\log\frac{n\,n_{ij}}{a_i b_j}`, in nats, or in ``log_base``.
    Ranges over :math:`[0, \min(H(U), H(V))]`.

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

    def __init__(self, *args: Any, log_base: Optional[float] = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.log_base = check_log_base(log_base)

    def compute(self) -> Tensor:
        mi = _information.mutual_info(self._accumulated_table())
        if self.log_base is not None:
            mi = mi / math.log(self.log_base)
        return self._finish(mi)


class NormalizedMutualInfoScore(_ContingencyMetric):
    r"""Normalized mutual information, accumulated over batches (twin of
    :func:`torch_mi.functional.normalized_mutual_info_score`).

    :math:`NMI = MI / \operatorname{mean}(H(U), H(V))` with ``average_method`` one of ``"min"``,
    ``"geometric"``, ``"arithmetic"`` (default), ``"max"``. In :math:`[0, 1]`; 1 for identical
    partitions.

    Example:
        >>> import torch
        >>> from torch_mi import NormalizedMutualInfoScore
        >>> metric = NormalizedMutualInfoScore(num_classes=4)
        >>> metric.update(torch.tensor([1, 1, 0]), torch.tensor([0, 0, 1]))
        >>> metric.update(torch.tensor([0, 0, 3]), torch.tensor([1, 2, 2]))
        >>> metric.compute()
        tensor(0.7397, dtype=torch.float64)
    """

    def __init__(self, *args: Any, average_method: str = "arithmetic", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.average_method = check_average_method(average_method)

    def compute(self) -> Tensor:
        return self._finish(_information.normalized_mutual_info(self._accumulated_table(), self.average_method))


class AdjustedMutualInfoScore(_ContingencyMetric):
    r"""Adjusted mutual information, accumulated over batches (twin of
    :func:`torch_mi.functional.adjusted_mutual_info_score`).

    :math:`AMI = (MI - E[MI]) / (\operatorname{mean}(H(U), H(V)) - E[MI])`: 1 for identical
    partitions, about 0 for chance agreement, possibly negative.

    Example:
        >>> import torch
        >>> from torch_mi import AdjustedMutualInfoScore
        >>> metric = AdjustedMutualInfoScore()
        >>> metric.update(torch.tensor([1, 1, 0]), torch.tensor([0, 0, 1]))
        >>> metric.update(torch.tensor([0, 0, 3]), torch.tensor([1, 2, 2]))
        >>> metric.compute()
        tensor(0.5024, dtype=torch.float64)
    """

    plot_lower_bound = None

    def __init__(self, *args: Any, average_method: str = "arithmetic", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.average_method = check_average_method(average_method)

    def compute(self) -> Tensor:
        return self._finish(_information.adjusted_mutual_info(self._accumulated_table(), self.average_method))


class _HomogeneityFamily(_ContingencyMetric):
    """Homogeneity, completeness and V-measure come out of one computation; each class keeps one."""

    _position: int
    beta = 1.0

    def compute(self) -> Tensor:
        scores = _information.homogeneity_completeness_v_measure(self._accumulated_table(), self.beta)
        return self._finish(scores[self._position])


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


class VMeasureScore(_HomogeneityFamily):
    r"""V-measure: the weighted harmonic mean of homogeneity and completeness.

    :math:`v = (1 + \beta) h c / (\beta h + c)`, in :math:`[0, 1]`. With ``beta=1`` it equals NMI
    with the arithmetic mean. Twin of :func:`torch_mi.functional.v_measure_score`.

    Example:
        >>> import torch
        >>> from torch_mi import VMeasureScore
        >>> metric = VMeasureScore()
        >>> metric.update(torch.tensor([0, 1, 2, 3]), torch.tensor([0, 0, 1, 1]))
        >>> metric.compute()
        tensor(0.6667, dtype=torch.float64)
    """

    _position = 2

    def __init__(self, *args: Any, beta: float = 1.0, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.beta = check_beta(beta)
