"""V-measure from labels, torch_mi vs scikit-learn: the smallest complete workload (benchmarks/README.md shows it).

n labels in [0, 100) on both sides, half of them agreeing; torch_mi at 1 and 2 torch threads,
scikit-learn (single-threaded) once per size.
"""

from benchmarks import data
from benchmarks.goals import Pick, Ratio
from benchmarks.peers import inputs
from benchmarks.tables import compare
from benchmarks.workload import Context, Job, Measurement, Workload, device_sync, power_label

SIZES = {"quick": (10**4,), "full": (10**6, 10**7)}  # the workload owns its sizes


def cases(ctx: Context) -> list[Measurement]:
    out = []
    for n in SIZES["quick" if ctx.quick else "full"]:
        case = f"n={power_label(n)}, k=100"
        out += [Measurement("v_measure", case, "torch_mi", {"n": n}, device=ctx.device, threads=t, cap_s=ctx.cap_s)
                for t in ctx.threads]
        if ctx.device == "cpu":  # scikit-learn runs on the CPU only, single-threaded: once
            out.append(Measurement("v_measure", case, "sklearn", {"n": n}, threads=ctx.one_thread, cap_s=ctx.cap_s))
    return out


def prepare(m: Measurement) -> Job:
    preds, target = inputs(m.impl, *data.correlated_labels(m.params["n"], 100, seed=21, device=m.device))
    if m.impl == "sklearn":
        from sklearn.metrics import v_measure_score

        return Job(lambda: float(v_measure_score(target, preds)))
    from torch_mi.functional import v_measure_score  # public API only

    return Job(lambda: float(v_measure_score(preds, target)), sync=device_sync(m.device))


WORKLOAD = Workload(
    name="v_measure",  # must equal the module name
    title="V-measure from labels",  # the RESULTS.md section
    about="V-measure from labels, n labels in [0, 100) on both sides, half agreeing: torch_mi vs scikit-learn.",
    cases=cases,
    prepare=prepare,
    table=lambda results, device: compare(results, device, peers=(("sklearn", "sklearn"),)),
    targets=[Ratio("V-measure n=10^6: >= 10x faster than sklearn",
                   Pick("sklearn", params={"n": 10**6}, fixed_threads=True), Pick("torch_mi", params={"n": 10**6}),
                   at_least=10)],
    order=28,  # position in the report
)
