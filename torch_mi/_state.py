"""The contingency state a Metric keeps between updates: what it holds, how it grows, merges and is checked.

Two layouts, one per ``num_classes`` mode, with the same small interface so the Metric classes never
branch on the mode:

* :class:`DenseState` — labels known to lie in ``[0, R) x [0, C)``: an int64 (R, C) table, or
  (B, R, C) for B clusterings, filled with ``scatter_add_`` (no host-device sync). Ranks sum it.
* :class:`PairState` — arbitrary integer ids: a list of (P, 4) int64 blocks of rows
  ``[group, target, pred, count]``. Each update appends a block of distinct rows; once the rows
  appended after the first block reach its size (at least ``MIN_ROWS_BEFORE_COMPACTION``), the
  list is merged into one sorted block, so every row is re-sorted O(1) times on average and the
  state follows the number of distinct pairs, never the number of samples. Ranks concatenate
  their blocks, which are then compacted.

The state *values* live on the Metric (torchmetrics registers, syncs and resets them); these objects
hold only the layout and act on those values. ``check`` is the single gate for values that come from
outside (``load_state_dict``, ``merge_state``): it raises a clear error before anything is assigned.
"""

from __future__ import annotations

from typing import Any, Optional, Union

import torch
from torch import Tensor

from torch_mi._contingency import aggregate_pairs, count_batch, pair_counts
from torch_mi._table import Table, from_cells, from_dense
from torch_mi._validation import check_label_range

# Compact once the rows appended after the first block reach its size, and at least this many.
MIN_ROWS_BEFORE_COMPACTION = 4096
# A dense table larger than this is refused up front: the sparse mode holds only the pairs that occur.
MAX_DENSE_BYTES = 1 << 30

PairBlocks = Union[list, Tensor]  # a list of (P, 4) blocks; one (P, 4) tensor right after a torchmetrics sync


class DenseState:
    """A dense int64 count table of fixed shape: (R, C), or (B, R, C) with ``num_clusterings=B``."""

    attribute = "table"
    reduction = "sum"

    def __init__(self, num_classes: tuple[int, int], num_clusterings: Optional[int]) -> None:
        self.num_classes = num_classes
        self.num_clusterings = num_clusterings
        self.shape = num_classes if num_clusterings is None else (num_clusterings, *num_classes)
        cells = 1
        for size in self.shape:
            cells *= size
        if cells * 8 > MAX_DENSE_BYTES:
            raise ValueError(
                f"`num_classes={num_classes}` asks for a dense table of {cells:,} int64 cells "
                f"({cells * 8 / 2**30:.1f} GiB), over the {MAX_DENSE_BYTES >> 30} GiB limit; pass "
                "num_classes=None for the sparse state, whose memory follows the label pairs that occur."
            )

    def default(self) -> Tensor:
        return torch.zeros(self.shape, dtype=torch.long)

    def describe(self) -> str:
        return f"a dense {tuple(self.shape)} table (num_classes={self.num_classes})"

    def add(self, table: Tensor, preds: Tensor, target: Tensor, ignore_index: Optional[int], validate: bool) -> Tensor:
        """Count the batch into ``table`` in place; validation happens before any count is written."""
        rows, cols = self.num_classes
        if validate:
            kept = None if ignore_index is None else target != ignore_index
            check_label_range(target, rows, "target", kept)
            check_label_range(preds, cols, "preds", kept)
        count_batch(preds, target, rows, cols, out=table, ignore_index=ignore_index)
        return table

    def settle(self, table: Tensor) -> Tensor:
        return table

    def to_device(self, table: Tensor, device: torch.device) -> Tensor:
        return table.to(device)

    def before_sync(self, table: Tensor, device: Optional[torch.device] = None) -> Tensor:
        return table

    def to_table(self, table: Tensor, device: Optional[torch.device] = None) -> Table:
        return from_dense(table)

    def matrix(self, table: Tensor, device: Optional[torch.device] = None) -> tuple[Tensor, Tensor, Tensor]:
        rows, cols = self.num_classes
        return table.clone(), torch.arange(rows, device=table.device), torch.arange(cols, device=table.device)

    def check(self, value: Any, source: str) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"{source}: expected {self.describe()} as a tensor; got {type(value).__name__}.")
        if value.dtype != torch.long:
            raise TypeError(f"{source}: expected {self.describe()} of dtype torch.int64; got {value.dtype}.")
        if tuple(value.shape) != tuple(self.shape):
            raise ValueError(f"{source}: expected {self.describe()}; got shape {tuple(value.shape)}.")
        if value.numel() and int(value.min()) < 0:
            raise ValueError(f"{source}: counts must be non-negative; got a minimum of {int(value.min())}.")


class PairState:
    """Distinct (group, target, pred) rows with their counts, as a list of (P, 4) int64 blocks."""

    attribute = "pairs"
    reduction = "cat"

    def __init__(self, num_clusterings: Optional[int]) -> None:
        self.num_clusterings = num_clusterings
        self.num_groups = num_clusterings or 1

    def default(self) -> list:
        return []

    def describe(self) -> str:
        return f"sparse (P, 4) [group, target, pred, count] blocks (num_classes=None, {self.num_groups} group(s))"

    def add(self, blocks: list, preds: Tensor, target: Tensor, ignore_index: Optional[int], validate: bool) -> list:
        if ignore_index is not None:
            kept = target != ignore_index
            target, preds = target[kept], preds[..., kept]
        counts = pair_counts(preds, target)
        blocks.append(torch.stack([counts.groups, counts.target, counts.preds, counts.counts], dim=1))
        return self.settle(blocks)

    def before_sync(self, blocks: PairBlocks, device: Optional[torch.device] = None) -> list:
        """One typed (P, 4) block, possibly with P = 0: every rank's gather then has the same dtype
        and number of dimensions, also on a rank that saw no samples."""
        return [self.compacted(blocks, device)]

    def settle(self, blocks: PairBlocks) -> list:
        """The blocks as a list, compacted when the rows appended after the first block call for it."""
        if isinstance(blocks, Tensor):  # torchmetrics' sync concatenates the list into one tensor
            return [self.compacted(blocks, blocks.device)]
        blocks = list(blocks)
        if len(blocks) > 1:
            appended = sum(block.shape[0] for block in blocks[1:])
            if appended >= max(blocks[0].shape[0], MIN_ROWS_BEFORE_COMPACTION):
                return [self.compacted(blocks)]
        return blocks

    def to_device(self, blocks: PairBlocks, device: torch.device) -> list:
        return [block.to(device) for block in (blocks if isinstance(blocks, (list, tuple)) else [blocks])]

    def compacted(self, blocks: PairBlocks, device: Optional[torch.device] = None) -> Tensor:
        """One (P, 4) block of distinct rows sorted by (group, target, pred), with positive counts,
        on ``device`` (default: the newest block's, which is the labels'). Blocks may sit on other
        devices: torchmetrics' ``compute_on_cpu`` moves the kept ones to the CPU after each update."""
        rows: PairBlocks
        if isinstance(blocks, list) and blocks:
            device = device or blocks[-1].device
            rows = torch.cat([block.to(device) for block in blocks])
        else:
            rows = blocks if device is None or isinstance(blocks, list) else blocks.to(device)
        if isinstance(rows, list) or rows.numel() == 0:
            return torch.zeros(0, 4, dtype=torch.long, device=device)
        merged = aggregate_pairs(rows[:, 1], rows[:, 2], counts=rows[:, 3], groups=rows[:, 0])
        return torch.stack([merged.groups, merged.target, merged.preds, merged.counts], dim=1)

    def to_table(self, blocks: PairBlocks, device: Optional[torch.device] = None) -> Table:
        block = self.compacted(blocks, device)
        return from_cells(block[:, 0], block[:, 1], block[:, 2], block[:, 3], num_groups=self.num_groups)

    def matrix(self, blocks: PairBlocks, device: Optional[torch.device] = None) -> tuple[Tensor, Tensor, Tensor]:
        block = self.compacted(blocks, device)
        row_labels, r = torch.unique(block[:, 1], sorted=True, return_inverse=True)
        col_labels, c = torch.unique(block[:, 2], sorted=True, return_inverse=True)
        shape = (self.num_groups, row_labels.numel(), col_labels.numel())
        table = torch.zeros(shape, dtype=torch.long, device=block.device)
        table[block[:, 0], r, c] = block[:, 3]
        return (table if self.num_clusterings is not None else table[0]), row_labels, col_labels

    def check(self, value: Any, source: str) -> None:
        blocks = value if isinstance(value, (list, tuple)) else [value]
        for block in blocks:
            if not isinstance(block, Tensor):
                raise TypeError(f"{source}: expected {self.describe()} as tensors; got {type(block).__name__}.")
            if block.dtype != torch.long:
                raise TypeError(f"{source}: expected {self.describe()} of dtype torch.int64; got {block.dtype}.")
            if block.ndim != 2 or block.shape[1] != 4:
                raise ValueError(f"{source}: expected {self.describe()}; got a block of shape {tuple(block.shape)}.")
            if block.numel() == 0:
                continue
            groups, counts = block[:, 0], block[:, 3]
            if int(counts.min()) < 0:
                raise ValueError(f"{source}: counts must be non-negative; got a minimum of {int(counts.min())}.")
            lo, hi = int(groups.min()), int(groups.max())
            if lo < 0 or hi >= self.num_groups:
                raise ValueError(
                    f"{source}: group ids must lie in [0, {self.num_groups}) for num_clusterings="
                    f"{self.num_clusterings}; got ids from {lo} to {hi}."
                )


ContingencyState = Union[DenseState, PairState]


def state_for(num_classes: Optional[tuple[int, int]], num_clusterings: Optional[int]) -> ContingencyState:
    """The state layout that ``num_classes`` asks for."""
    return PairState(num_clusterings) if num_classes is None else DenseState(num_classes, num_clusterings)
