"""k log k of integer counts, the one per-cell quantity that mutual information needs.

On the CPU a logarithm costs several times a memory read, and most cell counts are small: counts
below ``TABLE_SIZE`` are read from a table of k log k. The table is computed once per device, by
NumPy in a single pass of fixed length, so every lookup of k gives the same bits whatever the
call, the thread count or the calls before it. Larger counts, and CUDA (where a log is as cheap
as the read, and finding the largest count would synchronize), take ``torch.xlogy``.
"""

from __future__ import annotations

import numpy as np
import torch
from torch import Tensor

TABLE_SIZE = 1 << 16  # 512 KiB of float64
_MIN_LOOKUPS = 4096
_tables: dict[torch.device, Tensor] = {}


def k_log_k(counts: Tensor) -> Tensor:
    """k log k (0 for k = 0) of non-negative integer ``counts``, float64 of the same shape."""
    if counts.device.type == "cpu" and counts.numel() >= _MIN_LOOKUPS and int(counts.max()) < TABLE_SIZE:
        return _table(counts.device).take(counts)
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
        k = np.arange(TABLE_SIZE, dtype=np.float64)
        with np.errstate(divide="ignore", invalid="ignore"):
            values = k * np.log(k)
        values[0] = 0.0
        table = _tables.setdefault(device, torch.from_numpy(values).to(device))
    return table
