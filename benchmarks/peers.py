"""The three implementations under comparison, behind one calling convention.

``score(impl, metric)`` returns ``fn(preds, target) -> float`` on inputs made by
``inputs(impl, preds, target)``: torch tensors for torch_mi and torchmetrics, numpy arrays for
scikit-learn (converted before the clock starts; a CPU tensor's .numpy() shares its memory anyway).
"""

from __future__ import annotations

from typing import Any, Callable

from torch import Tensor

IMPLS = ("torch_mi", "sklearn", "torchmetrics")
METRICS = ("mi", "nmi", "ami")


def inputs(impl: str, preds: Tensor, target: Tensor) -> tuple[Any, Any]:
    if impl == "sklearn":
        return preds.cpu().numpy(), target.cpu().numpy()
    return preds, target


def score(impl: str, metric: str) -> Callable[[Any, Any], float]:
    if impl == "torch_mi":
        from torch_mi import functional as tmi

        fn = {
            "mi": tmi.mutual_info_score,
            "nmi": tmi.normalized_mutual_info_score,
            "ami": tmi.adjusted_mutual_info_score,
        }[metric]
        return lambda preds, target: _as_float(fn(preds, target))
    if impl == "sklearn":
        from sklearn import metrics as skm

        fn = {
            "mi": skm.mutual_info_score,
            "nmi": skm.normalized_mutual_info_score,
            "ami": skm.adjusted_mutual_info_score,
        }[metric]
        return lambda preds, target: float(fn(target, preds))  # sklearn's order: (labels_true, labels_pred)
    if impl == "torchmetrics":
        from torchmetrics.functional import clustering as tmf

        fn = {
            "mi": tmf.mutual_info_score,
            "nmi": tmf.normalized_mutual_info_score,
            "ami": tmf.adjusted_mutual_info_score,
        }[metric]
        return lambda preds, target: _as_float(fn(preds, target))
    raise ValueError(f"unknown implementation {impl!r}")


def _as_float(value: Any) -> Any:
    # float() of a 0-dim tensor waits for the device: the timer then sees the whole computation.
    if isinstance(value, Tensor) and value.ndim > 0:
        return [float(v) for v in value.tolist()]
    return float(value)


def metric_class(impl: str, metric: str) -> Callable[..., Any]:
    """The streaming Metric class of ``impl`` for ``metric``."""
    if impl == "torch_mi":
        import torch_mi

        return {
            "mi": torch_mi.MutualInfoScore,
            "nmi": torch_mi.NormalizedMutualInfoScore,
            "ami": torch_mi.AdjustedMutualInfoScore,
        }[metric]
    if impl == "torchmetrics":
        from torchmetrics import clustering as tmc

        return {
            "mi": tmc.MutualInfoScore,
            "nmi": tmc.NormalizedMutualInfoScore,
            "ami": tmc.AdjustedMutualInfoScore,
        }[metric]
    raise ValueError(f"{impl!r} has no streaming metric class")
