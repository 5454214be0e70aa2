"""Which measurements a run makes, in order: every workload, on the CPU and (if present) on CUDA."""

from __future__ import annotations

from typing import Iterable, Optional

from benchmarks import workloads
from benchmarks.spec import Profile, Spec


def devices() -> list[str]:
    import torch

    return ["cpu", "cuda"] if torch.cuda.is_available() else ["cpu"]


def build(profile: Profile, device_list: Iterable[str], only: Optional[Iterable[str]] = None) -> list[Spec]:
    names = list(only) if only else list(workloads.NAMES)
    specs: list[Spec] = []
    for device in device_list:
        for name in names:
            specs.extend(workloads.module(name).cases(profile, device))
    return specs
