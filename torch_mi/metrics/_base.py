"""The torchmetrics glue every torch_mi Metric shares: one contingency state, validated in and out.

A ``ContingencyMetric`` holds a contingency state (``torch_mi._state``: a dense table or sparse pair
blocks), registered with torchmetrics so that reset, sync, forward, pickling, ``.to()`` and
``state_dict`` work as for any Metric. Subclasses only turn the accumulated ``Table`` into a score in
``compute()``. Every class keeps the same state under the same name, so a ``MetricCollection`` of them
updates one table per batch (torchmetrics' compute groups).

torchmetrics has no public hooks for what a compacting, validated state needs, so seven private
methods are overridden, all here: ``_wrap_update`` and ``_forward_reduce_state_update`` (a batch
that ``update()`` or ``forward()`` refuses leaves the state and the update count as they were),
``_reduce_states`` and ``_sync_dist`` (keep sparse blocks compact and typed, also on a rank with no
samples; add dense tables with one all_reduce), ``_wrap_compute`` (keep the clustering axis that
torchmetrics squeezes when B = 1), ``_load_from_state_dict`` (refuse a corrupt checkpoint) and
``_apply`` (``set_dtype`` moves int64 counts and buffers but never casts them).
Tested with torchmetrics 1.3 (the lowest the package declares; CI runs it) to 1.9.
"""

from __future__ import annotations

import functools
import hashlib
from typing import Any, Callable, Literal, Optional, Sequence, Union, cast, overload

import torch
from torch import Tensor, nn
from torchmetrics import Metric
from torchmetrics.utilities.distributed import gather_all_tensors

from torch_mi._state import state_for
from torch_mi._table import Table
from torch_mi._table_inputs import in_inference_mode
from torch_mi._validation import InvalidTypeError, check_bool, check_num_classes, check_optional_int, labels_pair

# Appended to every public class's docstring, so help() and IDEs show torch_mi's own options.
COMMON_ARGS = """
    Keyword-only args (every torch_mi Metric):
        num_classes: ``None`` (default) for arbitrary integer labels, kept as the distinct (target,
            pred) pairs that occur; a positive int K, or a pair ``(target_classes, pred_classes)``,
            for labels in ``[0, K)``, kept as a dense int64 table (no host sync per update with
            ``validate_args=False``).
        num_clusterings: ``None`` (default) for ``preds`` of shape (N,); B to score B clusterings
            of the same samples at once: ``preds`` of shape (B, N), ``compute()`` returns (B,).
        ignore_index: samples whose target equals it are left out (void pixels, unlabelled points).
        validate_args: check labels against ``num_classes``. Off, a dense ``update()`` makes no
            host-device synchronization; out-of-range labels are then undefined behaviour.
        kwargs: passed to ``torchmetrics.Metric`` (``sync_on_compute``, ``dist_sync_on_step``,
            ``compute_with_cache``, ...).
"""


def with_common_args(cls: type) -> type:
    cls.__doc__ = (cls.__doc__ or "").rstrip() + "\n" + COMMON_ARGS
    return cls


class ContingencyMetric(Metric):
    """Base of every torch_mi Metric: accumulates a contingency table of target x preds labels."""

    is_differentiable = False
    higher_is_better: Optional[bool] = True
    full_state_update = False
    plot_lower_bound: Optional[float] = 0.0
    plot_upper_bound: Optional[float] = 1.0

    def __init__(
        self,
        *,
        num_classes: Union[int, tuple[int, int], None] = None,
        num_clusterings: Optional[int] = None,
        ignore_index: Optional[int] = None,
        validate_args: bool = True,
        counting_signature: bytes = b"",
        **kwargs: Any,
    ) -> None:
        # Validate everything before torchmetrics sets anything up. ``counting_signature``: for
        # subclasses whose update() counts a batch in its own way (FeatureMutualInfo's bin edges).
        classes = check_num_classes(num_classes)
        clusterings = check_optional_int(num_clusterings, "num_clusterings", minimum=1)
        ignore = check_optional_int(ignore_index, "ignore_index")
        validate = check_bool(validate_args, "validate_args")
        state = state_for(classes, clusterings)
        super().__init__(**kwargs)
        self.num_classes = classes
        self.num_clusterings = clusterings
        self.ignore_index = ignore
        self.validate_args = validate
        self._layout = state
        self.add_state(state.attribute, default=state.default(), dist_reduce_fx=state.reduction)
        # torchmetrics' MetricCollection shares one state among members whose state names and values
        # are equal after the first batch. Equal tables do not mean equal counting (a batch without
        # ignored targets counts alike with any ignore_index), so an empty state named after how this
        # metric counts keeps apart members that count differently. It is never saved or synced.
        digest = hashlib.blake2b(repr(ignore).encode() + counting_signature, digest_size=8).hexdigest()
        self._counting_marker = f"_counts_alike_{digest}"
        self.add_state(self._counting_marker, default=torch.zeros(0, dtype=torch.long), dist_reduce_fx="sum")

    # ----------------------------------------------------------------------------------- update
    def update(self, preds: Any, target: Any) -> None:
        """Add the (target, preds) pairs of a batch to the table. A rejected batch changes nothing."""
        # A 0-d label is one sample, as torchmetrics' classes (which concatenate updates) take it.
        preds, target = labels_pair(
            preds, target, allow_batched_preds=self.num_clusterings is not None, scalars_as_samples=True
        )
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
        name = self._layout.attribute
        setattr(self, name, self._layout.add(getattr(self, name), preds, target, self.ignore_index, self.validate_args))

    # ---------------------------------------------------------------------------------- compute
    def accumulated_table(self) -> Table:
        """The canonical ``Table`` of everything accumulated (synced across ranks inside ``compute()``)."""
        return self._layout.to_table(getattr(self, self._layout.attribute), self.device)

    def _finish(self, values: Tensor) -> Tensor:
        return values if self.num_clusterings is not None else values.reshape(())

    @overload
    def contingency_matrix(self, return_labels: Literal[False] = ...) -> Tensor: ...

    @overload
    def contingency_matrix(self, return_labels: Literal[True]) -> tuple[Tensor, Tensor, Tensor]: ...

    @overload
    def contingency_matrix(self, return_labels: bool) -> Union[Tensor, tuple[Tensor, Tensor, Tensor]]: ...

    def contingency_matrix(self, return_labels: bool = False) -> Union[Tensor, tuple[Tensor, Tensor, Tensor]]:
        """The accumulated table: (R, C) int64, or (B, R, C) with ``num_clusterings``.

        Dense mode returns the full ``num_classes`` table (labels 0..K-1, empty rows included);
        sparse mode one row per target label seen and one column per pred label seen, sorted.
        With ``return_labels``, also the row (target) and column (pred) labels.
        """
        table, rows, cols = self._layout.matrix(getattr(self, self._layout.attribute), self.device)
        return (table, rows, cols) if return_labels else table

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
        from torch_mi.plotting import plot_contingency  # matplotlib is an extra

        if self.num_clusterings is not None:
            raise ValueError("plot_contingency draws one table; this metric holds num_clusterings tables.")
        table, rows, cols = self.contingency_matrix(return_labels=True)
        return plot_contingency(table, row_labels=rows, col_labels=cols, ax=ax, **kwargs)

    # ----------------------------------------------------------------- state from outside, checked
    def merge_state(self, incoming_state: Union[dict[str, Any], Metric]) -> None:
        """Add another metric's (or a state dict's) table to this one; a mismatched state is refused unchanged.

        Implemented here rather than inherited: torchmetrics only has ``merge_state`` from 1.6, and
        the incoming state must be checked before it is added anyway.
        """
        name = self._layout.attribute
        if isinstance(incoming_state, ContingencyMetric):
            if incoming_state._layout.describe() != self._layout.describe():
                raise ValueError(
                    f"Cannot merge a metric holding {incoming_state._layout.describe()} into one holding "
                    f"{self._layout.describe()}: construct both with the same num_classes and num_clusterings."
                )
            value = getattr(incoming_state, name)
        elif isinstance(incoming_state, dict):
            if name not in incoming_state:
                raise ValueError(
                    f"merge_state: expected a dict with the key {name!r} holding {self._layout.describe()}; "
                    f"got keys {sorted(incoming_state)}."
                )
            value = incoming_state[name]
        else:  # torchmetrics raises ValueError for a metric of another class: catchable as either
            raise InvalidTypeError(
                f"merge_state: expected a torch_mi metric or a state dict; got {type(incoming_state).__name__}."
            )
        self._layout.check(value, "merge_state")
        # The incoming table may live on another device (a metric there, a checkpoint loaded to the CPU).
        marker = self._counting_marker  # torchmetrics reduces every state; this one stays empty
        self._reduce_states({name: self._layout.to_device(value, self.device), marker: getattr(self, marker)})
        self._computed = None  # the cached score was of the table before the merge

    def _load_from_state_dict(self, state_dict: dict, prefix: str, *args: Any, **kwargs: Any) -> None:
        name = self._layout.attribute
        other = "pairs" if name == "table" else "table"
        if prefix + other in state_dict and prefix + name not in state_dict:
            raise ValueError(
                f"load_state_dict: the checkpoint holds a {'dense table' if other == 'table' else 'sparse pair list'} "
                f"({prefix + other!r}) but this metric keeps {self._layout.describe()}; construct it with the "
                "num_classes the checkpoint was saved with."
            )
        if prefix + name in state_dict:
            self._layout.check(state_dict[prefix + name], f"load_state_dict ({prefix + name!r})")
        super()._load_from_state_dict(state_dict, prefix, *args, **kwargs)
        # torchmetrics keeps the checkpoint's tensors as they are: put them where this metric counts.
        setattr(self, name, self._layout.to_device(getattr(self, name), self.device))
        self._settle_state()  # a loaded list of blocks may be a tuple, or too long
        self._computed = None  # the cached score was of the table before the load

    def persistent(self, mode: bool = False) -> None:
        """Put the table in ``state_dict()`` (``mode=True``) or leave it out, as torchmetrics' ``persistent``."""
        super().persistent(mode)
        self._persistent[self._counting_marker] = False  # nothing to save: its name is its content

    # ------------------------------------------------------------ torchmetrics internals, in one place
    def _settle_state(self) -> None:
        name = self._layout.attribute
        setattr(self, name, self._layout.settle(getattr(self, name)))

    def _reduce_states(self, incoming_state: dict[str, Any]) -> None:
        # forward() and merge_state() append blocks here rather than in update(): compact here too.
        super()._reduce_states(incoming_state)
        self._settle_state()

    def _sync_dist(self, dist_sync_fn: Any = gather_all_tensors, process_group: Optional[Any] = None) -> None:
        name = self._layout.attribute
        if self._layout.reduction == "sum" and dist_sync_fn is gather_all_tensors:
            # Dense tables add up: one all_reduce (exact in int64) instead of torchmetrics' gather of
            # every rank's table and sum of the stack, which holds world_size tables on each rank.
            # On a copy: torchmetrics restores the cached local state on unsync, not this tensor.
            table = getattr(self, name).clone()
            torch.distributed.all_reduce(table, group=process_group or self.process_group)
            setattr(self, name, table)
            return
        setattr(self, name, self._layout.before_sync(getattr(self, name), self.device))
        reductions = self._reductions  # the counting marker is the same on every rank: no gather for it
        self._reductions = {key: fx for key, fx in reductions.items() if key != self._counting_marker}
        try:
            super()._sync_dist(dist_sync_fn, process_group)
        finally:
            self._reductions = reductions
        self._settle_state()

    def _wrap_update(self, update: Callable) -> Callable:
        # torchmetrics counts the update (and drops the cached result) before it runs it: undo both
        # when the batch is refused, so `update_called` stays as it was too.
        wrapped = super()._wrap_update(update)

        @functools.wraps(wrapped)
        def refused_batch_changes_nothing(*args: Any, **kwargs: Any) -> None:
            count, computed = self._update_count, self._computed
            try:
                wrapped(*args, **kwargs)
            except BaseException:
                self._update_count, self._computed = count, computed
                raise

        return refused_batch_changes_nothing

    # Everything torchmetrics' forward() changes before it calls update() on the batch alone.
    _FORWARD_CONTEXT = ("_update_count", "_computed", "_forward_cache", "_cache", "_is_synced", "_to_sync",
                        "_should_unsync", "compute_on_cpu", "_enable_grad")

    def _forward_reduce_state_update(self, *args: Any, **kwargs: Any) -> Any:
        # torchmetrics resets the accumulated state before it counts the batch; if update() (or
        # compute()) refuses the batch, put the state back, so a rejected forward() changes nothing.
        saved = {name: getattr(self, name) for name in (*self._defaults, *self._FORWARD_CONTEXT)}
        for name in self._defaults:  # reset() empties list states in place (torchmetrics >= 1.6)
            if isinstance(saved[name], list):
                saved[name] = list(saved[name])
        try:
            return super()._forward_reduce_state_update(*args, **kwargs)
        except BaseException:
            for name, value in saved.items():
                setattr(self, name, value)
            raise

    def _apply(self, fn: Callable, exclude_state: Sequence[str] = ()) -> nn.Module:
        # set_dtype() casts every state and buffer to its dtype; int64 ones hold counts (a float table
        # rounds them, half precision above 2048, and update() cannot add to it) or bits (the feature
        # metric's bin edges), so they only take the device move.
        name = self._layout.attribute
        moved = fn(torch.zeros(1, dtype=torch.long, device=self.device))
        if moved.dtype == torch.long:
            return super()._apply(fn, exclude_state)
        buffers = {key: b for key, b in self._buffers.items() if b is not None and b.dtype == torch.long}
        # Module._apply returns the module itself; typed as a plain nn.Module
        marker = self._counting_marker  # int64 too, so that members cast alike or not still compare
        this = cast(ContingencyMetric, super()._apply(fn, (*exclude_state, name, marker)))
        this._buffers.update({key: b.to(moved.device) for key, b in buffers.items()})
        setattr(this, name, self._layout.to_device(getattr(this, name), moved.device))
        setattr(this, marker, getattr(this, marker).to(moved.device))
        # torchmetrics types a default as list | Tensor; it is this layout's own state (as getattr's above)
        default: Any = this._defaults[name]
        this._defaults[name] = self._layout.to_device(default, moved.device)
        this._defaults[marker] = torch.zeros(0, dtype=torch.long, device=moved.device)
        return this

    def _wrap_compute(self, compute: Any) -> Any:
        # The score itself runs in inference mode and hands back ordinary tensors (see
        # _table_inputs.ordinary); torchmetrics' sync and caching around it stay outside.
        # torchmetrics squeezes one-element results; with num_clusterings=1 that would drop the
        # clustering axis that the functional twin keeps, so restore it.
        wrapped = super()._wrap_compute(in_inference_mode(compute))

        @functools.wraps(wrapped)
        def keep_clustering_axis(*args: Any, **kwargs: Any) -> Any:
            value = wrapped(*args, **kwargs)
            return value.reshape(-1) if self.num_clusterings is not None else value

        return keep_clustering_axis
