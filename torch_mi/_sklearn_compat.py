"""What scikit-learn accepts and torch_mi's own API does not: the conversions behind ``torch_mi.sklearn``.

torch_mi's functional scores refuse float labels and float counts (an identity or a count is not a
quantity). scikit-learn takes both, and code written for it passes them routinely: a pandas integer
column with a missing value is float64, ``np.array([])`` is float64, ``contingency_matrix(...,
dtype=float)`` feeds ``mutual_info_score(contingency=...)``. The drop-ins convert such inputs here,
as scikit-learn does, before torch_mi's own checks see them; whatever stays wrong is refused there.
"""

from __future__ import annotations

import functools
import os
import sys
import warnings
from collections.abc import Sequence
from types import FrameType
from typing import Any, Callable, Optional, TypeVar

import numpy as np
import torch
from torch import Tensor

from torch_mi._validation import factorize

F = TypeVar("F", bound=Callable[..., Any])


class InvalidParameterError(ValueError, TypeError):
    """A rejected argument of a ``torch_mi.sklearn`` function.

    Both a ValueError and a TypeError, as scikit-learn's own ``InvalidParameterError`` is, so that
    ``except ValueError`` around a scikit-learn call catches a wrong-typed argument here too.
    """


def sklearn_errors(function: F) -> F:
    """``function`` with its TypeErrors raised as ``InvalidParameterError`` (same message)."""

    @functools.wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return function(*args, **kwargs)
        except TypeError as error:
            if isinstance(error, InvalidParameterError):
                raise
            raise InvalidParameterError(*error.args) from None

    return wrapper  # type: ignore[return-value]


def as_array_or_same(value: Any) -> Any:
    """``value`` as a numpy array when it is array-like (pandas, sequences), else unchanged."""
    if isinstance(value, (np.ndarray, Tensor)):
        return value
    if hasattr(value, "to_numpy") and not isinstance(value, (str, bytes)):  # pandas / polars / pyarrow
        return np.asarray(value.to_numpy())
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        array = np.asarray(value)
        return array.astype(np.int64) if array.size == 0 else array  # [] is float64 to numpy
    return value


def sklearn_labels(value: Any, name: str) -> Any:
    """Labels as scikit-learn reads them, in a form torch_mi's label check takes.

    Whole-number floats become int64; other floats are categories (each distinct value a cluster),
    with scikit-learn's warning; NaN is refused. Datetimes, uint64 ids above int64 and object arrays
    are coded by the rank of their distinct values: objects compare by value, so 1, 1.0 and True
    are one label, as in scikit-learn. Anything else passes through unchanged.
    """
    if isinstance(value, Tensor):
        if not value.is_floating_point():
            return value
        if not bool(torch.isfinite(value).all()):
            _refuse_undefined(bool(torch.isnan(value).any()), name)
        if bool((value == value.round()).all()) and (value.numel() == 0 or float(value.abs().max()) < 2**63):
            return value.long()
        _warn_continuous(name)
        return torch.unique(value, return_inverse=True)[1]
    array = as_array_or_same(value)
    if not isinstance(array, np.ndarray):
        return array  # torch_mi's check names what is wrong with it
    if array.ndim != 1:  # as scikit-learn, which reads no 0-d array as one sample
        raise ValueError(f"`{name}` must be 1-D (one label per sample); got shape {array.shape}.")
    kind = array.dtype.kind
    if kind == "f":
        if not np.isfinite(array).all():
            _refuse_undefined(bool(np.isnan(array).any()), name)
        if (array == np.round(array)).all() and (array.size == 0 or np.abs(array).max() < 2**63):
            return array.astype(np.int64)
        _warn_continuous(name)
        return factorize(array, name)
    if kind in "Mm" or (kind == "u" and array.dtype.itemsize == 8 and array.size and array.max() >= 2**63):
        return factorize(array, name)
    if kind == "O":
        return factorize(array, name)
    return array


def _refuse_undefined(has_nan: bool, name: str) -> None:
    """Float labels that are not all finite: NaN is no label, and scikit-learn refuses infinity (its
    ``Input contains infinity``)."""
    what = "NaN" if has_nan else "infinity"
    raise ValueError(f"`{name}` contains {what}; cluster labels must be finite and defined for every sample.")


def _warn_continuous(name: str) -> None:
    warnings.warn(
        f"Clustering metrics expect discrete values but received continuous values for `{name}`: "
        "each distinct value is taken as a cluster.",
        UserWarning,
        stacklevel=caller_level(),
    )


def caller_level() -> int:
    """The ``stacklevel`` that points a warning at the first frame outside torch_mi (the user's call)."""
    package = os.path.dirname(os.path.abspath(__file__))
    frame: Optional[FrameType] = sys._getframe(1)
    level = 1
    while frame is not None and os.path.abspath(frame.f_code.co_filename).startswith(package + os.sep):
        frame, level = frame.f_back, level + 1
    return level


def sklearn_counts(contingency: Any) -> Any:
    """A contingency table of whole-number floats (dense, DataFrame or scipy sparse) as int64.

    scikit-learn truncates fractional counts silently; a fraction of a sample is no count, so it is
    refused here instead.
    """
    if hasattr(contingency, "tocoo") and hasattr(contingency, "nnz"):  # scipy sparse
        if contingency.dtype.kind == "f":
            _check_whole(contingency.data)
            return contingency.astype(np.int64)
        return contingency
    array = contingency
    if hasattr(array, "to_numpy") and not isinstance(array, Tensor):
        array = np.asarray(array.to_numpy())
    elif isinstance(array, Sequence) and not isinstance(array, (str, bytes)) and len(array):
        array = np.asarray(array)
    if isinstance(array, np.ndarray) and array.dtype.kind == "f":
        _check_whole(array)
        return array.astype(np.int64)
    if isinstance(array, Tensor) and array.is_floating_point() and array.layout == torch.strided:
        _check_whole(array.cpu().numpy())
        return array.long()
    return array


def _check_whole(values: np.ndarray) -> None:
    if not np.isfinite(values).all() or not (values == np.round(values)).all():
        raise ValueError(
            "`contingency` must hold whole-number counts; got fractional, infinite or NaN values "
            "(scikit-learn would truncate them)."
        )
    if values.size and np.abs(values).max() >= 2.0**63:  # the int64 cast would wrap around
        raise ValueError(
            f"`contingency` counts must be below 2**63; got a count of {np.abs(values).max():g}."
        )
