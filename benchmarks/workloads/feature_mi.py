"""Feature MI (issue 14): MI of each of F features with a target, torch_mi vs scikit-learn.

X (N, F) float64 with feature j = w_j * signal + standard normal noise (w_j from 0 to 1, so MI
ranges from none to strong); classification: signal = y, 5 classes; regression: signal = a standard
normal z and y = z + noise/2. ``torch_mi.feature_selection.mutual_info_classif`` /
``mutual_info_regression`` vs scikit-learn's functions of the same name, both with their defaults
(continuous features, k = 3 neighbours, tie-breaking noise) and random_state=0. For classification also
torch_mi's ``binned_mutual_info`` (10 quantile bins; no scikit-learn counterpart).

scikit-learn estimates feature by feature, so its time is linear in F: where it would take too long it
runs on the first few features and its time is scaled by F / measured features, marked "extrapolated".
|torch_mi − sklearn| is over the features scikit-learn ran.

The API is imported lazily: on a tree without ``torch_mi.feature_selection`` every torch_mi row is a
"not available" record instead of an error.
"""

from __future__ import annotations

from typing import Optional

import torch

from benchmarks import data
from benchmarks.goals import Custom
from benchmarks.results import Result, WorkloadResults
from benchmarks.tables import fmt_mib, fmt_time, fmt_x
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label, thread_label
from benchmarks.workloads._shared import fmt_time_or_why, measured, missing_module, unavailable, why_unavailable

CLASSES = 5
# (n, F, features scikit-learn runs on); its time is scaled by F / that where it runs on fewer.
SIZES = {"quick": [(5000, 10, 10), (20000, 10, 2)], "full": [(10**5, 100, 100), (10**6, 100, 4)]}
TASKS = ("classif", "regression")
CAP_S = {"quick": 5.0, "full": 900.0}  # torch_mi at 10^6 x 100 takes minutes on a laptop-class CPU
GOAL = 20


def _case(task: str, n: int, f: int) -> str:
    return f"{task}, {power_label(n)} x {f} features"


def cases(ctx: Context) -> list[Measurement]:
    mode = "quick" if ctx.quick else "full"
    cap = max(ctx.cap_s, CAP_S[mode])
    out = []
    for task in TASKS:
        for n, f, sk_f in SIZES[mode]:
            params = {"task": task, "n": n, "features": f}
            impls = (["torch_mi"] + (["torch_mi_binned"] if task == "classif" else [])
                     + (["sklearn"] if ctx.device == "cpu" else []))
            for impl in impls:
                extra = {"sklearn_features": sk_f} if impl == "sklearn" else {}
                # scikit-learn's estimators are single-threaded (n_jobs=None): one run; torch_mi at every count.
                for threads in [ctx.one_thread] if impl == "sklearn" else ctx.threads:
                    out.append(Measurement("feature_mi", _case(task, n, f), impl, {**params, **extra},
                                           device=ctx.device, threads=threads, cap_s=cap))
    return out


def _data(task: str, n: int, f: int, device: str) -> tuple[torch.Tensor, torch.Tensor]:
    gen = data.generator(61)
    weights = torch.linspace(0, 1, f, dtype=torch.float64)
    if task == "classif":
        y = torch.randint(0, CLASSES, (n,), generator=gen)
        signal = y.to(torch.float64)
    else:
        signal = torch.randn(n, generator=gen, dtype=torch.float64)
        y = signal + 0.5 * torch.randn(n, generator=gen, dtype=torch.float64)
    X = signal[:, None] * weights + torch.randn(n, f, generator=gen, dtype=torch.float64)
    return X.to(device), y.to(device)


def prepare(m: Measurement) -> Job:
    task, n, f = m.params["task"], m.params["n"], m.params["features"]
    if m.impl.startswith("torch_mi"):
        why = missing_module("torch_mi.feature_selection")
        if why:
            return unavailable(why)
    X, y = _data(task, n, f, m.device)
    if m.impl == "sklearn":
        from sklearn import feature_selection as skf

        fn = skf.mutual_info_classif if task == "classif" else skf.mutual_info_regression
        X_sk = X[:, : m.params["sklearn_features"]].cpu().numpy().copy()
        y_sk = y.cpu().numpy()
        return Job(lambda: [float(v) for v in fn(X_sk, y_sk, random_state=0)], repeat=False)
    from torch_mi import feature_selection as fs  # lazily: absent on trees without issue 14

    if m.impl == "torch_mi_binned":
        fs.binned_mutual_info(X[:50], y[:50], bins=2)  # warm-up, not timed
        return Job(lambda: [float(v) for v in fs.binned_mutual_info(X, y, bins=10).tolist()],
                   sync=device_sync(m.device))
    fn = fs.mutual_info_classif if task == "classif" else fs.mutual_info_regression
    fn(X[:50, :2], y[:50], random_state=0)  # warm-up, not timed
    return Job(lambda: [float(v) for v in fn(X, y, random_state=0).tolist()], repeat=False, sync=device_sync(m.device))


def sklearn_scaled(result: Optional[Result], ran: Optional[int], features: int) -> tuple[Optional[float], str, bool]:
    """(scikit-learn's time for all ``features`` from its time on ``ran`` of them; ">" when it hit its cap;
    extrapolated?)."""
    if not result or not ran or result.get("status") not in ("ok", "cap"):
        return None, "", False
    took = result["seconds"] if result["status"] == "ok" else result["cap_s"]
    return took * features / ran, (">" if result["status"] == "cap" else ""), ran < features


def _sklearn(results: WorkloadResults, case: str) -> tuple[Optional[Result], Optional[int]]:
    """scikit-learn's result for ``case`` and how many features it ran on."""
    for record in results.records:
        m = record["measurement"]
        if m["case"] == case and m["impl"] == "sklearn":
            return record["result"], m["params"]["sklearn_features"]
    return None, None


def _speedup(
    mine: Optional[Result], sk: Optional[Result], ran: Optional[int], features: int
) -> tuple[Optional[float], str]:
    """sklearn's (scaled) time / torch_mi's, with the bound that caps on either side give."""
    theirs, their_bound, _ = sklearn_scaled(sk, ran, features)
    mine = measured(mine)
    if theirs is None or not mine or mine.get("status") not in ("ok", "cap"):
        return None, ""
    if mine["status"] == "cap":
        return (None, "") if their_bound else (theirs / mine["cap_s"], "<")
    return theirs / mine["seconds"], their_bound


def _diff(mine: Optional[Result], sk: Optional[Result]) -> str:
    mine = measured(mine)
    if not mine or not sk or mine.get("status") != "ok" or sk.get("status") != "ok":
        return "–"
    return f"{max(abs(a - b) for a, b in zip(mine['value'], sk['value'])):.1e}"


def table(results: WorkloadResults, device: str) -> Table:
    headers = ["case", "torch_mi", "sklearn (features run)", "sklearn, all features", "sklearn ÷ torch_mi",
               "torch_mi binned MI (10 bins)", "peak MiB torch_mi / sklearn",
               "|torch_mi − sklearn| (features sklearn ran)"]
    rows = []
    for _, case in results.cases(device):
        for threads in results.threads("torch_mi", device, case):
            mine = results.find(case=case, impl="torch_mi", device=device, threads=threads)
            if mine is None:
                continue
            features = next(r["measurement"]["params"]["features"] for r in results.records
                            if r["measurement"]["case"] == case)
            sk, ran = _sklearn(results, case)
            scaled, bound, extrapolated = sklearn_scaled(sk, ran, features)
            binned = results.find(case=case, impl="torch_mi_binned", device=device, threads=threads)
            rows.append([
                f"{case} ({thread_label(threads)})", fmt_time_or_why(mine),
                "–" if sk is None else f"{fmt_time(sk)} ({ran})",
                "–" if scaled is None
                else f"{bound + ' ' if bound else ''}{scaled:.3g} s" + (" (extrapolated)" if extrapolated else ""),
                fmt_x(*_speedup(mine, sk, ran, features)), "–" if binned is None else fmt_time_or_why(binned),
                f"{fmt_mib(measured(mine))} / {fmt_mib(sk)}", _diff(mine, sk),
            ])
    note = ("sklearn, all features = its measured time x F / features it ran (it estimates feature by feature); "
            "torch_mi and sklearn both with random_state=0 and their default tie-breaking noise; torch_mi's kNN "
            "searches run as compiled kernels when numba is installed (the run's versions line says), "
            "else as tensor code.")
    return Table(headers, rows, note)


def _goal(task: str, n: int, f: int) -> Custom:
    name = f"feature MI ({task}) {power_label(n)} x {f}: >= {GOAL}x faster than sklearn (extrapolated where marked)"
    case = _case(task, n, f)

    def check(results: WorkloadResults) -> list[dict]:
        counts = results.threads("torch_mi", case=case) or [None]
        return [one(results, threads, name if len(counts) < 2 else f"{name} ({thread_label(threads)})")
                for threads in counts]

    def one(results: WorkloadResults, threads: Optional[int], name: str) -> dict:
        mine = results.find(case=case, impl="torch_mi", threads=threads)
        if why_unavailable(mine):
            return {"target": name, "measured": f"not run: {why_unavailable(mine)}", "holds": None}
        sk, ran = _sklearn(results, case)
        value, bound = _speedup(mine, sk, ran, f)
        if value is None:
            return {"target": name, "measured": "not measured in this run", "holds": None}
        scaled, _, extrapolated = sklearn_scaled(sk, ran, f)
        measured_text = (f"{fmt_x(value, bound)} (sklearn {scaled:.3g} s{' extrapolated' if extrapolated else ''}, "
                         f"torch_mi {fmt_time(mine)})")
        holds = (value >= GOAL) if bound == "" else (
            True if bound == ">" and value >= GOAL else False if bound == "<" and value < GOAL else None
        )
        return {"target": name, "measured": measured_text, "holds": holds}

    return Custom(name, check)


def plot(ax, results: WorkloadResults) -> None:
    """Seconds per case: torch_mi, its binned MI, and scikit-learn for all F features (hatched: extrapolated)."""
    cases_ = [case for _, case in results.cases("cpu")]
    width = 0.27
    for offset, (impl, color) in enumerate(
        (("torch_mi", "tab:blue"), ("torch_mi_binned", "lightsteelblue"), ("sklearn", "tab:orange"))
    ):
        for index, case in enumerate(cases_):
            if impl == "sklearn":
                sk, ran = _sklearn(results, case)
                features = next(r["measurement"]["params"]["features"] for r in results.records
                                if r["measurement"]["case"] == case)
                height, _, extrapolated = sklearn_scaled(sk, ran, features)
            else:
                result = measured(
                    results.find(case=case, impl=impl, threads=max(results.threads(impl, case=case) or [None]))
                )
                height, extrapolated = (result["seconds"] if result and result.get("status") == "ok" else None), False
            if height:
                ax.bar(index + (offset - 1) * width, height, width, color=color, hatch="//" if extrapolated else None,
                       label=impl if index == 0 or impl == "torch_mi_binned" else None)
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.legend(unique.values(), unique.keys(), fontsize=6)
    ax.set_xticks(range(len(cases_)))
    ax.set_xticklabels(cases_, rotation=35, ha="right", fontsize=6)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (hatched: sklearn extrapolated per feature)")


WORKLOAD = Workload(
    name="feature_mi",
    title="Feature MI (mutual_info_classif / mutual_info_regression)",
    about="MI of each of 100 features with a target at 10^5 and 10^6 samples, classification and regression: "
    "torch_mi.feature_selection vs scikit-learn's functions (at 10^6 on a few features, scaled per feature).",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[_goal(task, n, f) for task in TASKS for n, f, _ in SIZES["full"]],
    order=33,
    plot=plot,
)
