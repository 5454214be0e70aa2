"""The measuring side: runs in a fresh process per measurement (forked from a server that has
already imported torch, scikit-learn and torchmetrics, so a measurement does not pay 5-15 s of
imports), and sends back one result over a pipe.

Protocol: ("ready", None) once the data is built, so the parent's cap covers the measured calls
only; then ("result", dict).
"""

from __future__ import annotations

import os
import traceback
from typing import Any

from benchmarks import procmem, registry, timing
from benchmarks.workload import Measurement


def measure(spec_data: dict[str, Any], conn: Any, budget_s: float, max_repeats: int) -> None:
    try:
        spec = Measurement.from_dict(spec_data)
        _quiet_and_threads(spec.threads)
        job = registry.get(spec.workload).prepare(spec)
        conn.send(("ready", None))
        result = _measure(spec, job, budget_s, max_repeats)
    except BaseException as error:  # noqa: BLE001 - every failure becomes a reported row
        result = {
            "status": "error",
            "error": f"{type(error).__name__}: {error}"[:300],
            "traceback": traceback.format_exc()[-2000:],
        }
    conn.send(("result", result))
    conn.close()


def _quiet_and_threads(threads: int) -> None:
    import warnings

    import torch

    # torchmetrics builds a sparse tensor per call and torch warns each time: noise, not news.
    warnings.filterwarnings("ignore", message="Sparse invariant checks")
    if threads > 0:
        torch.set_num_threads(threads)


def _measure(spec: Measurement, job: Any, budget_s: float, max_repeats: int) -> dict[str, Any]:
    cuda = spec.device.startswith("cuda")
    if cuda:
        import torch

        torch.cuda.synchronize()
        torch.cuda.reset_peak_memory_stats()
        gpu_before = torch.cuda.memory_allocated()
    was_reset = procmem.reset_peak()
    rss_before = procmem.rss_bytes()
    peak_before = procmem.peak_rss_bytes()
    load_before = os.getloadavg()[0]
    if job.repeat:
        times, value = timing.repeat(
            job.run, budget_s=budget_s, max_repeats=max_repeats, stop_after_s=spec.cap_s, sync=job.sync
        )
    else:
        elapsed, value = timing.timed(job.run, job.sync)
        times = [elapsed]
    peak_after = procmem.peak_rss_bytes()
    result: dict[str, Any] = {
        "status": "ok",
        "seconds": timing.summary(times),
        "times": times,
        "value": _jsonable(value),
        "extra": _jsonable(job.extra),
        "loadavg": [load_before, os.getloadavg()[0]],
        "threads": _threads(),
    }
    if rss_before is not None and peak_after is not None:
        # Without a reset, the old peak may hide a smaller new one: report growth over the old peak.
        result["peak_growth_bytes"] = max(0, peak_after - (rss_before if was_reset else peak_before))
        result["peak_exact"] = was_reset
    if cuda:
        result["gpu_peak_growth_bytes"] = torch.cuda.max_memory_allocated() - gpu_before
    return result


def _threads() -> int:
    import torch

    return torch.get_num_threads()


def _jsonable(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(key): _jsonable(item) for key, item in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(item) for item in value]
    if isinstance(value, (bool, int, float, str)) or value is None:
        return value
    try:
        return float(value)
    except (TypeError, ValueError):
        return repr(value)
