"""AMI as the clusters grow: the expected-MI term, which dominates AMI's cost.

Cluster sizes on both sides: uniform and Zipf with k = 10 ... 10^4 clusters at fixed n, and the labels
i % 8000 vs i % 7000 for i < 10^6 (56 million cluster pairs). The preds are shuffled against the
target, so agreement is chance level and AMI is near 0. AMI is measured end to end, from labels.
(Sizes 1, 2, ..., m, where grouping equal sizes cannot help: workloads ami_sizes and ami_small.)
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.goals import Pick, Seconds
from benchmarks.peers import IMPLS, inputs, score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label

SIZES = {
    "quick": {"n": 2000, "k": (10,), "modulo": (2000, 8, 7), "modulo_cap_s": 1.0},
    "full": {"n": 10**6, "k": (10, 100, 1000, 10**4), "modulo": (10**6, 8000, 7000), "modulo_cap_s": 300.0},
}


def cases(ctx: Context) -> list[Measurement]:
    sizes = SIZES["quick" if ctx.quick else "full"]
    impls = IMPLS if ctx.device == "cpu" else ("torch_mi", "torchmetrics")
    n = sizes["n"]
    rows = []  # (case, params, series, dims, sklearn's cap)
    for kind in ("uniform", "zipf"):
        for k in sizes["k"]:
            label = f"{'Zipf' if kind == 'zipf' else 'uniform'} sizes, k={k} (n={power_label(n)})"
            rows.append((label, {"kind": kind, "n": n, "k": k}, f"emi-{kind}", (n, k), ctx.cap_s))
    mod_n, a, b = sizes["modulo"]
    # Uniform sizes with min(a, b) clusters a side or more: at least as costly as the uniform series.
    rows.append((f"i % {a} vs i % {b}, i < {power_label(mod_n)}", {"kind": "modulo", "n": mod_n, "a": a, "b": b},
                 "emi-uniform", (mod_n, min(a, b)), max(ctx.cap_s, sizes["modulo_cap_s"])))
    return [
        Measurement("expected_mi", label, impl, params, metric="ami", device=ctx.device, threads=ctx.one_thread,
                    cap_s=sk_cap if impl == "sklearn" else ctx.cap_s, series=series, dims=dims)
        for label, params, series, dims, sk_cap in rows for impl in impls
    ]


def labels(params: dict, device: str):
    if params["kind"] == "modulo":
        return data.modulo_labels(params["n"], params["a"], params["b"], device=device)
    sizes = (data.uniform_sizes if params["kind"] == "uniform" else data.zipf_sizes)(params["n"], params["k"])
    return data.labels_with_sizes(sizes, sizes, seed=4, device=device)


def prepare(m: Measurement) -> Job:
    preds, target = inputs(m.impl, *labels(m.params, m.device))
    fn = score(m.impl, "ami")
    return Job(lambda: fn(preds, target), sync=device_sync(m.device))


WORKLOAD = Workload(
    name="expected_mi",
    title="AMI as clusters grow (expected-MI cost)",
    about="AMI end to end with uniform and Zipf cluster sizes at fixed n, and labels i % a vs i % b; "
    "preds shuffled against the target (chance agreement).",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device),
    targets=[Seconds("AMI, i % 8000 vs i % 7000 (i < 10^6) < 1 s",
                     Pick("torch_mi", params={"kind": "modulo", "a": 8000, "b": 7000}), 1.0)],
    order=40,
)
