"""Streaming MI: batches through a Metric's update(), then compute(), against the same labels at once.

torch_mi in both modes and torchmetrics' Metric do update() per batch plus one compute();
scikit-learn, which has no streaming form, scores the concatenated labels (concatenated before the
clock starts, in its favour).
"""

from __future__ import annotations

import numpy as np

from benchmarks import data
from benchmarks.goals import Pick, Ratio
from benchmarks.peers import metric_class, score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, power_label
from benchmarks.workloads._shared import streamed_job

SIZES = {"quick": {"total": 10**6, "batch": 10**5, "k": 100}, "full": {"total": 10**7, "batch": 10**6, "k": 100}}
MODES = {"dense": "dense (num_classes=k)", "dynamic": "dynamic (num_classes=None)"}


def _stream(params: dict) -> str:
    return f"{power_label(params['total'])} samples, batches of {power_label(params['batch'])}, k={params['k']}"


def cases(ctx: Context) -> list[Measurement]:
    params = SIZES["quick" if ctx.quick else "full"]
    stream = _stream(params)
    common = dict(metric="mi", device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s)
    out = [Measurement("streaming", f"{stream}; torch_mi {label}", "torch_mi", {**params, "mode": mode}, **common)
           for mode, label in MODES.items()]
    peers = ["torchmetrics"] + (["sklearn"] if ctx.device == "cpu" else [])
    return out + [Measurement("streaming", stream, impl, params, **common) for impl in peers]  # once, for every row


def prepare(m: Measurement) -> Job:
    total, batch, k = m.params["total"], m.params["batch"], m.params["k"]
    batches = list(data.label_batches(total, batch, k, seed=3, device=m.device))
    if m.impl == "sklearn":
        preds = np.concatenate([p.numpy() for p, _ in batches])
        target = np.concatenate([t.numpy() for _, t in batches])
        del batches
        fn = score("sklearn", "mi")
        return Job(lambda: fn(preds, target))
    if m.impl == "torchmetrics":
        make = lambda: metric_class("torchmetrics", "mi")().to(m.device)  # noqa: E731
    else:
        num_classes = k if m.params["mode"] == "dense" else None
        make = lambda: metric_class("torch_mi", "mi")(num_classes=num_classes).to(m.device)  # noqa: E731
    return streamed_job(make, batches, m.device)


WORKLOAD = Workload(
    name="streaming",
    title="Streaming MI",
    about="update() per batch, then compute(): torch_mi Metric (dense and dynamic) vs torchmetrics' Metric; "
    "scikit-learn, which has no streaming form, scores the concatenated labels.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device,
                                          peers=(("sklearn", "sklearn (concatenated)"),
                                                 ("torchmetrics", "torchmetrics Metric")),
                                          agree_with="sklearn", peer_case=lambda case: case.split("; ")[0]),
    targets=[
        Ratio(f"streaming MI ({mode}) >= 5x faster than {peer}", Pick(peer, fixed_threads=True),
              Pick("torch_mi", params={"mode": mode}), at_least=5)
        for mode in MODES for peer in ("torchmetrics", "sklearn")
    ] + [
        Ratio(f"CUDA: streaming MI ({mode}) >= 20x faster than torchmetrics on the same GPU",
              Pick("torchmetrics", device="cuda", fixed_threads=True),
              Pick("torch_mi", params={"mode": mode}, device="cuda"), at_least=20)
        for mode in MODES
    ],
    order=30,
)
