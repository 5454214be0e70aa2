"""Tables -> cluster accuracy: the best one-to-one matching of target clusters to pred clusters.

Cluster accuracy is the largest number of samples that a one-to-one map of rows (target clusters)
to columns (pred clusters) can cover, divided by n; with unequal cluster counts the clusters left
unmatched count as errors. Finding that map is a linear assignment problem, solved by SciPy:

* ``scipy.optimize.linear_sum_assignment`` on the dense table, for small or dense groups;
* ``scipy.sparse.csgraph.min_weight_full_bipartite_matching`` (LAPJVsp) on the nonzero cells only,
  for large sparse groups, which never builds the R x C table.

SciPy is an optional dependency (the ``accuracy`` extra: ``pip install 'torch_mi[accuracy]'``)
because only this score needs an assignment solver; the rest of torch_mi runs on torch alone.

The solvers run on the host in float64: the cells are copied there once, each group is solved on
its own, and the matched counts are summed as exact integers. Counts up to 2^53 are represented
exactly, so the matching is optimal; beyond that it is optimal for the float64-rounded counts.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

from torch_mi._table import Table

_INSTALL_HINT = "pip install 'torch_mi[accuracy]'"
# Dense solving holds an R x C float64 table: at most this many entries (256 MiB) ...
_MAX_DENSE_ENTRIES = 1 << 25
# ... and only when at least this share of it is nonzero cells (LAPJVsp is faster below), or when it
# is small anyway. Measured on uniform random 5000 x 5000 tables, the hardest kind: at 21% fill
# LAPJVsp 1.3 s vs dense 3.3 s; at 33% fill 9.5 s vs 2.6 s.
_MIN_DENSE_FILL = 0.3
_SMALL_DENSE_ENTRIES = 1 << 16
SOLVERS = ("auto", "dense", "sparse")


def cluster_accuracy(table: Table, solver: str = "auto") -> Tensor:
    """Cluster accuracy per group: max over one-to-one row -> column matchings of matched counts / n.

    ACC = max_m sum_i n_{i, m(i)} / n over injective maps m between target and pred clusters, in
    [0, 1] (as torchmetrics' ``cluster_accuracy``, which pads to a square table). Identical
    partitions give 1; an empty group (no samples) gives 1, as for the other agreement scores.
    ``solver`` picks SciPy's dense or sparse solver, or chooses per group by size and fill ("auto").

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> cluster_accuracy(from_dense(torch.tensor([[0, 3, 1], [2, 0, 0]])))
        tensor([0.8333], dtype=torch.float64)
    """
    matched, samples = _matched_and_total(table, optimal_matching_host(table, solver))
    values = [m / n if n else 1.0 for m, n in zip(matched, samples)]
    return torch.tensor(values, dtype=torch.float64, device=table.cell_counts.device)


def optimal_matching(table: Table, solver: str = "auto") -> Tensor:
    """Which cells an optimal one-to-one matching uses: (nnz,) bool on the table's device.

    At most one marked cell per row and per column; the marked counts sum to the accuracy's
    numerator. Rows and columns without a marked cell are unmatched (any matching through their
    zero cells is as good). ``table.cell_rows[mask]`` and ``table.cell_cols[mask]`` give the map.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> table = from_dense(torch.tensor([[0, 3, 1], [2, 0, 0]]))
        >>> mask = optimal_matching(table)
        >>> table.cell_rows[mask].tolist(), table.cell_cols[mask].tolist()
        ([0, 1], [1, 0])
    """
    return torch.from_numpy(optimal_matching_host(table, solver)).to(table.cell_counts.device)


def optimal_matching_host(table: Table, solver: str = "auto") -> np.ndarray:
    """``optimal_matching`` as a host numpy array."""
    if solver not in SOLVERS:
        raise ValueError(f"solver: expected one of {SOLVERS}, got {solver!r}")
    linear_sum_assignment, sparse_matching, csr_array = _scipy_solvers()
    counts = table.cell_counts.cpu().numpy()
    rows = table.cell_rows.cpu().numpy()
    cols = table.cell_cols.cpu().numpy()
    cell_start = _group_starts(table.cell_groups, table.num_groups)
    row_start = _group_starts(table.row_groups, table.num_groups)
    col_start = _group_starts(table.col_groups, table.num_groups)
    mask = np.zeros(counts.shape[0], dtype=bool)
    for group in range(table.num_groups):
        first, last = cell_start[group], cell_start[group + 1]
        if first == last:
            continue
        num_rows = row_start[group + 1] - row_start[group]
        num_cols = col_start[group + 1] - col_start[group]
        cell_rows = rows[first:last] - row_start[group]
        cell_cols = cols[first:last] - col_start[group]
        weights = counts[first:last].astype(np.float64)
        use_dense = solver == "dense" or (solver == "auto" and _prefer_dense(num_rows, num_cols, last - first))
        if use_dense:
            if last - first == num_rows * num_cols:  # every cell nonzero, already in row-major order
                dense = weights.reshape(num_rows, num_cols)
            else:
                dense = np.zeros((num_rows, num_cols), dtype=np.float64)
                dense[cell_rows, cell_cols] = weights
            pair_rows, pair_cols = linear_sum_assignment(dense, maximize=True)
        else:
            pair_rows, pair_cols = _sparse_assignment(
                cell_rows, cell_cols, weights, num_rows, num_cols, sparse_matching, csr_array
            )
        mask[first + _cells_at(cell_rows, cell_cols, num_cols, pair_rows, pair_cols)] = True
    return mask


def _prefer_dense(num_rows: int, num_cols: int, num_cells: int) -> bool:
    entries = num_rows * num_cols
    if entries > _MAX_DENSE_ENTRIES:
        return False
    return entries <= _SMALL_DENSE_ENTRIES or num_cells >= _MIN_DENSE_FILL * entries


def _sparse_assignment(cell_rows, cell_cols, weights, num_rows, num_cols, sparse_matching, csr_array):
    """Max-weight matching over the nonzero cells only, with LAPJVsp.

    LAPJVsp needs a full matching (every vertex of the smaller side matched) and nonzero weights.
    Rows go on the smaller side and each gets a private dummy column, so a full matching always
    exists (a row with no free partner takes its dummy). Every row is matched exactly once, so
    adding 1 to all of its edges adds the same constant to every full matching: weights count + 1
    on real cells and 1 on dummies are positive and rank matchings exactly as the counts do.
    """
    transposed = num_rows > num_cols
    if transposed:
        cell_rows, cell_cols, num_rows, num_cols = cell_cols, cell_rows, num_cols, num_rows
    dummy = np.arange(num_rows)
    graph = csr_array(
        (
            np.concatenate([weights + 1.0, np.ones(num_rows)]),
            (np.concatenate([cell_rows, dummy]), np.concatenate([cell_cols, num_cols + dummy])),
        ),
        shape=(num_rows, num_cols + num_rows),
    )
    pair_rows, pair_cols = sparse_matching(graph, maximize=True)
    real = pair_cols < num_cols
    pair_rows, pair_cols = pair_rows[real], pair_cols[real]
    return (pair_cols, pair_rows) if transposed else (pair_rows, pair_cols)


def _cells_at(cell_rows, cell_cols, num_cols, pair_rows, pair_cols) -> np.ndarray:
    """Positions of the nonzero cells among (pair_rows, pair_cols); pairs on zero cells are dropped.

    A group's cells are sorted by (row, col), so their row * num_cols + col keys are ascending.
    """
    keys = cell_rows.astype(np.int64) * num_cols + cell_cols
    wanted = np.asarray(pair_rows, dtype=np.int64) * num_cols + np.asarray(pair_cols, dtype=np.int64)
    found = np.minimum(np.searchsorted(keys, wanted), keys.shape[0] - 1)
    return found[keys[found] == wanted]


def _matched_and_total(table: Table, mask: np.ndarray) -> tuple[list[int], list[int]]:
    """Matched counts and sample counts per group as exact Python ints (both at most n < 2^63)."""
    counts = table.cell_counts.cpu().numpy()
    starts = _group_starts(table.cell_groups, table.num_groups)
    slices = [slice(starts[g], starts[g + 1]) for g in range(table.num_groups)]
    matched = [int(counts[part][mask[part]].sum()) for part in slices]
    samples = [int(counts[part].sum()) for part in slices]
    return matched, samples


def _group_starts(groups: Tensor, num_groups: int) -> np.ndarray:
    """Offsets of each group's slice in a tensor sorted by group: (G + 1,)."""
    sizes = torch.bincount(groups, minlength=num_groups).cpu().numpy()
    return np.concatenate([[0], np.cumsum(sizes)]).astype(np.int64)


def _scipy_solvers():
    try:
        from scipy.optimize import linear_sum_assignment
        from scipy.sparse import csr_array
        from scipy.sparse.csgraph import min_weight_full_bipartite_matching
    except ImportError as error:
        raise ImportError(f"cluster accuracy needs SciPy's assignment solvers: {_INSTALL_HINT}") from error
    return linear_sum_assignment, min_weight_full_bipartite_matching, csr_array
