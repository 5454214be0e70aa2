"""Compiled CPU kernels for the kNN estimators (optional: needs numba, ``pip install torch_mi[numba]``).

The vectorized tensor code in :mod:`torch_mi._knn_mi` runs anywhere torch does, but on the CPU it
pays one full pass over memory per tensor operation; the searches below are branchy loops over a
handful of samples per query, which compiled code does in a few nanoseconds a step. Same
definitions, same float operations, so the same numbers: :mod:`torch_mi._knn_mi` calls these when
numba is importable and the data are on the CPU, and the tests compare both paths bit for bit.

* KSG (:func:`ksg_counts`): for every sample, the max-norm distance to its k-th nearest
  neighbour in the plane (x_f, y), exactly. Samples are cut into blocks of s consecutive x-ranks,
  each kept in y order. A query walks its own block outwards in y from its own slot, then the
  blocks beside it in order of their x-gap, each from where y_i falls in it (found for the two
  adjacent blocks by merging them, for farther ones by binary search), always taking the nearer of
  the two y-directions next; a direction stops once its y-gap reaches the current k-th distance
  and a block is skipped once its x-gap does, since nothing beyond can be closer. Then n_x + 1 and
  n_y + 1 by window counts.
* Ross (:func:`ross_parts`): classes grouped by a counting pass over the c order, each sample's
  k_i-th in-class distance from the k_i + 1 runs of k_i class neighbours that contain it, and m_i
  by a window count over the kept samples.
* Window counts: the entries with fl(|a_j - a_p|) <= r_p of a sorted row. Each end is galloped to
  from a guess, then bisected; the predicate is evaluated as written (no rounded interval ends to
  correct), so a guess only decides the speed. The guess is p itself for Ross's small windows, and
  for KSG's wide ones a table of where each of n equal-width value buckets starts: a few entries
  from the end, where a search from p would cross hundreds.

Kernels release the GIL and work on one feature at a time; :func:`run_rows` spreads features
over torch's thread count. They compile on first use and are cached on disk by numba. This module
imports numba: import it only where :func:`torch_mi._knn_mi.compiled_available` says so.
"""

from __future__ import annotations

import math
from concurrent.futures import ThreadPoolExecutor

import numpy as np
import torch
from numba import njit


@njit(inline="always")
def _insert(best, k, d):
    """Keep best[:k] the k smallest distances seen, ascending: a branch-free min/max network
    (which candidates make the list is unpredictable, so branches on it mispredict)."""
    for j in range(k - 1, 0, -1):
        best[j] = min(best[j], max(best[j - 1], d))
    best[0] = min(best[0], d)


@njit(inline="always")
def _scan(bx, by, start, end, at, skip, xi, yi, best, k):
    """Walk block [start, end) up in y from ``at``, then down (``skip``: the query's own slot)."""
    up = at
    while up < end:
        gap = by[up] - yi
        if gap >= best[k - 1]:
            break
        d = max(abs(bx[up] - xi), gap)
        _insert(best, k, math.inf if up == skip else d)
        up += 1
    down = at - 1
    while down >= start:
        gap = yi - by[down]
        if gap >= best[k - 1]:
            break
        _insert(best, k, max(abs(bx[down] - xi), gap))
        down -= 1


@njit(inline="always")
def _lower_bound(a, start, end, v):
    while start < end:
        mid = (start + end) >> 1
        if a[mid] < v:
            start = mid + 1
        else:
            end = mid
    return start

@njit(nogil=True, cache=True)
def _ksg_radius_row(xs, rank_by_y, x_by_y, y_sorted, k, s, radius_x, radius_y):
    """One feature: k-th neighbour distances, written in x order and in y order. ``xs``: x sorted;
    ``rank_by_y``, ``x_by_y``: each sample's x-rank and x, listed in y order; ``y_sorted``: y sorted.
    (The random gathers that build these inputs are NumPy's, which overlap their cache misses.)"""
    n = xs.shape[0]
    num_blocks = (n + s - 1) // s
    # Fill the blocks in global y order: each block comes out sorted by y.
    cursor = np.arange(num_blocks) * s
    bx, by = np.empty(n), np.empty(n)
    slot_x, slot_y = np.empty(n, np.int64), np.empty(n, np.int64)
    for q in range(n):
        b = rank_by_y[q] // s
        t = cursor[b]
        cursor[b] = t + 1
        bx[t], by[t] = x_by_y[q], y_sorted[q]
        slot_x[t], slot_y[t] = rank_by_y[q], q
    # Where each sample's y falls in the blocks just left and right of its own: a merge of each
    # pair of neighbouring blocks (both in y order) instead of two binary searches per query.
    at_left, at_right = np.empty(n, np.int64), np.empty(n, np.int64)
    for b in range(num_blocks):
        start, end = b * s, min(b * s + s, n)
        if b > 0:
            j = start - s
            for t in range(start, end):
                while j < start and by[j] < by[t]:
                    j += 1
                at_left[t] = j
        if b + 1 < num_blocks:
            j, stop = end, min(end + s, n)
            for t in range(start, end):
                while j < stop and by[j] < by[t]:
                    j += 1
                at_right[t] = j
    best = np.empty(k)
    for t in range(n):
        b = slot_x[t] // s
        xi, yi = bx[t], by[t]
        best[:] = math.inf
        _scan(bx, by, b * s, min(b * s + s, n), t, t, xi, yi, best, k)
        left, right = b - 1, b + 1
        while True:
            kth = best[k - 1]
            gap_left = xi - xs[left * s + s - 1] if left >= 0 else math.inf
            gap_right = xs[right * s] - xi if right < num_blocks else math.inf
            if gap_left <= gap_right:
                if gap_left >= kth:
                    break
                start, end = left * s, left * s + s
                at = at_left[t] if left == b - 1 else _lower_bound(by, start, end, yi)
                left -= 1
            else:
                if gap_right >= kth:
                    break
                start, end = right * s, min(right * s + s, n)
                at = at_right[t] if right == b + 1 else _lower_bound(by, start, end, yi)
                right += 1
            _scan(bx, by, start, end, at, -1, xi, yi, best, k)
        radius_x[slot_x[t]] = best[k - 1]
        radius_y[slot_y[t]] = best[k - 1]

@njit(inline="always")
def _last_inside(a, p, v, r, guess):
    """Largest j >= p with fl(a[j] - v) <= r (a sorted, v = a[p]), galloping from ``guess``."""
    n = a.shape[0]
    g = min(max(guess, p), n - 1)
    if a[g] - v <= r:  # inside: gallop right, then bisect (last inside, first outside)
        inside, step = g, 1
        while g + step < n and a[g + step] - v <= r:
            inside = g + step
            step *= 2
        outside = min(g + step, n)
    else:  # outside: gallop left towards p (inside)
        outside, step = g, 1
        while g - step > p and a[g - step] - v > r:
            outside = g - step
            step *= 2
        inside = max(g - step, p)
    while outside - inside > 1:
        mid = (inside + outside) >> 1
        if a[mid] - v <= r:
            inside = mid
        else:
            outside = mid
    return inside


@njit(inline="always")
def _first_inside(a, p, v, r, guess):
    """Smallest j <= p with fl(v - a[j]) <= r (a sorted, v = a[p]), galloping from ``guess``."""
    g = max(min(guess, p), 0)
    if v - a[g] <= r:  # inside: gallop left, then bisect (first outside, first inside)
        inside, step = g, 1
        while g - step >= 0 and v - a[g - step] <= r:
            inside = g - step
            step *= 2
        outside = max(g - step, -1)
    else:  # outside: gallop right towards p (inside)
        outside, step = g, 1
        while g + step < p and v - a[g + step] > r:
            outside = g + step
            step *= 2
        inside = min(g + step, p)
    while inside - outside > 1:
        mid = (inside + outside) >> 1
        if v - a[mid] <= r:
            inside = mid
        else:
            outside = mid
    return inside


@njit(inline="always")
def _window(a, p, v, r):
    """[lo, hi) of the entries of the sorted ``a`` with fl(|a_j - v|) <= r, v = a[p]."""
    return _first_inside(a, p, v, r, p), _last_inside(a, p, v, r, p) + 1


@njit(inline="always")
def _bucket_position(value, low, width, num_buckets):
    """(value - low) / width clamped to [0, num_buckets]; NaN (inf / inf at float's range) to 0."""
    position = (value - low) / width
    if not position > 0.0:
        return 0.0
    return min(position, num_buckets + 0.0)


@njit(inline="always")
def _bucket_guess(starts, position):
    """Where a value at ``position`` bucket widths above the lowest entry would be inserted:
    linear interpolation inside its bucket of the bucket table ``starts``."""
    bucket = int(position)
    inside = starts[bucket + 1] - starts[bucket]
    return starts[bucket] + int((position - bucket) * inside)


@njit(nogil=True, cache=True)
def _window_counts_row(a, radius, counts):
    """One sorted row: the number of entries within radius[p] of a[p], for every p.

    Each end is sought from a guess: a table of where each of n equal-width value buckets starts
    tells where the end's value a[p] -+ radius[p] falls, interpolated inside its bucket. Only a
    guess: the gallop from it finds the exact end whatever the bucket arithmetic rounds to.
    """
    n = a.shape[0]
    num_buckets = max(1, n)
    low = a[0]
    width = (a[n - 1] - low) / num_buckets
    if not width > 0 or not math.isfinite(width):  # all equal (or a range past float's)
        width = math.inf
    starts = np.empty(num_buckets + 2, np.int64)  # starts[b]: first entry in bucket >= b
    bucket = 0
    for i in range(n):
        here = int(_bucket_position(a[i], low, width, num_buckets))
        while bucket <= here:
            starts[bucket] = i
            bucket += 1
    while bucket <= num_buckets + 1:
        starts[bucket] = n
        bucket += 1
    for p in range(n):
        v, r = a[p], radius[p]
        below = _bucket_guess(starts, _bucket_position(v - r, low, width, num_buckets))
        above = _bucket_guess(starts, _bucket_position(v + r, low, width, num_buckets))
        first = _first_inside(a, p, v, r, below)
        last = _last_inside(a, p, v, r, above - 1)
        counts[p] = last - first + 1


@njit(nogil=True, cache=True)
def _ross_row(c_sorted, d_sorted, num_codes, k, k_out, size_out, m_out):
    """One feature of the Ross estimator, from c sorted and the classes in that order: per sample
    in class-grouped order (classes by code, c order inside) its k_i and class size; per sample
    in c order its m_i (0 for samples left out, alone in their class)."""
    n = c_sorted.shape[0]
    class_size = np.zeros(num_codes, np.int64)
    for p in range(n):
        class_size[d_sorted[p]] += 1
    cursor = np.empty(num_codes, np.int64)
    total = 0
    for code in range(num_codes):
        cursor[code] = total
        total += class_size[code]
    kept_prefix = np.zeros(n + 1, np.int64)
    grouped = np.empty(n)
    label = np.empty(n, np.int64)  # class of each grouped slot
    position = np.empty(n, np.int64)  # c-order position of each grouped slot
    for p in range(n):
        code = d_sorted[p]
        kept_prefix[p + 1] = kept_prefix[p] + (class_size[code] > 1)
        t = cursor[code]
        cursor[code] = t + 1
        grouped[t], label[t], position[t] = c_sorted[p], code, p
    m_out[:] = 0
    start = 0
    while start < n:
        size = 1
        while start + size < n and label[start + size] == label[start]:
            size += 1
        k_i = min(k, size - 1)
        for t in range(start, start + size):
            k_out[t], size_out[t] = k_i, size
            if size < 2:
                continue
            radius = math.inf
            v = grouped[t]
            for a in range(k_i + 1):  # the k_i + 1 runs of k_i neighbours that contain t
                left, right = t - a, t + k_i - a
                if left >= start and right < start + size:
                    radius = min(radius, max(v - grouped[left], grouped[right] - v))
            radius = np.nextafter(radius, 0.0)
            lo, hi = _window(c_sorted, position[t], v, radius)
            m_out[position[t]] = kept_prefix[hi] - kept_prefix[lo]
        start += size


def run_rows(job, num_rows: int) -> None:
    """Call ``job(i)`` for each feature row i, on torch's CPU thread count."""
    workers = max(1, min(torch.get_num_threads(), num_rows))
    if workers == 1:
        for i in range(num_rows):
            job(i)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(job, range(num_rows)))


def ksg_counts(x: np.ndarray, y_order: np.ndarray, y_sorted: np.ndarray, k: int, s: int):
    """KSG's n_x + 1 (in x order) and n_y + 1 (in y order), (F, N) int64 each, for the rows of
    ``x`` against y (given as the permutation that sorts it and its sorted values): per row a
    sort, the k-th neighbour search in blocks of s x-ranks, and the two window counts with radius
    "just below" the k-th distance (scikit-learn's ``nextafter``)."""
    count_x = np.empty(x.shape, dtype=np.int64)
    count_y = np.empty(x.shape, dtype=np.int64)

    def job(i: int) -> None:
        order = np.argsort(x[i])
        rank = np.empty_like(order)
        rank[order] = np.arange(order.size)
        x_sorted = x[i][order]
        radius_x, radius_y = np.empty(x.shape[1]), np.empty(x.shape[1])
        _ksg_radius_row(x_sorted, rank[y_order], x[i][y_order], y_sorted, k, s, radius_x, radius_y)
        _window_counts_row(x_sorted, np.nextafter(radius_x, 0.0), count_x[i])
        _window_counts_row(y_sorted, np.nextafter(radius_y, 0.0), count_y[i])

    run_rows(job, x.shape[0])
    return count_x, count_y


def ross_parts(c: np.ndarray, d: np.ndarray, k: int):
    """The Ross estimator's per-sample integers for the rows of ``c`` (F, N) against the codes
    ``d`` (F, N, rows may be one shared row): k_i and class sizes in class-grouped order, m_i in
    c order (0 for samples alone in their class), (F, N) int64 each."""
    k_out, size_out, m_out = (np.empty(c.shape, dtype=np.int64) for _ in range(3))
    num_codes = int(d.max()) + 1

    def job(i: int) -> None:
        order = np.argsort(c[i])
        _ross_row(c[i][order], d[i][order], num_codes, k, k_out[i], size_out[i], m_out[i])

    run_rows(job, c.shape[0])
    return k_out, size_out, m_out
