"""CUDA only: does a dense update() with validate_args=False run without a host-device sync?

Runs a few update() calls under ``torch.cuda.set_sync_debug_mode("error")``, which turns any
synchronizing call into an exception. validate_args=True (a range check that must read a result
back) runs the same way as a control: it should be caught, which shows the check can fail. Without
CUDA this workload has no measurements, so no row.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.goals import Custom
from benchmarks.peers import metric_class
from benchmarks.results import WorkloadResults
from benchmarks.tables import fmt_time
from benchmarks.workload import Context, Job, Measurement, Table, Workload

SIZES = {"quick": {"batch": 10**5, "k": 100}, "full": {"batch": 10**6, "k": 100}}
IMPLS = {
    "dense_novalidate": ("dense, validate_args=False", {"validate_args": False}, "no sync"),
    "dense_validate": ("dense, validate_args=True (control)", {"validate_args": True}, "sync"),
}


def cases(ctx: Context) -> list[Measurement]:
    if not ctx.device.startswith("cuda"):
        return []
    params = SIZES["quick" if ctx.quick else "full"]
    return [Measurement("cuda_checks", "set_sync_debug_mode('error')", impl, params, device=ctx.device,
                        threads=ctx.one_thread, cap_s=ctx.cap_s)
            for impl in IMPLS]


def prepare(m: Measurement) -> Job:
    batch, k = m.params["batch"], m.params["k"]
    batches = list(data.label_batches(3 * batch, batch, k, seed=7, device=m.device))
    metric = metric_class("torch_mi", "mi")(num_classes=k, **IMPLS[m.impl][1]).to(m.device)
    torch.cuda.synchronize()
    extra: dict = {"expected": IMPLS[m.impl][2], "device_name": torch.cuda.get_device_name(torch.device(m.device))}

    def run() -> str:
        torch.cuda.set_sync_debug_mode("error")
        try:
            for preds, target in batches:  # the first call too: a user's first update is an update
                metric.update(preds, target)
            outcome = "no sync"
        except RuntimeError as error:
            outcome = "sync"
            extra["message"] = str(error).splitlines()[0][:200]
        finally:
            torch.cuda.set_sync_debug_mode(0)
        extra["outcome"] = outcome
        return outcome

    return Job(run, repeat=False, extra=extra, sync=torch.cuda.synchronize)


def _observed(result) -> str:
    return result.get("extra", {}).get("outcome", "?") if result.get("status") == "ok" else fmt_time(result)


def table(results: WorkloadResults, device: str) -> Table:
    rows = []
    for impl, (label, _, expected) in IMPLS.items():
        result = results.find(impl=impl, device=device)
        if result is not None:
            rows.append([label, result.get("extra", {}).get("device_name", device), expected, _observed(result),
                         result.get("extra", {}).get("message", "")])
    return Table(["update()", "device", "expected", "observed", "message"], rows)


def _no_sync(results: WorkloadResults) -> list[dict]:
    name = "CUDA: dense update(), validate_args=False, makes no host-device sync"
    devices = [d for d in results.devices() if d.startswith("cuda")]
    if not devices:
        return [{"target": name, "measured": "no CUDA device in the run that measured this: skipped", "holds": None}]
    check, control = (results.find(impl=impl, device=devices[0]) for impl in IMPLS)
    if check is None or check.get("status") != "ok":
        return [{"target": name, "measured": "not measured" if check is None else fmt_time(check),
                 "holds": False if check else None}]
    message = f": {check['extra']['message']}" if "message" in check["extra"] else ""
    measured = (f"{_observed(check)}{message} on {check['extra'].get('device_name', devices[0])} "
                f"(control, validate_args=True: {_observed(control) if control else 'n/a'})")
    return [{"target": name, "measured": measured, "holds": check["extra"].get("outcome") == "no sync"}]


WORKLOAD = Workload(
    name="cuda_checks",
    title="CUDA: update() without host-device synchronization",
    about="Only when `torch.cuda.is_available()`: a dense `update()` with `validate_args=False` under "
    "`torch.cuda.set_sync_debug_mode(\"error\")`, with `validate_args=True` as the control that must be caught.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[Custom("no sync", _no_sync, device="cuda")],
    order=90,
)
