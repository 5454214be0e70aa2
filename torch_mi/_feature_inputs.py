"""Checks of feature-MI inputs (X, y, discrete_features and the scikit-learn parameters), with
scikit-learn's error classes where its estimators raise them."""

from __future__ import annotations

from numbers import Integral
from typing import Any

import numpy as np
import torch
from torch import Tensor

from torch_mi._binning import dense_codes
from torch_mi._sklearn_compat import InvalidParameterError


class FeatureIndexError(IndexError, ValueError):
    """``discrete_features`` names columns X does not have: an index out of range, or a mask of the wrong length.

    scikit-learn lets numpy's indexing raise an IndexError there; torch_mi's policy calls a wrong
    value a ValueError. This is both, so ``except IndexError`` and ``except ValueError`` catch it.
    """

    __module__ = "torch_mi.feature_selection"  # where users import it from (and pickles find it)


class FeatureIndexTypeError(FeatureIndexError, InvalidParameterError):
    """``discrete_features`` indices that are not integers: numpy's IndexError in scikit-learn, and a
    wrong type (TypeError, as an ``InvalidParameterError``) by torch_mi's policy; a ValueError too."""

    __module__ = "torch_mi.feature_selection"




def _as_tensor(value: Any, name: str, hint: str, sequence: str) -> Tensor:
    """A tensor as it is; an array-like (numpy, sequence, pandas) of numbers as a CPU tensor."""
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (np.ndarray, list, tuple)) or is_frame(value):
        return _tensor_of_numbers(value, name, hint)
    raise TypeError(f"`{name}` must be a torch.Tensor, numpy array or {sequence}; got {type(value).__name__}.")


def as_matrix(X: Any, copy: bool, check_finite: bool = True) -> Tensor:
    tensor = _as_tensor(X, "X", "(bool, integer or float)", "nested sequence")
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
    array = _numeric(_frame_array(value) if is_frame(value) else np.asarray(value))
    if array.dtype.kind not in "biuf":
        columns = _non_numeric_columns(value) if is_frame(value) else []
        where = f" (columns that are not numbers: {columns})" if columns else ""
        raise TypeError(f"`{name}` must hold numbers {hint}; got numpy dtype {array.dtype}{where}.")
    array = np.ascontiguousarray(array)
    if not array.flags.writeable:  # pandas hands out read-only views; torch warns on sharing them
        array = array.copy()
    return torch.from_numpy(array)


def is_frame(value: Any) -> bool:
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


def as_vector(y: Any, n: int, device: torch.device) -> Tensor:
    tensor = _as_tensor(y, "y", "(string labels: use sklearn_mutual_info_classif)", "sequence")
    if tensor.is_complex():
        raise TypeError(f"`y` must hold real numbers; got dtype {tensor.dtype}.")
    if tensor.ndim != 1:
        raise ValueError(f"`y` must be 1-D (n_samples,); got shape {tuple(tensor.shape)}.")
    if tensor.shape[0] != n:
        raise ValueError(f"`y` has {tensor.shape[0]} samples but `X` has {n}; they must match.")
    if tensor.is_floating_point() and not bool(torch.isfinite(tensor).all()):
        raise ValueError("`y` contains NaN or infinity; mutual information needs finite values.")
    return tensor.to(device)


def class_codes(y: Tensor) -> Tensor:
    if y.is_floating_point() and not bool((y == torch.round(y)).all()):
        raise ValueError(
            "`y` of mutual_info_classif must hold class labels; got non-integral float values "
            "(a continuous target belongs in mutual_info_regression)."
        )
    return dense_codes(y[None])[0]


# The parameter checks of the two estimators raise scikit-learn's InvalidParameterError (both a
# ValueError and a TypeError), so that code catching scikit-learn's errors catches these too.


def check_neighbors(n_neighbors: Any) -> int:
    if isinstance(n_neighbors, bool) or not isinstance(n_neighbors, Integral):
        raise InvalidParameterError(f"`n_neighbors` must be an int >= 1; got {type(n_neighbors).__name__}.")
    if n_neighbors < 1:
        raise InvalidParameterError(f"`n_neighbors` must be an int >= 1; got {n_neighbors}.")
    return int(n_neighbors)


def check_flag(value: Any, name: str) -> bool:
    if not isinstance(value, (bool, np.bool_)):
        raise InvalidParameterError(f"`{name}` must be a bool; got {type(value).__name__}.")
    return bool(value)


def check_n_jobs(n_jobs: Any) -> None:
    """None or a nonzero int, as joblib reads it (the value is then ignored: torch's threads do the work)."""
    if n_jobs is not None and (isinstance(n_jobs, bool) or not isinstance(n_jobs, Integral)):
        raise InvalidParameterError(f"`n_jobs` must be an int or None; got {type(n_jobs).__name__}.")
    if n_jobs == 0:  # scikit-learn's joblib refuses 0 with a ValueError
        raise InvalidParameterError("`n_jobs` must be None, a positive int or a negative int (-1: all cores); got 0.")


def discrete_mask(discrete_features: Any, num_features: int) -> Tensor:
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
    elif isinstance(discrete_features, (np.ndarray, list, tuple)) or is_frame(discrete_features):
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
