"""Batched scoring: B clusterings of the same N samples against one target.

One torch_mi call with preds of shape (B, N), against a Python loop of B single torch_mi calls and
against scikit-learn in a loop. The clusterings have k = 2 ... B + 1 clusters, each a noisy copy of
the target. (NMI with B = 32 in a plain and a forked process: workload nmi_batched.)
"""

from __future__ import annotations

import torch

from benchmarks import data
from benchmarks.peers import score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label

SIZES = {"quick": {"b": 8, "n": 10**5, "target_k": 20}, "full": {"b": 64, "n": 10**6, "target_k": 20}}
IMPLS = ("torch_mi_batched", "torch_mi_loop", "sklearn_loop")


def cases(ctx: Context) -> list[Measurement]:
    params = SIZES["quick" if ctx.quick else "full"]
    b, n = params["b"], params["n"]
    case = f"B={b}, N={power_label(n)}, k=2..{b + 1} vs {params['target_k']} target classes"
    impls = [impl for impl in IMPLS if ctx.device == "cpu" or not impl.startswith("sklearn")]
    return [Measurement("batched", case, impl, params, metric=metric, device=ctx.device, threads=ctx.one_thread,
                        cap_s=ctx.cap_s)
            for metric in ("ami", "nmi") for impl in impls]


def labels(b: int, n: int, target_k: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    gen = data.generator(5, device)
    target = torch.randint(0, target_k, (n,), generator=gen, device=device)
    preds = torch.stack([data.noisy_copy(target, k, gen) for k in range(2, b + 2)])
    return preds, target


def prepare(m: Measurement) -> Job:
    preds, target = labels(m.params["b"], m.params["n"], m.params["target_k"], m.device)
    sync = device_sync(m.device)
    if m.impl == "sklearn_loop":
        fn = score("sklearn", m.metric)
        rows, target_np = [row.numpy() for row in preds], target.numpy()
        return Job(lambda: [fn(row, target_np) for row in rows])
    fn = score("torch_mi", m.metric)
    if m.impl == "torch_mi_batched":
        return Job(lambda: fn(preds, target), sync=sync)
    return Job(lambda: [fn(row, target) for row in preds], sync=sync)


WORKLOAD = Workload(
    name="batched",
    title="Batched: B clusterings against one target",
    about="One torch_mi call with preds (B, N) vs a Python loop of B torch_mi calls vs scikit-learn in a loop; "
    "AMI and NMI.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(
        results, device, base="torch_mi_batched", base_label="torch_mi batched call",
        peers=(("torch_mi_loop", "torch_mi loop"), ("sklearn_loop", "sklearn loop")), agree_with="sklearn_loop"),
    order=60,
)
