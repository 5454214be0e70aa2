"""Pieces several workloads share (not a workload: the registry skips modules named ``_*``).

* "Not available" records: a measurement whose implementation cannot run on this tree or in this
  environment (an optional package missing, an API not merged yet) finishes at once and says why,
  instead of failing the run; its table cell reads "not run: why", goals stay undecided, charts skip it.
* Streaming with a memory trace: update() per batch generated on the fly (so the stream itself is never
  held), RSS sampled at ten points, then compute().
"""

from __future__ import annotations

import importlib.util
from typing import Any, Callable, Iterable, Optional

from benchmarks import procmem
from benchmarks.goals import Outcome
from benchmarks.peers import _as_float
from benchmarks.results import Result, WorkloadResults
from benchmarks.tables import fmt_time
from benchmarks.workload import Job, device_sync

CHECKPOINTS = 10


def missing_module(*names: str) -> Optional[str]:
    """Why the first of ``names`` that cannot be imported is missing, or None when all can be."""
    for name in names:
        try:
            found = importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # a parent package is missing
            found = False
        if not found:
            return f"{name} is not installed / not on this tree"
    return None


def unavailable(why: str) -> Job:
    """A job that measures nothing and records ``why``."""
    return Job(lambda: None, repeat=False, extra={"unavailable": why})


def why_unavailable(result: Optional[Result]) -> Optional[str]:
    if result and result.get("status") == "ok":
        return (result.get("extra") or {}).get("unavailable")
    return None


def measured(result: Optional[Result]) -> Optional[Result]:
    """``result`` unless it is a "not available" record (then None: nothing was timed)."""
    return None if why_unavailable(result) else result


def fmt_time_or_why(result: Optional[Result]) -> str:
    why = why_unavailable(result)
    return f"not run: {why}" if why else fmt_time(result)


class Unless:
    """A goal that is undecided while one of its implementations is a "not available" record (in ``case``, if given)."""

    def __init__(self, goal: Any, impls: Iterable[str], case: Optional[str] = None) -> None:
        self.goal, self.impls, self.case, self.name = goal, tuple(impls), case, goal.name

    @property
    def device(self) -> str:
        return self.goal.device

    def check(self, results: WorkloadResults) -> list[Outcome]:
        for record in results.records:
            m = record["measurement"]
            if m["impl"] in self.impls and self.case in (None, m["case"]) and why_unavailable(record["result"]):
                return [
                    {"target": self.name, "measured": f"not run: {why_unavailable(record['result'])}", "holds": None}
                ]
        return self.goal.check(results)


def plot_measured(ax, results: WorkloadResults) -> None:
    """The default bar panel, without "not available" records (they timed nothing)."""
    from benchmarks import chart

    kept = [r for r in results.records if not why_unavailable(r["result"])]
    chart._bars(ax, WorkloadResults(results.name, kept, results.run))


def records_by_impl(results: WorkloadResults, case: str, device: str, impls: Iterable[str],
                    cpu_only: str) -> dict[str, Optional[Result]]:
    """Each implementation's record for ``case`` on ``device``; the CPU-only peer ``cpu_only``
    comes from the CPU run when the table is for another device."""
    got = {impl: results.find(case=case, impl=impl, device=device) for impl in impls}
    if got[cpu_only] is None and device != "cpu":
        got[cpu_only] = results.find(case=case, impl=cpu_only, device="cpu")
    return got


def memory_now(device: str) -> int:
    """RSS, or CUDA allocated memory on a GPU (where the state lives)."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.memory_allocated()
    return procmem.rss_bytes() or 0


def stream_with_trace(make_metric: Callable[[], Any], batches: Callable[[], Iterable[tuple[Any, Any]]],
                      num_batches: int, batch: int, total: int, extra: dict, compute: bool = True,
                      device: str = "cpu") -> Any:
    """update() over ``batches()``, memory growth sampled at ten points into ``extra``; then compute()."""
    marks = {max(1, round(num_batches * (i + 1) / CHECKPOINTS)) for i in range(CHECKPOINTS)}
    metric = make_metric()
    base = memory_now(device)
    trace = []
    for index, (preds, target) in enumerate(batches(), 1):
        metric.update(preds, target)
        if index in marks:
            trace.append((min(index * batch, total), memory_now(device) - base))
    extra["trace"] = trace
    extra["after_stream_bytes"] = memory_now(device) - base
    return metric.compute() if compute else None


def drift(result: Optional[Result]) -> Optional[int]:
    """RSS growth from the first checkpoint of the stream (10% in) to its end."""
    if not result or result.get("status") != "ok" or not (result.get("extra") or {}).get("trace"):
        return None
    trace = result["extra"]["trace"]
    return trace[-1][1] - trace[0][1]


def growth_contrast(name: str, theirs: Optional[Result], with_total: bool = False) -> list[dict]:
    """The goal that a peer which stores every label grows with the stream: >= 8 bytes per sample
    between the first and the last checkpoint (an int64 label pair is 16)."""
    if not theirs or theirs.get("status") != "ok" or not (theirs.get("extra") or {}).get("trace"):
        return [{
            "target": name,
            "measured": fmt_time_or_why(theirs) if theirs else "not measured in this run",
            "holds": None,
        }]
    trace = theirs["extra"]["trace"]
    per_sample = (trace[-1][1] - trace[0][1]) / max(1, trace[-1][0] - trace[0][0])
    measured = f"{per_sample:.1f} bytes per sample" + (
        f", {trace[-1][1] / 2**30:.2f} GiB at the end" if with_total else ""
    )
    return [{"target": name, "measured": measured, "holds": per_sample >= 8}]


def streamed_job(make_metric: Callable[[], Any], batches: list, device: str) -> Job:
    """A Job that streams ``batches`` of (preds, target) through a fresh ``make_metric()`` and computes.

    A metric is first warmed up on ten labels, untimed: the first call pays one-time imports and
    lazy initialisation (SciPy's solvers, torchmetrics' checks) that a stream pays once.
    """
    preds, target = batches[0]
    warm = make_metric()
    warm.update(preds[:10], target[:10])
    warm.compute()

    def stream() -> float:
        metric = make_metric()
        for p, t in batches:
            metric.update(p, t)
        return _as_float(metric.compute())

    return Job(stream, sync=device_sync(device))


def plot_traces(ax, lines: Iterable[tuple[list, str, str]]) -> None:
    """Memory growth over a stream, one line per (trace, label, linestyle), on log axes (+1 MiB so
    that zero growth can be drawn)."""
    for trace, label, style in lines:
        ax.plot([p[0] for p in trace], [max(p[1], 0) / 2**20 + 1 for p in trace],
                marker="o", markersize=3, label=label, linestyle=style)
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("samples streamed")
    ax.set_ylabel("RSS growth + 1 MiB")
    ax.legend(fontsize=6)
