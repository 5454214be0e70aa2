"""Finding results again: records are {"spec": Spec dict, "result": dict}, looked up by what they measured."""

from __future__ import annotations

from typing import Any, Optional

Record = dict[str, Any]


def find(records: list[Record], workload: str, impl: str, metric: Optional[str] = None, device: str = "cpu", case: Optional[str] = None, **params: Any) -> Optional[dict[str, Any]]:
    """The result of the one measurement matching all the given fields (params: a subset of spec.params)."""
    for record in records:
        spec = record["spec"]
        if (spec["workload"], spec["impl"], spec["device"]) != (workload, impl, device):
            continue
        if metric is not None and spec["metric"] != metric:
            continue
        if case is not None and spec["case"] != case:
            continue
        if all(spec["params"].get(key) == value for key, value in params.items()):
            return record["result"]
    return None


def cases(records: list[Record], workload: str, device: str = "cpu") -> list[tuple[str, str, dict[str, Any]]]:
    """Distinct (metric, case, params) of a workload, in run order."""
    seen: dict[tuple[str, str], dict[str, Any]] = {}
    for record in records:
        spec = record["spec"]
        if spec["workload"] == workload and spec["device"] == device:
            seen.setdefault((spec["metric"], spec["case"]), spec["params"])
    return [(metric, case, params) for (metric, case), params in seen.items()]


def seconds(result: Optional[dict[str, Any]]) -> Optional[float]:
    return result["seconds"] if result and result.get("status") == "ok" else None


def ratio(peer: Optional[dict[str, Any]], base: Optional[dict[str, Any]]) -> tuple[Optional[float], bool]:
    """(peer time / base time, is_lower_bound). A peer over its cap gives cap / base as a lower bound."""
    base_s = seconds(base)
    if base_s is None or base_s <= 0 or peer is None:
        return None, False
    if peer.get("status") == "ok":
        return peer["seconds"] / base_s, False
    if peer.get("status") == "cap":
        return peer["cap_s"] / base_s, True
    return None, False
