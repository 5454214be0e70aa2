"""Update throughput: how many samples per second a streaming metric's update() absorbs.

10^7 labels in batches of 10^6, k = 100. The practical limit is a bare ``scatter_add_`` of the
same pairs into a (k*k) int64 table (key = target*k + preds): a dense update cannot do less.
torchmetrics' MutualInfoScore.update only appends the batch to a list (its cost moves to
compute() and to memory, measured elsewhere).
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.peers import metric_class
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "Update throughput"
IMPLS = {
    "bare_scatter_add": "bare scatter_add_ (practical limit)",
    "torch_mi_dense_novalidate": "torch_mi dense, validate_args=False",
    "torch_mi_dense": "torch_mi dense, validate_args=True",
    "torch_mi_dynamic": "torch_mi dynamic (num_classes=None)",
    "torchmetrics": "torchmetrics MutualInfoScore (appends labels)",
}
COPY = "copy_bandwidth"  # CUDA only: device-to-device copy, the memory bandwidth actually reachable


def cases(profile: Profile, device: str) -> list[Spec]:
    params = {"total": profile.update_total, "batch": profile.update_batch, "k": profile.update_k}
    case = f"{power_label(profile.update_total)} labels, batches of {power_label(profile.update_batch)}, k={profile.update_k}"
    impls = list(IMPLS) + ([COPY] if device.startswith("cuda") else [])
    return [Spec("update", case, impl, params, device=device, cap_s=profile.cap_s) for impl in impls]


def prepare(spec: Spec) -> Job:
    total, batch, k = spec.params["total"], spec.params["batch"], spec.params["k"]
    sync = device_sync(spec.device)
    if spec.impl == COPY:
        return _copy_job(spec.device, sync)
    batches = list(data.label_batches(total, batch, k, seed=1, device=spec.device))
    extra = {"samples": total}

    if spec.impl == "bare_scatter_add":
        ones = torch.ones(1, dtype=torch.long, device=spec.device).expand(batch)

        def run() -> int:
            table = torch.zeros(k * k, dtype=torch.long, device=spec.device)
            for preds, target in batches:
                table.scatter_add_(0, target * k + preds, ones[: preds.numel()])
            return total

        return Job(run, extra=extra, sync=sync)

    if spec.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", "mi")().to(spec.device)  # noqa: E731
    else:
        options = {
            "torch_mi_dense_novalidate": {"num_classes": k, "validate_args": False},
            "torch_mi_dense": {"num_classes": k},
            "torch_mi_dynamic": {"num_classes": None},
        }[spec.impl]
        make = lambda: metric_class("torch_mi", "mi")(**options).to(spec.device)  # noqa: E731

    def run() -> int:
        metric = make()
        for preds, target in batches:
            metric.update(preds, target)
        return total

    return Job(run, extra=extra, sync=sync)


def _copy_job(device: str, sync) -> Job:
    size = 1 << 28  # 2 GiB of int64 read + 2 GiB written per copy: long enough to hide launch cost
    source = torch.empty(size, dtype=torch.long, device=device)
    target = torch.empty_like(source)

    def run() -> int:
        target.copy_(source)
        return size

    return Job(run, extra={"bytes_moved": 2 * size * 8}, sync=sync)
