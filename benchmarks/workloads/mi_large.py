"""MI with many clusters: 1000 x 1000 uniform clusters at n = 10^6 and 10^7, and the distance to the limit.

Labels uniform in [0, 1000) on both sides, independent, so almost every one of the 10^6 cells is hit
at n = 10^7 (about 63% at 10^6): the table, not the labels, dominates the cost. The reference row
"bare" is the least any exact MI must do with torch ops: ``torch.bincount`` of the fused keys
target*1000 + preds, then one pass over every bin, summing k log k read from a table (a log per
bin would cost more than the read). It is not a full MI (no marginals, no nonzero scan), so it
bounds torch_mi's time from below. torch_mi and the bare
reference run at 1 and 2 torch threads; scikit-learn is single-threaded and runs once.
"""

from __future__ import annotations

import torch

from benchmarks.goals import Pick, Ratio
from benchmarks.peers import inputs, score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label

K = 1000
SIZES = {"quick": (10**6,), "full": (10**6, 10**7)}
PEERS = (("bare", "bare bincount + k log k pass"), ("sklearn", "sklearn"), ("torchmetrics", "torchmetrics"))


def _case(n: int) -> str:
    return f"n={power_label(n)}, {K} x {K} clusters"


def cases(ctx: Context) -> list[Measurement]:
    out = []
    for n in SIZES["quick" if ctx.quick else "full"]:
        common = dict(metric="mi", device=ctx.device, cap_s=ctx.cap_s)
        for impl in ("torch_mi", "bare"):
            out += [Measurement("mi_large", _case(n), impl, {"n": n}, threads=t, **common) for t in ctx.threads]
        peers = ["torchmetrics"] + (["sklearn"] if ctx.device == "cpu" else [])
        out += [Measurement("mi_large", _case(n), impl, {"n": n}, threads=ctx.one_thread, **common) for impl in peers]
    return out


def labels(n: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    gen = torch.Generator(device=device).manual_seed(11)
    target = torch.randint(0, K, (n,), generator=gen, device=device)
    return torch.randint(0, K, (n,), generator=gen, device=device), target


_K_LOG_K: dict[torch.device, torch.Tensor] = {}


def bare(preds: torch.Tensor, target: torch.Tensor) -> float:
    """Count the fused keys, then one pass over every bin: the sum of k log k, read from a table."""
    counts = torch.bincount(target * K + preds, minlength=K * K)
    if counts.device not in _K_LOG_K:  # built once, like torch_mi's own table; counts here stay far below 2^16
        k = torch.arange(1 << 16, dtype=torch.float64, device=counts.device)
        _K_LOG_K[counts.device] = torch.xlogy(k, k)
    return float(_K_LOG_K[counts.device].take(counts).sum())


def prepare(m: Measurement) -> Job:
    preds, target = labels(m.params["n"], m.device)
    if m.impl == "bare":
        return Job(lambda: bare(preds, target), sync=device_sync(m.device))
    preds, target = inputs(m.impl, preds, target)
    fn = score(m.impl, "mi")
    return Job(lambda: fn(preds, target), sync=device_sync(m.device))


WORKLOAD = Workload(
    name="mi_large",
    title="MI with 1000 x 1000 clusters, against the bare bincount limit",
    about="MI of two independent uniform labelings with 1000 clusters each; \"bare\" is `torch.bincount` of "
    "the fused keys plus one pass over every bin summing k log k from a table, a lower bound for any exact MI "
    "in torch.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device, peers=PEERS, limits=("bare",)),
    targets=[
        Ratio("MI n=10^6, 1000 x 1000: >= 15x faster than sklearn",
              Pick("sklearn", case=_case(10**6), fixed_threads=True), Pick("torch_mi", case=_case(10**6)), at_least=15),
        Ratio("MI n=10^6, 1000 x 1000: <= 3x the bare bincount + k log k pass",
              Pick("torch_mi", case=_case(10**6)), Pick("bare", case=_case(10**6)), at_most=3),
        Ratio("MI n=10^7, 1000 x 1000: >= 40x faster than sklearn",
              Pick("sklearn", case=_case(10**7), fixed_threads=True), Pick("torch_mi", case=_case(10**7)), at_least=40),
    ],
    order=25,
)
