"""What a functional score is given -> the canonical ``Table``: labels, or a contingency table already counted.

Labels go through ``_contingency.pair_counts`` (any integer ids; strings and objects are factorized).
A given contingency table — rows are target (true) clusters, columns pred clusters — may be a dense
tensor / numpy array / nested list of shape (R, C) or (B, R, C), a torch sparse tensor, or a scipy
sparse matrix / array; counts may be of any size that int64 holds. A sparse table is never
densified: its nonzero cells become the table's cells directly.
"""

from __future__ import annotations

from typing import Any, NamedTuple, Optional

import numpy as np
import torch
from torch import Tensor

from torch_mi._contingency import aggregate_pairs, pair_counts
from torch_mi._table import Table, from_cells, from_dense
from torch_mi._validation import as_count_tensor, check_non_negative, labels_pair


class Scored(NamedTuple):
    """The table to score and whether the caller asked for B clusterings (a (B,) result)."""

    table: Table
    batched: bool

    def finish(self, values: Tensor) -> Tensor:
        """Per-group values as the caller expects them: (B,) when batched, else 0-dim."""
        return values if self.batched else values.reshape(())


def table_from_inputs(
    preds: Any,
    target: Any,
    contingency: Any,
    *,
    allow_batched: bool = True,
    names: tuple[str, str] = ("preds", "target"),
) -> Scored:
    """The ``Table`` of either labels (``preds``, ``target``) or a ``contingency`` table — exactly one of them."""
    if contingency is not None:
        if preds is not None or target is not None:
            raise ValueError(f"Give either `{names[0]}` and `{names[1]}`, or `contingency`, not both.")
        return table_from_contingency(contingency, allow_batched=allow_batched)
    if preds is None or target is None:
        raise ValueError(f"Give `{names[0]}` and `{names[1]}` (labels of the same samples), or a `contingency` table.")
    preds, target = labels_pair(
        preds, target, allow_batched_preds=allow_batched, factorize_strings=True, names=names
    )
    batched = preds.ndim == 2
    counts = pair_counts(preds, target)
    return Scored(from_cells(*counts, num_groups=preds.shape[0] if batched else 1), batched)


def table_from_contingency(contingency: Any, *, allow_batched: bool = True) -> Scored:
    cells = _sparse_cells(contingency)
    if cells is not None:
        rows, cols, counts = cells
        check_non_negative(counts, "contingency")
        merged = aggregate_pairs(rows, cols, counts=counts)  # sorts, sums duplicates, drops zeros
        return Scored(from_cells(merged.groups, merged.target, merged.preds, merged.counts), False)
    table = as_count_tensor(contingency, "contingency")
    shapes = "(R, C) or (B, R, C)" if allow_batched else "(R, C)"
    if table.ndim not in ((2, 3) if allow_batched else (2,)):
        raise ValueError(f"`contingency` must be a {shapes} table of counts; got shape {tuple(table.shape)}.")
    return Scored(from_dense(table), table.ndim == 3)


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
