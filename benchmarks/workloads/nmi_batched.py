"""NMI of B = 32 clusterings in one batched call against a loop of 32 calls, in a plain and a forked process.

Each clustering is a noisy copy of one target (k = 2 ... 33 clusters). The batched call takes preds
of shape (32, N). It runs in two kinds of process, because memory behaviour differs between them: a
plain new interpreter ("spawn"), and a process forked from a parent that had already imported torch,
scikit-learn and torchmetrics (as DataLoader workers are). At 1 and 2 torch threads.
"""

from __future__ import annotations

from benchmarks.goals import Pick, Ratio
from benchmarks.peers import score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label
from benchmarks.workloads.batched import labels

SIZES = {"quick": {"b": 8, "n": 10**5, "target_k": 20}, "full": {"b": 32, "n": 10**6, "target_k": 20}}
PROCESSES = {"fork": "forked worker", "spawn": "plain process"}


def cases(ctx: Context) -> list[Measurement]:
    params = SIZES["quick" if ctx.quick else "full"]
    out = []
    for process, where in PROCESSES.items():
        case = f"B={params['b']}, N={power_label(params['n'])}, {where}"
        # A plain process pays its imports before the clock: one thread count only in a quick run.
        counts = ctx.threads[:1] if ctx.quick and process == "spawn" else ctx.threads
        out += [Measurement("nmi_batched", case, impl, {**params, "process": process}, metric="nmi", device=ctx.device,
                            threads=t, cap_s=ctx.cap_s, process=process)
                for t in counts for impl in ("torch_mi_batched", "torch_mi_loop")]
    return out


def prepare(m: Measurement) -> Job:
    preds, target = labels(m.params["b"], m.params["n"], m.params["target_k"], m.device)
    fn = score("torch_mi", "nmi")
    if m.impl == "torch_mi_batched":
        return Job(lambda: fn(preds, target), sync=device_sync(m.device))
    return Job(lambda: [fn(row, target) for row in preds], sync=device_sync(m.device))


WORKLOAD = Workload(
    name="nmi_batched",
    title="NMI: one batched call vs a loop, plain and forked process",
    about="NMI of B = 32 clusterings of 10^6 samples against one target: one call with preds (B, N) vs a "
    "Python loop of B calls, each in a plain new interpreter and in a forked worker.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device, base="torch_mi_batched", base_label="batched call",
                                          peers=(("torch_mi_loop", "loop of B calls"),), agree_with="torch_mi_loop"),
    targets=[Ratio(f"NMI, B=32 x 10^6, {where}: batched call >= 2x faster than a loop",
                   Pick("torch_mi_loop", params={"b": 32, "process": process}),
                   Pick("torch_mi_batched", params={"b": 32, "process": process}), at_least=2)
             for process, where in PROCESSES.items()],
    order=62,
)
