"""Scoring under torchrun: which rank reads what, and the few things the ranks must agree on.

The Metric classes sync their tables themselves in ``compute()``; this module adds the rest:
the process group (from torchrun's environment), the split of the input's parts, the global
sample count and distinct labels, and one outcome for all ranks when any of them fails.
Without torch.distributed (one process) every function here is the identity.
"""

from __future__ import annotations

import os
from typing import Any, Optional, TypeVar

import numpy as np
import torch
import torch.distributed as dist
from torchmetrics.utilities.distributed import gather_all_tensors

from torch_mi.cli.errors import InputError

Item = TypeVar("Item")


def active() -> bool:
    return dist.is_available() and dist.is_initialized()


def rank() -> int:
    return dist.get_rank() if active() else 0


def world_size() -> int:
    return dist.get_world_size() if active() else 1


def init_from_env(device: torch.device) -> tuple[torch.device, bool]:
    """Join torchrun's process group when ``WORLD_SIZE`` > 1: gloo on CPU, nccl on CUDA.

    Returns the device this rank counts on (``cuda`` becomes ``cuda:LOCAL_RANK``) and whether a
    group was started here (and is to be destroyed by the caller). torchrun's rendezvous
    (``MASTER_ADDR``/``MASTER_PORT`` or ``--rdzv-endpoint``) works the same across nodes.
    """
    if int(os.environ.get("WORLD_SIZE", "1")) <= 1 or not dist.is_available():
        return device, False
    if device.type == "cuda" and device.index is not None and int(os.environ.get("LOCAL_WORLD_SIZE", "1")) > 1:
        # Every rank of the node would count on that one GPU, which NCCL refuses ("Duplicate GPU").
        raise InputError(f"--device {device}: under torchrun each rank takes its own GPU (cuda:LOCAL_RANK); "
                         "pass --device cuda without an index")
    if device.type == "cuda" and device.index is None:
        device = torch.device("cuda", int(os.environ.get("LOCAL_RANK", "0")))
    if device.type == "cuda":
        torch.cuda.set_device(device)
    if dist.is_initialized():
        return device, False
    dist.init_process_group(backend="nccl" if device.type == "cuda" else "gloo")
    return device, True


def my_share(items: list[Item]) -> list[Item]:
    """This rank's items: every world_size-th one, so that ranks share out files round-robin."""
    return items[rank()::world_size()]


def first_error(message: Optional[str]) -> Optional[str]:
    """The first failing rank's message (on every rank), or None when every rank succeeded.

    Called by every rank after its own reading, so that no rank waits in a collective for one that
    gave up: all of them stop, with the same message.
    """
    if not active():
        return message
    messages: list[Optional[str]] = [None] * world_size()
    dist.all_gather_object(messages, message)
    for where, text in enumerate(messages):
        if text is not None:
            return text if world_size() == 1 else f"rank {where}: {text}"
    return None


def total(count: int, device: torch.device) -> int:
    """Sum of an integer over ranks."""
    if not active():
        return count
    value = torch.tensor([count], dtype=torch.long, device=device)
    dist.all_reduce(value)
    return int(value.item())


def gather_rows(rows: np.ndarray, device: torch.device) -> np.ndarray:
    """Every rank's (k_r, 2) int64 rows, concatenated (k_r may differ, and be 0)."""
    if not active():
        return rows
    tensor = torch.from_numpy(np.ascontiguousarray(rows, dtype=np.int64)).to(device)
    return torch.cat(gather_all_tensors(tensor)).cpu().numpy()


def gather_dicts(mapping: dict[Any, Any]) -> dict[Any, Any]:
    """The union of every rank's dict."""
    if not active():
        return mapping
    parts: list[Any] = [None] * world_size()
    dist.all_gather_object(parts, mapping)
    return {key: value for part in parts for key, value in part.items()}
