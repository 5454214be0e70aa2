"""CUDA only: does a dense update() with validate_args=False run without a host-device sync?

Runs a few update() calls under ``torch.cuda.set_sync_debug_mode("error")``, which turns any
synchronizing call into an exception. validate_args=True (a range check that must read a result
back) is run the same way as a control: it should be caught, which shows the check can fail.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.peers import metric_class
from benchmarks.spec import Job, Profile, Spec

TITLE = "CUDA: update() without host-device synchronization"
IMPLS = {
    "dense_novalidate": ("dense, validate_args=False", {"validate_args": False}, "no sync"),
    "dense_validate": ("dense, validate_args=True (control)", {"validate_args": True}, "sync"),
}


def cases(profile: Profile, device: str) -> list[Spec]:
    if not device.startswith("cuda"):
        return []
    params = {"batch": profile.update_batch, "k": profile.update_k}
    return [Spec("cuda_checks", "set_sync_debug_mode('error')", impl, params, device=device, cap_s=profile.cap_s) for impl in IMPLS]


def prepare(spec: Spec) -> Job:
    batch, k = spec.params["batch"], spec.params["k"]
    options = IMPLS[spec.impl][1]
    batches = list(data.label_batches(3 * batch, batch, k, seed=7, device=spec.device))
    metric = metric_class("torch_mi", "mi")(num_classes=k, **options).to(spec.device)
    torch.cuda.synchronize()
    extra: dict = {"expected": IMPLS[spec.impl][2]}

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
