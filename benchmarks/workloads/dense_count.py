"""Dense counting, the core of a dense update(), against the bare operations on the same labels.

For each table shape, the ways torch_mi can count a batch into a dense int64 table
(``torch_mi._contingency.count_batch``): ``scatter`` (keys for the whole batch and ``scatter_add_``,
the CUDA default until measured otherwise), ``chunked`` (keys a chunk at a time, each
counted by ``bincount`` where the chunk holds 4 keys a bin, else ``index_add_``: the CPU's way) and, on CUDA
with Triton, the fused kernels ``atomic`` (one read of the labels, atomics into private table copies) and
``histogram`` (per-program histograms, small tables only). Beside them the bare operations: ``torch.bincount``
of precomputed keys (a histogram that also reads its input's maximum back to the host), and on
CUDA reading the labels once (a sum of each: the least traffic any count needs, 16 bytes a
sample) and a device-to-device copy (the bandwidth). The fastest method per shape is what
``CUDA_DENSE_METHODS`` in torch_mi/_contingency.py should say.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.goals import Pick, Ratio
from benchmarks.results import WorkloadResults
from benchmarks.tables import fmt_ratio, fmt_time
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label

# (rows, cols, clusterings): small, the update goal's 100 x 100, large, and batched preds.
SHAPES = ((10, 10, None), (100, 100, None), (1000, 1000, None), (100, 100, 8))
SAMPLES = {"cpu": {"quick": 10**5, "full": 10**7}, "cuda": {"quick": 10**6, "full": 10**8}}
IMPLS = {
    "scatter": "torch_mi scatter (key pass + scatter_add_)",
    "chunked": "torch_mi chunked (keys a chunk at a time + bincount or index_add_)",
    "atomic": "torch_mi fused Triton kernel, atomics",
    "histogram": "torch_mi fused Triton kernel, per-program histograms",
    "bare_bincount": "bare bincount of precomputed keys",
    "read": "bare read of the labels (sum of each)",
}
COPY = "copy"
GPU_ONLY = ("atomic", "histogram", "read", COPY)


def _case(rows: int, cols: int, groups, n: int) -> str:
    return f"{rows} x {cols}" + (f", B={groups}" if groups else "") + f", {power_label(n)} samples"


def cases(ctx: Context) -> list[Measurement]:
    cuda = ctx.device.startswith("cuda")
    n = SAMPLES["cuda" if cuda else "cpu"]["quick" if ctx.quick else "full"]
    out = []
    for rows, cols, groups in SHAPES[:2] if ctx.quick else SHAPES:
        samples = n // groups if groups else n  # batched: B x N preds, about as many labels in all
        for impl in IMPLS:
            if (impl in GPU_ONLY and not cuda) or (impl == "histogram" and rows * cols > 1024):
                continue
            params = {"rows": rows, "cols": cols, "groups": groups, "n": samples}
            out.append(Measurement("dense_count", _case(rows, cols, groups, samples), impl, params,
                                   device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s))
    if cuda:
        out.append(Measurement("dense_count", "device-to-device copy", COPY, {"n": n}, device=ctx.device,
                               threads=ctx.one_thread, cap_s=ctx.cap_s))
    return out


def prepare(m: Measurement) -> Job:
    from torch_mi._contingency import count_batch

    sync = device_sync(m.device)
    if m.impl == COPY:
        source = torch.empty(2 * m.params["n"], dtype=torch.long, device=m.device)  # as many bytes as the labels
        copy = torch.empty_like(source)
        return Job(lambda: copy.copy_(source).numel(), extra={"bytes_moved": 2 * source.numel() * 8}, sync=sync)
    rows, cols, groups, n = m.params["rows"], m.params["cols"], m.params["groups"], m.params["n"]
    gen = data.generator(8, m.device)
    target = torch.randint(0, rows, (n,), generator=gen, device=m.device)
    preds = torch.randint(0, cols, (groups, n) if groups else (n,), generator=gen, device=m.device)
    shape = (groups, rows, cols) if groups else (rows, cols)
    table = torch.zeros(shape, dtype=torch.long, device=m.device)
    extra = {"samples": preds.numel(),
             "label_bytes": preds.numel() * preds.element_size() + target.numel() * target.element_size()}
    if m.impl == "read":
        return Job(lambda: (preds.sum(), target.sum()), extra=extra, sync=sync)
    if m.impl == "bare_bincount":
        offsets = torch.arange(groups, device=m.device).unsqueeze(1) * (rows * cols) if groups else 0
        keys = (target * cols + preds + offsets).reshape(-1)
        return Job(lambda: torch.bincount(keys, minlength=table.numel()), extra=extra, sync=sync)
    count_batch(preds, target, rows, cols, out=table, method=m.impl)  # compiles a Triton kernel before the clock
    if sync:
        sync()
    expected = int(table.sum())
    if expected != preds.numel():
        raise AssertionError(f"{m.impl} counted {expected} of {preds.numel()} samples")
    return Job(lambda: count_batch(preds, target, rows, cols, out=table, method=m.impl), extra=extra, sync=sync)


def table(results: WorkloadResults, device: str) -> Table:
    copy = results.find(impl=COPY, device=device)
    bandwidth = copy["extra"]["bytes_moved"] / copy["seconds"] if copy and copy.get("status") == "ok" else None
    rows = []
    for case in dict.fromkeys(
        r["measurement"]["case"] for r in results.records if r["measurement"]["device"] == device
    ):
        if case == "device-to-device copy":
            continue
        scatter = results.find(impl="scatter", case=case, device=device)
        for impl, label in IMPLS.items():
            result = results.find(impl=impl, case=case, device=device)
            if result is None:
                continue
            ok = result.get("status") == "ok"
            rate = f"{result['extra']['samples'] / result['seconds'] / 1e9:,.2f} G" if ok else "–"
            share = (f"{result['extra']['label_bytes'] / result['seconds'] / bandwidth:.0%}"
                     if ok and bandwidth else "–")
            rows.append([case, label, fmt_time(result), rate, fmt_ratio(scatter, result), share])
    note = ("\"scatter time ÷ time\" above 1: faster than the scatter path. \"label bytes at copy bandwidth\": the "
            "labels' bytes over the time, as a share of the device-to-device copy's bytes (read + write) per second"
            + (f" ({bandwidth / 1e9:,.0f} GB/s)." if bandwidth else "; CUDA only."))
    return Table(["table", "method", "time", "samples/s", "scatter time ÷ time", "label bytes at copy bandwidth"],
                 rows, note)


WORKLOAD = Workload(
    name="dense_count",
    title="Dense counting: methods and bare operations",
    about="Counting a batch of labels into a dense int64 table, per table shape: torch_mi's counting methods "
    "against a bare bincount, and on CUDA against reading the labels once and the copy bandwidth.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[
        Ratio(f"CPU dense count, {rows} x {cols}, 10^7 labels: >= 0.5x a bare bincount of precomputed keys",
              Pick("bare_bincount", case=_case(rows, cols, None, 10**7)),
              Pick("chunked", case=_case(rows, cols, None, 10**7)),
              at_least=0.5)
        for rows, cols in ((10, 10), (100, 100), (1000, 1000))
    ],
    order=11,
)
