"""A MetricCollection of MI, NMI, AMI, ARI and ACC streamed over 10^6 labels: time and memory.

The same five scores as one ``torchmetrics.MetricCollection`` of torch_mi's classes (dense,
num_classes=k; one shared table: one compute group) and of torchmetrics' classes (each keeps every
label until compute()). Labels come in 100 batches of 10^4 (k = 100, half agreeing), generated on the
fly, so the stream itself is never held and RSS growth is what the collection keeps; RSS is sampled at
ten points of the stream. Rows: the collection's update() per batch then compute(); torchmetrics' stream
alone (update() only: its memory, even when its compute() is stopped at the cap); and generating the
batches alone (the floor every row pays).
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.goals import Custom, Pick, Ratio
from benchmarks.results import WorkloadResults
from benchmarks.tables import MiB, fmt_mib, fmt_ratio
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label
from benchmarks.workloads._shared import (
    Unless,
    drift,
    fmt_time_or_why,
    growth_contrast,
    measured,
    missing_module,
    plot_traces,
    stream_with_trace,
    unavailable,
)

SIZES = {"quick": {"total": 10**5, "batch": 10**4, "k": 100}, "full": {"total": 10**6, "batch": 10**4, "k": 100}}
SCORES = ("mi", "nmi", "ami", "ari", "acc")
IMPLS = {
    "torch_mi": "torch_mi collection (update + compute)",
    "torchmetrics": "torchmetrics collection (update + compute)",
    "torchmetrics_updates": "torchmetrics collection, update() only",
    "bare": "generating the batches only",
}
FLAT_TOLERANCE_BYTES = 32 * MiB


def _case(params: dict) -> str:
    return (f"{power_label(params['total'])} samples, {params['total'] // params['batch']} batches of "
            f"{power_label(params['batch'])}, k={params['k']}")


def cases(ctx: Context) -> list[Measurement]:
    params = SIZES["quick" if ctx.quick else "full"]
    return [Measurement("collection", _case(params), impl, params, device=ctx.device, threads=ctx.one_thread,
                        cap_s=ctx.cap_s)
            for impl in IMPLS]


def _collection(impl: str, k: int):
    from torchmetrics import MetricCollection

    if impl == "torch_mi":
        import torch_mi as m

        metrics = [m.MutualInfoScore(num_classes=k), m.NormalizedMutualInfoScore(num_classes=k),
                   m.AdjustedMutualInfoScore(num_classes=k), m.AdjustedRandScore(num_classes=k),
                   m.ClusterAccuracy(num_classes=k)]
    else:
        from torchmetrics import clustering as m

        metrics = [m.MutualInfoScore(), m.NormalizedMutualInfoScore(), m.AdjustedMutualInfoScore(),
                   m.AdjustedRandScore(), m.ClusterAccuracy(k)]
    return MetricCollection(dict(zip(SCORES, metrics)))


def prepare(m: Measurement) -> Job:
    total, batch, k = m.params["total"], m.params["batch"], m.params["k"]
    num_batches = -(-total // batch)
    batches = lambda: data.label_batches(total, batch, k, seed=51, device=m.device)  # noqa: E731
    extra: dict = {"samples": total}
    if m.impl == "bare":
        return Job(lambda: sum(int(p.numel()) for p, _ in batches()), repeat=False, sync=device_sync(m.device))
    impl = "torchmetrics" if m.impl.startswith("torchmetrics") else "torch_mi"
    why = missing_module("torch_linear_assignment") if impl == "torchmetrics" else None
    if why:  # torchmetrics' ClusterAccuracy solves with it (its `clustering` extra, which brings triton)
        return unavailable(f"{why} (torchmetrics' ClusterAccuracy needs it)")
    warm = _collection(impl, k).to(m.device)
    warm.update(*next(iter(data.label_batches(100, 100, k, seed=0, device=m.device))))
    warm.compute()  # one-time imports and set-up, not timed
    make = lambda: _collection(impl, k).to(m.device)  # noqa: E731

    def run():
        values = stream_with_trace(make, batches, num_batches, batch, total, extra,
                                   compute=m.impl != "torchmetrics_updates", device=m.device)
        return None if values is None else {name: float(value) for name, value in values.items()}

    return Job(run, repeat=False, extra=extra, sync=device_sync(m.device))


def _mib(value) -> str:
    return "–" if value is None else f"{value / MiB:,.1f}"


def table(results: WorkloadResults, device: str) -> Table:
    headers = ["implementation", "time", "time ÷ torch_mi time", "growth at 10% (MiB)", "at 100% (MiB)",
               "10% → 100% (MiB)", "peak incl. compute() (MiB)", "MI / NMI / AMI / ARI / ACC"]
    mine = results.find(impl="torch_mi", device=device)
    rows, case = [], ""
    for impl, label in IMPLS.items():
        result = results.find(impl=impl, device=device)
        if result is None:
            continue
        for record in results.records:
            if record["measurement"]["impl"] == impl:
                case = record["measurement"]["case"]
        ok = result.get("status") == "ok"
        trace = result.get("extra", {}).get("trace") if ok else None
        values = result.get("value") if ok and isinstance(result.get("value"), dict) else None
        rows.append([
            label, fmt_time_or_why(result),
            "–" if impl in ("torch_mi", "bare") or measured(result) is None else fmt_ratio(result, mine),
            _mib(trace[0][1]) if trace else "–", _mib(result["extra"]["after_stream_bytes"]) if trace else "–",
            _mib(drift(result)), fmt_mib(measured(result)),
            " / ".join(f"{values[s]:.4f}" for s in SCORES) if values else "–",
        ])
    unit = "CUDA allocated memory" if device.startswith("cuda") else "RSS"
    return Table(headers, rows,
                 f"{case}; growth of {unit} over the process before the stream (batches generated on the fly).")


def _flat(results: WorkloadResults) -> list[dict]:
    name = "torch_mi collection: memory flat while streaming (10% → 100% growth <= 32 MiB)"
    grown = drift(results.find(impl="torch_mi"))
    if grown is None:
        return [{"target": name, "measured": "not measured in this run", "holds": None}]
    return [{"target": name, "measured": f"{grown / MiB:.1f} MiB from 10% to 100% of the stream",
             "holds": grown <= FLAT_TOLERANCE_BYTES}]


def _contrast(results: WorkloadResults) -> list[dict]:
    return growth_contrast("torchmetrics collection grows with the stream (the contrast)",
                           results.find(impl="torchmetrics_updates"))


def plot(ax, results: WorkloadResults) -> None:
    plot_traces(ax, [
        (record["result"]["extra"]["trace"], IMPLS[record["measurement"]["impl"]], "-")
        for record in results.records
        if record["measurement"]["device"] == "cpu" and record["result"].get("status") == "ok"
        and record["result"]["extra"].get("trace")
    ])


WORKLOAD = Workload(
    name="collection",
    title="MetricCollection of MI, NMI, AMI, ARI, ACC, streamed",
    about="One MetricCollection of the five scores, 10^6 labels in 100 batches of 10^4 (k = 100) generated on the fly: "
    "torch_mi's classes (one shared table) vs torchmetrics' (each stores the labels); time and RSS growth over "
    "the stream.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[
        Unless(Ratio("collection of 5 scores, 10^6 samples: torch_mi >= 20x faster than torchmetrics",
                     Pick("torchmetrics", fixed_threads=True), Pick("torch_mi"), at_least=20), ["torchmetrics"]),
        Custom("collection memory flat", _flat),
        Custom("torchmetrics collection grows", _contrast),
    ],
    order=32,
    plot=plot,
)
