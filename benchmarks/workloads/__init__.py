"""One module per workload. Each has ``TITLE``, ``cases(profile, device) -> list[Spec]`` (the
measurements, in the order they run) and ``prepare(spec) -> Job`` (builds the data in the
measuring process and returns what is timed)."""

from __future__ import annotations

import importlib
from types import ModuleType

NAMES = ("update", "end_to_end", "streaming", "expected_mi", "batched", "memory", "cuda_checks")


def module(name: str) -> ModuleType:
    if name not in NAMES:
        raise ValueError(f"unknown workload {name!r}; known: {', '.join(NAMES)}")
    return importlib.import_module(f"benchmarks.workloads.{name}")


def device_sync(device: str):
    """A function that waits for queued work on ``device``, or None on CPU (nothing is queued)."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return None
