"""Wall-clock timing with repeats, for a machine that other work shares.

A short workload is repeated until a time budget is spent and the median is kept, so one
preempted run does not decide the number; a long one runs once (its noise is relatively small,
and a repeat would cost minutes).
"""

from __future__ import annotations

import statistics
import time
from typing import Any, Callable, Optional


def timed(fn: Callable[[], Any], sync: Optional[Callable[[], None]] = None) -> tuple[float, Any]:
    """Seconds taken by ``fn()`` (after ``sync()``, e.g. a CUDA synchronize) and its return value."""
    if sync is not None:
        sync()
    start = time.perf_counter()
    value = fn()
    if sync is not None:
        sync()
    return time.perf_counter() - start, value


def repeat(
    fn: Callable[[], Any],
    *,
    budget_s: float,
    max_repeats: int,
    stop_after_s: float,
    sync: Optional[Callable[[], None]] = None,
) -> tuple[list[float], Any]:
    """Run ``fn`` until ``budget_s`` of runs or ``max_repeats``; never start a run that would pass ``stop_after_s``."""
    times: list[float] = []
    value = None
    while True:
        elapsed, value = timed(fn, sync)
        times.append(elapsed)
        spent = sum(times)
        if spent >= budget_s or len(times) >= max_repeats or spent + elapsed > stop_after_s:
            return times, value


def summary(times: list[float]) -> float:
    """Median, leaving out the first run (warm-up: lazy initialisation, cold caches) when there are 3+."""
    kept = times[1:] if len(times) >= 3 else times
    return statistics.median(kept)
