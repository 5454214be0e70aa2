"""k log k of integer counts, the one per-cell quantity that MI over many cells needs.

On the CPU a logarithm costs several times a memory read, and most cell counts are small: in
arrays long enough that finding their largest count pays off, counts below ``TABLE_SIZE`` are
read from a table of k log k. The table is ``torch.xlogy`` itself (an element-wise kernel, the
same value for the same k wherever it is computed), so a count gives the same bits looked up or
computed, and which of the two a call takes never shows in its result. CUDA always computes
(a log there costs no more than the read, and finding the largest count would synchronize).
"""

from __future__ import annotations

import torch
from torch import Tensor

TABLE_SIZE = 1 << 16  # 512 KiB of float64
_MIN_LOOKUPS = 4096
_tables: dict[torch.device, Tensor] = {}


def k_log_k(counts: Tensor) -> Tensor:
    """k log k (0 for k = 0) of non-negative integer ``counts``, float64 of the same shape."""
    if counts.device.type == "cpu" and counts.numel() >= _MIN_LOOKUPS and int(counts.max()) < TABLE_SIZE:
        return _table(counts.device).take(counts.long())
    k = counts.double()
    return torch.xlogy(k, k)


def k_log_k_table(size: int, device: torch.device) -> Tensor:
    """k log k for k = 0 .. size - 1, float64 (a view of the shared table when it is long enough:
    read it, never write it)."""
    if size <= TABLE_SIZE:
        return _table(device)[:size]
    k = torch.arange(size, dtype=torch.float64, device=device)
    return torch.xlogy(k, k)


def _table(device: torch.device) -> Tensor:
    table = _tables.get(device)
    if table is None:
        # An ordinary tensor even when first asked for inside inference mode (as scores run).
        with torch.inference_mode(False):
            k = torch.arange(TABLE_SIZE, dtype=torch.float64, device=device)
            table = _tables.setdefault(device, torch.xlogy(k, k))
    return table
