"""Hypothesis strategies for pairs of labelings."""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st

INTEGER_DTYPES = ["uint8", "int8", "int16", "int32", "int64"]


@st.composite
def labelings(draw, max_samples: int = 400, max_clusters: int = 40, wide_ids: bool = True):
    """(target, preds) numpy int64 arrays of equal length with varied cluster structure.

    Cluster ids are relabelled through a random map: negative, huge (up to +-10**15) or
    non-contiguous, and different label sets on the two sides.
    """
    n = draw(st.integers(0, max_samples))
    k_target = draw(st.integers(1, max_clusters))
    k_preds = draw(st.integers(1, max_clusters))
    seed = draw(st.integers(0, 2**32 - 1))
    rng = np.random.default_rng(seed)
    structure = draw(st.sampled_from(["independent", "noisy_copy", "nested", "skewed"]))
    target = rng.integers(0, k_target, n)
    if structure == "independent":
        preds = rng.integers(0, k_preds, n)
    elif structure == "noisy_copy":
        flip = rng.random(n) < draw(st.floats(0, 1))
        preds = np.where(flip, rng.integers(0, k_preds, n), target)
    elif structure == "nested":
        preds = target // max(1, draw(st.integers(1, 4)))
    else:  # Zipf-like sizes: a few big clusters and many small ones
        preds = np.minimum(rng.zipf(1.5, n), k_preds) - 1
    if wide_ids:
        target = _relabel(draw, rng, target)
        preds = _relabel(draw, rng, preds)
    return target.astype(np.int64), preds.astype(np.int64)


def _relabel(draw, rng, labels):
    style = draw(st.sampled_from(["plain", "negative", "huge", "sparse"]))
    if style == "plain" or labels.size == 0:
        return labels
    top = int(labels.max()) + 1
    if style == "negative":
        ids = -rng.permutation(top) * 3 - 1
    elif style == "huge":
        ids = rng.choice(np.arange(-(10**15), 10**15, 10**12, dtype=np.int64), top, replace=False)
    else:
        ids = rng.choice(10**6, top, replace=False)
    return ids[labels]
