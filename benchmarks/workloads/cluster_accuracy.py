"""Cluster accuracy (ACC): the best one-to-one matching of clusters to classes, dense and sparse.

Dense: n = 10^6 labels in [0, k) on both sides, half agreeing, k = 10, 100, 1000; every
implementation streams the labels in 10 batches (built before the clock starts) and computes once.
torch_mi's ``ClusterAccuracy(num_classes=k)`` (dense table) vs torchmetrics' ``ClusterAccuracy(k)``
(stores every label; its solver comes from the ``torch_linear_assignment`` package, SciPy on the CPU);
scikit-learn has no ACC, so its peer is "sklearn+scipy": ``sklearn.metrics.cluster.contingency_matrix``
of the concatenated labels, then ``scipy.optimize.linear_sum_assignment`` on it.

Sparse: 10^5 clusters a side (labels a fixed permutation of the class half the time, random
otherwise), n = 10^6: torch_mi's sparse state (``num_classes=None``), which never builds the R x C table.
Both peers need the dense 10^5 x 10^5 table (80 GB as int64 / float64), so they are not run; the table
says so.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.goals import Pick, Ratio, Seconds
from benchmarks.results import WorkloadResults
from benchmarks.tables import fmt_mib, fmt_ratio
from benchmarks.workload import Context, Job, Measurement, Table, Workload, power_label
from benchmarks.workloads._shared import (
    Unless,
    fmt_time_or_why,
    measured,
    missing_module,
    plot_measured,
    records_by_impl,
    streamed_job,
    unavailable,
)

BATCHES = 10
SIZES = {
    "quick": {"n": 10**5, "ks": (10, 100), "sparse_k": 2000},
    "full": {"n": 10**6, "ks": (10, 100, 1000), "sparse_k": 10**5},
}
DENSE_PEER_LIMIT_BYTES = 2**32  # a peer's dense k x k float64 table above 4 GiB is not attempted
IMPLS = ("torch_mi", "sklearn_scipy", "torchmetrics")


def _case(n: int, k: int, sparse: bool) -> str:
    return f"n={power_label(n)}, k={k:,} clusters a side" + (" (sparse state)" if sparse else "")


def cases(ctx: Context) -> list[Measurement]:
    sizes = SIZES["quick" if ctx.quick else "full"]
    n = sizes["n"]
    out = []
    for k, sparse in [(k, False) for k in sizes["ks"]] + [(sizes["sparse_k"], True)]:
        for impl in IMPLS:
            if impl == "sklearn_scipy" and ctx.device != "cpu":
                continue
            out.append(Measurement("cluster_accuracy", _case(n, k, sparse), impl, {"n": n, "k": k, "sparse": sparse},
                                   device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s))
    return out


def _labels(n: int, k: int, sparse: bool, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    if not sparse:
        return data.correlated_labels(n, k, seed=41, device=device)
    gen = data.generator(43, device)
    target = torch.randint(0, k, (n,), generator=gen, device=device)
    relabel = torch.randperm(k, generator=gen, device=device)  # pred ids unrelated to class ids
    return data.noisy_copy(relabel[target], k, gen), target


def prepare(m: Measurement) -> Job:
    n, k, sparse = m.params["n"], m.params["k"], m.params["sparse"]
    if m.impl != "torch_mi" and k * k * 8 > DENSE_PEER_LIMIT_BYTES:
        return unavailable(f"needs the dense {power_label(k)} x {power_label(k)} table ({k * k * 8 / 1e9:,.0f} GB)")
    if m.impl == "torchmetrics":
        why = missing_module("torch_linear_assignment")
        if why:
            return unavailable(f"{why} (torchmetrics' ClusterAccuracy needs it)")
    preds, target = _labels(n, k, sparse, m.device)
    if m.impl == "sklearn_scipy":
        from scipy.optimize import linear_sum_assignment
        from sklearn.metrics.cluster import contingency_matrix

        p, t = preds.cpu().numpy(), target.cpu().numpy()

        def sklearn_scipy() -> float:
            table = contingency_matrix(t, p)
            rows, cols = linear_sum_assignment(table, maximize=True)
            return float(table[rows, cols].sum() / len(t))

        return Job(sklearn_scipy)
    if m.impl == "torchmetrics":
        from torchmetrics.clustering import ClusterAccuracy as TMClusterAccuracy

        make = lambda: TMClusterAccuracy(num_classes=k).to(m.device)  # noqa: E731
    else:
        from torch_mi import ClusterAccuracy

        make = lambda: ClusterAccuracy(num_classes=None if sparse else k).to(m.device)  # noqa: E731
    return streamed_job(make, list(zip(preds.chunk(BATCHES), target.chunk(BATCHES))), m.device)


def _diff(mine, theirs) -> str:
    mine, theirs = measured(mine), measured(theirs)
    if not mine or not theirs or mine.get("status") != "ok" or theirs.get("status") != "ok":
        return "–"
    return f"{abs(mine['value'] - theirs['value']):.1e}"


def table(results: WorkloadResults, device: str) -> Table:
    headers = ["case", "torch_mi", "sklearn+scipy", "sklearn+scipy ÷ torch_mi", f"torchmetrics ({BATCHES} batches)",
               "torchmetrics ÷ torch_mi", "peak MiB torch_mi / sklearn+scipy / torchmetrics", "ACC",
               "|torch_mi − sklearn+scipy| / |torch_mi − torchmetrics|"]
    rows = []
    for _, case in results.cases(device):
        got = records_by_impl(results, case, device, IMPLS, cpu_only="sklearn_scipy")
        mine = got["torch_mi"]
        value = mine.get("value") if mine and mine.get("status") == "ok" else None
        rows.append([
            case, fmt_time_or_why(mine), fmt_time_or_why(got["sklearn_scipy"]),
            fmt_ratio(measured(got["sklearn_scipy"]), mine),
            fmt_time_or_why(got["torchmetrics"]), fmt_ratio(measured(got["torchmetrics"]), mine),
            " / ".join(fmt_mib(measured(r)) for r in got.values()), "–" if value is None else f"{value:.6f}",
            f"{_diff(mine, got['sklearn_scipy'])} / {_diff(mine, got['torchmetrics'])}",
        ])
    note = (f"Every implementation streams the labels in {BATCHES} batches except sklearn+scipy "
            "(contingency_matrix of all labels, then linear_sum_assignment). torch_mi: dense table with "
            "num_classes=k, sparse state in the sparse row.")
    return Table(headers, rows, note)


def _goal(k: int, peer: str, label: str, at_least: float) -> Unless:
    case = _case(SIZES["full"]["n"], k, False)
    wanted = "no slower than" if at_least == 1 else f">= {at_least:g}x faster than"
    return Unless(Ratio(f"ACC n=10^6, k={k}: {wanted} {label}", Pick(peer, case=case, fixed_threads=True),
                        Pick("torch_mi", case=case), at_least=at_least), [peer], case)


SPARSE_CASE = _case(SIZES["full"]["n"], SIZES["full"]["sparse_k"], True)


WORKLOAD = Workload(
    name="cluster_accuracy",
    title="Cluster accuracy (ACC)",
    about="ACC at n = 10^6 with k = 10, 100, 1000 clusters a side: torch_mi's ClusterAccuracy vs torchmetrics' "
    "(both streamed) and scikit-learn's contingency_matrix + SciPy's linear_sum_assignment; and 10^5 clusters a "
    "side in torch_mi's sparse state.",
    cases=cases,
    prepare=prepare,
    table=table,
    # Streaming keeps a table, so torch_mi's edge is in counting; at k = 1000 SciPy's matching, the same
    # solver in every implementation, takes most of the time.
    targets=[_goal(100, "sklearn_scipy", "sklearn+scipy", 5), _goal(100, "torchmetrics", "torchmetrics", 2),
             _goal(1000, "sklearn_scipy", "sklearn+scipy", 1), _goal(1000, "torchmetrics", "torchmetrics", 1),
             Seconds("ACC n=10^6, 10^5 clusters a side (sparse state) <= 10 s", Pick("torch_mi", case=SPARSE_CASE),
                     at_most=10)],
    order=31,
    plot=plot_measured,
)
