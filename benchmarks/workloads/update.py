"""Update throughput: how many samples per second a streaming metric's update() absorbs.

The reference is a bare ``scatter_add_`` of the same pairs into a (k*k) int64 table (key =
target*k + preds), the obvious one-pass count (torch_mi's CPU update counts in chunks instead,
by bincount where a chunk holds 4 keys a bin, which can beat it). ``torch.bincount`` of the same keys is the bare
histogram (on CUDA it reads its input's maximum back to the host: no update may do that).
torchmetrics' MutualInfoScore.update only appends the batch to a list (its cost moves to compute()
and to memory, measured by other workloads). On CUDA a device-to-device copy gives the memory
bandwidth actually reachable, and the labels are 10^8 in one batch: reading them (16 bytes a
sample) then takes about half a millisecond, so launch and Python costs do not hide the counting.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.goals import Custom, Pick, Ratio
from benchmarks.peers import metric_class
from benchmarks.results import WorkloadResults
from benchmarks.tables import fmt_mib, fmt_ratio, fmt_time, records_table
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label

SIZES = {"quick": {"total": 10**6, "batch": 10**5, "k": 100}, "full": {"total": 10**7, "batch": 10**6, "k": 100}}
CUDA_SIZES = {"quick": {"total": 10**7, "batch": 10**7, "k": 100}, "full": {"total": 10**8, "batch": 10**8, "k": 100}}
BANDWIDTH_SHARE = 0.5  # CUDA goal: the dense update reads its labels at >= half the copy bandwidth
IMPLS = {
    "bare_scatter_add": "bare scatter_add_ (one pass over each batch)",
    "bare_bincount": "bare bincount (a histogram; syncs on CUDA)",
    "torch_mi_dense_novalidate": "torch_mi dense, validate_args=False",
    "torch_mi_dense": "torch_mi dense, validate_args=True",
    "torch_mi_dynamic": "torch_mi dynamic (num_classes=None)",
    "torchmetrics": "torchmetrics MutualInfoScore (appends labels)",
}
COPY = "copy_bandwidth"  # CUDA only
OPTIONS = {
    "torch_mi_dense_novalidate": {"validate_args": False},
    "torch_mi_dense": {},
    "torch_mi_dynamic": {"num_classes": None},
}


def cases(ctx: Context) -> list[Measurement]:
    params = (CUDA_SIZES if ctx.device.startswith("cuda") else SIZES)["quick" if ctx.quick else "full"]
    case = f"{power_label(params['total'])} labels, batches of {power_label(params['batch'])}, k={params['k']}"
    impls = list(IMPLS) + ([COPY] if ctx.device.startswith("cuda") else [])
    return [Measurement("update", case, impl, params, device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s)
            for impl in impls]


def prepare(m: Measurement) -> Job:
    total, batch, k = m.params["total"], m.params["batch"], m.params["k"]
    sync = device_sync(m.device)
    if m.impl == COPY:
        size = 1 << 28  # 2 GiB read + 2 GiB written per copy: long enough to hide launch cost
        source = torch.empty(size, dtype=torch.long, device=m.device)
        copy = torch.empty_like(source)
        return Job(lambda: copy.copy_(source).numel(), extra={"bytes_moved": 2 * size * 8}, sync=sync)
    batches = list(data.label_batches(total, batch, k, seed=1, device=m.device))
    extra = {"samples": total}
    if m.impl == "bare_scatter_add":
        ones = torch.ones(1, dtype=torch.long, device=m.device).expand(batch)

        def bare() -> int:
            table = torch.zeros(k * k, dtype=torch.long, device=m.device)
            for preds, target in batches:
                table.scatter_add_(0, target * k + preds, ones[: preds.numel()])
            return total

        return Job(bare, extra=extra, sync=sync)
    if m.impl == "bare_bincount":

        def histogram() -> int:
            for preds, target in batches:
                torch.bincount(target * k + preds, minlength=k * k)
            return total

        return Job(histogram, extra=extra, sync=sync)
    if m.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", "mi")().to(m.device)  # noqa: E731
    else:
        options = {"num_classes": k, **OPTIONS[m.impl]}
        make = lambda: metric_class("torch_mi", "mi")(**options).to(m.device)  # noqa: E731

    def run() -> int:
        metric = make()
        for preds, target in batches:
            metric.update(preds, target)
        return total

    return Job(run, extra=extra, sync=sync)


def table(results: WorkloadResults, device: str) -> Table:
    bare = results.find(impl="bare_scatter_add", device=device)
    theirs = results.find(impl="torchmetrics", device=device)
    bandwidth = _copy_bandwidth(results, device)

    def rate(result, m) -> str:
        return f"{result['extra']['samples'] / result['seconds'] / 1e6:,.1f} M" if result.get("status") == "ok" else "–"

    def share(result, m) -> str:
        if bandwidth is None or result.get("status") != "ok":
            return "–"
        return f"{result['extra']['samples'] * 16 / result['seconds'] / bandwidth:.1%}"

    columns = [
        ("time", lambda r, m: fmt_time(r)),
        ("samples/s", rate),
        ("bare time ÷ time", lambda r, m: fmt_ratio(bare, r)),
        ("torchmetrics time ÷ time", lambda r, m: fmt_ratio(theirs, r)),
        ("peak growth MiB", lambda r, m: fmt_mib(r)),
    ] + ([("16 B/sample as share of copy bandwidth", share)] if bandwidth else [])
    rows = [r for r in results.records if r["measurement"]["impl"] != COPY]
    case = rows[0]["measurement"]["case"] if rows else ""
    note = (f"{case}. \"bare time ÷ time\" is the share of the bare scatter_add_ throughput a row reaches."
            + (f" Device-to-device copy: {bandwidth / 1e9:,.0f} GB/s (read + write)." if bandwidth else ""))
    return records_table(WorkloadResults(results.name, rows, results.run), device, IMPLS, columns, note)


def _copy_bandwidth(results: WorkloadResults, device: str):
    copy = results.find(impl=COPY, device=device)
    return copy["extra"]["bytes_moved"] / copy["seconds"] if copy and copy.get("status") == "ok" else None


def _reads_at_bandwidth(results: WorkloadResults) -> list[dict]:
    name = f"CUDA: dense update, validate_args=False, reads its labels at >= {BANDWIDTH_SHARE:.0%} of copy bandwidth"
    devices = [d for d in results.devices() if d.startswith("cuda")]
    row = results.find(impl="torch_mi_dense_novalidate", device=devices[0]) if devices else None
    bandwidth = _copy_bandwidth(results, devices[0]) if devices else None
    if row is None or bandwidth is None or row.get("status") != "ok":
        return [{"target": name, "measured": "not measured in this run" if row is None else fmt_time(row),
                 "holds": None}]
    share = row["extra"]["samples"] * 16 / row["seconds"] / bandwidth
    measured = (f"{share:.1%} ({row['extra']['samples'] / row['seconds'] / 1e9:,.1f} G samples/s; "
                f"copy {bandwidth / 1e9:,.0f} GB/s read + write)")
    return [{"target": name, "measured": measured, "holds": share >= BANDWIDTH_SHARE}]


WORKLOAD = Workload(
    name="update",
    title="Update throughput",
    about="Samples per second of a Metric's `update()`: labels in batches, k = 100, against a bare "
    "`scatter_add_` of the same pairs (one pass) and a bare `bincount`, and torchmetrics' `update()` "
    "(which only appends).",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[
        Ratio(f"update throughput, {IMPLS[impl].removeprefix('torch_mi ')} >= {minimum}x bare scatter_add_",
              Pick("bare_scatter_add"), Pick(impl), at_least=minimum)
        for impl, minimum in (("torch_mi_dense_novalidate", 0.5), ("torch_mi_dense", 0.5), ("torch_mi_dynamic", 0.2))
    ] + [Custom("reads at bandwidth", _reads_at_bandwidth, device="cuda")],
    order=10,
)
