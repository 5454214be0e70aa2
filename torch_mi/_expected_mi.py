"""Expected mutual information under the permutation (hypergeometric) null model.

E[MI] = sum_i sum_j sum_k (k/n) log(n k / (a_i b_j)) P(k; a_i, b_j, n)

where P is the hypergeometric pmf of a cell count given its row sum a_i, column sum b_j and the
sample count n (Vinh, Epps & Bailey, "Information theoretic measures for clusterings comparison",
JMLR 11, 2010, eq. 24a). Computed in float64, with no Python loop over clusters:

1. Only the distinct values of the row sums and of the column sums matter. Each distinct pair
   (u, v) is evaluated once and weighted by how many (row, column) pairs share it; there are at
   most about sqrt(2n) distinct values on each side. The pair term is symmetric in u and v, so
   (u, v) and (v, u) are folded into one evaluation when both occur.
2. Since E[K] = uv/n exactly, the pair term is (E[K log K] - mu log mu) / n with mu = uv/n: only
   E[K log K] needs the pmf, and k log k comes from a table shared by all pairs. Its terms are all
   non-negative, so the sum has no cancellation; the one subtraction loses at most about
   eps * mu log mu, which the 1/n and the weights turn into an absolute error of a few eps * log n
   on E[MI] in total.
3. The pmf is concentrated: Bennett's inequality, which holds for the hypergeometric because
   sampling without replacement is dominated by sampling with replacement in convex order
   (Hoeffding 1963, Theorem 4), bounds the mass outside mean +- t by 2 exp(-TAIL). The window
   is that interval cut to the support, so its width follows the pmf's spread, not n.
4. P(k) relative to P(lo) is the running product of the ratios
   P(k) / P(k-1) = (u-k+1)(v-k+1) / (k (n-u-v+k)) over the window, normalised by its sum. No
   log-factorials of n are subtracted, and no logarithm or exponential is taken per term.
5. Pairs are grouped by window width, rounded up to quarter octaves, and evaluated as padded
   (pairs x width) blocks of bounded size: memory stays fixed on CPU and GPU alike. When all pairs
   fit one block at the widest window (small inputs), they are evaluated as that one block.
"""

from __future__ import annotations

import torch
from torch import Tensor

from torch_mi._k_log_k import k_log_k_table
from torch_mi._table import Table, group_sum

# Terms further from the mean than the Bennett bound for exp(-TAIL) carry at most 2e-20 of the
# pmf's mass in total: far below float64 resolution of any E[MI] term.
TAIL = 46.0
# Elements per (pairs x width) block: a few float64 temporaries of this size are alive at once.
_BLOCK_ELEMENTS = {"cpu": 1 << 16, "cuda": 1 << 23}
# Distinct (row sum, col sum) pairs generated at once before windows are built.
_PAIR_BUDGET = 1 << 20
# k log k is tabulated for k below this (8 MiB of float64); windows reaching past it compute it.
_TABLE_LIMIT = 1 << 20
# Bennett reaches are tabulated on a grid of variances, _GRID_STEPS per octave from 2**_GRID_LOW.
_GRID_STEPS, _GRID_LOW, _GRID_HIGH = 16, -40, 64
_reach_tables: dict[torch.device, Tensor] = {}


def expected_mutual_info(table: Table) -> Tensor:
    """E[MI] in nats for every group of ``table``: float64 (G,).

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> expected_mutual_info(from_dense(torch.tensor([[0, 2, 0], [2, 0, 0], [1, 0, 1]])))
        tensor([0.5031], dtype=torch.float64)
    """
    return expected_mutual_info_from_marginals(
        table.row_sums, table.row_groups, table.col_sums, table.col_groups, table.num_groups
    )


def expected_mutual_info_from_marginals(
    row_sums: Tensor, row_groups: Tensor, col_sums: Tensor, col_groups: Tensor, num_groups: int
) -> Tensor:
    """E[MI] in nats from the marginals alone (positive sums, grouped), float64 (G,).

    Example:
        >>> import torch
        >>> sums, groups = torch.tensor([2, 2, 2]), torch.zeros(3, dtype=torch.long)
        >>> expected_mutual_info_from_marginals(sums, groups, torch.tensor([3, 2, 1]), groups, 1)
        tensor([0.5031], dtype=torch.float64)
    """
    device = row_sums.device
    result = torch.zeros(num_groups, dtype=torch.float64, device=device)
    if row_sums.numel() == 0 or col_sums.numel() == 0:
        return result
    n = group_sum(row_sums, row_groups, num_groups).double()
    for u, v, groups, weights in _folded_pairs(row_sums, row_groups, col_sums, col_groups, num_groups):
        if num_groups == 1:  # pairwise summation, deterministic on every device
            result += (weights * _pair_expectations(u, v, n)).sum()
        else:  # pairs come in group order
            result += group_sum(weights * _pair_expectations(u, v, n[groups]), groups, num_groups)
    return result


def _folded_pairs(row_sums: Tensor, row_groups: Tensor, col_sums: Tensor, col_groups: Tensor, num_groups: int):
    """Yield (u, v, group, weight) for the distinct (row sum, col sum) pairs of each group, float64.

    The pair term is symmetric in u and v, so where both (u, v) and (v, u) occur (u and v are each
    a row sum and a column sum of the group) only u < v is kept, carrying the weight of both. Both
    sides' sizes are merged into one sorted list of distinct (group, size) entries, each with its
    count among the rows and among the columns: a pair's mirror is then read at the swapped entries.
    """
    sizes, groups, on_rows, on_cols = _merged_sizes(row_sums, row_groups, col_sums, col_groups)
    for first, second in _entry_pairs(groups, on_rows, on_cols, num_groups):
        mirror = on_rows[second] * on_cols[first]
        weights = torch.addcmul(torch.where(first < second, mirror, 0), on_rows[first], on_cols[second])
        kept = ((weights > 0) & ((first <= second) | (mirror == 0))).nonzero().squeeze(1)
        if kept.numel() == 0:  # a slice of pairs whose mirrors all come in other slices
            continue
        first, second = first[kept], second[kept]
        yield sizes[first], sizes[second], groups[first], weights[kept].double()


def _entry_pairs(groups: Tensor, on_rows: Tensor, on_cols: Tensor, num_groups: int):
    """Yield (first, second) entry indices, in slices, covering every (row size, col size) pair of
    each group either as itself or as its mirror.

    Either every row entry x every column entry of the group, or, for one table whose sizes mostly
    occur on both sides, the upper triangle first <= second of all entries: half as many pairs
    when the two sides share their sizes, and one op instead of a dozen.
    """
    row_entries, col_entries = on_rows.nonzero().squeeze(1), on_cols.nonzero().squeeze(1)
    size = groups.numel()
    triangle = size * (size + 1) // 2
    if num_groups == 1 and triangle <= min(_PAIR_BUDGET, 2 * row_entries.numel() * col_entries.numel()):
        yield tuple(torch.triu_indices(size, size, device=groups.device))
        return
    for row_index, col_index in _pairs_within_groups(groups[row_entries], groups[col_entries], num_groups):
        yield row_entries[row_index], col_entries[col_index]


def _merged_sizes(row_sums: Tensor, row_groups: Tensor, col_sums: Tensor, col_groups: Tensor):
    """Distinct (group, size) over rows and columns together, sorted: (sizes as float64, groups,
    count among the rows, count among the columns)."""
    span = int(torch.maximum(row_sums.max(), col_sums.max()).item()) + 1
    keys = torch.cat([row_groups * span + row_sums, col_groups * span + col_sums])
    merged, inverse = torch.unique(keys, sorted=True, return_inverse=True)
    on_rows, on_cols = (
        torch.zeros(merged.numel(), dtype=torch.long, device=keys.device).index_add_(0, side, torch.ones_like(side))
        for side in inverse.split([row_sums.numel(), col_sums.numel()])
    )
    groups = merged // span
    return merged.sub_(groups, alpha=span).double(), groups, on_rows, on_cols


def _pairs_within_groups(row_groups: Tensor, col_groups: Tensor, num_groups: int):
    """Yield (row index, col index) for every row x col of the same group, in slices of about
    _PAIR_BUDGET pairs. Both sides are sorted by group."""
    device = row_groups.device
    num_rows, num_cols = row_groups.numel(), col_groups.numel()
    if num_groups == 1:  # one table: the pairs are a plain outer product
        step = max(1, _PAIR_BUDGET // num_cols)
        cols = torch.arange(num_cols, device=device)
        for start in range(0, num_rows, step):
            rows = torch.arange(start, min(start + step, num_rows), device=device)
            yield rows.repeat_interleave(num_cols), cols.repeat(rows.numel())
        return
    cols_per_group = torch.bincount(col_groups, minlength=num_groups)
    col_start = torch.cumsum(cols_per_group, 0) - cols_per_group
    pairs_per_row = cols_per_group[row_groups]
    slice_of_row = (torch.cumsum(pairs_per_row, 0) - pairs_per_row) // _PAIR_BUDGET
    _, rows_per_slice = torch.unique_consecutive(slice_of_row, return_counts=True)
    start = 0
    for count in rows_per_slice.tolist():
        stop = start + count
        reps = pairs_per_row[start:stop]
        row_index = torch.repeat_interleave(torch.arange(start, stop, device=device), reps)
        first_pair = torch.cumsum(reps, 0) - reps
        within = torch.arange(row_index.numel(), device=device) - torch.repeat_interleave(first_pair, reps)
        yield row_index, col_start[row_groups[row_index]] + within
        start = stop


def _pair_expectations(u: Tensor, v: Tensor, n: Tensor) -> Tensor:
    """sum_k (k/n) log(n k / (u v)) P(k; u, v, n) for each pair, float64."""
    lo, hi = _windows(u, v, n)
    widths = (hi - lo + 1).long()
    # P(lo + j) / P(lo + j - 1) = (a - j)(b - j) / ((lo + j)(c + j)) with these per-pair offsets.
    a, b, c = u + 1 - lo, v + 1 - lo, n - u - v + lo
    block = _BLOCK_ELEMENTS.get(u.device.type, _BLOCK_ELEMENTS["cuda"])
    widest, last_lo = (int(x) for x in torch.stack([widths.max(), lo.max().long()]).tolist())
    if u.numel() * widest <= block and last_lo + widest <= _TABLE_LIMIT:
        # Few pairs (small inputs): one block at the widest window, where sorting into width buckets
        # would cost more than the padding it saves. Padding is exact (see _window_means).
        mean_k_log_k = _window_means(a, b, c, lo, widest, k_log_k_table(last_lo + widest, u.device))
    else:
        mean_k_log_k = _bucketed_window_means(a, b, c, lo, widths, block)
    mu = u * v / n
    # E[K log K] >= mu log mu (Jensen); a one-point window (a one-cluster side) is exactly 0.
    terms = torch.clamp((mean_k_log_k - torch.xlogy(mu, mu)) / n, min=0.0)
    return torch.where(hi > lo, terms, 0.0)


def _bucketed_window_means(a: Tensor, b: Tensor, c: Tensor, lo: Tensor, widths: Tensor, block: int) -> Tensor:
    """_window_means for pairs of any window widths, in blocks of about ``block`` elements of
    pairs whose widths round up to the same padded width."""
    padded = _padded_widths(widths)
    # Windows that reach past the k log k table compute it themselves: a bucket of their own.
    table_size = min(int((lo + padded).max().item()), _TABLE_LIMIT)
    fits = (lo + padded) <= table_size
    key = padded * 2 + (~fits).long()
    order = torch.argsort(key)
    bucket_keys, bucket_sizes = torch.unique_consecutive(key[order], return_counts=True)
    a, b, c, lo = (t[order] for t in (a, b, c, lo))
    k_log_k = k_log_k_table(table_size, a.device)
    means = torch.empty_like(a)
    start = 0
    for bucket, size in zip(bucket_keys.tolist(), bucket_sizes.tolist()):
        width, table = bucket // 2, (k_log_k if bucket % 2 == 0 else None)
        step = max(1, block // width)
        for first in range(start, start + size, step):
            s = slice(first, min(first + step, start + size))
            means[s] = _window_means(a[s], b[s], c[s], lo[s], width, table)
        start += size
    return torch.empty_like(means).index_copy_(0, order, means)


def _padded_widths(widths: Tensor) -> Tensor:
    """Round widths up to 4 steps per octave (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...).

    Pairs of one padded width form one dense block; quarter-octave steps waste at most 25% of a
    block on padding and keep the number of blocks logarithmic in the widest window.
    """
    octave = torch.floor(torch.log2(widths.double())).long()
    step = torch.pow(2, torch.clamp(octave - 2, min=0))
    return (widths + step - 1) // step * step


def _windows(u: Tensor, v: Tensor, n: Tensor) -> tuple[Tensor, Tensor]:
    """The window [lo, hi] of k that holds all but 2 exp(-TAIL) of the pmf."""
    support_lo = torch.clamp(u + v - n, min=0)
    support_hi = torch.minimum(u, v)
    mean = u * v / n
    # Variance of the dominating binomial, the smaller of the two ways to draw: uv/n (1 - max/n).
    variance = mean * (1 - torch.maximum(u, v) / n)
    reach = _tabulated_reach(variance)
    lo = torch.maximum(support_lo, torch.floor(mean - reach))
    hi = torch.minimum(support_hi, torch.ceil(mean + reach))
    return lo, hi


def _tabulated_reach(variance: Tensor) -> Tensor:
    """Bennett's reach at the grid variance next above each variance: never narrower than the
    exact reach (which grows with the variance), at most ~4% wider, and no logarithms per pair
    beyond one log2."""
    table = _reach_tables.get(variance.device)
    if table is None:
        exponents = torch.arange(_GRID_LOW * _GRID_STEPS, _GRID_HIGH * _GRID_STEPS + 1, dtype=torch.float64)
        table = _bennett_reach(torch.exp2(exponents / _GRID_STEPS)).to(variance.device)
        _reach_tables[variance.device] = table
    position = torch.ceil(torch.log2(torch.clamp(variance, min=2.0**_GRID_LOW)) * _GRID_STEPS)
    index = (position.long() - _GRID_LOW * _GRID_STEPS).clamp_(max=table.numel() - 1)
    return table[index]


def _bennett_reach(variance: Tensor) -> Tensor:
    """The t with exp(-variance h(t / variance)) = exp(-TAIL), h(x) = (1 + x) log(1 + x) - x.

    Bennett's inequality bounds each tail of a sum of [0, 1] draws by that expression; it is
    Bernstein's bound made tight for small variances, where it halves the window (Poisson-like
    tails fall off faster than Gaussian ones). Newton's method on the increasing, convex h starts
    from Bernstein's reach, which lies above the root, so every iterate stays above it: stopping
    early only widens the window, never cuts mass.
    """
    variance = torch.clamp(variance, min=1e-12)
    reach = TAIL / 3 + torch.sqrt(TAIL * TAIL / 9 + 2 * TAIL * variance)  # Bernstein
    target = TAIL / variance
    x = reach / variance
    for _ in range(6):
        log1p_x = torch.log1p(x)
        x = x - ((1 + x) * log1p_x - x - target) / log1p_x
    # For x below 1e-4 (variances above ~1e10) h loses digits to cancellation, so Newton could stop
    # below the root; there Bernstein's reach is within x/6 of Bennett's anyway.
    bennett = torch.where(x < 1e-4, reach, torch.minimum(reach, x * variance))
    return bennett + 1  # +1: a margin for rounding in the Newton steps


def _window_means(a: Tensor, b: Tensor, c: Tensor, lo: Tensor, width: int, k_log_k) -> Tensor:
    """E[K log K] of each pair over its window [lo, lo + width), as one (pairs x width) block.

    The block is built in place, in as few (pairs x width) buffers as possible: a fresh buffer is
    fresh memory to fill, and in place the window sums take about 13% less time on the CPU.
    """
    j = torch.arange(width, dtype=torch.float64, device=a.device)
    a, b, c, lo_col = (t.unsqueeze(1) for t in (a, b, c, lo))
    ratio = torch.sub(a, j).mul_(b - j)
    ratio.div_(torch.add(lo_col, j).mul_(c + j))
    ratio[:, 0] = 1.0
    # P(k) / P(lo): the padding past the window continues the pmf (its terms only shrink, and
    # reach 0 past the support, where the factor u + 1 - k vanishes), so it needs no mask.
    p = ratio.cumprod_(dim=1)
    if k_log_k is None:
        k = torch.add(lo_col, j)
        f = torch.xlogy(k, k, out=k)
    else:
        f = k_log_k.unfold(0, width, 1).index_select(0, lo.long())
    return f.mul_(p).sum(dim=1) / p.sum(dim=1)
