"""Memory while streaming: memory growth over many labels in batches, generated on the fly.

Batches are never all in memory at once, so growth is what the metric keeps. Every torch_mi class
(MI, NMI, AMI) runs in both modes; torchmetrics' MutualInfoScore keeps every batch until compute().
Memory is sampled at ten points of the stream (growth of RSS, or of CUDA allocated memory on a GPU),
once after the stream, and at the peak including compute().
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.goals import Custom
from benchmarks.peers import _as_float, metric_class
from benchmarks.results import WorkloadResults
from benchmarks.tables import METRIC_NAMES, MiB, fmt_mib, fmt_time
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label
from benchmarks.workloads._shared import drift, growth_contrast, plot_traces, stream_with_trace

SIZES = {
    "quick": {"total": 2 * 10**6, "batch": 2 * 10**5, "k": 100, "cap_s": 3.0},
    # torchmetrics' compute() over 10^8 labels takes a while
    "full": {"total": 10**8, "batch": 10**6, "k": 100, "cap_s": 300.0},
}
IMPLS = {"torch_mi_dense": "dense (num_classes=k)", "torch_mi_sparse": "sparse (num_classes=None)",
         "torchmetrics": "torchmetrics (stores labels)"}
FLAT_TOLERANCE_BYTES = 32 * MiB  # allocator noise; a stored label stream would be GBs


def cases(ctx: Context) -> list[Measurement]:
    sizes = SIZES["quick" if ctx.quick else "full"]
    params = {key: sizes[key] for key in ("total", "batch", "k")}
    case = f"{power_label(params['total'])} labels, batches of {power_label(params['batch'])}, k={params['k']}"
    cap = max(ctx.cap_s, sizes["cap_s"])
    pairs = [
        (metric, impl) for metric in ("mi", "nmi", "ami") for impl in ("torch_mi_dense", "torch_mi_sparse")
    ] + [("mi", "torchmetrics")]
    return [Measurement("memory", case, impl, params, metric=metric, device=ctx.device, threads=ctx.one_thread,
                        cap_s=cap)
            for metric, impl in pairs]


def prepare(m: Measurement) -> Job:
    total, batch, k = m.params["total"], m.params["batch"], m.params["k"]
    if m.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", m.metric)().to(m.device)  # noqa: E731
    else:
        num_classes = k if m.impl == "torch_mi_dense" else None
        make = lambda: metric_class("torch_mi", m.metric)(num_classes=num_classes).to(m.device)  # noqa: E731
    num_batches = -(-total // batch)
    extra: dict = {"samples": total}

    def run():
        batches = lambda: data.label_batches(total, batch, k, seed=6, device=m.device)  # noqa: E731
        return _as_float(stream_with_trace(make, batches, num_batches, batch, total, extra, device=m.device))

    return Job(run, repeat=False, extra=extra, sync=device_sync(m.device))


def _who(m: dict) -> str:
    return "torchmetrics MutualInfoScore" if m["impl"] == "torchmetrics" else f"torch_mi {METRIC_NAMES[m['metric']]}"


def table(results: WorkloadResults, device: str) -> Table:
    rows, case = [], ""
    for record in results.records:
        m, result = record["measurement"], record["result"]
        if m["device"] != device:
            continue
        case = m["case"]
        trace = result.get("extra", {}).get("trace") if result.get("status") == "ok" else None
        grown = drift(result)
        peak_key = "gpu_peak_growth_bytes" if device.startswith("cuda") else "peak_growth_bytes"
        rows.append([
            _who(m), IMPLS[m["impl"]], f"{trace[0][1] / MiB:,.0f}" if trace else "–",
            f"{result['extra']['after_stream_bytes'] / MiB:,.0f}" if trace else "–",
            "–" if grown is None else f"{grown / MiB:,.1f}", fmt_mib(result, peak_key), fmt_time(result),
        ])
    unit = "CUDA allocated memory" if device.startswith("cuda") else "RSS"
    headers = ["metric", "mode", f"{unit} growth at 10% (MiB)", "at 100% (MiB)", "10% → 100% (MiB)",
               "peak incl. compute() (MiB)", "time (stream + compute)"]
    return Table(headers, rows, f"{case}; growth of {unit} over the process before the stream.")


def _flat(results: WorkloadResults) -> list[dict]:
    name = "memory flat while streaming (every torch_mi class, dense and sparse)"
    drifts = {f"{m['metric'].upper()} {m['impl'].split('_')[-1]}": drift(r["result"])
              for r in results.records for m in [r["measurement"]]
              if m["impl"] != "torchmetrics" and m["device"] == "cpu"}
    known = {key: value for key, value in drifts.items() if value is not None}
    if not known:
        return [{"target": name, "measured": "not measured in this run", "holds": None}]
    worst = max(known, key=lambda key: known[key])
    measured = f"largest growth from 10% to 100% of the stream: {known[worst] / MiB:.1f} MiB ({worst})"
    return [{"target": name, "measured": measured,
             "holds": len(known) == len(drifts) and known[worst] <= FLAT_TOLERANCE_BYTES}]


def _contrast(results: WorkloadResults) -> list[dict]:
    name = "torchmetrics grows linearly while streaming (the contrast)"
    return growth_contrast(name, results.find(impl="torchmetrics"), with_total=True)


def plot(ax, results: WorkloadResults) -> None:
    lines = []
    for record in results.records:
        m, result = record["measurement"], record["result"]
        if m["device"] != "cpu" or result.get("status") != "ok":
            continue
        label = f"{_who(m)} {m['impl'].split('_')[-1] if m['impl'] != 'torchmetrics' else ''}"
        lines.append((result["extra"].get("trace") or [], label, "--" if "sparse" in m["impl"] else "-"))
    plot_traces(ax, lines)


WORKLOAD = Workload(
    name="memory",
    title="Peak memory growth while streaming",
    about="RSS growth while streaming labels in batches generated on the fly: torch_mi MI, NMI, AMI in dense and "
    "sparse mode vs torchmetrics' MutualInfoScore (which stores every label).",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[Custom("memory flat", _flat), Custom("torchmetrics grows", _contrast)],
    order=70,
    plot=plot,
)
