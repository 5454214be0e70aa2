"""The peers' clustering scores that torch_mi leaves to them, so a drop-in import that reaches for one
says why and where it is, instead of a bare AttributeError.

torch_mi compares two labelings through their contingency table. Silhouette, Calinski-Harabasz,
Davies-Bouldin and Dunn rate one clustering from the samples' features (internal measures), and
consensus_score compares biclusterings: none is computable from the table.
"""

from __future__ import annotations

_INTERNAL = "rates one clustering from the samples' features (an internal measure)"
ELSEWHERE = {
    "torch_mi": ("torchmetrics.clustering", {
        "CalinskiHarabaszScore": _INTERNAL, "DaviesBouldinScore": _INTERNAL, "DunnIndex": _INTERNAL,
    }),
    "torch_mi.functional": ("torchmetrics.functional.clustering", {
        "calinski_harabasz_score": _INTERNAL, "davies_bouldin_score": _INTERNAL, "dunn_index": _INTERNAL,
    }),
    "torch_mi.sklearn": ("sklearn.metrics", {
        "calinski_harabasz_score": _INTERNAL, "davies_bouldin_score": _INTERNAL,
        "silhouette_samples": _INTERNAL, "silhouette_score": _INTERNAL,
        "consensus_score": "compares two biclusterings",
    }),
}


class ScoredElsewhere(ImportError):
    """A peer's score that torch_mi leaves to the peer. An ImportError, not an AttributeError:
    ``from torch_mi import DunnIndex`` then shows this message, where Python would replace an
    AttributeError's with its generic "cannot import name"."""


def missing(module: str, name: str) -> Exception:
    """The error for ``module.name``: :class:`ScoredElsewhere` naming the peer's function for a score
    that the peer has and torch_mi leaves to it, else the usual AttributeError."""
    peer, names = ELSEWHERE[module]
    if name in names:
        return ScoredElsewhere(f"{module} has no {name}: it {names[name]}, and torch_mi compares two labelings "
                               f"through their contingency table; use {peer}.{name}", name=module)
    return AttributeError(f"module {module!r} has no attribute {name!r}")
