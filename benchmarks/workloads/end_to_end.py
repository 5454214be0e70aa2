"""End-to-end scores from labels: MI, NMI and AMI of one pair of labelings, functional calls.

n labels in [0, k) on both sides, half of them agreeing (``data.correlated_labels``). Each peer
gets the same labels; scikit-learn as numpy arrays. torchmetrics' AMI loops over (row, column,
cell value) in Python, so it meets the cap early and is then reported over the cap at every
larger size without being rerun.
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.peers import IMPLS, METRICS, inputs, score
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "End-to-end MI / NMI / AMI from labels"


def cases(profile: Profile, device: str) -> list[Spec]:
    impls = IMPLS if device == "cpu" else ("torch_mi", "torchmetrics")  # scikit-learn runs on the CPU only
    specs = []
    for metric in METRICS:
        for n in profile.e2e_n:
            for k in profile.e2e_k:
                case = f"n={power_label(n)}, k={k}"
                for impl in impls:
                    specs.append(
                        Spec(
                            "end_to_end", case, impl, {"n": n, "k": k}, metric=metric, device=device,
                            cap_s=profile.cap_s, series=f"e2e-{metric}", dims=(n, k),
                        )
                    )
    return specs


def prepare(spec: Spec) -> Job:
    preds, target = data.correlated_labels(spec.params["n"], spec.params["k"], seed=2, device=spec.device)
    preds, target = inputs(spec.impl, preds, target)
    fn = score(spec.impl, spec.metric)
    return Job(lambda: fn(preds, target), sync=device_sync(spec.device))
