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
from numbers import Integral
from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor

from torch_mi import functional
from torch_mi._binning import bucketize_rows, dense_codes, quantile_edges, uniform_edges
from torch_mi._knn_mi import ksg_mi, ross_mi
from torch_mi._sklearn_compat import InvalidParameterError, caller_level, sklearn_errors
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

_NOISE_ROWS = 1 << 16  # rows of noise drawn per numpy call (same stream as one big draw)
_SEED_MAX = 2**32 - 1  # numpy's legacy seeds, the range scikit-learn's "random_state" constraint allows


class FeatureIndexError(IndexError, ValueError):
    """``discrete_features`` names columns X does not have: an index out of range, or a mask of the wrong length.

    scikit-learn lets numpy's indexing raise an IndexError there; torch_mi's policy calls a wrong
    value a ValueError. This is both, so ``except IndexError`` and ``except ValueError`` catch it.
    """


class FeatureIndexTypeError(FeatureIndexError, InvalidParameterError):
    """``discrete_features`` indices that are not integers: numpy's IndexError in scikit-learn, and a
    wrong type (TypeError, as an ``InvalidParameterError``) by torch_mi's policy; a ValueError too."""


# ---------------------------------------------------------------- input checks


def _as_matrix(X: Any, copy: bool, check_finite: bool = True) -> Tensor:
    if isinstance(X, Tensor):
        tensor = X
    elif isinstance(X, (np.ndarray, list, tuple)) or _is_frame(X):
        tensor = _tensor_of_numbers(X, "X", "(bool, integer or float)")
    else:
        raise TypeError(f"`X` must be a torch.Tensor, numpy array or nested sequence; got {type(X).__name__}.")
    if tensor.is_complex() or not (tensor.is_floating_point() or tensor.dtype == torch.bool or _is_int(tensor)):
        raise TypeError(f"`X` must hold real numbers; got dtype {tensor.dtype}.")
    if tensor.ndim != 2:
        raise ValueError(f"`X` must be 2-D (n_samples, n_features); got shape {tuple(tensor.shape)}.")
    if tensor.shape[0] == 0 or tensor.shape[1] == 0:
        raise ValueError(f"`X` needs at least one sample and one feature; got shape {tuple(tensor.shape)}.")
    # Reading the check's result back is a host-device sync: a Metric without validate_args skips it.
    if check_finite and tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        raise ValueError("`X` contains NaN or infinity; mutual information needs finite values.")
    return tensor


def _tensor_of_numbers(value: Any, name: str, hint: str) -> Tensor:
    """An array-like (numpy, nested sequence, pandas) of numbers as a CPU tensor sharing its memory where it can."""
    array = _numeric(_frame_array(value) if _is_frame(value) else np.asarray(value))
    if array.dtype.kind not in "biuf":
        columns = _non_numeric_columns(value) if _is_frame(value) else []
        where = f" (columns that are not numbers: {columns})" if columns else ""
        raise TypeError(f"`{name}` must hold numbers {hint}; got numpy dtype {array.dtype}{where}.")
    array = np.ascontiguousarray(array)
    if not array.flags.writeable:  # pandas hands out read-only views; torch warns on sharing them
        array = array.copy()
    return torch.from_numpy(array)


def _is_frame(value: Any) -> bool:
    """pandas (or polars / pyarrow) data: a DataFrame, Series or Index."""
    return hasattr(value, "to_numpy") and not isinstance(value, (Tensor, np.ndarray, str, bytes))


def _frame_array(frame: Any) -> np.ndarray:
    """pandas data as numpy; nullable columns (Int64 with pd.NA) as float64 with NaN, so that a missing
    value is reported as NaN (as scikit-learn does) rather than as an object dtype."""
    array = np.asarray(frame.to_numpy())
    if array.dtype.kind == "O":
        try:
            return np.asarray(frame.to_numpy(dtype=np.float64, na_value=np.nan))
        except (TypeError, ValueError):  # strings, or a frame library without na_value
            pass
    return array


def _non_numeric_columns(frame: Any) -> list:
    """The names of a DataFrame's columns that are not numbers (for the error message)."""
    names = []
    for column in getattr(frame, "columns", ()):
        try:
            np.asarray(frame[column].to_numpy(), dtype=np.float64)
        except (TypeError, ValueError):
            names.append(column)
    return names


def _numeric(array: np.ndarray) -> np.ndarray:
    """An object array of numbers (a DataFrame of mixed numeric columns) as float64, as scikit-learn reads it."""
    if array.dtype.kind != "O":
        return array
    try:
        return array.astype(np.float64)
    except (TypeError, ValueError):
        return array  # not numbers: the caller names the dtype


def _is_int(tensor: Tensor) -> bool:
    return not tensor.is_floating_point() and not tensor.is_complex() and tensor.dtype != torch.bool


def _as_vector(y: Any, n: int, device: torch.device) -> Tensor:
    if isinstance(y, Tensor):
        tensor = y
    elif isinstance(y, (np.ndarray, list, tuple)) or _is_frame(y):
        tensor = _tensor_of_numbers(y, "y", "(string labels: use sklearn_mutual_info_classif)")
    else:
        raise TypeError(f"`y` must be a torch.Tensor, numpy array or sequence; got {type(y).__name__}.")
    if tensor.is_complex():
        raise TypeError(f"`y` must hold real numbers; got dtype {tensor.dtype}.")
    if tensor.ndim != 1:
        raise ValueError(f"`y` must be 1-D (n_samples,); got shape {tuple(tensor.shape)}.")
    if tensor.shape[0] != n:
        raise ValueError(f"`y` has {tensor.shape[0]} samples but `X` has {n}; they must match.")
    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        raise ValueError("`y` contains NaN or infinity; mutual information needs finite values.")
    return tensor.to(device)


def _class_codes(y: Tensor) -> Tensor:
    if y.is_floating_point() and not bool((y == torch.round(y)).all()):
        raise ValueError(
            "`y` of mutual_info_classif must hold class labels; got non-integral float values "
            "(a continuous target belongs in mutual_info_regression)."
        )
    return dense_codes(y[None])[0]


# The parameter checks of the two estimators raise scikit-learn's InvalidParameterError (both a
# ValueError and a TypeError), so that code catching scikit-learn's errors catches these too.


def _check_neighbors(n_neighbors: Any) -> int:
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, Integral):
        raise InvalidParameterError(f"`n_neighbors` must be an int >= 1; got {type(n_neighbors).__name__}.")
    if n_neighbors < 1:
        raise InvalidParameterError(f"`n_neighbors` must be an int >= 1; got {n_neighbors}.")
    return int(n_neighbors)


def _check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"`{name}` must be a bool; got {type(value).__name__}.")
    return bool(value)


def _check_n_jobs(n_jobs: Any) -> None:
    """None or a nonzero int, as joblib reads it (the value is then ignored: torch's threads do the work)."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)):
        raise InvalidParameterError(f"`n_jobs` must be an int or None; got {type(n_jobs).__name__}.")
    if n_jobs == 0:  # scikit-learn's joblib refuses 0 with a ValueError
        raise InvalidParameterError("`n_jobs` must be None, a positive int or a negative int (-1: all cores); got 0.")


def _discrete_mask(discrete_features: Any, num_features: int) -> Tensor:
    """scikit-learn's rule: 'auto' (False for dense X), a bool for all, a bool mask or indices."""
    if isinstance(discrete_features, str):
        if discrete_features != "auto":
            raise InvalidParameterError(
                "`discrete_features` must be 'auto', a bool, a boolean mask or an array of indices; "
                f"got {discrete_features!r}."
            )
        return torch.zeros(num_features, dtype=torch.bool)
    if isinstance(discrete_features, (bool, np.bool_)):
        return torch.full((num_features,), bool(discrete_features))
    if isinstance(discrete_features, Tensor):
        given = discrete_features.cpu().numpy()
    elif isinstance(discrete_features, (np.ndarray, list, tuple)) or _is_frame(discrete_features):
        given = np.asarray(discrete_features)
    else:
        raise InvalidParameterError(
            "`discrete_features` must be 'auto', a bool, a boolean mask or an array of indices; "
            f"got {type(discrete_features).__name__}."
        )
    if given.ndim == 0:
        raise InvalidParameterError(
            f"`discrete_features` as a mask or indices must be an array of at least one dimension; got {given!r}."
        )
    if given.dtype == bool:
        if given.shape != (num_features,):
            raise FeatureIndexError(
                f"`discrete_features` as a boolean mask needs one entry per feature, shape ({num_features},); "
                f"got shape {given.shape}."
            )
        return torch.from_numpy(given.copy())
    if given.size and given.dtype.kind not in "iu":
        raise FeatureIndexTypeError(f"`discrete_features` indices must be integers; got dtype {given.dtype}.")
    given = given.reshape(-1)  # indices of any shape, as numpy's indexing takes them (np.nonzero(mask) is 2-D)
    # Checked before the int64 cast: a uint64 index of 2**64 - 1 would wrap to -1, a valid index.
    if given.size and (int(given.min()) < -num_features or int(given.max()) >= num_features):
        outside = [index for index in given.tolist() if not -num_features <= index < num_features]
        raise FeatureIndexError(
            f"`discrete_features` indices must lie in [-{num_features}, {num_features}) for X's {num_features} "
            f"features; got {outside[:10]}{' ...' if len(outside) > 10 else ''} out of range ({given.size} given)."
        )
    mask = np.zeros(num_features, dtype=bool)
    mask[given.astype(np.int64)] = True
    return torch.from_numpy(mask)


# ---------------------------------------------------------------- scaling and noise


def _std_scale_(columns: Tensor, tiny: float = 10 * torch.finfo(torch.float64).eps) -> Tensor:
    """Divide each column by its std (ddof=0) in place; columns with std < ``tiny`` by 1.

    As ``sklearn.preprocessing.scale``: near-constant columns of X (std < 10 eps) and a y with
    std exactly 0 are left unscaled.
    """
    std = columns.std(dim=0, correction=0)
    std = torch.where(std < tiny, torch.ones_like(std), std)
    return columns.div_(std)


def _numpy_rng(random_state: Any) -> np.random.RandomState:
    if random_state is None:
        return np.random.mtrand._rand
    if isinstance(random_state, np.random.RandomState):
        return random_state
    if isinstance(random_state, Integral) and not isinstance(random_state, bool):
        if not 0 <= random_state <= _SEED_MAX:
            raise InvalidParameterError(f"`random_state` as an int must lie in [0, {_SEED_MAX}]; got {random_state}.")
        return np.random.RandomState(int(random_state))
    raise InvalidParameterError(
        "`random_state` must be None, an int, a numpy.random.RandomState or a torch.Generator; "
        f"got {type(random_state).__name__}."
    )


class _Noise:
    """Standard normal draws in scikit-learn's order: (N, F_continuous) first, then (N,) for y."""

    def __init__(self, random_state: Any) -> None:
        if isinstance(random_state, torch.Generator):
            self.generator, self.rng = random_state, None
        else:
            self.generator, self.rng = None, _numpy_rng(random_state)

    def add_(self, columns: Tensor) -> None:
        """columns += 1e-10 * max(1, mean|column|) * normal, column by column's own scale."""
        scale = 1e-10 * torch.clamp(columns.abs().mean(dim=0), min=1.0)
        if self.rng is None:
            noise = torch.randn(columns.shape, generator=self.generator, dtype=torch.float64,
                                device=self.generator.device)
            columns.add_(scale * noise.to(columns.device))
            return
        squeeze = columns.ndim == 1
        view = columns[:, None] if squeeze else columns
        for start in range(0, view.shape[0], _NOISE_ROWS):
            rows = min(_NOISE_ROWS, view.shape[0] - start)
            size = rows if squeeze else (rows, view.shape[1])
            draw = torch.from_numpy(self.rng.standard_normal(size=size)).reshape(rows, -1)
            view[start:start + rows].add_(scale * draw.to(columns.device))


# ---------------------------------------------------------------- the estimators


def _estimate(X, y, discrete_features, n_neighbors, copy, random_state, n_jobs, noise, discrete_target):
    n_neighbors = _check_neighbors(n_neighbors)
    copy = _check_flag(copy, "copy")
    noise = _check_flag(noise, "noise")
    _check_n_jobs(n_jobs)
    if not (random_state is None or isinstance(random_state, torch.Generator)):
        _numpy_rng(random_state)  # type check before any work
    X = _as_matrix(X, copy)
    n, num_features = X.shape
    y = _as_vector(y, n, X.device)
    discrete = _discrete_mask(discrete_features, num_features)
    continuous = ~discrete
    any_continuous = bool(continuous.any())
    if any_continuous and not discrete_target and n_neighbors >= n:
        raise ValueError(f"`n_neighbors` must be smaller than the number of samples ({n}); got {n_neighbors}.")
    if discrete_target:
        y_codes = _class_codes(y)
    noise_source = _Noise(random_state) if noise else None

    mi = torch.zeros(num_features, dtype=torch.float64, device=X.device)
    continuous_idx = continuous.nonzero()[:, 0].to(X.device)
    discrete_idx = discrete.nonzero()[:, 0].to(X.device)
    if any_continuous:
        in_place = not copy and X.dtype == torch.float64 and bool(continuous.all())
        if in_place:
            values = X
        else:  # one transposing copy into the (F, N) rows the estimators take; scaled and noised
            values = X.T.index_select(0, continuous_idx).to(torch.float64).T  # through an (N, F) view
        _std_scale_(values)
        if noise_source is not None:
            noise_source.add_(values)
        if in_place and not X.is_contiguous():
            values = values.contiguous()
    if not discrete_target:
        y = _std_scale_(y.to(torch.float64).clone()[:, None], tiny=torch.finfo(torch.float64).tiny)[:, 0]
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
        if not bool(_discrete_mask(discrete_features, X.shape[1]).all()):
            raise ValueError("Sparse matrix `X` can't have continuous features: pass discrete_features=True.")
        X = X.toarray()
    if isinstance(y, torch.Tensor):  # a tensor holds numbers already (and may be on a GPU)
        return X, y, discrete_features
    labels = np.asarray(y.to_numpy() if _is_frame(y) else y)
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


# ---------------------------------------------------------------- binned estimates


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
    rows = _as_matrix(X, copy=True).T.contiguous()
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
    return _binned(X, edges, check_finite=True)


def _binned(X: Any, edges: Any, check_finite: bool) -> Tensor:
    X = _as_matrix(X, copy=True, check_finite=check_finite)
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
        raise TypeError(f"`X` must hold integer (or bool) codes; got dtype {tensor.dtype}. Bin continuous features first.")
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
    adjusted = _check_flag(adjusted, "adjusted")
    X = _as_matrix(X, copy=True)
    target = _as_vector(y, X.shape[0], X.device)
    if target.is_floating_point():
        raise TypeError(
            f"`y` must hold integer class labels; got dtype {target.dtype} (bin a continuous target first)."
        )
    codes = bucketize_rows(X.T.contiguous(), bin_edges(X, bins, strategy=strategy))
    if adjusted:
        return functional.adjusted_mutual_info_score(codes, target, average_method=average_method)
    return functional.mutual_info_score(codes, target)
