"""AMI as the clusters grow: the expected-MI term, which dominates AMI's cost.

Cluster sizes on both sides: uniform and Zipf with k = 10 ... 10^4 clusters at fixed n; sizes
1, 2, ..., m (all distinct, so grouping equal sizes does not help; n = m(m+1)/2); and the labels
i % 8000 vs i % 7000 for i < 10^6 (56 million cluster pairs). The preds are shuffled against
the target, so agreement is chance level and AMI is near 0. AMI is measured end to end, from
labels, for every peer.
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.peers import IMPLS, inputs, score
from benchmarks.spec import Job, Profile, Spec, power_label
from benchmarks.workloads import device_sync

TITLE = "AMI as clusters grow (expected-MI cost)"


def cases(profile: Profile, device: str) -> list[Spec]:
    impls = IMPLS if device == "cpu" else ("torch_mi", "torchmetrics")
    n = profile.emi_n
    rows = []  # (case label, params, series, dims, sklearn cap)
    for kind in ("uniform", "zipf"):
        for k in profile.emi_k:
            label = f"{'Zipf' if kind == 'zipf' else 'uniform'} sizes, k={k} (n={power_label(n)})"
            rows.append((label, {"kind": kind, "n": n, "k": k}, f"emi-{kind}", (n, k), profile.cap_s))
    for m in profile.tri_m:
        label = f"sizes 1..{m} both sides (n={power_label(m * (m + 1) // 2)})"
        rows.append((label, {"kind": "triangular", "m": m}, "emi-triangular", (m,), profile.cap_s))
    mod_n, a, b = profile.mod_case
    label = f"i % {a} vs i % {b}, i < {power_label(mod_n)}"
    # Uniform sizes with min(a, b) clusters a side or more: at least as costly as the uniform series.
    rows.append((label, {"kind": "modulo", "n": mod_n, "a": a, "b": b}, f"emi-uniform", (mod_n, min(a, b)), profile.mod_cap_s))
    specs = []
    for label, params, series, dims, sklearn_cap in rows:
        for impl in impls:
            cap = sklearn_cap if impl == "sklearn" else profile.cap_s
            specs.append(Spec("expected_mi", label, impl, params, metric="ami", device=device, cap_s=cap, series=series, dims=dims))
    return specs


def labels(params: dict, device: str):
    kind = params["kind"]
    if kind == "modulo":
        return data.modulo_labels(params["n"], params["a"], params["b"], device=device)
    if kind == "triangular":
        sizes = data.triangular_sizes(params["m"])
        return data.labels_with_sizes(sizes, sizes, seed=4, device=device)
    make = data.uniform_sizes if kind == "uniform" else data.zipf_sizes
    sizes = make(params["n"], params["k"])
    return data.labels_with_sizes(sizes, sizes, seed=4, device=device)


def prepare(spec: Spec) -> Job:
    preds, target = inputs(spec.impl, *labels(spec.params, spec.device))
    fn = score(spec.impl, "ami")
    return Job(lambda: fn(preds, target), sync=device_sync(spec.device))
