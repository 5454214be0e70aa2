"""End-to-end scores from labels: MI, NMI and AMI of one pair of labelings, functional calls.

n labels in [0, k) on both sides, half of them agreeing (``data.correlated_labels``). Every peer gets
the same labels; scikit-learn as numpy arrays. torchmetrics' AMI loops over (row, column, cell value)
in Python, so it meets the cap early and is then reported over the cap at every larger size
without being rerun.
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.goals import Pick, Ratio, Seconds
from benchmarks.peers import IMPLS, METRICS, inputs, score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label

SIZES = {"quick": {"n": (2000,), "k": (10,)}, "full": {"n": (10**5, 10**6, 10**7), "k": (10, 100, 1000)}}


def cases(ctx: Context) -> list[Measurement]:
    sizes = SIZES["quick" if ctx.quick else "full"]
    impls = IMPLS if ctx.device == "cpu" else ("torch_mi", "torchmetrics")  # scikit-learn runs on the CPU only
    return [
        Measurement("end_to_end", f"n={power_label(n)}, k={k}", impl, {"n": n, "k": k}, metric=metric,
                    device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s, series=f"e2e-{metric}", dims=(n, k))
        for metric in METRICS for n in sizes["n"] for k in sizes["k"] for impl in impls
    ]


def prepare(m: Measurement) -> Job:
    preds, target = inputs(m.impl, *data.correlated_labels(m.params["n"], m.params["k"], seed=2, device=m.device))
    fn = score(m.impl, m.metric)
    return Job(lambda: fn(preds, target), sync=device_sync(m.device))


WORKLOAD = Workload(
    name="end_to_end",
    title="End-to-end MI / NMI / AMI from labels",
    about="Functional calls from labels: n labels in [0, k) on both sides, half of them agreeing; torch_mi vs "
    "`sklearn.metrics` vs `torchmetrics.functional.clustering`.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device),
    targets=[
        Ratio(f"AMI n={power_label(n)} x 1000 clusters >= 50x faster than sklearn",
              Pick("sklearn", metric="ami", params={"n": n, "k": 1000}, fixed_threads=True),
              Pick("torch_mi", metric="ami", params={"n": n, "k": 1000}), at_least=50)
        for n in (10**5, 10**6)
    ] + [  # on a GPU: against torchmetrics on the same device, and AMI's absolute time
        Ratio(f"CUDA: {metric.upper()} n=10^7, k={k}: >= 20x faster than torchmetrics on the same GPU",
              Pick("torchmetrics", metric=metric, params={"n": 10**7, "k": k}, device="cuda", fixed_threads=True),
              Pick("torch_mi", metric=metric, params={"n": 10**7, "k": k}, device="cuda"), at_least=20)
        for metric in ("mi", "nmi") for k in (10, 100, 1000)
    ] + [Seconds("CUDA: AMI n=10^6 x 1000 clusters <= 20 ms",
                 Pick("torch_mi", metric="ami", params={"n": 10**6, "k": 1000}, device="cuda"), 0.020)],
    order=20,
)
