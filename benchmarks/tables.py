"""Formatting one workload's results into its RESULTS.md table: times, ratios, memory, agreement."""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Sequence

from benchmarks.results import Result, WorkloadResults
from benchmarks.workload import Table

MiB = 2**20
DAGGER = "†"
METRIC_NAMES = {"mi": "MI", "nmi": "NMI", "ami": "AMI", "": ""}


def seconds(result: Optional[Result]) -> Optional[float]:
    return result["seconds"] if result and result.get("status") == "ok" else None


def ratio(slow: Optional[Result], fast: Optional[Result]) -> tuple[Optional[float], str]:
    """(slow time / fast time, bound): bound is "" (exact), ">" (slow stopped at its cap) or "<" (fast stopped)."""
    def time_of(result: Optional[Result]) -> tuple[Optional[float], bool]:
        if result is None:
            return None, False
        if result.get("status") == "ok":
            return result["seconds"], False
        if result.get("status") == "cap":
            return result["cap_s"], True
        return None, False

    top, top_capped = time_of(slow)
    bottom, bottom_capped = time_of(fast)
    if top is None or bottom is None or bottom <= 0 or (top_capped and bottom_capped):
        return None, ""
    return top / bottom, ">" if top_capped else "<" if bottom_capped else ""


def fmt_time(result: Optional[Result]) -> str:
    if result is None:
        return "–"
    status = result.get("status")
    if status == "ok":
        s = result["seconds"]
        return f"{s * 1000:.3g} ms" if s < 0.1 else f"{s:.3g} s"
    if status == "cap":
        return f"> {result['cap_s']:g} s" + (DAGGER if result.get("inferred_from") else "")
    if status == "skipped":
        return "not run: " + result.get("why", "")
    return "error: " + str(result.get("error", "?")).replace("|", "/")[:80]


def fmt_x(value: Optional[float], bound: str = "") -> str:
    if value is None or not math.isfinite(value):
        return "–"
    digits = f"{value:.1e}" if value < 0.01 else f"{value:.2f}" if value < 10 else f"{value:.0f}"
    return f"{bound + ' ' if bound else ''}{digits}x"


def fmt_ratio(slow: Optional[Result], fast: Optional[Result]) -> str:
    return fmt_x(*ratio(slow, fast))


def fmt_mib(result: Optional[Result], key: str = "peak_growth_bytes") -> str:
    if not result or result.get("status") != "ok" or result.get(key) is None:
        return "–"
    return f"{result[key] / MiB:,.0f}"


def fmt_diff(mine: Optional[Result], theirs: Optional[Result]) -> str:
    """Largest |a - b| over the scores, to show both computed the same thing."""
    if not mine or not theirs or mine.get("status") != "ok" or theirs.get("status") != "ok":
        return "–"
    a, b = mine.get("value"), theirs.get("value")
    a = a if isinstance(a, list) else [a]
    b = b if isinstance(b, list) else [b]
    try:
        return f"{max(abs(x - y) for x, y in zip(a, b)):.1e}"
    except (TypeError, ValueError):
        return "–"


def peer(
    results: WorkloadResults, case: str, impl: str, metric: str, device: str, threads: Optional[int]
) -> Optional[Result]:
    """``impl``'s result for a row: at the row's thread count if measured so, else at any; scikit-learn
    runs on the CPU only, so on a GPU row its CPU time is the reference."""
    for where in (device, "cpu"):
        for count in (threads, None):
            found = results.find(case=case, impl=impl, metric=metric or None, device=where, threads=count)
            if found is not None:
                return found
    return None


def compare(
    results: WorkloadResults,
    device: str,
    base: str = "torch_mi",
    peers: Sequence[tuple[str, str]] = (("sklearn", "sklearn"), ("torchmetrics", "torchmetrics")),
    base_label: str = "torch_mi",
    agree_with: Optional[str] = "sklearn",
    note: str = "",
    peer_case: Callable[[str], str] = lambda case: case,
    limits: Sequence[str] = (),
) -> Table:
    """Rows = (score, case, torch threads of ``base``); per peer its time and "peer time ÷ base time".

    ``peer_case`` maps a row's case to the case the peers were measured under (when they ran once for
    several rows). A peer in ``limits`` is a lower bound (e.g. a bare kernel), shown as "base time ÷ its time"."""
    with_metric = any(metric for metric, _ in results.cases(device))
    multi_thread = len(results.threads(base, device)) > 1
    headers = (["score"] if with_metric else []) + ["case"] + (["threads"] if multi_thread else []) + [base_label]
    for impl, label in peers:
        headers += [label, f"{base_label} ÷ {impl}" if impl in limits else f"{impl} ÷ {base_label}"]
    headers.append("peak MiB " + " / ".join([base] + [impl for impl, _ in peers]))
    if agree_with:
        headers.append(f"|{base} − {agree_with}|")
    rows = []
    for metric, case in results.cases(device):
        for threads in results.threads(base, device, case):
            mine = results.find(case=case, impl=base, metric=metric or None, device=device, threads=threads)
            if mine is None:
                continue
            theirs = [peer(results, peer_case(case), impl, metric, device, threads) for impl, _ in peers]
            row = (
                ([METRIC_NAMES[metric]] if with_metric else [])
                + [case]
                + ([str(threads)] if multi_thread else [])
                + [fmt_time(mine)]
            )
            for (impl, _), result in zip(peers, theirs):
                row += [fmt_time(result), fmt_ratio(mine, result) if impl in limits else fmt_ratio(result, mine)]
            row.append(" / ".join(fmt_mib(r) for r in [mine, *theirs]))
            if agree_with:
                row.append(fmt_diff(mine, theirs[[impl for impl, _ in peers].index(agree_with)]))
            rows.append(row)
    return Table(headers, rows, note)


def records_table(
    results: WorkloadResults, device: str, labels: dict[str, str], columns: Sequence[tuple[str, Any]], note: str = ""
) -> Table:
    """One row per measurement (impl), for workloads whose rows are implementations, not cases.

    ``columns``: (header, fn(result, measurement) -> str)."""
    headers = ["implementation"] + [header for header, _ in columns]
    rows = []
    for record in results.records:
        m, result = record["measurement"], record["result"]
        if m["device"] != device:
            continue
        who = labels.get(m["impl"], m["impl"])
        if m["metric"]:
            who = f"{METRIC_NAMES[m['metric']]}: {who}"
        if len(results.threads(m["impl"], device)) > 1:
            who += f" ({m['threads']} thr.)"
        rows.append([who] + [fn(result, m) for _, fn in columns])
    return Table(headers, rows, note)
