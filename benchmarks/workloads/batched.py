"""Batched scoring: B clusterings of the same N samples against one target.

B = 64 clusterings with k = 2 ... 65 clusters each, N = 10^6: one torch_mi call with preds of
shape (B, N), against a Python loop of B single torch_mi calls and against scikit-learn in a loop.
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.peers import score
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "Batched: B clusterings against one target"
IMPLS = {
    "torch_mi_batched": "torch_mi, one call with preds (B, N)",
    "torch_mi_loop": "torch_mi, Python loop of B calls",
    "sklearn_loop": "sklearn, Python loop of B calls",
}


def cases(profile: Profile, device: str) -> list[Spec]:
    b, n = profile.batched_b, profile.batched_n
    params = {"b": b, "n": n, "target_k": profile.batched_target_k}
    case = f"B={b}, N={power_label(n)}, k=2..{b + 1} vs {profile.batched_target_k} target classes"
    impls = [impl for impl in IMPLS if device == "cpu" or not impl.startswith("sklearn")]
    return [
        Spec("batched", case, impl, params, metric=metric, device=device, cap_s=profile.cap_s)
        for metric in ("ami", "nmi")
        for impl in impls
    ]


def labels(b: int, n: int, target_k: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    gen = data.generator(5, device)
    target = torch.randint(0, target_k, (n,), generator=gen, device=device)
    preds = torch.stack([data.noisy_copy(target, k, gen) for k in range(2, b + 2)])
    return preds, target


def prepare(spec: Spec) -> Job:
    preds, target = labels(spec.params["b"], spec.params["n"], spec.params["target_k"], spec.device)
    sync = device_sync(spec.device)
    if spec.impl == "torch_mi_batched":
        fn = score("torch_mi", spec.metric)
        return Job(lambda: fn(preds, target), sync=sync)
    if spec.impl == "torch_mi_loop":
        fn = score("torch_mi", spec.metric)
        return Job(lambda: [fn(row, target) for row in preds], sync=sync)
    fn = score("sklearn", spec.metric)
    rows, target_np = [row.numpy() for row in preds], target.numpy()
    return Job(lambda: [fn(row, target_np) for row in rows])
