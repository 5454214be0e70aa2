"""Memory while streaming: peak memory growth over 10^8 labels in batches of 10^6.

Batches are generated on the fly (never all at once), so growth is what the metric keeps. Every
torch_mi class (MI, NMI, AMI) runs in both modes; torchmetrics' MutualInfoScore keeps every batch
(16 bytes a sample pair as int64) until compute(). Memory is sampled at ten points of the stream
(growth of RSS, or of CUDA allocated memory on a GPU), once after the stream and once at the peak
including compute().
"""

from __future__ import annotations

import torch

from benchmarks import data, procmem
from benchmarks.peers import _as_float, metric_class
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "Peak memory growth while streaming"
IMPLS = {
    "torch_mi_dense": "dense (num_classes=k)",
    "torch_mi_sparse": "sparse (num_classes=None)",
    "torchmetrics": "torchmetrics (stores labels)",
}
CHECKPOINTS = 10


def cases(profile: Profile, device: str) -> list[Spec]:
    params = {"total": profile.memory_total, "batch": profile.memory_batch, "k": profile.memory_k}
    case = f"{power_label(profile.memory_total)} labels, batches of {power_label(profile.memory_batch)}, k={profile.memory_k}"
    cap = max(profile.cap_s, profile.memory_cap_s)
    specs = [
        Spec("memory", case, impl, params, metric=metric, device=device, cap_s=cap)
        for metric in ("mi", "nmi", "ami")
        for impl in ("torch_mi_dense", "torch_mi_sparse")
    ]
    specs.append(Spec("memory", case, "torchmetrics", params, metric="mi", device=device, cap_s=cap))
    return specs


def memory_now(device: str) -> int:
    if device.startswith("cuda"):
        return torch.cuda.memory_allocated()
    return procmem.rss_bytes() or 0


def prepare(spec: Spec) -> Job:
    total, batch, k = spec.params["total"], spec.params["batch"], spec.params["k"]
    if spec.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", spec.metric)().to(spec.device)  # noqa: E731
    else:
        num_classes = k if spec.impl == "torch_mi_dense" else None
        make = lambda: metric_class("torch_mi", spec.metric)(num_classes=num_classes).to(spec.device)  # noqa: E731
    num_batches = -(-total // batch)
    marks = {max(1, round(num_batches * (i + 1) / CHECKPOINTS)) for i in range(CHECKPOINTS)}
    extra: dict = {"samples": total}

    def run():
        metric = make()
        base = memory_now(spec.device)
        trace = []
        for index, (preds, target) in enumerate(data.label_batches(total, batch, k, seed=6, device=spec.device), 1):
            metric.update(preds, target)
            if index in marks:
                trace.append((min(index * batch, total), memory_now(spec.device) - base))
        extra["trace"] = trace
        extra["after_stream_bytes"] = memory_now(spec.device) - base
        return _as_float(metric.compute())

    return Job(run, repeat=False, extra=extra, sync=device_sync(spec.device))
