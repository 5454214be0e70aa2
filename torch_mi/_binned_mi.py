"""Binned MI of features: per-feature bin edges, codes, and plug-in MI or AMI of the codes."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import torch
from torch import Tensor

from torch_mi import functional
from torch_mi._binning import bucketize_rows, quantile_edges, uniform_edges
from torch_mi._feature_inputs import as_matrix, as_vector, check_flag


def _check_bins(bins: Any) -> int:
    if isinstance(bins, bool) or not isinstance(bins, Integral):
        raise TypeError(f"`bins` must be an int; got {type(bins).__name__}.")
    if bins < 1:
        raise ValueError(f"`bins` must be >= 1; got {bins}.")
    return int(bins)


def bin_edges(X: Any, bins: int = 10, *, strategy: str = "quantile") -> Tensor:
    """Per-feature bin edges (F, bins + 1) of X (N, F), float64, on X's device.

    ``strategy="quantile"``: edges at the 0, 1/bins, ..., 1 quantiles (equal-count bins; tied
    values can leave some bins empty). ``"uniform"``: equal widths over [min, max].

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import bin_edges
        >>> bin_edges(torch.arange(9.0)[:, None], bins=4)
        tensor([[0., 2., 4., 6., 8.]], dtype=torch.float64)
    """
    bins = _check_bins(bins)
    if strategy not in ("quantile", "uniform"):
        raise ValueError(f"`strategy` must be 'quantile' or 'uniform'; got {strategy!r}.")
    rows = as_matrix(X, copy=True).T.contiguous()
    return quantile_edges(rows, bins) if strategy == "quantile" else uniform_edges(rows, bins)


def apply_bin_edges(X: Any, edges: Any) -> Tensor:
    """Bin codes (N, F) int64 of X (N, F) under fixed per-feature ``edges`` (F, bins + 1).

    Bin b holds edges[b] <= x < edges[b + 1]; values outside [first, last edge] go to the first or
    last bin, so edges fixed on one batch code every later batch (what a streaming metric needs).

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import apply_bin_edges
        >>> apply_bin_edges(torch.tensor([[-5.0], [0.5], [1.0], [9.0]]), torch.tensor([[0.0, 1.0, 2.0]]))
        tensor([[0],
                [0],
                [1],
                [1]])
    """
    return binned_codes(X, edges, check_finite=True)


def binned_codes(X: Any, edges: Any, check_finite: bool) -> Tensor:
    X = as_matrix(X, copy=True, check_finite=check_finite)
    edges = torch.as_tensor(edges, dtype=torch.float64, device=X.device)
    if edges.ndim != 2 or edges.shape[0] != X.shape[1] or edges.shape[1] < 2:
        raise ValueError(
            f"`edges` must have shape (n_features={X.shape[1]}, bins + 1 >= 2); got {tuple(edges.shape)}."
        )
    return bucketize_rows(X.T.contiguous(), edges).T


def features_as_clusterings(X: Any) -> Tensor:
    """Discrete or binned feature codes X (N, F) -> (F, N): F labelings of the same N samples.

    That is the batched ``preds`` layout of ``torch_mi.functional`` (and of a Metric's update with
    ``num_clusterings=F``): ``mutual_info_score(features_as_clusterings(codes), y)`` scores every
    feature against y in one pass. Codes must be integers (or bools); bin continuous features first.

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import features_as_clusterings
        >>> features_as_clusterings(torch.tensor([[0, 1], [0, 2], [1, 2]]))
        tensor([[0, 0, 1],
                [1, 2, 2]])
    """
    if not isinstance(X, (Tensor, np.ndarray, list, tuple)):
        raise TypeError(f"`X` must be a torch.Tensor, numpy array or nested sequence; got {type(X).__name__}.")
    tensor = X if isinstance(X, Tensor) else torch.as_tensor(np.asarray(X))
    if tensor.is_floating_point() or tensor.is_complex():
        raise TypeError(
            f"`X` must hold integer (or bool) codes; got dtype {tensor.dtype}. Bin continuous features first."
        )
    if tensor.ndim != 2:
        raise ValueError(f"`X` must be 2-D (n_samples, n_features); got shape {tuple(tensor.shape)}.")
    return tensor.T.contiguous()


def binned_mutual_info(
    X: Any,
    y: Any,
    bins: int = 10,
    *,
    strategy: str = "quantile",
    adjusted: bool = False,
    average_method: str = "arithmetic",
) -> Tensor:
    """MI (nats) of each feature, cut into ``bins`` bins, with the class labels ``y``; or its AMI.

    All features are binned at once (one sort per feature for quantile edges, one batched
    ``searchsorted``), then scored in one batched pass of ``torch_mi.functional``. The plug-in
    MI grows with the number of occupied bins even for independent features; ``adjusted=True``
    returns the adjusted MI (chance-corrected under the hypergeometric null, 0 in expectation for
    independence, 1 for a perfect match), which ranks features fairly across bin counts.

    Args:
        X: (N, F) finite features. y: (N,) integer class labels (bin a continuous target first,
            e.g. with :func:`bin_edges` / :func:`apply_bin_edges`).
        bins: bins per feature. strategy: ``"quantile"`` or ``"uniform"``.
        adjusted: return AMI instead of MI. average_method: AMI's normalizer (as scikit-learn).

    Returns:
        (F,) float64 tensor on X's device.

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import binned_mutual_info
        >>> y = torch.tensor([0, 0, 0, 1, 1, 1])
        >>> X = torch.tensor([[0.1, 5.0], [0.2, 1.0], [0.3, 3.0], [0.7, 2.0], [0.8, 6.0], [0.9, 4.0]])
        >>> binned_mutual_info(X, y, bins=2)
        tensor([0.6931, 0.0566], dtype=torch.float64)
        >>> binned_mutual_info(X, y, bins=2, adjusted=True)
        tensor([ 1.0000, -0.1111], dtype=torch.float64)
    """
    adjusted = check_flag(adjusted, "adjusted")
    X = as_matrix(X, copy=True)
    target = as_vector(y, X.shape[0], X.device)
    if target.is_floating_point():
        raise TypeError(
            f"`y` must hold integer class labels; got dtype {target.dtype} (bin a continuous target first)."
        )
    codes = bucketize_rows(X.T.contiguous(), bin_edges(X, bins, strategy=strategy))
    if adjusted:
        return functional.adjusted_mutual_info_score(codes, target, average_method=average_method)
    return functional.mutual_info_score(codes, target)
