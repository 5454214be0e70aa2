"""One PNG with a panel per workload (CPU results): times on a log axis, grouped by case, one bar per
implementation and thread count; a peer stopped at its cap is drawn at its cap, hatched. A workload may
draw its own panel (``Workload.plot``)."""

from __future__ import annotations

import math
from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from benchmarks import registry  # noqa: E402
from benchmarks.results import ResultsFile, WorkloadResults  # noqa: E402
from benchmarks.tables import METRIC_NAMES  # noqa: E402


def _colors(impls: list[str]) -> dict[str, object]:
    """The same colour for a peer in every panel: torch_mi blues, scikit-learn orange, torchmetrics green, bare gray."""
    fixed = {"sklearn": "tab:orange", "torchmetrics": "tab:green", "bare": "tab:gray"}
    ours = [impl for impl in dict.fromkeys(impls) if not any(impl.startswith(name) for name in fixed)]
    blues = plt.get_cmap("Blues")
    colors = {
        impl: blues(0.9 - 0.5 * i / max(1, len(ours) - 1)) if len(ours) > 1 else "tab:blue"
        for i, impl in enumerate(ours)
    }
    for impl in impls:
        for name, color in fixed.items():
            if impl.startswith(name):
                colors[impl] = color
    return colors


def _bars(ax, results: WorkloadResults) -> None:
    records = [
        r for r in results.records
        if r["measurement"]["device"] == "cpu" and r["result"].get("status") in ("ok", "cap")
    ]
    groups = list(dict.fromkeys((r["measurement"]["metric"], r["measurement"]["case"]) for r in records))
    series = list(dict.fromkeys((r["measurement"]["impl"], r["measurement"]["threads"]) for r in records))
    multi = {impl for impl, _ in series if sum(1 for i, _ in series if i == impl) > 1}
    width = 0.8 / max(1, len(series))
    colors = _colors([impl for impl, _ in series])
    for index, (impl, threads) in enumerate(series):
        xs, heights, capped = [], [], []
        for g, (metric, case) in enumerate(groups):
            for r in records:
                m = r["measurement"]
                if (m["metric"], m["case"], m["impl"], m["threads"]) == (metric, case, impl, threads):
                    ok = r["result"]["status"] == "ok"
                    xs.append(g + (index - (len(series) - 1) / 2) * width)
                    heights.append(r["result"]["seconds"] if ok else r["result"]["cap_s"])
                    capped.append(not ok)
        label = f"{impl} ({threads} thr.)" if impl in multi else impl
        later_thread = threads != min(t for i, t in series if i == impl)  # lighter: the same impl at more threads
        bars = ax.bar(xs, heights, width=width, color=colors[impl], alpha=0.55 if later_thread else 1.0, label=label)
        for bar, cap in zip(bars, capped):
            if cap:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels(
        [f"{METRIC_NAMES[metric]} {case}".strip()[:40] for metric, case in groups], rotation=35, ha="right", fontsize=6
    )
    ax.set_yscale("log")
    ax.set_ylabel("seconds (hatched: stopped at cap)")
    ax.legend(fontsize=6)


def draw(store: ResultsFile, path: Path, title: str) -> None:
    present = [w for w in registry.all_workloads() if w.name in store.names() and
               any(r["measurement"]["device"] == "cpu" for r in store.workload(w.name).records)]
    columns = 4
    rows = max(1, math.ceil(len(present) / columns))
    fig, axes = plt.subplots(rows, columns, figsize=(6 * columns, 5 * rows), squeeze=False)
    for ax, workload in zip(axes.flat, present):
        (workload.plot or _bars)(ax, store.workload(workload.name))
        ax.set_title(workload.title, fontsize=9)
        ax.grid(True, which="major", axis="y", alpha=0.3)
    for ax in list(axes.flat)[len(present):]:
        ax.axis("off")
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=100)
    plt.close(fig)
