"""What one measurement is (``Spec``) and the sizes each run profile uses (``Profile``).

A Spec is plain data (it crosses into a fresh process); the workload module named by
``spec.workload`` knows how to build and run it.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Optional


@dataclass(frozen=True)
class Spec:
    workload: str  # module name under benchmarks.workloads
    case: str  # row label in the report, e.g. "n=10^6, k=1000"
    impl: str  # who is measured, e.g. "torch_mi", "sklearn", "torchmetrics"
    params: dict[str, Any] = field(default_factory=dict)
    metric: str = ""  # "mi", "nmi", "ami" where a workload compares several
    device: str = "cpu"
    cap_s: float = 120.0
    # Cost of a peer grows with every entry of ``dims`` inside one ``series``: once it exceeds its
    # cap at some dims, it is reported over the cap at all larger dims without being run again.
    series: Optional[str] = None
    dims: Optional[tuple[float, ...]] = None

    @property
    def key(self) -> str:
        return "|".join([self.device, self.workload, self.case, self.metric, self.impl])

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    @staticmethod
    def from_dict(data: dict[str, Any]) -> "Spec":
        data = dict(data)
        if data.get("dims") is not None:
            data["dims"] = tuple(data["dims"])
        return Spec(**data)


@dataclass(frozen=True)
class Profile:
    """Sizes for one run. ``full`` is the benchmark of record; ``quick`` a smoke run of about a minute."""

    name: str
    cap_s: float
    budget_s: float  # time spent repeating a short measurement before taking the median
    max_repeats: int
    update_total: int
    update_batch: int
    update_k: int
    e2e_n: tuple[int, ...]
    e2e_k: tuple[int, ...]
    stream_total: int
    stream_batch: int
    stream_k: int
    emi_n: int
    emi_k: tuple[int, ...]
    tri_m: tuple[int, ...]
    mod_case: tuple[int, int, int]  # (n, a, b): labels i % a vs i % b for i < n
    mod_cap_s: float  # sklearn's cap on that case, which it needs minutes for
    batched_b: int
    batched_n: int
    batched_target_k: int
    memory_total: int
    memory_batch: int
    memory_k: int
    memory_cap_s: float  # torchmetrics' compute() over 10^8 stored labels needs a while; its trace is lost if stopped


FULL = Profile(
    name="full",
    cap_s=120.0,
    budget_s=3.0,
    max_repeats=7,
    update_total=10**7,
    update_batch=10**6,
    update_k=100,
    e2e_n=(10**5, 10**6, 10**7),
    e2e_k=(10, 100, 1000),
    stream_total=10**7,
    stream_batch=10**6,
    stream_k=100,
    emi_n=10**6,
    emi_k=(10, 100, 1000, 10**4),
    tri_m=(100, 200, 400, 800, 1400),
    mod_case=(10**6, 8000, 7000),
    mod_cap_s=300.0,
    batched_b=64,
    batched_n=10**6,
    batched_target_k=20,
    memory_total=10**8,
    memory_batch=10**6,
    memory_k=100,
    memory_cap_s=300.0,
)

QUICK = Profile(
    name="quick",
    cap_s=3.0,
    budget_s=0.2,
    max_repeats=3,
    update_total=10**6,
    update_batch=10**5,
    update_k=100,
    e2e_n=(10**4, 10**5),
    e2e_k=(10, 100),
    stream_total=10**6,
    stream_batch=10**5,
    stream_k=100,
    emi_n=10**4,
    emi_k=(10, 100),
    tri_m=(50, 100),
    mod_case=(10**4, 80, 70),
    mod_cap_s=3.0,
    batched_b=8,
    batched_n=10**5,
    batched_target_k=20,
    memory_total=2 * 10**6,
    memory_batch=2 * 10**5,
    memory_k=100,
    memory_cap_s=3.0,
)

PROFILES = {"full": FULL, "quick": QUICK}


def power_label(value: int) -> str:
    """10**6 -> "10^6", 980700 -> "980,700": sizes as people write them."""
    if value >= 10 and 10 ** round(len(str(value)) - 1) == value:
        return f"10^{len(str(value)) - 1}"
    return f"{value:,}"


@dataclass
class Job:
    """A prepared measurement: ``run()`` is what gets timed; its data was built beforehand.

    ``extra`` collects numbers the run reports besides its time (e.g. a memory trace);
    ``repeat=False`` for runs that must happen once (a 10^8-sample stream); ``sync`` waits for
    queued device work, so a timer sees the work done and not just launched.
    """

    run: Any
    repeat: bool = True
    extra: dict[str, Any] = field(default_factory=dict)
    sync: Optional[Any] = None
