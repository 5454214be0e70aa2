"""Goals a workload declares (``Workload.targets``) and their check against its results.

A check gives {"target", "measured", "holds"} with holds True, False, or None when the run cannot
decide (not measured, or a peer stopped at its cap short of the needed ratio). Thread-sensitive goals
are checked once per torch thread count measured. Every goal belongs to one device ("cpu" or "cuda",
the device torch_mi runs on in it): the CPU results file reports the CPU goals, the GPU results file
(benchmarks/results/gpu/) the CUDA goals.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable, Optional

from benchmarks.results import Result, WorkloadResults
from benchmarks.tables import fmt_time, fmt_x, ratio, seconds
from benchmarks.workload import thread_label

Outcome = dict[str, Any]


@dataclass(frozen=True)
class Pick:
    """Which result of the workload: by impl, and optionally case, metric, device and params."""

    impl: str
    case: Optional[str] = None
    metric: Optional[str] = None
    device: str = "cpu"
    params: dict[str, Any] = field(default_factory=dict, hash=False)
    fixed_threads: bool = False  # True: any thread count (a single-threaded peer such as scikit-learn)

    @property
    def label(self) -> str:
        return f"{self.impl} {self.metric.upper()}" if self.metric else self.impl

    def find(self, results: WorkloadResults, threads: Optional[int]) -> Optional[Result]:
        wanted = None if self.fixed_threads else threads
        return results.find(
            case=self.case, impl=self.impl, metric=self.metric, device=self.device, threads=wanted, **self.params
        )

    def thread_counts(self, results: WorkloadResults) -> list[Optional[int]]:
        if self.fixed_threads:
            return [None]
        matching = {
            r["measurement"]["threads"] for r in results.records
            if r["measurement"]["impl"] == self.impl and r["measurement"]["device"] == self.device
            and self.case in (None, r["measurement"]["case"]) and self.metric in (None, r["measurement"]["metric"])
            and all(r["measurement"]["params"].get(k) == v for k, v in self.params.items())
        }
        return sorted(matching) or [None]


def _named(name: str, threads: Optional[int], counts: list[Optional[int]]) -> str:
    return name if threads is None or len(counts) < 2 else f"{name} ({thread_label(threads)})"


def _undecided(name: str, why: str) -> Outcome:
    return {"target": name, "measured": why, "holds": None}


@dataclass(frozen=True)
class Ratio:
    """time(numerator) / time(denominator) within [at_least, at_most]; e.g. sklearn / torch_mi >= 15."""

    name: str
    numerator: Pick
    denominator: Pick
    at_least: Optional[float] = None
    at_most: Optional[float] = None

    @property
    def device(self) -> str:
        return self.denominator.device  # the torch_mi side of "peer / torch_mi"

    def check(self, results: WorkloadResults) -> list[Outcome]:
        counts = sorted(
            (set(self.numerator.thread_counts(results)) | set(self.denominator.thread_counts(results))) - {None}
        ) or [None]
        out = []
        for threads in counts:
            name = _named(self.name, threads, counts)
            top, bottom = self.numerator.find(results, threads), self.denominator.find(results, threads)
            value, bound = ratio(top, bottom)
            if value is None:
                out.append(_undecided(
                    name,
                    "not measured in this run"
                    if top is None or bottom is None
                    else f"{fmt_time(top)} / {fmt_time(bottom)}",
                ))
                continue
            measured = (
                f"{fmt_x(value, bound)} "
                f"({self.numerator.label} {fmt_time(top)}, {self.denominator.label} {fmt_time(bottom)})"
            )
            out.append(
                {"target": name, "measured": measured, "holds": _holds(value, bound, self.at_least, self.at_most)}
            )
        return out


def _holds(value: float, bound: str, at_least: Optional[float], at_most: Optional[float]) -> Optional[bool]:
    """Whether the true ratio meets the bounds; it is ``value`` (bound ""), at least it (">") or at most it ("<")."""
    verdicts: list[Optional[bool]] = []
    if at_least is not None:
        if bound == "<":
            verdicts.append(False if value < at_least else None)
        elif bound == ">":
            verdicts.append(True if value >= at_least else None)
        else:
            verdicts.append(value >= at_least)
    if at_most is not None:
        if bound == ">":
            verdicts.append(False if value > at_most else None)
        elif bound == "<":
            verdicts.append(True if value <= at_most else None)
        else:
            verdicts.append(value <= at_most)
    if False in verdicts:
        return False
    return None if None in verdicts else True


@dataclass(frozen=True)
class Seconds:
    """time(pick) <= at_most seconds."""

    name: str
    pick: Pick
    at_most: float

    @property
    def device(self) -> str:
        return self.pick.device

    def check(self, results: WorkloadResults) -> list[Outcome]:
        counts = self.pick.thread_counts(results)
        out = []
        for threads in counts:
            name = _named(self.name, threads, counts)
            result = self.pick.find(results, threads)
            if result is None:
                out.append(_undecided(name, "not measured in this run"))
            elif result.get("status") == "cap":
                out.append({
                    "target": name,
                    "measured": fmt_time(result),
                    "holds": False if result["cap_s"] >= self.at_most else None,
                })
            else:
                s = seconds(result)
                out.append(
                    {"target": name, "measured": fmt_time(result), "holds": None if s is None else s <= self.at_most}
                )
        return out


@dataclass(frozen=True)
class Custom:
    """Any other goal: ``fn(results) -> [outcome, ...]``."""

    name: str
    fn: Callable[[WorkloadResults], list[Outcome]]
    device: str = "cpu"

    def check(self, results: WorkloadResults) -> list[Outcome]:
        return self.fn(results)


Goal = Any  # anything with check(results) -> list[Outcome] and a device: Ratio, Seconds, Custom
