"""Every check of user input, with one error policy.

A wrong *type* raises ``TypeError``, a wrong *value* ``ValueError``; every message names the argument,
says what was given and what is expected. Public entry points (functional scores, Metric
constructors and updates, the state loaders) validate here before they touch any state, so a
rejected call changes nothing.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Integral, Real
from typing import Any, Optional

import numpy as np
import torch
from torch import Tensor

AVERAGE_METHODS = ("min", "geometric", "arithmetic", "max")

_INTEGER_DTYPES = {
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    *(getattr(torch, name) for name in ("uint16", "uint32", "uint64") if hasattr(torch, name)),
}


# Code written for torchmetrics catches the exception types its clustering metrics raise. Where those
# differ from this module's policy, the error is an instance of both, so either `except` catches it.
class InvalidTypeError(TypeError, ValueError):
    """A wrong type (float labels, a non-number ``beta``, a non-int ``num_classes``), for which
    torchmetrics raises ValueError."""


class InvalidLabelsError(ValueError, RuntimeError):
    """Labels that do not fit (``preds`` and ``target`` of different lengths, labels outside
    ``num_classes``), for which torchmetrics' shape and confusion-matrix checks raise RuntimeError."""


# ----------------------------------------------------------------------------------------- labels
def as_label_tensor(value: Any, name: str, *, factorize_strings: bool = False) -> Tensor:
    """Return ``value`` as an int64 tensor of labels, keeping its device.

    Accepts tensors, numpy arrays, pandas objects and (nested) sequences of integers or booleans.
    With ``factorize_strings``, string / object labels are accepted too and replaced by the rank of
    each label among the distinct ones (a renaming, which no score here depends on). Floating and
    complex labels are rejected: a cluster id is an identity, and silently truncating 1.5 to 1
    would merge clusters.
    """
    if isinstance(value, Tensor):
        tensor = value
    else:
        array = _as_array(value, name)
        if array.dtype.kind in "OUSa" and factorize_strings and array.ndim >= 1:
            array = factorize(array, name)
        tensor = _from_numpy(array, name)
    if tensor.dtype == torch.bool:
        return tensor.long()
    if tensor.is_floating_point() or tensor.is_complex():
        raise InvalidTypeError(
            f"`{name}` must hold integer (or bool) cluster labels; got dtype {tensor.dtype}. "
            f"Labels are identities, not quantities: cast whole-number floats with `.long()` first."
        )
    if tensor.dtype not in _INTEGER_DTYPES:
        raise InvalidTypeError(f"`{name}` must hold integer (or bool) cluster labels; got dtype {tensor.dtype}.")
    return tensor.long()


def _as_array(value: Any, name: str) -> np.ndarray:
    if isinstance(value, np.ndarray):
        return value
    if hasattr(value, "to_numpy") and not isinstance(value, (str, bytes)):  # pandas / polars / pyarrow
        return np.asarray(value.to_numpy())
    if isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        array = np.asarray(value)
        return array.astype(np.int64) if array.size == 0 else array  # [] is float64 to numpy
    raise TypeError(
        f"`{name}` must be a torch.Tensor, numpy array or sequence of integer labels; got {type(value).__name__}."
    )


def factorize(array: np.ndarray, name: str) -> np.ndarray:
    """Each label's rank among the distinct labels (int64, same shape).

    Objects are compared by value, as scikit-learn does: 1, 1.0 and True are one label, while the
    string "1" and the number 1 cannot be ordered together and are refused. A missing value (NaN,
    pandas' NA) is no label.
    """
    if array.dtype.kind == "O" and _has_missing(array):
        raise ValueError(f"`{name}` contains missing values (NaN or NA); every sample needs a label.")
    try:
        _, codes = np.unique(array, return_inverse=True)
    except TypeError as error:  # unorderable mixtures, such as strings with numbers or None
        raise TypeError(f"`{name}` holds labels that cannot be compared with each other: {error}") from None
    return codes.reshape(array.shape).astype(np.int64)


def _has_missing(array: np.ndarray) -> bool:
    try:
        return bool((array != array).any())  # NaN is the one value unequal to itself
    except TypeError:  # pandas' NA has no truth value
        return True


def _from_numpy(array: np.ndarray, name: str) -> Tensor:
    if array.dtype.kind not in "biu":
        raise InvalidTypeError(
            f"`{name}` must hold integer (or bool) cluster labels; got numpy dtype {array.dtype}"
            + (
                " (strings are accepted by torch_mi.sklearn and by the functional scores)."
                if array.dtype.kind in "OUS"
                else "."
            )
        )
    if array.dtype.kind == "u" and array.dtype.itemsize == 8:
        array = array.astype(np.int64)  # ids above 2**63 are not labels anyone uses
    if not array.flags.writeable:  # pandas hands out read-only views; torch wants to own writable memory
        array = array.copy()
    # ascontiguousarray makes a 0-d array 1-d: reshape keeps the shape, so its check sees ()
    return torch.from_numpy(np.ascontiguousarray(array).reshape(array.shape))


def labels_pair(
    preds: Any,
    target: Any,
    *,
    allow_batched_preds: bool = False,
    scalars_as_samples: bool = False,
    factorize_strings: bool = False,
    names: tuple[str, str] = ("preds", "target"),
) -> tuple[Tensor, Tensor]:
    """Validate ``preds`` and ``target`` together and return them as int64 tensors.

    ``target`` is 1-D of length N. ``preds`` is 1-D of length N, or, when ``allow_batched_preds``,
    2-D of shape (B, N) with B >= 1: B clusterings of the same N samples. With
    ``scalars_as_samples``, a 0-d label is one sample (torchmetrics' Metric classes concatenate
    0-d updates so). ``names`` are the argument names that error messages use (scikit-learn's are
    ``labels_pred``, ``labels_true``).
    """
    p_name, t_name = names
    preds = as_label_tensor(preds, p_name, factorize_strings=factorize_strings)
    target = as_label_tensor(target, t_name, factorize_strings=factorize_strings)
    if scalars_as_samples:
        preds, target = (x.reshape(1) if x.ndim == 0 else x for x in (preds, target))
    # torchmetrics compares the shapes first (RuntimeError), then the number of dimensions (ValueError).
    shape_error = InvalidLabelsError if preds.shape != target.shape else ValueError
    if target.ndim != 1:
        raise shape_error(f"`{t_name}` must be 1-D (one label per sample); got shape {tuple(target.shape)}.")
    if allow_batched_preds:
        if preds.ndim not in (1, 2):
            raise shape_error(
                f"`{p_name}` must be 1-D (N,) or 2-D (B, N) for B clusterings; got shape {tuple(preds.shape)}."
            )
        if preds.ndim == 2 and preds.shape[0] == 0:
            raise shape_error(
                f"`{p_name}` of shape (B, N) must hold at least one clustering; got shape {tuple(preds.shape)}."
            )
    elif preds.ndim != 1:
        raise shape_error(f"`{p_name}` must be 1-D (one label per sample); got shape {tuple(preds.shape)}.")
    if preds.shape[-1] != target.shape[0]:
        raise InvalidLabelsError(
            f"`{p_name}` and `{t_name}` must label the same samples: `{p_name}` has {preds.shape[-1]} samples "
            f"(shape {tuple(preds.shape)}), `{t_name}` has {target.shape[0]}."
        )
    if preds.device != target.device:
        raise ValueError(
            f"`{p_name}` and `{t_name}` must be on the same device; got `{p_name}` on {preds.device} "
            f"and `{t_name}` on {target.device}."
        )
    return preds, target


def flatten_label_maps(preds: Any, target: Any) -> tuple[Any, Any]:
    """Label maps of any shape (N, ...) as 1-D labels, and (N, C, ...) float scores as their argmax
    over C: what torchmetrics' ``ClusterAccuracy.update`` takes (it counts a multiclass confusion
    matrix). Float labels of whole numbers, which that confusion matrix takes too, become int64.
    Anything else is returned unchanged, for ``labels_pair`` to check."""
    if not (isinstance(preds, Tensor) and isinstance(target, Tensor)):
        return preds, target
    scores = preds.is_floating_point() and preds.ndim == target.ndim + 1 and preds.ndim >= 2
    if scores and preds.shape[0] == target.shape[0] and preds.shape[2:] == target.shape[1:] and preds.shape[1] > 0:
        preds = preds.argmax(dim=1)
    if preds.shape == target.shape:
        preds, target = _whole_float_labels(preds, "preds"), _whole_float_labels(target, "target")
    if preds.shape == target.shape and target.ndim != 1:
        return preds.reshape(-1), target.reshape(-1)
    return preds, target


def _whole_float_labels(labels: Tensor, name: str) -> Tensor:
    # torchmetrics truncates 1.5 to 1 here, merging clusters; only whole numbers are taken as ids.
    if not labels.is_floating_point():
        return labels
    if not bool(((labels == labels.round()) & labels.isfinite()).all()):
        raise InvalidTypeError(
            f"`{name}` holds float labels that are not all whole numbers (or not finite); cluster "
            "labels are identities: pass integer labels, or float ones of whole numbers."
        )
    return labels.long()


def check_label_range(labels: Tensor, size: int, name: str, kept: Optional[Tensor]) -> None:
    """Labels of a dense table must lie in [0, size); samples with ``kept`` False are exempt."""
    if labels.numel() == 0:
        return
    if kept is None:  # one min/max pass, and a single host sync for both bounds
        lo, hi = (int(x) for x in torch.aminmax(labels))
        if lo >= 0 and hi < size:
            return
    outside = (labels < 0) | (labels >= size)
    if kept is not None:
        outside &= kept
    if bool(outside.any()):
        bad = labels[outside]
        raise InvalidLabelsError(
            f"`{name}` must hold labels in [0, {size}) for num_classes={size}; found labels from "
            f"{int(bad.min())} to {int(bad.max())}. Pass num_classes=None for arbitrary label ids."
        )


# --------------------------------------------------------------------------------------- counts
def as_count_tensor(value: Any, name: str) -> Tensor:
    """A table or vector of non-negative integer counts as int64 (dense; torch or scipy sparse densified
    only by the caller that needs it)."""
    if isinstance(value, Tensor):
        tensor = value
    elif isinstance(value, (np.ndarray, Sequence)) and not isinstance(value, (str, bytes)):
        tensor = torch.from_numpy(np.ascontiguousarray(np.asarray(value) if len(value) else np.zeros(0, np.int64)))
    else:
        raise TypeError(f"`{name}` must be a tensor or array of integer counts; got {type(value).__name__}.")
    if tensor.is_floating_point() or tensor.is_complex() or tensor.dtype not in _INTEGER_DTYPES | {torch.bool}:
        raise TypeError(f"`{name}` must hold integer counts; got dtype {tensor.dtype}.")
    tensor = tensor.long()
    check_non_negative(tensor, name)
    return tensor


def check_non_negative(counts: Tensor, name: str) -> None:
    if counts.numel() and int(counts.min()) < 0:
        raise ValueError(f"`{name}` must hold non-negative counts; got a minimum of {int(counts.min())}.")


_INT64_MAX = 2**63 - 1


def check_totals_fit(counts: Tensor, name: str) -> None:
    """Each table's total must fit int64, as its row and column sums will be int64: ``counts`` is
    one table's cell counts (1-D), a table (R, C) or B tables (B, R, C), non-negative int64.

    A float64 sum bounds the totals first; only near 2^63 are they summed exactly, as 32-bit halves
    (whose int64 sums cannot overflow) joined in Python integers.
    """
    if counts.numel() == 0:
        return
    per_table = counts.reshape(counts.shape[0] if counts.ndim == 3 else 1, -1)
    if float(per_table.double().sum(dim=1).max()) < 2.0**62:
        return
    high, low = (per_table >> 32).sum(dim=1).tolist(), (per_table & 0xFFFFFFFF).sum(dim=1).tolist()
    for index, (h, lo) in enumerate(zip(high, low)):
        total = (h << 32) + lo
        if total > _INT64_MAX:
            which = f"the counts of table {index}" if counts.ndim == 3 else "the counts"
            raise ValueError(
                f"`{name}`: {which} sum to {total}, past the supported 2**63 - 1 samples; int64 row and "
                "column sums cannot hold it."
            )


# ------------------------------------------------------------------------------ scalar options
def check_average_method(average_method: Any) -> str:
    if not isinstance(average_method, str) or average_method not in AVERAGE_METHODS:
        raise ValueError(f"`average_method` must be one of {AVERAGE_METHODS}; got {average_method!r}.")
    return average_method


def check_log_base(log_base: Any) -> Optional[float]:
    """Return the logarithm's base as a float, or None for natural logarithms."""
    if log_base is None:
        return None
    if isinstance(log_base, bool) or not isinstance(log_base, Real):
        raise TypeError(f"`log_base` must be None or a positive real number other than 1; got {log_base!r}.")
    value = float(log_base)
    if not math.isfinite(value) or value <= 0 or value == 1:
        raise ValueError(f"`log_base` must be None or a positive real number other than 1; got {log_base!r}.")
    return value


def check_beta(beta: Any) -> float:
    if isinstance(beta, bool) or not isinstance(beta, Real):
        raise InvalidTypeError(
            f"`beta` must be a non-negative finite number; got {beta!r} of type {type(beta).__name__}."
        )
    if not math.isfinite(beta) or beta < 0:
        raise ValueError(f"`beta` must be a non-negative finite number; got {beta!r}.")
    return float(beta)


def check_bool(value: Any, name: str) -> bool:
    if not isinstance(value, bool):
        raise TypeError(f"`{name}` must be a bool; got {value!r} of type {type(value).__name__}.")
    return value


def check_optional_int(value: Any, name: str, *, minimum: Optional[int] = None) -> Optional[int]:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, Integral):
        raise TypeError(f"`{name}` must be an int or None; got {value!r} of type {type(value).__name__}.")
    if minimum is not None and value < minimum:
        raise ValueError(f"`{name}` must be an int >= {minimum} or None; got {value!r}.")
    return int(value)


def check_num_classes(num_classes: Any) -> Optional[tuple[int, int]]:
    """None, a positive int K (a K x K table) or a pair (target_classes, pred_classes)."""
    if num_classes is None:
        return None
    expected = "None, a positive int, or a pair (target_classes, pred_classes) of positive ints"
    if isinstance(num_classes, Sequence) and not isinstance(num_classes, str):
        if len(num_classes) != 2:
            raise ValueError(f"`num_classes` must be {expected}; got {num_classes!r}.")
        values = list(num_classes)
    else:
        values = [num_classes]
    for value in values:
        if isinstance(value, bool) or not isinstance(value, Integral):
            raise InvalidTypeError(f"`num_classes` must be {expected}; got {num_classes!r}.")
        if value <= 0:
            raise ValueError(f"`num_classes` must be {expected}; got {num_classes!r}.")
    return int(values[0]), int(values[-1])
