"""AMI with cluster sizes 1, 2, ..., m on both sides: every size distinct, so grouping equal sizes cannot help.

One cluster of each size 1..m on each side (n = m(m+1)/2), labels randomly permuted against each other
(chance agreement). Small m is where fixed per-call costs show (n <= 20,100 at m <= 200); m = 700 and
1400 (n = 245,350 and 980,700) are where expected MI dominates: about m^2 distinct size pairs, each
with a window of hypergeometric terms. scikit-learn needs about a minute at m = 1400, so it runs once
there (a single timed call) and only in full runs. The quick run stops at m = 700, measured for torch_mi
alone at one thread, and leaves torchmetrics out.
torchmetrics' AMI is a Python loop over cells: capped early, then reported over the cap for larger m.
"""

from __future__ import annotations

from benchmarks import data
from benchmarks.goals import Pick, Ratio, Seconds
from benchmarks.peers import inputs, score
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync

SIZES = {
    "quick": {"m": (50, 200, 700), "sklearn_up_to": 200, "torchmetrics_up_to": 0, "one_thread_from": 700,
              "big_cap_s": 10.0},
    "full": {"m": (50, 100, 200, 700, 1400), "sklearn_up_to": 1400, "torchmetrics_up_to": 1400,
             "one_thread_from": 10**9, "big_cap_s": 120.0},
}
SMALL = (50, 100, 200)
TORCHMETRICS_CAP_S = 30.0  # its Python loop; beyond this it only shows how far behind it is


def case(m: int) -> str:
    return f"sizes 1..{m} both sides (n={m * (m + 1) // 2:,})"


def cases(ctx: Context) -> list[Measurement]:
    sizes = SIZES["quick" if ctx.quick else "full"]
    out = []
    for m in sizes["m"]:
        common = dict(metric="ami", device=ctx.device, series="triangular", dims=(m,))
        big = m >= 700
        counts = ctx.threads[:1] if m >= sizes["one_thread_from"] else ctx.threads
        cap = max(ctx.cap_s, sizes["big_cap_s"]) if big else ctx.cap_s
        out += [Measurement("ami_sizes", case(m), "torch_mi", {"m": m}, threads=t, cap_s=cap, **common) for t in counts]
        if ctx.device == "cpu" and m <= sizes["sklearn_up_to"]:
            out.append(
                Measurement("ami_sizes", case(m), "sklearn", {"m": m}, threads=ctx.one_thread, cap_s=cap, **common)
            )
        if m <= sizes["torchmetrics_up_to"]:
            out.append(Measurement("ami_sizes", case(m), "torchmetrics", {"m": m}, threads=ctx.one_thread,
                                   cap_s=min(ctx.cap_s, TORCHMETRICS_CAP_S), **common))
    return out


def prepare(m: Measurement) -> Job:
    sizes = data.triangular_sizes(m.params["m"])
    preds, target = inputs(m.impl, *data.labels_with_sizes(sizes, sizes, seed=4, device=m.device))
    fn = score(m.impl, "ami")
    return Job(lambda: fn(preds, target), sync=device_sync(m.device))


def _faster(m: int, minimum: float) -> Ratio:
    return Ratio(f"AMI, sizes 1..{m}: >= {minimum:g}x faster than sklearn",
                 Pick("sklearn", params={"m": m}, fixed_threads=True), Pick("torch_mi", params={"m": m}),
                 at_least=minimum)


WORKLOAD = Workload(
    name="ami_sizes",
    title="AMI with cluster sizes 1..m on both sides",
    about="One cluster of each size 1..m on both sides, labels permuted: no two sizes equal, the worst case "
    "for expected MI. Small m shows per-call overhead; m = 1400 (n = 980,700) the bulk of the work.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device),
    targets=[*(_faster(m, 10) for m in SMALL), _faster(700, 50),
             Seconds("AMI, sizes 1..1400 (n=980,700) <= 0.3 s", Pick("torch_mi", params={"m": 1400}), 0.3),
             Seconds("CUDA: AMI, sizes 1..1400 (n=980,700) <= 50 ms",
                     Pick("torch_mi", params={"m": 1400}, device="cuda"), 0.050)],
    order=42,
)
