"""One PNG with a panel per workload (CPU results): times on log axes, capped peers drawn at their cap."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Optional

import matplotlib

matplotlib.use("Agg")  # no display needed; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from benchmarks import workloads  # noqa: E402
from benchmarks.lookup import cases, find  # noqa: E402
from benchmarks.peers import METRIC_NAMES  # noqa: E402

COLORS = {"torch_mi": "tab:blue", "sklearn": "tab:orange", "torchmetrics": "tab:green", "bare": "tab:gray"}


def _time(result: Optional[dict[str, Any]]) -> tuple[Optional[float], bool]:
    """(seconds to draw, capped?): a capped peer is drawn at its cap, marked."""
    if not result:
        return None, False
    if result.get("status") == "ok":
        return result["seconds"], False
    if result.get("status") == "cap":
        return result["cap_s"], True
    return None, False


def _bars(ax, labels: list[str], values: list[Optional[float]], capped: list[bool], colors: list[str]) -> None:
    heights = [v if v is not None else 0 for v in values]
    bars = ax.bar(range(len(labels)), heights, color=colors)
    for bar, cap in zip(bars, capped):
        if cap:
            bar.set_hatch("//")
            ax.annotate("cap", (bar.get_x() + bar.get_width() / 2, bar.get_height()), ha="center", va="bottom", fontsize=7)
    ax.set_xticks(range(len(labels)))
    ax.set_xticklabels(labels, rotation=30, ha="right", fontsize=7)


def _update_panel(ax, records) -> None:
    module = workloads.module("update")
    labels, values, capped, colors = [], [], [], []
    for impl, label in module.IMPLS.items():
        result = find(records, "update", impl)
        if result and result.get("status") == "ok":
            labels.append(label.replace(" (", "\n("))
            values.append(result["extra"]["samples"] / result["seconds"])
            capped.append(False)
            colors.append(COLORS["bare"] if impl.startswith("bare") else COLORS["torchmetrics"] if impl == "torchmetrics" else COLORS["torch_mi"])
    _bars(ax, labels, values, capped, colors)
    ax.set_yscale("log")
    ax.set_ylabel("samples / s (higher is better)")
    ax.set_title("update() throughput", fontsize=9)


def _peer_panel(ax, records, workload: str, metric_filter: Optional[str], title: str) -> None:
    groups = [(metric, case) for metric, case, _ in cases(records, workload) if metric_filter in (None, metric)]
    width = 0.27
    for offset, impl in enumerate(("torch_mi", "sklearn", "torchmetrics")):
        xs, heights, hatched = [], [], []
        for index, (metric, case) in enumerate(groups):
            value, cap = _time(find(records, workload, impl, metric, case=case))
            if value is not None:
                xs.append(index + (offset - 1) * width)
                heights.append(value)
                hatched.append(cap)
        bars = ax.bar(xs, heights, width=width, color=COLORS[impl], label=impl)
        for bar, cap in zip(bars, hatched):
            if cap:
                bar.set_hatch("//")
                bar.set_alpha(0.5)
    ax.set_xticks(range(len(groups)))
    ax.set_xticklabels([case.replace(" both sides", "").replace(" (n=", "\n(n=") for _, case in groups], rotation=40, ha="right", fontsize=6)
    ax.set_yscale("log")
    ax.set_ylabel("seconds (hatched: stopped at cap)")
    ax.set_title(title, fontsize=9)
    ax.legend(fontsize=7)


def _streaming_panel(ax, records) -> None:
    module = workloads.module("streaming")
    labels, values, capped, colors = [], [], [], []
    for impl, label in module.IMPLS.items():
        value, cap = _time(find(records, "streaming", impl))
        if value is not None:
            labels.append(label.split(",")[0].replace(" on the concatenated labels", "\n(concatenated)") + ("\n" + label.split(",")[1] if "," in label else ""))
            values.append(value)
            capped.append(cap)
            colors.append(COLORS["torch_mi" if impl.startswith("torch_mi") else impl])
    _bars(ax, labels, values, capped, colors)
    ax.set_yscale("log")
    ax.set_ylabel("seconds")
    ax.set_title("streaming MI (updates + compute)", fontsize=9)


def _batched_panel(ax, records) -> None:
    module = workloads.module("batched")
    labels, values, capped, colors = [], [], [], []
    for metric, case, _ in cases(records, "batched"):
        for impl, label in module.IMPLS.items():
            value, cap = _time(find(records, "batched", impl, metric, case=case))
            if value is not None:
                labels.append(f"{METRIC_NAMES[metric]}: {label.split(',')[0]}\n{label.split(',')[1].strip()}")
                values.append(value)
                capped.append(cap)
                colors.append(COLORS["sklearn" if impl.startswith("sklearn") else "torch_mi"])
    _bars(ax, labels, values, capped, colors)
    ax.set_yscale("log")
    ax.set_ylabel("seconds")
    ax.set_title("batched: B clusterings vs one target", fontsize=9)


def _memory_panel(ax, records) -> None:
    blues = iter(plt.cm.Blues([0.45, 0.55, 0.65, 0.75, 0.85, 0.95]))
    for record in records:
        spec, result = record["spec"], record["result"]
        if spec["workload"] != "memory" or spec["device"] != "cpu" or result.get("status") != "ok":
            continue
        trace = result["extra"].get("trace") or []
        xs = [point[0] for point in trace]
        ys = [max(point[1], 0) / 2**20 + 1 for point in trace]  # +1 MiB: a log axis needs positive values
        label = "torchmetrics MI" if spec["impl"] == "torchmetrics" else f"torch_mi {METRIC_NAMES[spec['metric']]} {spec['impl'].split('_')[-1]}"
        color = COLORS["torchmetrics"] if spec["impl"] == "torchmetrics" else next(blues, COLORS["torch_mi"])
        ax.plot(xs, ys, marker="o", markersize=3, label=label, color=color, linestyle="--" if "sparse" in spec["impl"] else "-")
    ax.set_xscale("log")
    ax.set_yscale("log")
    ax.set_xlabel("samples streamed")
    ax.set_ylabel("RSS growth + 1 MiB")
    ax.set_title("memory while streaming", fontsize=9)
    ax.legend(fontsize=6)


def draw(records: list[dict[str, Any]], path: Path, title: str) -> None:
    fig, axes = plt.subplots(2, 4, figsize=(22, 10))
    panels = [
        lambda ax: _update_panel(ax, records),
        lambda ax: _peer_panel(ax, records, "end_to_end", "ami", "end-to-end AMI from labels"),
        lambda ax: _peer_panel(ax, records, "end_to_end", "nmi", "end-to-end NMI from labels"),
        lambda ax: _peer_panel(ax, records, "end_to_end", "mi", "end-to-end MI from labels"),
        lambda ax: _streaming_panel(ax, records),
        lambda ax: _peer_panel(ax, records, "expected_mi", "ami", "AMI as clusters grow"),
        lambda ax: _batched_panel(ax, records),
        lambda ax: _memory_panel(ax, records),
    ]
    for ax, panel in zip(axes.flat, panels):
        panel(ax)
        ax.grid(True, which="major", axis="y", alpha=0.3)
    fig.suptitle(title, fontsize=11)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
