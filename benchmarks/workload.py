"""What a workload is: the one object a module under ``benchmarks/workloads/`` defines (``WORKLOAD``).

A workload owns everything about itself: its sizes for quick and full runs (``cases``), how one
measurement is built and timed (``prepare``), its table in RESULTS.md (``table``) and its goals
(``targets``). The harness around it (registry, runner, results file, report, chart) is generic, so
adding a workload is adding one file. See benchmarks/README.md, "Adding a workload".
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Sequence

if TYPE_CHECKING:
    from benchmarks.goals import Goal
    from benchmarks.results import WorkloadResults


@dataclass(frozen=True)
class Measurement:
    """One timed thing, run in a fresh process: plain data, so it crosses process boundaries."""

    workload: str  # the module name under benchmarks.workloads
    case: str  # row label in the report, e.g. "n=10^6, k=1000"
    impl: str  # who is measured, e.g. "torch_mi", "sklearn", "torchmetrics", "bare"
    params: dict[str, Any] = field(default_factory=dict)
    metric: str = ""  # "mi", "nmi", "ami" where a workload compares several
    device: str = "cpu"
    threads: int = 1  # torch threads in the measuring process (0: torch's default)
    cap_s: float = 120.0  # stopped and reported as "> cap" after this long
    process: str = "fork"  # "fork": forked from a server with the imports done; "spawn": a plain new interpreter
    # Cost of an impl grows with every entry of ``dims`` inside one ``series``: once over its cap at some
    # dims, it is reported over the cap at all larger dims without running again.
    series: Optional[str] = None
    dims: Optional[tuple[float, ...]] = None

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> "Measurement":
        data = dict(data)
        if data.get("dims") is not None:
            data["dims"] = tuple(data["dims"])
        return Measurement(**data)


@dataclass(frozen=True)
class Context:
    """What a run asks of a workload's ``cases``: quick or full sizes, on which device, which thread counts."""

    quick: bool
    device: str = "cpu"
    threads: tuple[int, ...] = (1, 2)  # thread counts for rows where threads matter; others use threads[0]
    cap_s: float = 120.0

    @property
    def one_thread(self) -> int:
        return self.threads[0]


@dataclass
class Job:
    """A prepared measurement: ``run()`` is what gets timed; its data was built beforehand.

    ``extra`` collects numbers the run reports besides its time (e.g. a memory trace);
    ``repeat=False`` for runs that must happen once; ``sync`` waits for queued device work, so a
    timer sees the work done and not just launched.
    """

    run: Callable[[], Any]
    repeat: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    sync: Optional[Callable[[], None]] = None


@dataclass(frozen=True)
class Table:
    headers: list[str]
    rows: list[list[str]]
    note: str = ""  # a line printed above the table

    def markdown(self) -> str:
        lines = ["| " + " | ".join(self.headers) + " |", "|" + "|".join("---" for _ in self.headers) + "|"]
        lines += ["| " + " | ".join(row) + " |" for row in self.rows]
        return (self.note + "\n\n" if self.note else "") + "\n".join(lines)


@dataclass(frozen=True)
class Workload:
    name: str  # must equal the module's name
    title: str  # section heading in RESULTS.md
    about: str  # what is measured, one paragraph (RESULTS.md shows it under the title)
    cases: Callable[[Context], list[Measurement]]  # the measurements of a run, in order; [] to skip a device
    prepare: Callable[[Measurement], Job]  # runs in the measuring process
    table: Callable[["WorkloadResults", str], Table]  # (this workload's results, device) -> its table
    targets: Sequence["Goal"] = ()
    order: int = 50  # position in the report (ties: by name)
    plot: Optional[Callable[[Any, "WorkloadResults"], None]] = None  # custom chart panel; default: bars of times


def power_label(value: int) -> str:
    """10**6 -> "10^6", 980700 -> "980,700": sizes as people write them."""
    if value >= 10 and 10 ** (len(str(value)) - 1) == value:
        return f"10^{len(str(value)) - 1}"
    return f"{value:,}"


def device_sync(device: str) -> Optional[Callable[[], None]]:
    """A function that waits for queued work on ``device``, or None on CPU (nothing is queued)."""
    if device.startswith("cuda"):
        import torch

        return torch.cuda.synchronize
    return None


def thread_label(threads: int) -> str:
    return "torch default threads" if threads == 0 else f"{threads} thread{'s' if threads != 1 else ''}"
