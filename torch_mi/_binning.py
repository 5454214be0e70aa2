"""Feature columns -> integer codes: exact codes of discrete values, and bins of continuous ones.

Everything works on all features at once in the features-first layout (F, N): one sort per row,
no Python loop over features. Codes are dense (0 .. distinct-1 per feature, in value order), which
is what the counting and the kNN estimators need; the MI of a labeling does not depend on the
code values, only on which samples share one.
"""

from __future__ import annotations

import torch
from torch import Tensor


def dense_codes(rows: Tensor) -> Tensor:
    """Per row of ``rows`` (F, N), the rank of each value among the row's distinct values (int64).

    Equal values get equal codes, so a row's codes induce the same partition of the samples as its
    values (exact: floats are compared, never rounded).
    """
    if rows.shape[-1] == 0:
        return torch.zeros(rows.shape, dtype=torch.int64, device=rows.device)
    values, order = torch.sort(rows, dim=-1, stable=True)
    is_new = torch.ones_like(values, dtype=torch.int64)
    is_new[..., 1:] = (values[..., 1:] != values[..., :-1]).long()
    codes_sorted = torch.cumsum(is_new, dim=-1) - 1
    return torch.empty_like(codes_sorted).scatter_(-1, order, codes_sorted)


def quantile_edges(rows: Tensor, bins: int) -> Tensor:
    """Edges (F, bins + 1) at the 0, 1/bins, ..., 1 quantiles of each row of ``rows`` (F, N).

    Linear interpolation between order statistics, as numpy's default ``quantile`` method; computed
    from one sort per row (``torch.quantile`` caps its input size).
    """
    values, _ = torch.sort(rows.to(torch.float64), dim=-1)
    n = values.shape[-1]
    position = torch.linspace(0.0, n - 1.0, bins + 1, dtype=torch.float64, device=rows.device)
    below = position.floor().long().clamp(max=n - 1)
    above = (below + 1).clamp(max=n - 1)
    weight = position - below.double()
    low, high = values[..., below], values[..., above]
    return torch.lerp(low, high, weight.expand_as(low))


def uniform_edges(rows: Tensor, bins: int) -> Tensor:
    """Edges (F, bins + 1) splitting each row's [min, max] into ``bins`` equal widths."""
    rows = rows.to(torch.float64)
    low, high = rows.amin(dim=-1, keepdim=True), rows.amax(dim=-1, keepdim=True)
    steps = torch.linspace(0.0, 1.0, bins + 1, dtype=torch.float64, device=rows.device)
    return low + (high - low) * steps


def bucketize_rows(rows: Tensor, edges: Tensor) -> Tensor:
    """Bin index (int64, 0 .. bins-1) of each value of ``rows`` (F, N) under per-row ``edges`` (F, bins+1).

    Bin b holds edges[b] <= x < edges[b + 1]; values below the first edge go to bin 0 and values at
    or above the last edge to the last bin, so fixed edges from one batch also bin later batches.
    """
    inner = edges[..., 1:-1].contiguous()
    return torch.searchsorted(inner, rows.to(torch.float64).contiguous(), right=True)
