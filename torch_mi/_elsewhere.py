"""The peers' clustering scores that torch_mi leaves to them, so drop-in code that reaches for one
(``metrics.silhouette_score`` after ``from torch_mi import sklearn as metrics``) is told why and where
it is, instead of a bare AttributeError.

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


class ScoredElsewhere(AttributeError):
    """A peer's score that torch_mi leaves to the peer. An AttributeError, as a module's
    ``__getattr__`` must raise (PEP 562), so ``hasattr`` and ``getattr(module, name, default)``
    work; ``from torch_mi import DunnIndex`` therefore fails with Python's own ImportError."""


def missing(module: str, name: str) -> AttributeError:
    """The AttributeError for ``module.name``; for a score that the peer has and torch_mi leaves to
    it, a :class:`ScoredElsewhere` that names the peer's function."""
    peer, names = ELSEWHERE[module]
    if name in names:
        return ScoredElsewhere(f"module {module!r} has no attribute {name!r}: {name} {names[name]}, and torch_mi "
                               f"compares two labelings through their contingency table; use {peer}.{name}")
    return AttributeError(f"module {module!r} has no attribute {name!r}")
