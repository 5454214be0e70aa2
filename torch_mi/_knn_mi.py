"""k-nearest-neighbour MI estimators, batched over features: rows of (F, N) in, (F,) float64 out.

Two estimators, with scikit-learn's conventions (``sklearn.feature_selection._mutual_info``):

* **Kraskov-Stögbauer-Grassberger** (KSG, Phys. Rev. E 69, 2004, estimator 1), continuous x
  against continuous y: r_i is the distance of sample i's k-th nearest neighbour (itself excluded)
  in the max-norm of (x, y); n_x(i), n_y(i) count the samples j != i with |x_j - x_i| < r_i
  (respectively y), and MI = psi(N) + psi(k) - <psi(n_x + 1)> - <psi(n_y + 1)>, clipped at 0.
* **Ross** (PLoS ONE 9(2), 2014), continuous c against discrete d: within its class (of size
  N_i), sample i's k_i = min(k, N_i - 1)-th neighbour distance r_i; m_i counts all samples with
  |c_j - c_i| < r_i, i included; MI = psi(N) + <psi(k_i)> - <psi(N_i)> - <psi(m_i)>, clipped at 0.
  Samples alone in their class are left out entirely (N counts the others only).

"< r" is scikit-learn's ``<= nextafter(r, 0)``, which also equals "== 0" when r == 0 (duplicates).
Distances are the float differences |fl(a - b)|, the same numbers scikit-learn's trees compare.

Each feature is one-dimensional, so no distance matrix and no tree is needed:

* Counting within a radius is two ``searchsorted`` calls on the sorted column. To count exactly the
  j with fl(|x_j - x_i|) <= R (not the rounded interval x_i +- R), the interval ends are moved by
  a few ulps, run of equal values by run, to where the predicate flips (it is monotone in x_j).
* Ross: sorting by (class, c) puts each class's members side by side in c order; the k nearest of
  a 1-D point form a contiguous run around it, so r_i = min over a = 0..k of
  max(c_i - c[p - a], c[p + k - a] - c_i): k + 1 gathers. O(N log N) per feature.
* KSG needs the k-th neighbour in the max-norm of the plane (x_f, y). Used here: **x-rank blocks,
  each sorted by y**. Samples are cut into blocks of s ~ sqrt(kN) consecutive x-ranks, each block
  sorted by y. First round, for every sample at once: in its own block and the two beside it, the
  w = 2k + 2 samples on either side of y_i in the block's y order (3 x 2w candidates); the k-th
  smallest candidate distance is exact when it is no larger than a lower bound on every sample not
  looked at (the x gap to the blocks not searched, the y gap past each window). The few samples not
  certified (about 6% of them at N = 10^5, k = 3, in our measurements) get an exact pass: all samples inside the
  square of half-width "first-round distance" are gathered, as one contiguous y-run per x-block it
  reaches, and the k-th smallest is read off. Why this: a sweep in x order needs a window as wide
  as the x-strip of half-width r_i, about sqrt(kN) samples when x and y are independent (the
  common case in feature screening); blocks of that width sorted by y cut the candidates to O(k)
  per block, for dependent and independent features alike, with only sorts, gathers, topk and
  searchsorted, batched over features. Cost per feature: two sorts O(N log N), then O(N k).

Two implementations of the same definitions: the tensor code below (any device), and on the CPU,
when numba is installed, the compiled kernels of :mod:`torch_mi._knn_compiled` (the same searches
written as loops, several times faster). Both produce the same per-sample counts, and the
estimates are finished by the same tensor code, so the results agree to the last bit (tested).

Memory: features are processed in chunks sized so that the per-chunk work arrays stay under a
fixed budget (about ``_BUDGET`` float64 elements), at least one feature at a time (the compiled
path: at least one feature per thread, each with about ten N-length work arrays).
"""

from __future__ import annotations

import importlib.util
import math
from concurrent.futures import ThreadPoolExecutor
from functools import lru_cache
from typing import Optional

import numpy as np
import torch
from torch import Tensor

_BUDGET = 1 << 23  # elements (float64 / int64) of the largest temporary array


@lru_cache(maxsize=None)
def compiled_available() -> bool:
    """Whether the compiled CPU kernels of :mod:`torch_mi._knn_compiled` can run (numba installed)."""
    return importlib.util.find_spec("numba") is not None


def _use_compiled(tensor: Tensor, compiled: Optional[bool]) -> bool:
    """``compiled``: None picks the kernels for CPU tensors when numba is installed; True insists."""
    if compiled is None:
        return tensor.device.type == "cpu" and compiled_available()
    if compiled and (tensor.device.type != "cpu" or not compiled_available()):
        raise RuntimeError("the compiled kNN kernels need CPU tensors and numba (pip install torch_mi[numba])")
    return compiled


def _take(source: Tensor, index: Tensor) -> Tensor:
    """``source.reshape(-1)[index]`` via ``index_select``, much faster on CPU than advanced indexing."""
    return source.reshape(-1).index_select(0, index.reshape(-1)).view(index.shape)


def _gather_rows(source: Tensor, index: Tensor) -> Tensor:
    """``torch.gather(source, 1, index)`` for (F, N) rows (or one expanded row), via ``index_select``."""
    if source.shape[0] == 1 or source.stride(0) == 0:
        return _take(source[0], index)
    offset = torch.arange(0, source.shape[0] * source.shape[1], source.shape[1], device=index.device)
    return _take(source, index + offset[:, None])


def _sort_rows(rows: Tensor) -> tuple[Tensor, Tensor]:
    """Each row of ``rows`` (F, N) or (N,) sorted ascending, and the permutation that sorts it.

    Equal values may come in any order: both estimators read only the sorted values and counts
    between value boundaries, never the order among ties. On the CPU NumPy's argsort (a SIMD
    quicksort) is several times faster than ``torch.sort`` along rows of float64 or int64.
    """
    if rows.device.type != "cpu":
        return torch.sort(rows, dim=-1)
    order = torch.from_numpy(np.argsort(rows.numpy(), axis=-1))
    values = _take(rows, order) if rows.ndim == 1 else _gather_rows(rows, order)
    return values, order


def _kth_smallest(rows: Tensor, k: int) -> Tensor:
    """The k-th smallest entry (1-based, ties counted) of each row of ``rows`` (P, m).

    On the CPU NumPy's introselect (``np.partition``) is about four times faster than
    ``torch.topk`` on short rows; it holds no GIL, so row blocks run on torch's thread count.
    """
    if rows.device.type != "cpu":
        return torch.topk(rows, k, dim=1, largest=False, sorted=True).values[:, k - 1]
    array = rows.numpy()
    out = np.empty(array.shape[0], dtype=array.dtype)
    blocks = np.array_split(np.arange(array.shape[0]), max(1, min(torch.get_num_threads(), array.shape[0] // 4096)))

    def select(index: np.ndarray) -> None:
        if index.size:
            out[index[0]:index[-1] + 1] = np.partition(array[index[0]:index[-1] + 1], k - 1, axis=1)[:, k - 1]

    if len(blocks) == 1:
        select(blocks[0])
    else:
        with ThreadPoolExecutor(max_workers=len(blocks)) as pool:
            list(pool.map(select, blocks))
    return torch.from_numpy(out)


def _digamma_table(n: int, device: torch.device) -> Tensor:
    """psi(0..n) (psi(0) unused, set to 0): every digamma the estimators need is of an integer in
    [1, n], so one evaluation per value, then lookups; the same numbers as evaluating in place."""
    table = torch.special.digamma(torch.arange(n + 1, dtype=torch.float64, device=device))
    table[0] = 0.0
    return table


def _search(sorted_rows: Tensor, values: Tensor, rows: Tensor, right: bool) -> Tensor:
    """searchsorted of ``values`` (flat, one per entry of ``rows``) each in its own row: a
    vectorized bisection over the rows, for the few entries that need it."""
    if sorted_rows.ndim == 1:
        return torch.searchsorted(sorted_rows, values, right=right)
    n = sorted_rows.shape[-1]
    flat = sorted_rows.reshape(-1)
    lo = torch.zeros_like(rows)
    hi = torch.full_like(rows, n)
    base = rows * n
    for _ in range(n.bit_length() + 1):
        mid = (lo + hi) // 2
        probe = flat[base + mid.clamp(max=n - 1)]
        go_right = (mid < hi) & ((probe <= values) if right else (probe < values))
        lo = torch.where(go_right, mid + 1, lo)
        hi = torch.where(go_right, hi, mid)
    return lo


def _settle(sorted_rows: Tensor, values: Tensor, radius: Tensor, index: Tensor, upper: bool) -> Tensor:
    """Move the approximate range end ``index`` to the exact one: the first entry x past the values
    with fl(x - v) <= r (``upper``), or the first entry with fl(v - x) <= r.

    The predicate is monotone along a sorted row, and the approximate end from v +- r is off by at
    most a few ulps, so a handful of distinct values are crossed. Only the entries that moved are
    looked at again; they first step one entry at a time (the usual case: the end sits next to
    the radius-defining neighbour), then, if still moving (a run of equal values), jump over
    whole runs by bisection.
    """
    n = sorted_rows.shape[-1]
    shape = index.shape
    index = index.reshape(-1).clone()
    values, radius = values.reshape(-1), radius.reshape(-1)
    flat_rows = sorted_rows.reshape(-1)
    if sorted_rows.ndim == 1:
        row_of = None
    else:
        row_of = torch.arange(shape[0], device=index.device).repeat_interleave(shape[1])
    active = None  # all entries in the first pass
    step = 0
    while True:
        idx = index if active is None else index.index_select(0, active)
        v = values if active is None else values.index_select(0, active)
        r = radius if active is None else radius.index_select(0, active)
        if row_of is None:
            base = idx
        else:
            base = (row_of if active is None else row_of.index_select(0, active)) * n + idx
        at = _take(flat_rows, torch.where(idx < n, base, base - 1))
        before = _take(flat_rows, torch.where(idx > 0, base - 1, base))
        at_in = ((at - v) <= r) if upper else ((v - at) <= r)
        before_in = ((before - v) <= r) if upper else ((v - before) <= r)
        # Upper: inside entries form a prefix of those at or after v; lower: a suffix of those before.
        move_up = (idx < n) & (at_in if upper else ~at_in)
        move_down = (idx > 0) & (~before_in if upper else before_in)
        moving = (move_up | move_down).nonzero()[:, 0]
        if moving.numel() == 0:
            break
        where = moving if active is None else active.index_select(0, moving)
        up, down = move_up.index_select(0, moving), move_down.index_select(0, moving)
        if step < 4:
            index.index_add_(0, where, up.long() - down.long())
        else:  # long runs of equal values: bisect over the run instead of walking it
            rows = torch.zeros_like(where) if row_of is None else row_of[where]
            target = torch.where(up, at[moving], before[moving])
            index[where[up]] = _search(sorted_rows, target[up], rows[up], True)
            index[where[down]] = _search(sorted_rows, target[down], rows[down], False)
        active = where
        step += 1
    return index.reshape(shape)


def count_within(sorted_rows: Tensor, values: Tensor, radius: Tensor) -> tuple[Tensor, Tensor]:
    """Index range [lo, hi) of the entries x of ``sorted_rows`` with fl(|x - v|) <= radius.

    ``sorted_rows`` is (N,) or (F, N) sorted along the last axis; ``values`` and ``radius`` are
    (F, M). Returns two int64 (F, M) tensors.
    """
    lo = torch.searchsorted(sorted_rows, values - radius)
    hi = torch.searchsorted(sorted_rows, values + radius, right=True)
    return _settle(sorted_rows, values, radius, lo, upper=False), _settle(sorted_rows, values, radius, hi, upper=True)


def _below(r: Tensor) -> Tensor:
    """scikit-learn's radius: the float just below r towards 0 (0 stays 0)."""
    return torch.nextafter(r, torch.zeros_like(r))


def _feature_chunks(num_features: int, num_samples: int, per_sample: int, at_least: int = 1):
    size = max(at_least, _BUDGET // max(1, num_samples * per_sample))
    for start in range(0, num_features, size):
        yield slice(start, min(start + size, num_features))


# ---------------------------------------------------------------- Ross: continuous vs discrete


def ross_mi(c: Tensor, d: Tensor, n_neighbors: int, compiled: Optional[bool] = None) -> Tensor:
    """Ross MI of each row of continuous ``c`` (F, N) float64 with discrete codes ``d`` (F, N).

    ``d`` holds int64 codes in [0, N); either argument may be an expanded (broadcast) row.
    ``compiled``: count with the numba kernels (default: when installed and on the CPU).
    """
    compiled = _use_compiled(c, compiled)
    out = torch.empty(c.shape[0], dtype=torch.float64, device=c.device)
    psi = _digamma_table(c.shape[1], c.device)
    per_row = max(1, torch.get_num_threads()) if compiled else 1
    for rows in _feature_chunks(c.shape[0], c.shape[1], 8 if compiled else 24, at_least=per_row):
        out[rows] = _ross_chunk(c[rows], d[rows], n_neighbors, psi, compiled)
    return out


def _ross_chunk(c: Tensor, d: Tensor, k: int, psi: Tensor, compiled: bool) -> Tensor:
    if compiled:
        from torch_mi._knn_compiled import ross_parts

        k_i, size_i, m_i = (torch.from_numpy(part) for part in ross_parts(c.numpy(), d.numpy(), k))
        return _ross_estimate(psi, k_i, size_i, m_i, m_i > 0)  # m_i >= 1 (itself) exactly when kept
    f, n = c.shape
    device = c.device
    positions = torch.arange(n, device=device).expand(f, n)
    c_sorted, order = _sort_rows(c)
    rank = torch.empty_like(order).scatter_(1, order, positions)
    # Grouped by class, in c order inside each class (keys are distinct: ranks are).
    _, grouped = _sort_rows(d * n + rank)
    c_grouped = _gather_rows(c, grouped)
    d_grouped = _gather_rows(d, grouped)
    if d.stride(0) == 0:  # one target shared by all features: class sizes once
        class_size = torch.bincount(d[0], minlength=n)[None]
    else:
        class_size = torch.zeros(f, n, dtype=torch.int64, device=device).scatter_add_(1, d, torch.ones_like(d))
    class_start = torch.cumsum(class_size, dim=1) - class_size
    size_i = _gather_rows(class_size, d_grouped)
    start_i = _gather_rows(class_start, d_grouped)
    end_i = start_i + size_i
    k_i = (size_i - 1).clamp(max=k)

    radius = torch.full_like(c_grouped, math.inf)
    for a in range(k + 1):
        left, right = positions - a, positions + k_i - a
        valid = (a <= k_i) & (left >= start_i) & (right < end_i)
        far_left = _gather_rows(c_grouped, left.clamp_(0, n - 1))
        far_right = _gather_rows(c_grouped, right.clamp_(0, n - 1))
        width = torch.maximum(c_grouped - far_left, far_right - c_grouped)
        radius = torch.where(valid, torch.minimum(radius, width), radius)

    kept = size_i > 1
    radius = torch.where(kept, _below(radius), torch.zeros_like(radius))
    # m_i is counted with the samples in global c order, where the range queries c_i -+ r_i come
    # nearly sorted (bisections then share cache lines); the sum of psi(m_i) does not care.
    radius_sorted = torch.empty_like(radius).scatter_(1, _gather_rows(rank, grouped), radius)
    # m_i counts kept samples only: prefix sums of "kept" in global c order.
    kept_by_sample = _gather_rows(class_size, d) > 1
    kept_sorted = _gather_rows(kept_by_sample, order)
    kept_prefix = torch.nn.functional.pad(torch.cumsum(kept_sorted, dim=1), (1, 0))
    lo, hi = count_within(c_sorted, c_sorted, radius_sorted)
    m_i = _gather_rows(kept_prefix, hi) - _gather_rows(kept_prefix, lo)
    return _ross_estimate(psi, k_i, size_i, m_i, kept_sorted)


def _ross_estimate(psi: Tensor, k_i: Tensor, size_i: Tensor, m_i: Tensor, kept_sorted: Tensor) -> Tensor:
    """psi(N') + <psi(k_i)> - <psi(N_i)> - <psi(m_i)> over the N' kept samples, clipped at 0 (0
    when none is kept); k_i, N_i in class-grouped order, m_i and ``kept_sorted`` in c order."""
    kept = size_i > 1
    n_kept = kept.sum(dim=1)
    # Samples left out (class of one) have k_i = 0 and weight 0: psi(0) = 0 in the table.
    total = ((_take(psi, k_i) - _take(psi, size_i)) * kept.double()).sum(dim=1)
    total -= (_take(psi, m_i) * kept_sorted.double()).sum(dim=1)
    safe_n = n_kept.clamp(min=1)
    mi = _take(psi, safe_n) + total / safe_n.double()
    return torch.where(n_kept > 0, mi.clamp(min=0.0), torch.zeros_like(mi))


# ---------------------------------------------------------------- KSG: continuous vs continuous


def ksg_mi(x: Tensor, y: Tensor, n_neighbors: int, compiled: Optional[bool] = None) -> Tensor:
    """KSG MI of each row of continuous ``x`` (F, N) float64 with the continuous ``y`` (N,).

    ``compiled``: search and count with the numba kernels (default: when installed and on the CPU).
    """
    compiled = _use_compiled(x, compiled)
    n = x.shape[1]
    y_sorted, y_order = _sort_rows(y)
    out = torch.empty(x.shape[0], dtype=torch.float64, device=x.device)
    psi = _digamma_table(n, x.device)
    if compiled:  # a sort, the search and both counts per feature, features across threads
        from torch_mi._knn_compiled import ksg_counts

        per_row = max(1, torch.get_num_threads())
        for rows in _feature_chunks(x.shape[0], n, 8, at_least=per_row):
            count_x, count_y = ksg_counts(x[rows].numpy(), y_order.numpy(), y_sorted.numpy(),
                                          n_neighbors, _block_size(n, n_neighbors))
            out[rows] = _ksg_estimate(psi, torch.from_numpy(count_x), torch.from_numpy(count_y), n_neighbors)
        return out
    y_rank = torch.empty_like(y_order).scatter_(0, y_order, torch.arange(n, device=y.device))
    for rows in _feature_chunks(x.shape[0], n, 40):
        chunk = x[rows]
        x_sorted, x_order = _sort_rows(chunk)
        radius_x, radius_y = _ksg_radius(chunk, x_sorted, x_order, y, y_sorted, y_rank, n_neighbors)
        # Counts are summed over samples, so they may be taken in x order (then in y order): the
        # centres are then the sorted rows themselves, and the searches walk memory in order.
        lo, hi = count_within(x_sorted, x_sorted, _below(radius_x))
        count_x = hi - lo  # n_x + 1: the count includes the sample itself
        lo, hi = count_within(y_sorted, y_sorted.expand(chunk.shape), _below(radius_y))
        out[rows] = _ksg_estimate(psi, count_x, hi - lo, n_neighbors)
    return out


def _ksg_estimate(psi: Tensor, count_x: Tensor, count_y: Tensor, k: int) -> Tensor:
    """psi(N) + psi(k) - <psi(n_x + 1)> - <psi(n_y + 1)>, clipped at 0, from the (F, N) counts."""
    n = count_x.shape[1]
    mi = psi[n] + psi[k] - _take(psi, count_x).mean(dim=1) - _take(psi, count_y).mean(dim=1)
    return mi.clamp(min=0.0)


def _block_size(n: int, k: int) -> int:
    return max(2 * k + 2, int(math.sqrt(k * n)))


def _ksg_radius(x: Tensor, x_sorted: Tensor, x_order: Tensor, y: Tensor, y_sorted: Tensor, y_rank: Tensor,
                k: int) -> tuple[Tensor, Tensor]:
    """k-th neighbour distances (max-norm of (x_f, y)) of every sample, in x order and in y order
    (tensor operations: the first round over block windows, then the exact pass)."""
    f, n = x.shape
    device = x.device
    s = _block_size(n, k)
    num_blocks = -(-n // s)
    positions = torch.arange(n, device=device).expand(f, n)
    x_rank = torch.empty_like(x_order).scatter_(1, x_order, positions)
    # Blocks of s consecutive x-ranks, each in y order: sort by (block, y-rank).
    key, order = _sort_rows((x_rank // s) * n + y_rank)
    xs = _gather_rows(x, order)
    ys = _take(y, order)
    row_offset = torch.arange(f, device=device)[:, None] * (num_blocks * n)
    blocks = _Blocks(n, s, num_blocks, (key + row_offset).reshape(-1), key % n, xs.reshape(-1), ys.reshape(-1),
                     x_sorted, y_sorted, k)

    neighbour_starts = _first_round_starts(key % n, n, s, num_blocks)

    radius = torch.empty(f * n, dtype=torch.float64, device=device)
    width = 2 * k + 2
    step = max(1, _BUDGET // (3 * 2 * width * 4))
    uncertified: list[Tensor] = []
    for part in torch.arange(f * n, device=device).split(step):
        kth, certified = _ksg_first_round(blocks, part, neighbour_starts.index_select(0, part), k, width)
        radius[part] = kth
        uncertified.append(part[~certified])
    pending = torch.cat(uncertified)
    if pending.numel():
        radius[pending] = _ksg_exact(blocks, pending, radius[pending], k)
    radius = radius.reshape(f, n)
    radius_x = torch.empty_like(radius).scatter_(1, _gather_rows(x_rank, order), radius)
    radius_y = torch.empty_like(radius).scatter_(1, key % n, radius)
    return radius_x, radius_y


class _Blocks:
    """The x-rank blocks of a chunk, flat over (feature, block-order position)."""

    def __init__(self, n, s, num_blocks, flat_key, y_rank, xs, ys, x_sorted, y_sorted, k):
        self.n, self.s, self.num_blocks = n, s, num_blocks
        self.flat_key, self.y_rank, self.xs, self.ys = flat_key, y_rank.reshape(-1), xs, ys
        self.x_sorted, self.y_sorted = x_sorted, y_sorted
        pad = 2 * k + 2  # the first round's width
        self.xs_padded = torch.nn.functional.pad(xs, (pad, pad))
        self.ys_padded = torch.nn.functional.pad(ys, (pad, pad))

    def find(self, feature: Tensor, block: Tensor, y_rank: Tensor) -> Tensor:
        """Position (in its feature's row) of the first sample of ``block`` with y-rank >= ``y_rank``."""
        row_base = feature * self.n
        target = feature * (self.num_blocks * self.n) + block * self.n + y_rank
        return torch.searchsorted(self.flat_key, target) - row_base


def _first_round_starts(y_rank: Tensor, n: int, s: int, num_blocks: int) -> Tensor:
    """For every sample (flat over the chunk's (feature, block-order position)), the position in its
    row of the first sample with y-rank >= its own in the previous, its own and the next x-block:
    (F * N, 3). One ``searchsorted`` per offset, each query row against one block-sized row (the
    last block padded), which keeps every bisection inside a few cache lines."""
    f = y_rank.shape[0]
    padded = torch.nn.functional.pad(y_rank, (0, num_blocks * s - n), value=n).view(f * num_blocks, s)
    rows = padded.shape[0]
    starts = torch.zeros(rows, s, 3, dtype=torch.int64, device=y_rank.device)
    starts[1:, :, 0] = torch.searchsorted(padded[:-1], padded[1:])
    starts[:, :, 1] = torch.searchsorted(padded, padded)
    starts[:-1, :, 2] = torch.searchsorted(padded[1:], padded[:-1])
    block = torch.arange(rows, device=y_rank.device) % num_blocks
    starts += ((block[:, None] + torch.arange(-1, 2, device=y_rank.device)) * s)[:, None, :]
    return starts.view(f, num_blocks * s, 3)[:, :n].reshape(f * n, 3)


def _ksg_first_round(blocks: _Blocks, part: Tensor, at: Tensor, k: int, width: int) -> tuple[Tensor, Tensor]:
    """k-th neighbour distance of the queries ``part`` among the ``width`` samples on each side in
    y of the query's own x-block and the two next to it (``at``: where y_i falls in each, from
    :func:`_first_round_starts`), and whether it is certified (no sample outside the candidates
    can be closer)."""
    n, s, num_blocks = blocks.n, blocks.s, blocks.num_blocks
    device = part.device
    feature, p = part // n, part % n
    row_base = feature * n
    block = p // s
    xq, yq = _take(blocks.xs, part), _take(blocks.ys, part)
    other = block[:, None] + torch.arange(-1, 2, device=device)  # (P, 3)
    has_block = (other >= 0) & (other < num_blocks)
    other = other.clamp(0, num_blocks - 1)
    start = other * s
    end = (start + s).clamp(max=n)
    at = torch.where(has_block, at, start)  # missing blocks (past the row's ends): any in-row place
    # Candidates at + o, o in [-width, width), kept where inside their block: o in [low, high).
    offsets = torch.arange(-width, width, device=device)
    low = (start - at).clamp_(min=-width)
    high = torch.where(has_block, (end - at).clamp_(max=width), low)
    usable = (offsets >= low[:, :, None]) & (offsets < high[:, :, None])
    usable[:, 1, width] = False  # the query itself: in its own block, at its own y-rank
    # The flat sample arrays carry ``width`` entries of padding on each end, so the window of 2w
    # around flat position q starts at padded position q: one contiguous row copy per window.
    window_start = (row_base[:, None] + at).reshape(-1)
    shape = (part.numel(), 3, 2 * width)
    dist = blocks.xs_padded.unfold(0, 2 * width, 1).index_select(0, window_start).view(shape)
    dist_y = blocks.ys_padded.unfold(0, 2 * width, 1).index_select(0, window_start).view(shape)
    dist.sub_(xq[:, None, None]).abs_()
    dist_y.sub_(yq[:, None, None]).abs_()
    dist = torch.maximum(dist, dist_y, out=dist).masked_fill_(~usable, math.inf).view(part.numel(), -1)
    kth = _kth_smallest(dist, k)
    # Samples of a searched block past the window are at least this far in y ...
    inf = torch.full_like(xq, math.inf)
    below, above = at - width - 1, at + width
    ys_row = blocks.ys
    below_y = _take(ys_row, row_base[:, None] + below.clamp(0, n - 1))
    above_y = _take(ys_row, row_base[:, None] + above.clamp(0, n - 1))
    gap_below = torch.where(below >= start, yq[:, None] - below_y, math.inf)
    gap_above = torch.where(above < end, above_y - yq[:, None], math.inf)
    gap = torch.where(has_block, torch.minimum(gap_below, gap_above), math.inf)
    bound = gap.amin(dim=1)
    # ... and samples of blocks not searched at least this far in x.
    x_rows = blocks.x_sorted.reshape(-1)
    left_max = _take(x_rows, row_base + ((block - 1) * s - 1).clamp(0, n - 1))
    right_min = _take(x_rows, row_base + ((block + 2) * s).clamp(0, n - 1))
    bound = torch.minimum(bound, torch.where(block - 2 >= 0, xq - left_max, inf))
    bound = torch.minimum(bound, torch.where(block + 2 < num_blocks, right_min - xq, inf))
    return kth, kth <= bound


def _ksg_exact(blocks: _Blocks, queries: Tensor, upper: Tensor, k: int) -> Tensor:
    """Exact k-th neighbour distance of ``queries`` given an upper bound ``upper`` on it.

    Every sample at most ``upper`` away lies in the square of half-width ``upper`` around the
    query: in each x-block that the square's x-range reaches, the samples inside its y-range are
    one contiguous run of the block's y order. All runs are gathered (a superset of the k nearest:
    the ranges are widened by a few ulps, which only adds candidates), and the k-th smallest
    distance is read from a per-query sort.
    """
    n, s = blocks.n, blocks.s
    device = queries.device
    eps = torch.finfo(torch.float64).eps
    feature, p = queries // n, queries % n
    xq, yq = blocks.xs[queries], blocks.ys[queries]
    margin_x = upper + 8 * eps * (xq.abs() + upper)
    margin_y = upper + 8 * eps * (yq.abs() + upper)
    first = _search(blocks.x_sorted, xq - margin_x, feature, right=False)
    last = _search(blocks.x_sorted, xq + margin_x, feature, right=True) - 1
    y_lo = torch.searchsorted(blocks.y_sorted, yq - margin_y)
    y_hi = torch.searchsorted(blocks.y_sorted, yq + margin_y, right=True)
    block_lo = first.clamp(0, n - 1) // s
    block_count = (last.clamp(0, n - 1) // s - block_lo + 1).clamp(min=1)

    out = torch.empty_like(upper)
    # Parts of queries with a bounded number of (query, block) pairs and candidates.
    pair_query = torch.repeat_interleave(torch.arange(queries.numel(), device=device), block_count)
    pair_start = torch.cumsum(block_count, 0) - block_count
    pair_block = block_lo[pair_query] + torch.arange(pair_query.numel(), device=device) - pair_start[pair_query]
    f_pair = feature[pair_query]
    run_start = blocks.find(f_pair, pair_block, y_lo[pair_query])
    run_end = blocks.find(f_pair, pair_block, y_hi[pair_query])
    run_len = run_end - run_start
    per_query = torch.zeros_like(upper, dtype=torch.int64).index_add_(0, pair_query, run_len)
    cumulative = torch.cumsum(per_query, 0)
    group = torch.div(cumulative - per_query, _BUDGET // 4, rounding_mode="floor")
    cuts = torch.cumsum(torch.bincount(group), 0).tolist()
    begin = 0
    pair_cum = torch.cumsum(block_count, 0)
    for end in cuts:
        if end == begin:
            continue
        pairs = slice(int(pair_start[begin]), int(pair_cum[end - 1]))
        lens = run_len[pairs]
        local_q = pair_query[pairs] - begin
        total = int(lens.sum())
        pair_of = torch.repeat_interleave(torch.arange(lens.numel(), device=device), lens)
        run_offset = torch.cumsum(lens, 0) - lens
        pos = run_start[pairs][pair_of] + torch.arange(total, device=device) - run_offset[pair_of]
        cand_q = local_q[pair_of]
        q_global = cand_q + begin
        row_base = feature[q_global] * n
        flat = row_base + pos
        dist = torch.maximum((_take(blocks.xs, flat) - _take(xq, q_global)).abs(),
                             (_take(blocks.ys, flat) - _take(yq, q_global)).abs())
        dist = torch.where(pos == p[q_global], math.inf, dist)
        # The first round's k-th distance is the answer unless k samples are strictly closer
        # (it is itself among the candidates); a segment count settles most queries, the
        # others take the k-th smallest from a per-query sort of their candidates.
        closer = torch.zeros(end - begin, dtype=torch.int64, device=device)
        closer.index_add_(0, cand_q, (dist < _take(upper, q_global)).long())
        out[begin:end] = upper[begin:end]
        unsettled = closer >= k
        if bool(unsettled.any()):
            keep = _take(unsettled, cand_q).nonzero()[:, 0]
            dist, cand_q = dist.index_select(0, keep), cand_q.index_select(0, keep)
            by_dist = torch.sort(dist, stable=True).indices
            by_query = torch.sort(cand_q[by_dist], stable=True).indices
            ranked = dist[by_dist][by_query]
            counts = per_query[begin:end][unsettled]
            seg_start = torch.cumsum(counts, 0) - counts
            out[begin:end][unsettled] = ranked[seg_start + k - 1]
        begin = end
    return out
