"""Adjusted Rand index: speed from labels and streaming, and exactness at large n.

Speed: n labels in [0, 100) on both sides, half agreeing. torch_mi's functional
``adjusted_rand_score`` and scikit-learn's on the whole labels; torch_mi's ``AdjustedRandScore``
Metric (dense, num_classes=100) and torchmetrics' ``AdjustedRandScore`` Metric (which stores every
label until compute()) over the same labels in 10 batches (built before the clock starts).

Exactness: pair counts reach n^2/2, so int64 products overflow long before n does. Each row gives the
exact ARI (Python integers and fractions.Fraction from the contingency table, Hubert & Arabie 1985)
and every implementation's error: two clusters at n = 10^6 from labels (all three), and a 2 x 2 table
whose counts sum to 10^12, given as ``contingency=`` (torch_mi only: the peers take labels only, and
10^12 int64 labels would be 7.3 TiB).
"""

from __future__ import annotations

from fractions import Fraction
from typing import Optional

import torch

from benchmarks import data
from benchmarks.goals import Custom, Pick, Ratio
from benchmarks.peers import _as_float, inputs
from benchmarks.results import Result, WorkloadResults
from benchmarks.tables import fmt_mib, fmt_ratio, fmt_time
from benchmarks.workload import Context, Job, Measurement, Table, Workload, device_sync, power_label
from benchmarks.workloads._shared import records_by_impl, streamed_job

K = 100
BATCHES = 10
SIZES = {"quick": (10**5,), "full": (10**6, 10**7)}
EXACT_N = 10**6  # two clusters from labels: torchmetrics' int64 products already overflow here
HUGE_TABLE = [[400_000_000_001, 99_999_999_999], [100_000_000_000, 400_000_000_000]]  # sums to 10^12
IMPLS = {
    "torch_mi": "torch_mi", "torch_mi_metric": "torch_mi Metric", "sklearn": "sklearn", "torchmetrics": "torchmetrics"
}
EXACT_TOLERANCE = 1e-14


def _speed_case(n: int) -> str:
    return f"n={power_label(n)}, k={K}"


TWO_CLUSTERS = f"exactness: 2 clusters, n={power_label(EXACT_N)}"
HUGE = "exactness: 2 x 2 table summing to 10^12 (contingency=)"


def cases(ctx: Context) -> list[Measurement]:
    common = dict(device=ctx.device, threads=ctx.one_thread, cap_s=ctx.cap_s)
    out = []
    for n in SIZES["quick" if ctx.quick else "full"]:
        for impl in IMPLS:
            if impl == "sklearn" and ctx.device != "cpu":
                continue  # scikit-learn runs on the CPU only: its CPU row is the reference
            out.append(Measurement("ari", _speed_case(n), impl, {"n": n, "kind": "speed"}, **common))
    for impl in ("torch_mi", "sklearn", "torchmetrics"):
        if impl == "sklearn" and ctx.device != "cpu":
            continue
        out.append(Measurement("ari", TWO_CLUSTERS, impl, {"n": EXACT_N, "kind": "two_clusters"}, **common))
    out.append(Measurement("ari", HUGE, "torch_mi", {"kind": "table"}, **common))
    return out


def exact_ari(table: list[list[int]]) -> Fraction:
    """ARI from a contingency table in exact arithmetic (Hubert & Arabie 1985, as scikit-learn defines it)."""
    pairs = lambda x: x * (x - 1) // 2  # noqa: E731
    n = sum(map(sum, table))
    cells = sum(pairs(c) for row in table for c in row)
    rows = sum(pairs(sum(row)) for row in table)
    cols = sum(pairs(sum(col)) for col in zip(*table))
    expected = Fraction(rows * cols, pairs(n))
    top = cells - expected
    bottom = Fraction(rows + cols, 2) - expected
    return Fraction(1) if bottom == 0 else top / bottom


def _table_of(preds: torch.Tensor, target: torch.Tensor, k: int) -> list[list[int]]:
    counts = torch.bincount(target.cpu() * k + preds.cpu(), minlength=k * k).reshape(k, k)
    return counts.tolist()


def prepare(m: Measurement) -> Job:
    kind = m.params["kind"]
    if kind == "table":
        from torch_mi.functional import adjusted_rand_score

        table = torch.tensor(HUGE_TABLE, dtype=torch.int64, device=m.device)
        adjusted_rand_score(contingency=table)  # warm-up, not timed
        extra = {"exact": float(exact_ari(HUGE_TABLE))}
        return Job(lambda: float(adjusted_rand_score(contingency=table)), extra=extra, sync=device_sync(m.device))
    k = K if kind == "speed" else 2
    preds, target = data.correlated_labels(m.params["n"], k, seed=31, device=m.device)
    extra = {"exact": float(exact_ari(_table_of(preds, target, k)))} if m.impl == "torch_mi" else {}
    if m.impl == "sklearn":
        from sklearn.metrics import adjusted_rand_score as sk_ari

        p, t = inputs("sklearn", preds, target)
        return Job(lambda: float(sk_ari(t, p)))
    if m.impl == "torch_mi":
        from torch_mi.functional import adjusted_rand_score

        # the first call pays one-time imports (torch imports sympy): not timed
        adjusted_rand_score(preds[:10], target[:10])
        return Job(lambda: float(adjusted_rand_score(preds, target)), extra=extra, sync=device_sync(m.device))
    if kind == "two_clusters":  # torchmetrics' functional form, on the same labels
        from torchmetrics.functional.clustering import adjusted_rand_score as tm_ari

        return Job(lambda: _as_float(tm_ari(preds, target)), sync=device_sync(m.device))
    if m.impl == "torchmetrics":
        from torchmetrics.clustering import AdjustedRandScore as TMAdjustedRandScore

        make = lambda: TMAdjustedRandScore().to(m.device)  # noqa: E731
    else:
        from torch_mi import AdjustedRandScore

        make = lambda: AdjustedRandScore(num_classes=K).to(m.device)  # noqa: E731
    return streamed_job(make, list(zip(preds.chunk(BATCHES), target.chunk(BATCHES))), m.device)


def _error(result: Optional[Result], exact: Optional[float]) -> str:
    if exact is None or not result or result.get("status") != "ok" or result.get("value") is None:
        return "–"
    return f"{abs(result['value'] - exact):.1e}"


def table(results: WorkloadResults, device: str) -> Table:
    headers = ["case", "torch_mi", f"torch_mi Metric ({BATCHES} batches)", "sklearn",
               f"torchmetrics ({BATCHES} batches)", "sklearn ÷ torch_mi", "torchmetrics ÷ torch_mi Metric",
               "peak MiB torch_mi Metric / torchmetrics",
               "exact ARI", "|error| torch_mi / sklearn / torchmetrics"]
    rows = []
    for _, case in results.cases(device):
        got = records_by_impl(results, case, device, IMPLS, cpu_only="sklearn")
        mine = got["torch_mi"]
        exact = (mine or {}).get("extra", {}).get("exact")
        huge = case == HUGE

        def peer_cell(impl, got=got, huge=huge):
            return "labels only (10^12 labels = 7.3 TiB): not run" if huge else fmt_time(got[impl])

        rows.append([
            case, fmt_time(mine), fmt_time(got["torch_mi_metric"]), peer_cell("sklearn"), peer_cell("torchmetrics"),
            fmt_ratio(got["sklearn"], mine), fmt_ratio(got["torchmetrics"], got["torch_mi_metric"]),
            f"{fmt_mib(got['torch_mi_metric'])} / {fmt_mib(got['torchmetrics'])}",
            "–" if exact is None else f"{exact:.15g}",
            " / ".join(_error(got[impl], exact) for impl in ("torch_mi", "sklearn", "torchmetrics")),
        ])
    note = ("Speed rows: torchmetrics is its AdjustedRandScore Metric, streamed like torch_mi's; exactness rows: its "
            "functional adjusted_rand_score. Errors are against the exact ARI "
            "(integer pair counts, fractions.Fraction).")
    return Table(headers, rows, note)


def _exact(results: WorkloadResults) -> list[dict]:
    name = f"torch_mi ARI within {EXACT_TOLERANCE:g} of exact, every row (incl. counts summing to 10^12)"
    checked = []
    for record in results.records:
        m, result = record["measurement"], record["result"]
        if m["impl"] == "torch_mi" and m["device"] == "cpu" and result.get("status") == "ok":
            checked.append((m["case"], abs(result["value"] - result["extra"]["exact"])))
    if not checked:
        return [{"target": name, "measured": "not measured in this run", "holds": None}]
    case, worst = max(checked, key=lambda item: item[1])
    return [{"target": name, "measured": f"largest error {worst:.1e} ({case}; {len(checked)} rows)",
             "holds": worst <= EXACT_TOLERANCE and any(c == HUGE for c, _ in checked)}]


WORKLOAD = Workload(
    name="ari",
    title="Adjusted Rand index",
    about="ARI from labels (n = 10^6, 10^7, k = 100): torch_mi functional vs scikit-learn; torch_mi's Metric vs "
    "torchmetrics' Metric streamed in 10 batches; and exactness against the exact ARI, at two clusters x 10^6 "
    "samples and for a table whose counts sum to 10^12.",
    cases=cases,
    prepare=prepare,
    table=table,
    targets=[
        Ratio("ARI n=10^6: >= 10x faster than sklearn", Pick("sklearn", case=_speed_case(10**6), fixed_threads=True),
              Pick("torch_mi", case=_speed_case(10**6)), at_least=10),
        Ratio("ARI n=10^7 streamed: torch_mi Metric >= 5x faster than torchmetrics' Metric",
              Pick("torchmetrics", case=_speed_case(10**7), fixed_threads=True),
              Pick("torch_mi_metric", case=_speed_case(10**7)), at_least=5),
        Custom("ARI exact", _exact),
    ],
    order=29,
)
