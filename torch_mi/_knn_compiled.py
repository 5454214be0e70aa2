"""Compiled CPU kernels for the kNN estimators (optional: needs numba, ``pip install torch_mi[numba]``).

The vectorized tensor code in :mod:`torch_mi._knn_mi` runs anywhere torch does, but on the CPU it
pays one full pass over memory per tensor operation; the searches below are branchy loops over a
handful of samples per query, which compiled code does in a few nanoseconds a step. Same
definitions, same float operations, so the same numbers: :mod:`torch_mi._knn_mi` calls these when
numba is importable and the data are on the CPU, and the tests compare both paths bit for bit.

* :func:`ksg_radius`: for every sample, the max-norm distance to its k-th nearest neighbour in
  the plane (x_f, y), exactly. Samples are cut into blocks of s consecutive x-ranks, each kept in
  y order. A query walks its own block outwards in y from its own slot, then the blocks beside
  it in order of their x-gap, each from where y_i would sit (binary search), always taking the
  nearer of the two y-directions next; a direction stops once its y-gap reaches the current
  k-th distance and a block is skipped once its x-gap does, since nothing beyond can be closer.
* :func:`window_ends`: for every entry a_p of a sorted row and its radius r_p, the index range
  of the entries with fl(|a_j - a_p|) <= r_p: gallop outwards from p, then bisect. The predicate
  is evaluated as written (no rounded interval ends to correct).

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
    # best[:k] ascending; d < best[k - 1]
    j = k - 1
    while j > 0 and best[j - 1] > d:
        best[j] = best[j - 1]
        j -= 1
    best[j] = d


@njit(inline="always")
def _scan(bx, by, start, end, at, skip, xi, yi, best, k):
    """Walk block [start, end) outwards in y from ``at`` (``skip``: the query's own slot)."""
    up, down = at, at - 1
    while True:
        kth = best[k - 1]
        gap_up = by[up] - yi if up < end else math.inf
        gap_down = yi - by[down] if down >= start else math.inf
        if gap_up <= gap_down:
            if gap_up >= kth:
                return
            if up != skip:
                d = max(abs(bx[up] - xi), gap_up)
                if d < kth:
                    _insert(best, k, d)
            up += 1
        else:
            if gap_down >= kth:
                return
            if down != skip:
                d = max(abs(bx[down] - xi), gap_down)
                if d < kth:
                    _insert(best, k, d)
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
def _ksg_radius_row(x, order, y, y_order, k, s, radius_x, radius_y):
    """One feature: k-th neighbour distances, written in x order and in y order."""
    n = x.shape[0]
    num_blocks = (n + s - 1) // s
    xs = np.empty(n)
    rank = np.empty(n, np.int64)
    for p in range(n):
        xs[p] = x[order[p]]
        rank[order[p]] = p
    # Fill the blocks in global y order: each block comes out sorted by y.
    cursor = np.arange(num_blocks) * s
    bx, by = np.empty(n), np.empty(n)
    slot_x, slot_y = np.empty(n, np.int64), np.empty(n, np.int64)
    for q in range(n):
        j = y_order[q]
        b = rank[j] // s
        t = cursor[b]
        cursor[b] = t + 1
        bx[t], by[t] = x[j], y[j]
        slot_x[t], slot_y[t] = rank[j], q
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

@njit(nogil=True, cache=True)
def _window_ends_row(a, radius, lo_out, hi_out):
    """One sorted row: [lo, hi) of the entries within radius[p] of a[p], for every p."""
    n = a.shape[0]
    for p in range(n):
        v, r = a[p], radius[p]
        last, step = p, 1  # last index known inside on the right
        while p + step < n and a[p + step] - v <= r:
            last = p + step
            step *= 2
        length = min(p + step, n) - last
        while length > 1:
            half = length >> 1
            last = last + half if a[last + half] - v <= r else last
            length -= half
        first, step = p, 1  # first index known inside on the left
        while p - step >= 0 and v - a[p - step] <= r:
            first = p - step
            step *= 2
        length = first - max(p - step, -1)
        while length > 1:
            half = length >> 1
            first = first - half if v - a[first - half] <= r else first
            length -= half
        lo_out[p], hi_out[p] = first, last + 1




def run_rows(job, num_rows: int) -> None:
    """Call ``job(i)`` for each feature row i, on torch's CPU thread count."""
    workers = max(1, min(torch.get_num_threads(), num_rows))
    if workers == 1:
        for i in range(num_rows):
            job(i)
        return
    with ThreadPoolExecutor(max_workers=workers) as pool:
        list(pool.map(job, range(num_rows)))


def ksg_counts(x: np.ndarray, y: np.ndarray, y_order: np.ndarray, y_sorted: np.ndarray, k: int, s: int):
    """KSG's n_x + 1 (in x order) and n_y + 1 (in y order), (F, N) int64 each, for the rows of
    ``x`` against ``y``: per row a sort, the k-th neighbour search in blocks of s x-ranks, and the
    two window counts with radius "just below" the k-th distance (scikit-learn's ``nextafter``)."""
    count_x = np.empty(x.shape, dtype=np.int64)
    count_y = np.empty(x.shape, dtype=np.int64)

    def job(i: int) -> None:
        order = np.argsort(x[i])
        radius_x, radius_y = np.empty(x.shape[1]), np.empty(x.shape[1])
        _ksg_radius_row(x[i], order, y, y_order, k, s, radius_x, radius_y)
        for sorted_row, radius, count in ((x[i][order], radius_x, count_x[i]), (y_sorted, radius_y, count_y[i])):
            lo, hi = np.empty_like(count), np.empty_like(count)
            _window_ends_row(sorted_row, np.nextafter(radius, 0.0), lo, hi)
            np.subtract(hi, lo, out=count)

    run_rows(job, x.shape[0])
    return count_x, count_y


def window_ends(sorted_rows: np.ndarray, radius: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """[lo, hi) (F, N) int64 of the entries of each sorted row within ``radius`` of each entry;
    ``sorted_rows`` is (F, N) or one (N,) row shared by all F rows of ``radius``."""
    kernel = _window_ends_row
    lo = np.empty(radius.shape, dtype=np.int64)
    hi = np.empty(radius.shape, dtype=np.int64)
    shared = sorted_rows.ndim == 1

    def job(i: int) -> None:
        kernel(sorted_rows if shared else sorted_rows[i], radius[i], lo[i], hi[i])

    run_rows(job, radius.shape[0])
    return lo, hi
