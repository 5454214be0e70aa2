"""Labels -> contingency counts.

Two forms, one per use:

* dense: label values are known to lie in ``[0, num_rows) x [0, num_cols)``; counts go into a fixed
  (num_rows, num_cols) int64 table with ``scatter_add_``: pure tensor work, no host-device sync.
* sparse: arbitrary integer ids; the result is the distinct (target, pred) pairs with their counts,
  sorted by (target, pred). Memory follows the number of distinct pairs, never the sample count.

Batched preds (B, N) against one target (N,) get a leading group axis (dense) or a group id per pair
(sparse), so B clusterings are counted in one pass.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

# A direct-address histogram (bincount) beats sorting when the key range is at most this many
# bins, or a few times the number of entries: both keep the histogram's memory small.
_MAX_DIRECT_BINS = 1 << 22


class PairCounts(NamedTuple):
    """Distinct (group, target, pred) triples and how often each occurs, sorted lexicographically."""

    groups: Tensor  # (P,) int64, all zero unless batched
    target: Tensor  # (P,) int64 target label
    preds: Tensor  # (P,) int64 pred label
    counts: Tensor  # (P,) int64 > 0


def dense_counts(
    preds: Tensor,
    target: Tensor,
    num_rows: int,
    num_cols: int,
    weights: Optional[Tensor] = None,
    out: Optional[Tensor] = None,
) -> Tensor:
    """Count label pairs into a (num_rows, num_cols) table, or (B, num_rows, num_cols) for preds (B, N).

    Labels must already be in range (the caller validates, or trusts). ``weights`` (N,) lets a
    caller drop samples without a data-dependent mask (weight 0), which would need a sync.
    ``out`` is a contiguous int64 table of the right shape to add the counts to in place.
    """
    target = target.long()
    preds = preds.long()
    if preds.ndim == 2:
        num_groups = preds.shape[0]
        offsets = torch.arange(num_groups, device=preds.device).unsqueeze(1) * (num_rows * num_cols)
        keys = (offsets + target.unsqueeze(0) * num_cols + preds).reshape(-1)
        shape = (num_groups, num_rows, num_cols)
    else:
        keys = target * num_cols + preds
        shape = (num_rows, num_cols)
    if weights is None:
        src = torch.ones(1, dtype=torch.long, device=keys.device).expand(keys.shape[0])
    else:
        src = weights.long().expand(preds.shape).reshape(-1)
    table = torch.zeros(shape, dtype=torch.long, device=keys.device) if out is None else out
    table.view(-1).scatter_add_(0, keys, src)
    return table


def pair_counts(preds: Tensor, target: Tensor) -> PairCounts:
    """Distinct (target, pred) pairs and their counts for arbitrary integer labels.

    ``preds`` may be (N,) or (B, N); for (B, N) the group of each pair is its row in ``preds``.
    """
    target = target.long()
    preds = preds.long()
    if preds.ndim == 2:
        num_groups, n = preds.shape
        groups = torch.arange(num_groups, device=preds.device).repeat_interleave(n)
        return aggregate_pairs(target.repeat(num_groups), preds.reshape(-1), groups=groups)
    return aggregate_pairs(target, preds)


def aggregate_pairs(
    target: Tensor, preds: Tensor, counts: Optional[Tensor] = None, groups: Optional[Tensor] = None
) -> PairCounts:
    """Sum ``counts`` (default: 1 each) over equal (group, target, pred) triples.

    Serves both counting raw labels and re-compacting concatenated pair lists (merging states).
    """
    device = target.device
    if groups is None:
        groups = torch.zeros_like(target)
    if target.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return PairCounts(empty, empty, empty, empty)
    # Rank-encode each side when its values are spread wide: ranks keep the order, and turn
    # ids up to +-10**15 into a small range that a single int64 key can combine.
    t_base, t_code, t_span = _encode(target)
    p_base, p_code, p_span = _encode(preds)
    g_span = int(groups.max().item()) + 1
    total_bins = g_span * t_span * p_span
    if total_bins >= 1 << 63:  # one int64 key cannot hold the triple: sort the rows instead
        return _aggregate_rows(torch.stack([groups, target, preds], dim=1), counts)
    keys = (groups * t_span + t_code) * p_span + p_code
    if total_bins <= max(_MAX_DIRECT_BINS, 4 * keys.numel()):
        if counts is None:
            hist = torch.bincount(keys, minlength=total_bins)
        else:
            hist = torch.zeros(total_bins, dtype=torch.long, device=device).index_add_(0, keys, counts.long())
        uniq = hist.nonzero().squeeze(1)
        sums = hist[uniq]
    elif counts is None:
        uniq, sums = torch.unique(keys, sorted=True, return_counts=True)
    else:
        uniq, inverse = torch.unique(keys, sorted=True, return_inverse=True)
        sums = torch.zeros(uniq.numel(), dtype=torch.long, device=device).index_add_(0, inverse, counts.long())
    keep = sums > 0  # merged states may carry zero counts; a zero cell is no cell
    if counts is not None and not bool(keep.all()):
        uniq, sums = uniq[keep], sums[keep]
    p_code = uniq % p_span
    rest = uniq // p_span
    t_code = rest % t_span
    return PairCounts(rest // t_span, _decode(t_base, t_code), _decode(p_base, p_code), sums)


def _aggregate_rows(rows: Tensor, counts: Optional[Tensor]) -> PairCounts:
    uniq, inverse = torch.unique(rows, dim=0, sorted=True, return_inverse=True)
    weights = torch.ones_like(inverse) if counts is None else counts.long()
    sums = torch.zeros(uniq.shape[0], dtype=torch.long, device=rows.device).index_add_(0, inverse, weights)
    keep = sums > 0
    uniq, sums = uniq[keep], sums[keep]
    return PairCounts(uniq[:, 0], uniq[:, 1], uniq[:, 2], sums)


def _encode(values: Tensor) -> tuple[Tensor, Tensor, int]:
    """Map values to small non-negative codes that keep their order: (decode table or offset, codes, span)."""
    lo, hi = torch.aminmax(values)
    lo_i, hi_i = int(lo.item()), int(hi.item())
    span = hi_i - lo_i + 1
    if span <= max(_MAX_DIRECT_BINS, 4 * values.numel()):
        return lo, values - lo_i, span
    uniq, codes = torch.unique(values, sorted=True, return_inverse=True)
    return uniq, codes, uniq.numel()


def _decode(base: Tensor, codes: Tensor) -> Tensor:
    return base[codes] if base.ndim == 1 else codes + base
