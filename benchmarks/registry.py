"""Every workload, found by looking in the ``benchmarks.workloads`` package: no list to keep up to date."""

from __future__ import annotations

import importlib
import pkgutil
from functools import lru_cache

from benchmarks import workloads as package
from benchmarks.workload import Workload


@lru_cache(maxsize=None)
def all_workloads() -> tuple[Workload, ...]:
    """Each module's ``WORKLOAD``, in report order."""
    found = []
    for info in pkgutil.iter_modules(package.__path__):
        if info.name.startswith("_"):
            continue
        module = importlib.import_module(f"{package.__name__}.{info.name}")
        workload = getattr(module, "WORKLOAD", None)
        if not isinstance(workload, Workload):
            raise TypeError(f"benchmarks/workloads/{info.name}.py must define WORKLOAD = Workload(...)")
        if workload.name != info.name:
            raise ValueError(
                f"benchmarks/workloads/{info.name}.py: WORKLOAD.name is {workload.name!r}, expected {info.name!r}"
            )
        found.append(workload)
    return tuple(sorted(found, key=lambda w: (w.order, w.name)))


def names() -> list[str]:
    return [workload.name for workload in all_workloads()]


def get(name: str) -> Workload:
    for workload in all_workloads():
        if workload.name == name:
            return workload
    raise ValueError(f"unknown workload {name!r}; known: {', '.join(names())}")
