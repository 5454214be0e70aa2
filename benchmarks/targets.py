"""The performance targets for a 2-core CPU, checked against one run's numbers.

Each target gives (name, what was measured, holds) with holds True, False, or None when the run
cannot decide (not measured in this run, or a peer stopped at its cap below the needed ratio).
"""

from __future__ import annotations

from typing import Any, Optional

from benchmarks.lookup import find, ratio, seconds

FLAT_TOLERANCE_BYTES = 32 * 2**20  # allocator noise; a stored label stream would be GBs


def _ratio_target(name: str, peer: Any, base: Any, minimum: float, peer_name: str) -> dict[str, Any]:
    value, lower_bound = ratio(peer, base)
    if value is None:
        return {"target": name, "measured": "not measured in this run", "holds": None}
    shown = f"{'> ' if lower_bound else ''}{value:.2f}x ({peer_name} {_fmt(peer)}, torch_mi {_fmt(base)})"
    if lower_bound and value < minimum:
        return {"target": name, "measured": shown + "; peer stopped at its cap", "holds": None}
    return {"target": name, "measured": shown, "holds": value >= minimum}


def _fmt(result: Optional[dict[str, Any]]) -> str:
    if result is None:
        return "n/a"
    if result.get("status") == "cap":
        return f"> {result['cap_s']:.0f} s"
    s = seconds(result)
    return "error" if s is None else f"{s:.3g} s"


def evaluate(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    bare = find(records, "update", "bare_scatter_add")
    for impl, label, minimum in (
        ("torch_mi_dense_novalidate", "dense, validate_args=False", 0.5),
        ("torch_mi_dense", "dense, validate_args=True", 0.5),
        ("torch_mi_dynamic", "dynamic (num_classes=None)", 0.2),
    ):
        # Throughput ratio torch_mi / bare = bare time / torch_mi time: a "peer / torch_mi" ratio with bare as the peer.
        out.append(_ratio_target(f"update throughput, {label} >= {minimum}x bare scatter_add_", bare, find(records, "update", impl), minimum, "bare"))
    for impl, label in (("torch_mi_dense", "dense"), ("torch_mi_dynamic", "dynamic")):
        mine = find(records, "streaming", impl)
        for peer in ("torchmetrics", "sklearn"):
            out.append(_ratio_target(f"streaming MI ({label}) >= 5x faster than {peer}", find(records, "streaming", peer), mine, 5.0, peer))
    for n, k in ((10**5, 1000), (10**6, 1000)):
        out.append(
            _ratio_target(
                f"AMI n=10^{len(str(n)) - 1} x {k} clusters >= 50x faster than sklearn",
                find(records, "end_to_end", "sklearn", "ami", n=n, k=k),
                find(records, "end_to_end", "torch_mi", "ami", n=n, k=k),
                50.0,
                "sklearn",
            )
        )
    out.append(
        _ratio_target(
            "AMI, sizes 1..1400 both sides >= 10x faster than sklearn",
            find(records, "expected_mi", "sklearn", "ami", kind="triangular", m=1400),
            find(records, "expected_mi", "torch_mi", "ami", kind="triangular", m=1400),
            10.0,
            "sklearn",
        )
    )
    out.append(_under_one_second(find(records, "expected_mi", "torch_mi", "ami", kind="modulo", a=8000, b=7000)))
    out.extend(_memory_targets(records))
    out.extend(_cuda_targets(records))
    return out


def _under_one_second(result: Optional[dict[str, Any]]) -> dict[str, Any]:
    name = "AMI, i % 8000 vs i % 7000 (i < 10^6) < 1 s"
    s = seconds(result)
    if result is None:
        return {"target": name, "measured": "not measured in this run", "holds": None}
    return {"target": name, "measured": _fmt(result), "holds": s is not None and s < 1.0}


def drift(result: Optional[dict[str, Any]]) -> Optional[int]:
    """Memory growth from the first checkpoint of the stream (10% in) to its end."""
    if not result or result.get("status") != "ok" or not result["extra"].get("trace"):
        return None
    trace = result["extra"]["trace"]
    return trace[-1][1] - trace[0][1]


def _memory_targets(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    drifts = {}
    for metric in ("mi", "nmi", "ami"):
        for impl in ("torch_mi_dense", "torch_mi_sparse"):
            drifts[f"{metric.upper()} {impl.split('_')[-1]}"] = drift(find(records, "memory", impl, metric))
    theirs = find(records, "memory", "torchmetrics", "mi")
    out = []
    name = "memory flat while streaming (every torch_mi class, dense and sparse)"
    if all(value is None for value in drifts.values()):
        out.append({"target": name, "measured": "not measured in this run", "holds": None})
    else:
        known = {key: value for key, value in drifts.items() if value is not None}
        worst = max(known, key=lambda key: known[key])
        measured = f"largest growth from 10% to 100% of the stream: {known[worst] / 2**20:.1f} MiB ({worst})"
        holds = len(known) == len(drifts) and known[worst] <= FLAT_TOLERANCE_BYTES
        out.append({"target": name, "measured": measured, "holds": holds})
    name = "torchmetrics grows linearly while streaming (the contrast)"
    if theirs and theirs.get("status") == "ok" and theirs["extra"].get("trace"):
        trace = theirs["extra"]["trace"]
        per_sample = (trace[-1][1] - trace[0][1]) / max(1, trace[-1][0] - trace[0][0])
        out.append({"target": name, "measured": f"{per_sample:.1f} bytes per sample, {trace[-1][1] / 2**30:.2f} GiB at the end", "holds": per_sample >= 8})
    else:
        out.append({"target": name, "measured": _fmt(theirs) if theirs else "not measured in this run", "holds": None})
    return out


def _cuda_targets(records: list[dict[str, Any]]) -> list[dict[str, Any]]:
    check = find(records, "cuda_checks", "dense_novalidate", device="cuda")
    control = find(records, "cuda_checks", "dense_validate", device="cuda")
    name = "CUDA: dense update(), validate_args=False, makes no host-device sync"
    if check is None:
        return [{"target": name, "measured": "no CUDA device: skipped", "holds": None}]
    if check.get("status") != "ok":
        return [{"target": name, "measured": check.get("error", check.get("status")), "holds": False}]
    outcome = check["extra"].get("outcome")
    control_outcome = control["extra"].get("outcome") if control and control.get("status") == "ok" else "n/a"
    measured = f"{outcome}{': ' + check['extra']['message'] if 'message' in check['extra'] else ''} (control with validate_args=True: {control_outcome})"
    return [{"target": name, "measured": measured, "holds": outcome == "no sync"}]
