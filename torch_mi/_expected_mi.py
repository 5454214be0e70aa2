"""Expected mutual information under the permutation (hypergeometric) null model.

E[MI] = sum_i sum_j sum_k (k/n) log(n k / (a_i b_j)) P(k; a_i, b_j, n)

where P is the hypergeometric pmf of a cell count given its row sum a_i, column sum b_j and the
sample count n (Vinh, Epps & Bailey, "Information theoretic measures for clusterings comparison",
JMLR 11, 2010, eq. 24a). Computed in float64 in four steps, with no Python loop over clusters:

1. Only the distinct values of the row sums and of the column sums matter. Each distinct pair
   (u, v) is evaluated once and weighted by how many (row, column) pairs share it; there are at
   most about sqrt(2n) distinct values on each side.
2. The pmf is concentrated: Bennett's inequality, which holds for the hypergeometric because
   sampling without replacement is dominated by sampling with replacement in convex order
   (Hoeffding 1963, Theorem 4), bounds the mass outside mean +- t by 2 exp(-TAIL). The window
   is that interval cut to the support, so its width follows the pmf's spread, not n.
3. log P(k) relative to the mode comes from the ratio recurrence
   P(k) / P(k-1) = (u-k+1)(v-k+1) / (k (n-u-v+k)), summed outwards from the mode in each
   direction, then normalised over the window. No log-factorials of n are subtracted, so no
   digits are lost to cancellation at large n.
4. Pairs are grouped by window width, rounded up to quarter octaves, and evaluated as padded
   (pairs x width) blocks of bounded size: memory stays fixed on CPU and GPU alike.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from torch_mi._table import Table

# Terms further from the mean than the Bennett bound for exp(-TAIL) carry at most 2e-20 of the
# pmf's mass in total: far below float64 resolution of any E[MI] term.
TAIL = 46.0
# Elements per (pairs x window) block: ~10 float64 temporaries of this size are alive at once.
_BLOCK_ELEMENTS = {"cpu": 1 << 19, "cuda": 1 << 23}
# Distinct (row sum, col sum) pairs generated at once before windows are built.
_PAIR_BUDGET = 1 << 20


def expected_mutual_info(table: Table) -> Tensor:
    """E[MI] in nats for every group of ``table``: float64 (G,)."""
    return expected_mutual_info_from_marginals(
        table.row_sums, table.row_groups, table.col_sums, table.col_groups, table.num_groups
    )


def expected_mutual_info_from_marginals(
    row_sums: Tensor, row_groups: Tensor, col_sums: Tensor, col_groups: Tensor, num_groups: int
) -> Tensor:
    """E[MI] in nats from the marginals alone (positive sums, grouped), float64 (G,)."""
    device = row_sums.device
    result = torch.zeros(num_groups, dtype=torch.float64, device=device)
    if row_sums.numel() == 0 or col_sums.numel() == 0:
        return result
    n = torch.zeros(num_groups, dtype=torch.long, device=device).index_add_(0, row_groups, row_sums)
    rows = _distinct_per_group(row_sums, row_groups)
    cols = _distinct_per_group(col_sums, col_groups)
    for u, v, groups, weights in _pairs_within_groups(rows, cols):
        n_pair = n[groups].double()
        terms = weights * _pair_expectations(u.double(), v.double(), n_pair)
        if num_groups == 1:
            result += terms.sum()  # pairwise summation, deterministic on every device
        else:
            result.index_add_(0, groups, terms)
    return result


def _distinct_per_group(values: Tensor, groups: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """Distinct (group, value) with multiplicities, sorted by group: (values, groups, counts)."""
    span = int(values.max().item()) + 1
    keys, counts = torch.unique(groups * span + values, sorted=True, return_counts=True)
    return keys % span, keys // span, counts


def _pairs_within_groups(rows, cols):
    """Yield (u, v, group, weight) for every distinct row value x distinct col value of the same group.

    Rows are taken in slices so that each slice yields at most about _PAIR_BUDGET pairs.
    """
    row_values, row_groups, row_counts = rows
    col_values, col_groups, col_counts = cols
    num_groups = int(max(row_groups.max().item(), col_groups.max().item())) + 1
    cols_per_group = torch.bincount(col_groups, minlength=num_groups)
    col_start = torch.cumsum(cols_per_group, 0) - cols_per_group
    pairs_per_row = cols_per_group[row_groups]
    slice_of_row = (torch.cumsum(pairs_per_row, 0) - pairs_per_row) // _PAIR_BUDGET
    _, rows_per_slice = torch.unique_consecutive(slice_of_row, return_counts=True)
    start = 0
    for size in rows_per_slice.tolist():
        stop = start + size
        reps = pairs_per_row[start:stop]
        row_index = torch.repeat_interleave(torch.arange(start, stop, device=reps.device), reps)
        first_pair = torch.cumsum(reps, 0) - reps
        within = torch.arange(row_index.numel(), device=reps.device) - torch.repeat_interleave(first_pair, reps)
        col_index = col_start[row_groups[row_index]] + within
        weights = (row_counts[row_index] * col_counts[col_index]).double()
        yield row_values[row_index], col_values[col_index], row_groups[row_index], weights
        start = stop


def _pair_expectations(u: Tensor, v: Tensor, n: Tensor) -> Tensor:
    """sum_k (k/n) log(n k / (u v)) P(k; u, v, n) for each pair, float64."""
    lo, hi, mode = _windows(u, v, n)
    padded = _padded_widths((hi - lo + 1).long())
    order = torch.argsort(padded, stable=True)
    bucket_widths, bucket_sizes = torch.unique_consecutive(padded[order], return_counts=True)
    out = torch.empty_like(u)
    block = _BLOCK_ELEMENTS.get(u.device.type, _BLOCK_ELEMENTS["cuda"])
    start = 0
    for width, size in zip(bucket_widths.tolist(), bucket_sizes.tolist()):
        step = max(1, block // width)
        for chunk_start in range(start, start + size, step):
            idx = order[chunk_start : min(chunk_start + step, start + size)]
            out[idx] = _window_sums(u[idx], v[idx], n[idx], lo[idx], hi[idx], mode[idx], width)
        start += size
    return out


def _padded_widths(widths: Tensor) -> Tensor:
    """Round widths up to 4 steps per octave (1, 2, 3, 4, 5, 6, 7, 8, 10, 12, 14, 16, 20, ...).

    Pairs of one padded width form one dense block; quarter-octave steps waste at most 25% of a
    block on padding and keep the number of blocks logarithmic in the widest window.
    """
    octave = torch.floor(torch.log2(widths.double())).long()
    step = torch.pow(2, torch.clamp(octave - 2, min=0))
    return (widths + step - 1) // step * step


def _windows(u: Tensor, v: Tensor, n: Tensor) -> tuple[Tensor, Tensor, Tensor]:
    """The window [lo, hi] of k that holds all but 2 exp(-TAIL) of the pmf, and the pmf's mode."""
    support_lo = torch.clamp(u + v - n, min=0)
    support_hi = torch.minimum(u, v)
    mean = u * v / n
    # Variance of the dominating binomial, the smaller of the two ways to draw: uv/n (1 - max/n).
    variance = mean * (1 - torch.maximum(u, v) / n)
    reach = _bennett_reach(variance)
    lo = torch.maximum(support_lo, torch.floor(mean - reach))
    hi = torch.minimum(support_hi, torch.ceil(mean + reach))
    mode = torch.clamp(torch.floor((u + 1) * (v + 1) / (n + 2)), min=lo, max=hi)
    return lo, hi, mode


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
    return torch.minimum(reach, x * variance) + 1  # +1: a margin for rounding in the Newton steps


def _window_sums(u, v, n, lo, hi, mode, width: int) -> Tensor:
    """Expected MI term of each pair over its window, as a (pairs x width) block."""
    u, v, n, lo = (t.unsqueeze(1) for t in (u, v, n, lo))
    j = torch.arange(width, dtype=torch.float64, device=u.device).unsqueeze(0)
    k = lo + j
    past_mode = j > (mode.unsqueeze(1) - lo)
    in_window = j <= (hi.unsqueeze(1) - lo)
    # step[j] = log P(lo+j) - log P(lo+j-1) for 1 <= j inside the window; 0 at j = 0; -inf past the
    # window, so the cumulative sums below carry P = 0 to every padding position.
    ratio = ((u + 1 - k) * (v + 1 - k)) / (k * (n - u - v + k))
    step = torch.where(in_window, torch.where(j >= 1, torch.log(ratio), 0.0), -math.inf)
    # log P relative to the mode, accumulated outwards from it so rounding grows only where P is small:
    # forwards over the steps past the mode, backwards over the steps up to it.
    steps_up = torch.where(past_mode, step, 0.0)
    steps_down = torch.where(past_mode, 0.0, step)
    above = torch.cumsum(steps_up, dim=1)
    below = torch.flip(torch.cumsum(torch.flip(steps_down, (1,)), dim=1), (1,)) - steps_down
    p = torch.exp(torch.where(past_mode, above, -below))  # both are 0 at the mode itself
    # k log(n k / (u v)), with 0 at k = 0 (xlogy's 0 log 0); n k / (u v) rather than k (n / (u v))
    # is exactly 1 when u or v is n, so a one-cluster side gives exactly 0. The 1/n comes per pair.
    mi_term = torch.xlogy(k, (n * k) / (u * v))
    return (p * mi_term).sum(dim=1) / (p.sum(dim=1) * n.squeeze(1))
