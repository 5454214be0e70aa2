"""Mutual information of each feature with a target, for all features at once.

Feature screening ranks the columns of X (N samples x F features) by their MI with a target y.
Three ways, all returning one float64 value (nats) per feature, on X's device:

* :func:`mutual_info_classif` / :func:`mutual_info_regression`: scikit-learn's estimators with its
  conventions, on tensors. Discrete features are counted exactly (plug-in MI of the contingency
  table); continuous ones use k-nearest-neighbour estimators: Kraskov, Stögbauer & Grassberger
  (2004) between a continuous feature and a continuous target, Ross (2014) between continuous and
  discrete (also a discrete feature against a continuous target, roles swapped). Continuous
  columns (and a continuous y) are divided by their standard deviation (ddof=0, as
  ``sklearn.preprocessing.scale``) and get scikit-learn's tiny noise
  ``1e-10 * max(1, mean|x|) * standard_normal`` to break ties.
  ``sklearn_mutual_info_classif`` / ``sklearn_mutual_info_regression`` are the same with numpy
  output and scikit-learn's exact signatures (strings as class labels, scipy sparse X).
* :func:`binned_mutual_info`: quantile or uniform bins per feature, then plug-in MI, or the
  chance-adjusted AMI (``adjusted=True``) so that features cut into many bins are not favoured.
* :func:`features_as_clusterings`: discrete or binned codes X (N, F) -> the (F, N) layout in which
  ``torch_mi.functional`` scores F labelings against one target in one pass; with
  :func:`bin_edges` / :func:`apply_bin_edges` this is what a streaming binned metric needs: bin
  edges fixed up front (from a first batch or a sample), then every batch coded with the same
  edges, so that counts from all batches add up in one contingency table.

Noise and ``random_state``: ``noise=True`` (default) adds scikit-learn's noise. With
``random_state`` None, an int or a ``numpy.random.RandomState`` the draws are numpy's legacy
normal stream in scikit-learn's order (features first, then y), so a call equals scikit-learn's
with the same ``random_state`` (drawn on the CPU, then moved to X's device). A ``torch.Generator``
draws with torch on its own device instead (fast on GPU, not scikit-learn's numbers).
(numpy's and torch's std round differently, ~1e-14 relative, which can flip a rare near-tie in a
neighbour count; with every class larger than about 2k members the results agree to ~1e-6, and
mostly to ~1e-15.) ``noise=False`` adds none: the result is then deterministic and equals
scikit-learn's per-feature estimators on the scaled data.

Where the kNN estimators differ from scikit-learn: distances are the exact float differences
|x_j - x_i|. scikit-learn computes the Ross radius with a brute-force search when a class has at
most about 2k members, whose Euclidean distances come from ``x^2 - 2xy + y^2`` and can differ in
the last bits, which changes whether the radius-defining neighbour itself is counted. That is not
a rounding-sized difference: over 200 random problems of 6 to 30 samples in 4 classes, 90% differ,
by a median of 0.035 nats and up to 0.46; torch_mi returns the exact-distance value. With its
tree searches (larger classes) the results agree as above. ``n_jobs`` is accepted and ignored:
torch's own threads (``torch.set_num_threads``) parallelize the batched work.

Errors, as scikit-learn's: a bad parameter (``n_neighbors`` < 1 or not an int, ``copy`` not a bool,
``random_state`` outside [0, 2**32 - 1] or of another type, ``n_jobs`` not an int or 0,
``discrete_features`` not 'auto', a bool or an array) raises ``InvalidParameterError``, both a
ValueError and a TypeError; ``discrete_features`` naming a column X lacks (an index out of range, a
mask of the wrong length) raises :class:`FeatureIndexError`, both an IndexError (numpy's error in
scikit-learn) and a ValueError. Bools are not taken as ints (scikit-learn reads ``n_neighbors=True``
as 1). Where scikit-learn fails on an estimate over no samples (every class of a discrete feature
a single sample), the estimate is 0 here.

Example:
    >>> import torch
    >>> from torch_mi.feature_selection import mutual_info_classif, binned_mutual_info
    >>> g = torch.Generator().manual_seed(0)
    >>> y = torch.randint(0, 2, (2000,), generator=g)
    >>> X = torch.stack([y + 0.5 * torch.randn(2000, generator=g), torch.randn(2000, generator=g)], 1)
    >>> mi = mutual_info_classif(X, y, random_state=0)
    >>> bool(mi[0] > 0.3), bool(mi[1] < 0.05)
    (True, True)
    >>> binned_mutual_info(X, y, bins=4).argmax().item()
    0
"""

from __future__ import annotations

import warnings
from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor

from torch_mi import functional
from torch_mi._binned_mi import apply_bin_edges, bin_edges, binned_mutual_info, features_as_clusterings
from torch_mi._binning import dense_codes
from torch_mi._feature_inputs import (
    FeatureIndexError,
    FeatureIndexTypeError,  # noqa: F401 - its __module__ is this one (pickles look it up here)
    as_matrix,
    as_vector,
    check_flag,
    check_n_jobs,
    check_neighbors,
    class_codes,
    discrete_mask,
    is_frame,
)
from torch_mi._feature_noise import Noise, numpy_rng, std_scale_
from torch_mi._knn_mi import ksg_mi, ross_mi
from torch_mi._sklearn_compat import caller_level, sklearn_errors
from torch_mi._validation import factorize

__all__ = [
    "FeatureIndexError",
    "apply_bin_edges",
    "bin_edges",
    "binned_mutual_info",
    "features_as_clusterings",
    "mutual_info_classif",
    "mutual_info_regression",
    "sklearn_mutual_info_classif",
    "sklearn_mutual_info_regression",
]


# ---------------------------------------------------------------- the estimators


def _estimate(X, y, discrete_features, n_neighbors, copy, random_state, n_jobs, noise, discrete_target):
    n_neighbors = check_neighbors(n_neighbors)
    copy = check_flag(copy, "copy")
    noise = check_flag(noise, "noise")
    check_n_jobs(n_jobs)
    if not (random_state is None or isinstance(random_state, torch.Generator)):
        numpy_rng(random_state)  # type check before any work
    X = as_matrix(X, copy)
    n, num_features = X.shape
    y = as_vector(y, n, X.device)
    discrete = discrete_mask(discrete_features, num_features)
    continuous = ~discrete
    any_continuous = bool(continuous.any())
    if any_continuous and not discrete_target and n_neighbors >= n:
        raise ValueError(f"`n_neighbors` must be smaller than the number of samples ({n}); got {n_neighbors}.")
    if discrete_target:
        y_codes = class_codes(y)
    noise_source = Noise(random_state) if noise else None

    mi = torch.zeros(num_features, dtype=torch.float64, device=X.device)
    continuous_idx = continuous.nonzero()[:, 0].to(X.device)
    discrete_idx = discrete.nonzero()[:, 0].to(X.device)
    if any_continuous:
        in_place = not copy and X.dtype == torch.float64 and bool(continuous.all())
        if in_place:
            values = X
        else:  # one transposing copy into the (F, N) rows the estimators take; scaled and noised
            values = X.T.index_select(0, continuous_idx).to(torch.float64).T  # through an (N, F) view
        std_scale_(values)
        if noise_source is not None:
            noise_source.add_(values)
        if in_place and not X.is_contiguous():
            values = values.contiguous()
    if not discrete_target:
        y = std_scale_(y.to(torch.float64).clone()[:, None], tiny=torch.finfo(torch.float64).tiny)[:, 0]
        if noise_source is not None:
            noise_source.add_(y)

    if any_continuous:
        rows = values.T.contiguous()  # already contiguous unless scaled in place
        if discrete_target:
            mi[continuous_idx] = ross_mi(rows, y_codes.expand(rows.shape), n_neighbors)
        else:
            mi[continuous_idx] = ksg_mi(rows, y, n_neighbors)
    if discrete_idx.numel():
        codes = dense_codes(X[:, discrete_idx].T.contiguous())
        if discrete_target:
            mi[discrete_idx] = functional.mutual_info_score(codes, y_codes).to(mi.device)
        else:
            mi[discrete_idx] = ross_mi(y.expand(codes.shape), codes, n_neighbors)
    return mi


def mutual_info_classif(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: Optional[int] = None,
    noise: bool = True,
) -> Tensor:
    r"""MI (nats) of each feature of ``X`` with the class labels ``y``, as scikit-learn estimates it.

    Discrete features: plug-in MI of the feature's values against ``y`` (exact counting).
    Continuous features: Ross's kNN estimator (PLoS ONE 9(2), 2014)

    .. math:: \hat I = \psi(N) + \langle\psi(k_i)\rangle - \langle\psi(N_{y_i})\rangle - \langle\psi(m_i)\rangle

    with k_i = min(k, N_{y_i} - 1), m_i the samples (any class) strictly closer than sample i's
    k_i-th neighbour within its class; samples alone in their class are left out. Clipped at 0.

    Args:
        X: (N, F) features, tensor (any device), numpy array or nested list; finite numbers.
        y: (N,) class labels (integers, bools, or whole-number floats).
        discrete_features: ``"auto"`` (all continuous), a bool for all, a bool mask (F,) or column
            indices (negative ones count from the end, as numpy's).
        n_neighbors: k of the kNN estimator (clipped per class to the class size - 1, as scikit-learn).
        copy: if False and X is a float64 tensor of only continuous features, X is scaled and
            noised in place (saves a copy), as scikit-learn overwrites X.
        random_state: seeds the noise: None / int in [0, 2**32 - 1] / ``numpy.random.RandomState``
            (scikit-learn's draws) or ``torch.Generator`` (torch's draws, on its device).
        n_jobs: accepted for scikit-learn compatibility and ignored (torch's threads do the work);
            None or a nonzero int, as joblib takes it.
        noise: add scikit-learn's tie-breaking noise to continuous features (default True).

    Returns:
        (F,) float64 tensor on X's device.

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import mutual_info_classif
        >>> y = torch.tensor([0, 0, 0, 0, 1, 1, 1, 1])
        >>> X = torch.tensor([[0.1, 3], [0.2, 1], [0.3, 2], [0.4, 1], [1.1, 2], [1.2, 1], [1.3, 3], [1.4, 1]])
        >>> mutual_info_classif(X, y, discrete_features=[1], n_neighbors=2, noise=False)
        tensor([0.7595, 0.0000], dtype=torch.float64)
    """
    return _estimate(X, y, discrete_features, n_neighbors, copy, random_state, n_jobs, noise, True)


def mutual_info_regression(
    X: Any,
    y: Any,
    *,
    discrete_features: Any = "auto",
    n_neighbors: int = 3,
    copy: bool = True,
    random_state: Any = None,
    n_jobs: Optional[int] = None,
    noise: bool = True,
) -> Tensor:
    r"""MI (nats) of each feature of ``X`` with the continuous target ``y``, as scikit-learn estimates it.

    Continuous features: the KSG estimator (Kraskov, Stögbauer & Grassberger, Phys. Rev. E 69, 2004)

    .. math:: \hat I = \psi(N) + \psi(k) - \langle\psi(n_x + 1)\rangle - \langle\psi(n_y + 1)\rangle

    with r_i the max-norm distance of sample i's k-th neighbour in (x, y) and n_x, n_y the samples
    strictly closer than r_i in x, in y. Discrete features: Ross's estimator with the feature's
    values as the classes and y as the continuous variable. Clipped at 0. ``y`` is scaled by its
    std and noised like the continuous features. Arguments as in :func:`mutual_info_classif`;
    ``n_neighbors`` must be smaller than N when X has continuous features.

    Returns:
        (F,) float64 tensor on X's device.

    Example:
        >>> import torch
        >>> from torch_mi.feature_selection import mutual_info_regression
        >>> g = torch.Generator().manual_seed(0)
        >>> x = torch.randn(4000, generator=g, dtype=torch.float64)
        >>> X = torch.stack([x, torch.randn(4000, generator=g, dtype=torch.float64)], dim=1)
        >>> y = x + 0.5 * torch.randn(4000, generator=g, dtype=torch.float64)
        >>> mi = mutual_info_regression(X, y, noise=False)
        >>> exact = -0.5 * torch.log1p(-torch.tensor(0.8))  # Gaussian: -1/2 log(1 - rho^2), rho^2 = 0.8
        >>> bool(abs(mi[0] - exact) < 0.05), bool(mi[1] < 0.02)
        (True, True)
    """
    return _estimate(X, y, discrete_features, n_neighbors, copy, random_state, n_jobs, noise, False)


# ---------------------------------------------------------------- scikit-learn's signatures


def _sklearn_inputs(X: Any, y: Any, discrete_features: Any, classes: bool) -> tuple[Any, Any, Any]:
    """X, y and discrete_features as scikit-learn reads them: scipy sparse X densified (its "auto"
    means all discrete, and a continuous column of it is refused), a column-vector y raveled with a
    warning, string class labels coded, numeric strings as a regression target read as numbers."""
    try:
        import scipy.sparse as sp
    except ImportError:  # scipy is optional; without it X cannot be sparse either
        sp = None
    if sp is not None and sp.issparse(X):
        if isinstance(discrete_features, str) and discrete_features == "auto":
            discrete_features = True
        if not bool(discrete_mask(discrete_features, X.shape[1]).all()):
            raise ValueError("Sparse matrix `X` can't have continuous features: pass discrete_features=True.")
        X = X.toarray()
    if isinstance(y, torch.Tensor):  # a tensor holds numbers already (and may be on a GPU)
        return X, y, discrete_features
    labels = np.asarray(y.to_numpy() if is_frame(y) else y)
    if labels.ndim == 0:  # None, a number or a string: not scikit-learn's "array-like"
        raise TypeError(f"`y` must be an array-like of shape (n_samples,); got {type(y).__name__}.")
    if labels.dtype.kind == "c":  # numpy's cast to float would drop the imaginary parts silently
        raise TypeError(f"`y` must hold real numbers; got dtype {labels.dtype}.")
    if labels.ndim == 2 and labels.shape[1] == 1:
        warnings.warn(
            "A column-vector y was passed where a 1-D array was expected; it is raveled to (n_samples,).",
            UserWarning,
            stacklevel=caller_level(),
        )
        labels = labels.ravel()
    if labels.ndim == 1 and labels.dtype.kind not in "biuf":
        if classes:
            labels = factorize(labels, "y")
        else:
            try:
                labels = labels.astype(np.float64)
            except (TypeError, ValueError):
                raise TypeError(f"`y` of mutual_info_regression must hold numbers; got dtype {labels.dtype}.") from None
    return X, labels, discrete_features


@sklearn_errors  # its TypeErrors are InvalidParameterErrors, as in torch_mi.sklearn
def sklearn_mutual_info_classif(X, y, *, discrete_features="auto", n_neighbors=3, copy=True,
                                random_state=None, n_jobs=None) -> np.ndarray:
    """:func:`mutual_info_classif` with scikit-learn's signature and output (numpy float64 array).

    Accepts string class labels and scipy sparse ``X`` (densified; ``"auto"`` then means all
    discrete, as in scikit-learn). Same ``random_state`` as scikit-learn gives the same noise.
    Errors are of scikit-learn's classes: its TypeErrors are ``InvalidParameterError`` here too.

    Example:
        >>> from torch_mi.feature_selection import sklearn_mutual_info_classif
        >>> sklearn_mutual_info_classif([[1], [1], [2], [2]], ["a", "a", "b", "b"], discrete_features=True)
        array([0.69314718])
    """
    X, y, discrete_features = _sklearn_inputs(X, y, discrete_features, classes=True)
    return mutual_info_classif(X, y, discrete_features=discrete_features, n_neighbors=n_neighbors, copy=copy,
                               random_state=random_state, n_jobs=n_jobs).cpu().numpy()


@sklearn_errors  # its TypeErrors are InvalidParameterErrors, as in torch_mi.sklearn
def sklearn_mutual_info_regression(X, y, *, discrete_features="auto", n_neighbors=3, copy=True,
                                   random_state=None, n_jobs=None) -> np.ndarray:
    """:func:`mutual_info_regression` with scikit-learn's signature and output (numpy float64 array).

    Example:
        >>> import numpy as np
        >>> from torch_mi.feature_selection import sklearn_mutual_info_regression
        >>> rng = np.random.RandomState(0)
        >>> X = rng.standard_normal((500, 2)); y = X[:, 0] + 0.1 * rng.standard_normal(500)
        >>> sklearn_mutual_info_regression(X, y, random_state=0).round(1)
        array([2.3, 0. ])
    """
    X, y, discrete_features = _sklearn_inputs(X, y, discrete_features, classes=False)
    return mutual_info_regression(X, y, discrete_features=discrete_features, n_neighbors=n_neighbors, copy=copy,
                                  random_state=random_state, n_jobs=n_jobs).cpu().numpy()
