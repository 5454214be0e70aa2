"""Streaming MI: batches through a Metric's update(), then compute(), against the same labels at once.

10^7 samples in batches of 10^6, k = 100. torch_mi in both modes and torchmetrics' Metric do
update() per batch plus one compute(); scikit-learn, which has no streaming form, scores the
concatenated labels (concatenated before the clock starts, in its favour).
"""

from __future__ import annotations

import numpy as np

from benchmarks import data
from benchmarks.peers import metric_class, score
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "Streaming MI"
IMPLS = {
    "torch_mi_dense": "torch_mi Metric, dense (num_classes=k)",
    "torch_mi_dynamic": "torch_mi Metric, dynamic (num_classes=None)",
    "torchmetrics": "torchmetrics MutualInfoScore Metric",
    "sklearn": "sklearn mutual_info_score on the concatenated labels",
}


def cases(profile: Profile, device: str) -> list[Spec]:
    params = {"total": profile.stream_total, "batch": profile.stream_batch, "k": profile.stream_k}
    case = f"{power_label(profile.stream_total)} samples, batches of {power_label(profile.stream_batch)}, k={profile.stream_k}"
    impls = [impl for impl in IMPLS if device == "cpu" or impl != "sklearn"]
    return [Spec("streaming", case, impl, params, metric="mi", device=device, cap_s=profile.cap_s) for impl in impls]


def prepare(spec: Spec) -> Job:
    total, batch, k = spec.params["total"], spec.params["batch"], spec.params["k"]
    batches = list(data.label_batches(total, batch, k, seed=3, device=spec.device))
    if spec.impl == "sklearn":
        preds = np.concatenate([p.numpy() for p, _ in batches])
        target = np.concatenate([t.numpy() for _, t in batches])
        del batches
        fn = score("sklearn", "mi")
        return Job(lambda: fn(preds, target))

    if spec.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", "mi")().to(spec.device)  # noqa: E731
    else:
        num_classes = k if spec.impl == "torch_mi_dense" else None
        make = lambda: metric_class("torch_mi", "mi")(num_classes=num_classes).to(spec.device)  # noqa: E731

    def run() -> float:
        metric = make()
        for preds, target in batches:
            metric.update(preds, target)
        return float(metric.compute())

    return Job(run, sync=device_sync(spec.device))
