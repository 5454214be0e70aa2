"""The canonical contingency table that every score is computed from.

Dense tables (known label ranges) and sparse pair lists (arbitrary ids) both become a ``Table``:
the nonzero cells in (group, row, col) order, each pointing at its row sum and column sum, with
empty rows and columns dropped. Because both forms reduce to the same cells in the same order,
a Metric's dense state and the functional path on the same labels give bit-identical scores.
"""

from __future__ import annotations

from typing import Callable, Optional

import numpy as np
import torch
from torch import Tensor


class Table:
    """One or more contingency tables (one per group), nonzero cells only.

    Rows are target clusters, columns pred clusters. Groups are independent tables scored in one
    pass (B clusterings against one target); a single table has one group. Where each cell sits
    (``cell_rows``, ``cell_cols``) may be worked out on first use: the pair-counting scores, and MI
    of a single table of 2^16 cells or more, read only the counts and the sums.
    """

    FIELDS = (
        "cell_counts", "cell_rows", "cell_cols", "cell_groups", "row_sums", "row_groups", "col_sums", "col_groups",
        "num_groups",
    )
    __slots__ = ("cell_counts", "cell_groups", "row_sums", "row_groups", "col_sums", "col_groups", "num_groups",
                 "_cell_rows", "_cell_cols", "_locate")

    def __init__(
        self,
        cell_counts: Tensor,  # (nnz,) int64
        cell_rows: Optional[Tensor],  # (nnz,) index into row_sums; None: ``locate`` gives it
        cell_cols: Optional[Tensor],  # (nnz,) index into col_sums; None: ``locate`` gives it
        cell_groups: Tensor,  # (nnz,) group of each cell
        row_sums: Tensor,  # (R,) int64 > 0, ordered by (group, row label)
        row_groups: Tensor,  # (R,)
        col_sums: Tensor,  # (C,) int64 > 0, ordered by (group, col label)
        col_groups: Tensor,  # (C,)
        num_groups: int,
        locate: Optional[Callable[[], tuple[Tensor, Tensor]]] = None,  # -> (cell_rows, cell_cols)
    ) -> None:
        if (cell_rows is None or cell_cols is None) and locate is None:
            raise ValueError("a Table needs cell_rows and cell_cols, or a function that locates them")
        self.cell_counts, self.cell_groups, self.num_groups = cell_counts, cell_groups, num_groups
        self.row_sums, self.row_groups, self.col_sums, self.col_groups = row_sums, row_groups, col_sums, col_groups
        self._cell_rows, self._cell_cols, self._locate = cell_rows, cell_cols, locate

    @property
    def cell_rows(self) -> Tensor:
        return self._located()[0]

    @property
    def cell_cols(self) -> Tensor:
        return self._located()[1]

    def _located(self) -> tuple[Tensor, Tensor]:
        rows, cols, locate = self._cell_rows, self._cell_cols, self._locate
        if rows is None or cols is None:
            assert locate is not None
            rows, cols = locate()
            self._cell_rows, self._cell_cols = rows, cols
            self._locate = None  # let go of what locating needed
        return rows, cols

    def __reduce__(self):
        # Pickled (torch.save, multiprocessing) with its cells located: a closure does not pickle.
        return (Table, tuple(getattr(self, field) for field in self.FIELDS))

    def __repr__(self) -> str:
        sizes = (self.cell_counts.numel(), self.row_sums.numel(), self.col_sums.numel(), self.num_groups)
        return "Table(cells={}, rows={}, cols={}, groups={})".format(*sizes)

    def samples_per_group(self) -> Tensor:
        """n of each group, int64 (G,)."""
        return group_sum(self.row_sums, self.row_groups, self.num_groups)

    def count_per_group(self, groups: Tensor) -> Tensor:
        """How many entries (cells, rows or cols) each group has, int64 (G,)."""
        if self.num_groups == 1:
            return torch.full((1,), groups.numel(), dtype=torch.long, device=groups.device)
        return torch.bincount(groups, minlength=self.num_groups)


def group_sum(values: Tensor, groups: Tensor, num_groups: int) -> Tensor:
    """Sum ``values`` per group: (G,) of ``values``' dtype. ``groups`` must be sorted (as every
    group column of a Table is).

    Integers are added with ``index_add_`` (exact in any order). Floats go through a segmented sum
    instead: ``index_add_`` on CUDA adds with atomics in whatever order the threads arrive, so the
    last bits of a batched score would change from run to run; the segmented sum adds each group's
    values in order on every device (on the CPU the same order, and bits, as ``index_add_``).
    """
    if not values.is_floating_point():
        return torch.zeros(num_groups, dtype=values.dtype, device=values.device).index_add_(0, groups, values)
    # Group columns may be strided views of a table's columns: searchsorted warns, and copies anyway.
    bounds = torch.searchsorted(groups.contiguous(), torch.arange(num_groups + 1, device=groups.device))
    return torch.segment_reduce(values, "sum", lengths=torch.diff(bounds), unsafe=True)


def per_group_sum(terms: Tensor, groups: Tensor, num_groups: int) -> Tensor:
    """Sum per-entry float terms (of cells, rows or columns) per group, (G,).

    A single table takes one pairwise ``sum`` (the most accurate order, and deterministic on CUDA
    where ``index_add_`` is not); several go through ``group_sum``.
    """
    if num_groups == 1:
        return terms.sum().reshape(1)
    return group_sum(terms, groups, num_groups)


def from_dense(counts: Tensor) -> Table:
    """Table from a dense (R, C) or batched (G, R, C) count tensor (non-negative counts).

    One pass over the bins finds the nonzero cells; everything else is read from per-row and
    per-column reductions of the dense tensor, so no integer division or ranking runs per cell.

    Example:
        >>> import torch
        >>> table = from_dense(torch.tensor([[2, 0, 1], [0, 0, 0], [0, 0, 3]]))
        >>> table.cell_counts, table.cell_rows, table.cell_cols, table.row_sums, table.col_sums
        (tensor([2, 1, 3]), tensor([0, 0, 1]), tensor([0, 1, 1]), tensor([3, 3]), tensor([2, 4]))
    """
    dense = counts.long() if counts.ndim == 3 else counts.long().unsqueeze(0)
    num_groups, num_rows, num_cols = dense.shape
    device = dense.device
    flat = _flat_nonzero(dense)  # cells in (group, row, col) order
    cell_counts = dense.reshape(-1).index_select(0, flat)
    row_totals = dense.sum(dim=2).reshape(-1)  # (G * R)
    col_totals = dense.sum(dim=1).reshape(-1)  # (G * C)
    row_slots = row_totals.nonzero().squeeze(1)  # (group, row) of each nonempty row
    col_slots = col_totals.nonzero().squeeze(1)
    row_groups = row_slots // num_rows

    def locate() -> tuple[Tensor, Tensor, Optional[Tensor]]:
        """(cell_rows, cell_cols, cell_groups); the groups only when there are several."""
        # Cells per row from where each row's run starts among the sorted flat positions: a search
        # per row, where counting the mask along rows would be another (slow) pass over the bins.
        row_ends = torch.arange(1, num_groups * num_rows + 1, device=device).mul_(num_cols)
        cells_per_row = torch.diff(torch.searchsorted(flat, row_ends), prepend=flat.new_zeros(1))
        # Cells come row by row, so each cell's row index is its row's position repeated per cell.
        cell_rows = torch.repeat_interleave(cells_per_row.index_select(0, row_slots))
        all_rows = row_slots.numel() == row_totals.numel()
        row_code = cell_rows if all_rows else row_slots.index_select(0, cell_rows)  # group * R + row
        col_code = torch.sub(flat, row_code, alpha=num_cols)  # flat = row_code * C + col
        cell_groups = None
        if num_groups > 1:  # a column's code counts the columns of the groups before it
            cell_groups = row_groups.index_select(0, cell_rows)
            col_code.add_(cell_groups, alpha=num_cols)
        if col_slots.numel() == col_totals.numel():
            return cell_rows, col_code, cell_groups
        # Position of every (group, col) among the nonempty columns: a running count.
        col_index = torch.cumsum(col_totals != 0, 0).sub_(1)
        return cell_rows, col_index.index_select(0, col_code), cell_groups

    cell_rows, cell_cols, groups = (None, None, None) if num_groups == 1 else locate()
    # A single table waits with its cells' rows and columns until a score asks for them.
    cell_groups = torch.zeros_like(cell_counts) if groups is None else groups
    return Table(
        cell_counts=cell_counts,
        cell_rows=cell_rows,
        cell_cols=cell_cols,
        cell_groups=cell_groups,
        row_sums=row_totals.index_select(0, row_slots),
        row_groups=row_groups,
        col_sums=col_totals.index_select(0, col_slots),
        col_groups=col_slots // num_cols,
        num_groups=num_groups,
        locate=(lambda: locate()[:2]) if cell_rows is None else None,
    )


def _flat_nonzero(counts: Tensor) -> Tensor:
    """Flat positions of the nonzero entries of ``counts``, ascending, int64.

    On the CPU NumPy's comparison and nonzero are several times faster than torch's.
    """
    if counts.device.type == "cpu":
        positions = np.flatnonzero(counts.numpy() != 0)
        return torch.from_numpy(positions.astype(np.int64, copy=False))
    return counts.reshape(-1).nonzero().squeeze(1)


def from_cells(groups: Tensor, rows: Tensor, cols: Tensor, counts: Tensor, num_groups: int = 1) -> Table:
    """Table from its nonzero cells: distinct (group, row label, col label) triples in lexicographic
    order, with their positive counts. Labels are any int64 values.

    Rows come from the order itself (a new row starts wherever (group, row label) changes), so
    only the columns need ranking: by direct addressing when their labels span a small range,
    else by one sort.

    Example:
        >>> import torch
        >>> zeros = torch.zeros(4, dtype=torch.long)
        >>> rows, cols, counts = torch.tensor([0, 0, 1, 5]), torch.tensor([7, 9, 7, 7]), torch.tensor([2, 1, 1, 3])
        >>> table = from_cells(zeros, rows, cols, counts)
        >>> table.row_sums, table.col_sums, table.cell_cols
        (tensor([3, 1, 3]), tensor([6, 1]), tensor([0, 1, 0, 0]))
    """
    device = counts.device
    if counts.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return Table(counts, empty, empty, groups, empty, empty, empty, empty, num_groups)
    row_starts = torch.ones(counts.numel(), dtype=torch.bool, device=device)
    torch.ne(rows[1:], rows[:-1], out=row_starts[1:])
    if num_groups > 1:
        row_starts[1:] |= groups[1:] != groups[:-1]
    cell_rows = torch.cumsum(row_starts, 0).sub_(1)
    row_groups = groups[row_starts] if num_groups > 1 else torch.zeros_like(groups[: int(cell_rows[-1]) + 1])
    row_sums = torch.zeros(row_groups.numel(), dtype=torch.long, device=device).index_add_(0, cell_rows, counts)
    col_sums, col_groups, cell_cols = _rank_columns(groups, cols, counts, num_groups)
    return Table(
        cell_counts=counts,
        cell_rows=cell_rows,
        cell_cols=cell_cols,
        cell_groups=groups,
        row_sums=row_sums,
        row_groups=row_groups,
        col_sums=col_sums,
        col_groups=col_groups,
        num_groups=num_groups,
    )


# Column labels spanning at most this many values per table (or a few times the cell count) are
# ranked through a direct-address array instead of a sort.
_MAX_DIRECT_COLS = 1 << 22


def _rank_columns(groups: Tensor, cols: Tensor, counts: Tensor, num_groups: int) -> tuple[Tensor, Tensor, Tensor]:
    """(col_sums, col_groups, index of each cell's column), columns ordered by (group, label)."""
    lo, hi = (int(x) for x in torch.aminmax(cols))
    span = hi - lo + 1
    if num_groups * span <= max(_MAX_DIRECT_COLS, 4 * cols.numel()):
        keys = torch.add(cols - lo, groups, alpha=span)
        sums = torch.zeros(num_groups * span, dtype=torch.long, device=cols.device).index_add_(0, keys, counts)
        present = sums > 0  # every cell count is positive
        rank = torch.cumsum(present, 0).sub_(1)
        slots = present.nonzero().squeeze(1)
        return sums.index_select(0, slots), slots // span, rank.index_select(0, keys)
    labels, label_rank = torch.unique(cols, sorted=True, return_inverse=True)
    keys, cell_cols = torch.unique(groups * labels.numel() + label_rank, sorted=True, return_inverse=True)
    sums = torch.zeros(keys.numel(), dtype=torch.long, device=cols.device).index_add_(0, cell_cols, counts)
    return sums, keys // labels.numel(), cell_cols
