"""What a functional score is given -> the canonical ``Table``: labels, or a contingency table already counted.

Labels are counted by ``_contingency.code_histogram`` (a dense histogram of label codes, no sort), or by
``_contingency.pair_counts`` (a sort) when their ids spread too wide for one; strings and objects are
factorized first.
A given contingency table — rows are target (true) clusters, columns pred clusters — may be a dense
tensor / numpy array / nested list of shape (R, C) or (B, R, C), a torch sparse tensor, or a scipy
sparse matrix / array; counts may be of any size that int64 holds. A sparse table is never
densified: its nonzero cells become the table's cells directly.
"""

from __future__ import annotations

import functools
from concurrent.futures import ThreadPoolExecutor
from typing import Any, Callable, Optional, TypeVar

import numpy as np
import torch
from torch import Tensor

from torch_mi._contingency import aggregate_pairs, code_histogram, label_codes, pair_counts
from torch_mi._table import Table, from_cells, from_dense
from torch_mi._validation import as_count_tensor, check_non_negative, check_totals_fit, labels_pair

# Clusterings scored per block when preds is (B, N): about this many labels per block, so each
# block's table stays small and memory stays bounded however many clusterings there are. A GPU
# takes larger blocks: each block costs a few host reads (table sizes, nonzero counts), which
# small blocks would multiply.
_BLOCK_LABELS = {"cpu": 1 << 22, "cuda": 1 << 26}

Scores = TypeVar("Scores", Tensor, tuple)


class Scored:
    """What to score — a ``Table``, or labels that become tables — and whether the caller asked
    for B clusterings (a (B,) result).

    Batched labels are scored block by block (``apply``): each block of clusterings is counted,
    turned into a table and scored while its data is still in cache, and only the per-group scores
    are kept. A block holds at least two clusterings whenever B >= 2, so that every group is scored
    by the same multi-group reductions as in one table of all B (a Metric's ``compute()``): the
    results are bit-identical either way.
    """

    def __init__(self, batched: bool, table: Optional[Table] = None, labels: Optional[tuple[Tensor, Tensor]] = None):
        self.batched = batched
        self._table = table
        self._labels = labels

    @property
    def table(self) -> Table:
        """The whole table (all groups at once)."""
        if self._table is None:
            assert self._labels is not None
            self._table = label_table(*self._labels)
        return self._table

    def apply(self, score: Callable[..., Scores], *args: Any) -> Scores:
        """``score(table, *args)``: per-group values (or a tuple of them), concatenated over blocks.

        Counting and scoring run in inference mode (see ``ordinary``)."""
        return in_inference_mode(self._apply)(score, *args)

    def _apply(self, score: Callable[..., Scores], *args: Any) -> Scores:
        if self._table is not None or self._labels is None or self._labels[0].ndim == 1:
            return score(self.table, *args)
        preds, target = self._labels
        codes = label_codes(target) if target.numel() else None  # read once, shared by every block
        results = _map_blocks(lambda block: score(label_table(block, target, codes), *args), _blocks(preds))
        if len(results) == 1:
            return results[0]
        if isinstance(results[0], tuple):
            return tuple(torch.cat(parts) for parts in zip(*results))
        return torch.cat(results)

    def finish(self, values: Tensor) -> Tensor:
        """Per-group values as the caller expects them: (B,) when batched, else 0-dim."""
        return values if self.batched else values.reshape(())


def ordinary(values: Scores) -> Scores:
    """``values`` (a tensor or a tuple of them) as ordinary tensors, made outside inference mode.

    A score is counts and logarithms of counts, with nothing to differentiate; in inference mode each
    tensor op skips autograd's bookkeeping (version counters, view tracking), about a fifth of a
    small call's time. Tensors made there may not be changed in place or saved for backward outside
    it, so what a caller gets back is cloned out of it (a few values: a negligible copy).
    """
    if isinstance(values, tuple):
        return tuple(ordinary(value) for value in values)
    return values.clone() if isinstance(values, Tensor) and values.is_inference() else values


def in_inference_mode(function: Callable[..., Any]) -> Callable[..., Any]:
    """``function`` run in inference mode, its tensors handed back as ``ordinary`` ones. The wrapper
    is a frame of torch_mi's own, so warnings that skip torch_mi's frames still reach the caller."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        with torch.inference_mode():
            value = function(*args, **kwargs)
        return ordinary(value)

    return wrapper


def _blocks(preds: Tensor) -> list[Tensor]:
    """Consecutive blocks of rows of ``preds`` (B, N), each of about _BLOCK_LABELS labels and never
    a single row unless B is 1."""
    num_rows = preds.shape[0]
    labels = _BLOCK_LABELS.get(preds.device.type, _BLOCK_LABELS["cuda"])
    rows = max(2, labels // max(1, preds.shape[1]))
    starts = list(range(0, num_rows, rows))
    if len(starts) > 1 and num_rows - starts[-1] == 1:
        starts.pop()  # a lone last row joins the block before it
    return [preds[start:stop] for start, stop in zip(starts, starts[1:] + [num_rows])]


def _map_blocks(work: Callable[[Tensor], Scores], blocks: list[Tensor]) -> list[Scores]:
    """``work`` over the blocks, in order; on the CPU spread over torch's threads.

    Counting a block is a serial scatter bound by memory latency, so blocks on separate threads
    overlap where intra-op parallelism cannot help. A pool per call (not a module-level one) stays
    safe in forked workers, where torch usually runs one thread and this is a plain loop.
    """
    workers = min(len(blocks), torch.get_num_threads()) if blocks[0].device.type == "cpu" else 1
    if workers < 2:
        return [work(block) for block in blocks]
    with ThreadPoolExecutor(max_workers=workers) as pool:
        return list(pool.map(work, blocks))


def label_table(preds: Tensor, target: Tensor, target_codes: Any = None) -> Table:
    """The table of ``preds`` (N,) or (B, N) against ``target`` (N,): one group per clustering.
    ``target_codes``: ``label_codes(target)`` when several blocks share the target."""
    num_groups = preds.shape[0] if preds.ndim == 2 else 1
    hist = code_histogram(preds, target, target_codes)
    if hist is not None:  # direct addressing: the common case, no sort
        return from_dense(hist)
    return from_cells(*pair_counts(preds, target), num_groups=num_groups)


def table_from_inputs(
    preds: Any,
    target: Any,
    contingency: Any,
    *,
    allow_batched: bool = True,
    names: tuple[str, str] = ("preds", "target"),
) -> Scored:
    """What to score from either labels (``preds``, ``target``) or a ``contingency`` table — exactly one of them."""
    if contingency is not None:
        if preds is not None or target is not None:
            raise ValueError(f"Give either `{names[0]}` and `{names[1]}`, or `contingency`, not both.")
        return table_from_contingency(contingency, allow_batched=allow_batched)
    if preds is None or target is None:
        raise ValueError(f"Give `{names[0]}` and `{names[1]}` (labels of the same samples), or a `contingency` table.")
    preds, target = labels_pair(
        preds, target, allow_batched_preds=allow_batched, factorize_strings=True, names=names
    )
    return Scored(preds.ndim == 2, labels=(preds, target))


def table_from_contingency(contingency: Any, *, allow_batched: bool = True) -> Scored:
    cells = _sparse_cells(contingency)
    if cells is not None:
        rows, cols, counts = cells
        check_non_negative(counts, "contingency")
        check_totals_fit(counts, "contingency")
        merged = aggregate_pairs(rows, cols, counts=counts)  # sorts, sums duplicates, drops zeros
        return Scored(False, table=from_cells(merged.groups, merged.target, merged.preds, merged.counts))
    table = as_count_tensor(contingency, "contingency")
    shapes = "(R, C) or (B, R, C)" if allow_batched else "(R, C)"
    if table.ndim not in ((2, 3) if allow_batched else (2,)):
        raise ValueError(f"`contingency` must be a {shapes} table of counts; got shape {tuple(table.shape)}.")
    check_totals_fit(table, "contingency")
    return Scored(table.ndim == 3, table=from_dense(table))


def _sparse_cells(contingency: Any) -> Optional[tuple[Tensor, Tensor, Tensor]]:
    """(rows, cols, counts) of a torch or scipy sparse table; None for a dense one."""
    if isinstance(contingency, Tensor):
        if contingency.layout == torch.strided:
            return None
        if contingency.ndim != 2:
            raise ValueError(f"`contingency` must be a 2-D sparse table; got shape {tuple(contingency.shape)}.")
        coo = contingency.to_sparse_coo().coalesce()
        values = coo.values()
        if values.is_floating_point() or values.is_complex():
            raise TypeError(f"`contingency` must hold integer counts; got dtype {values.dtype}.")
        return coo.indices()[0], coo.indices()[1], values.long()
    if hasattr(contingency, "tocoo") and hasattr(contingency, "nnz"):  # scipy.sparse matrix or array
        coo = contingency.tocoo()
        if coo.data.dtype.kind not in "biu":
            raise TypeError(f"`contingency` must hold integer counts; got dtype {coo.data.dtype}.")
        as_long = lambda a: torch.from_numpy(np.asarray(a, dtype=np.int64))  # noqa: E731
        return as_long(coo.row), as_long(coo.col), as_long(coo.data)
    return None
