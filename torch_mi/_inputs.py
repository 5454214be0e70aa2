"""Turning user input into validated int64 label tensors, and checking the scalar options.

Every public entry point goes through here, so the error messages are uniform: they name the
argument, say what was given and what is expected.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any

import numpy as np
import torch
from torch import Tensor

AVERAGE_METHODS = ("min", "geometric", "arithmetic", "max")


def as_label_tensor(value: Any, name: str) -> Tensor:
    """Return ``value`` as an int64 tensor of labels, keeping its device.

    Accepts tensors, numpy arrays and (nested) sequences of integers or booleans. Floating,
    complex and non-numeric labels are rejected: a cluster id is an identity, and silently
    truncating 1.5 to 1 would merge clusters.
    """
    if isinstance(value, Tensor):
        tensor = value
    elif isinstance(value, np.ndarray):
        tensor = _from_numpy(value, name)
    elif isinstance(value, Sequence) and not isinstance(value, (str, bytes)):
        array = np.asarray(value)
        if array.size == 0:  # np.asarray([]) is float64; an empty list has no dtype to reject
            array = array.astype(np.int64)
        tensor = _from_numpy(array, name)
    else:
        raise TypeError(
            f"`{name}` must be a torch.Tensor, numpy array or sequence of integer labels; "
            f"got {type(value).__name__}."
        )
    if tensor.dtype == torch.bool:
        return tensor.long()
    if tensor.is_floating_point() or tensor.is_complex():
        raise TypeError(
            f"`{name}` must hold integer (or bool) cluster labels; got dtype {tensor.dtype}. "
            f"Labels are identities, not quantities: cast whole-number floats with `.long()` first."
        )
    if tensor.dtype not in _INTEGER_DTYPES:
        raise TypeError(f"`{name}` must hold integer (or bool) cluster labels; got dtype {tensor.dtype}.")
    return tensor.long()


_INTEGER_DTYPES = {
    torch.uint8,
    torch.int8,
    torch.int16,
    torch.int32,
    torch.int64,
    *(getattr(torch, name) for name in ("uint16", "uint32", "uint64") if hasattr(torch, name)),
}


def _from_numpy(array: np.ndarray, name: str) -> Tensor:
    if array.dtype.kind not in "biu":
        raise TypeError(
            f"`{name}` must hold integer (or bool) cluster labels; got numpy dtype {array.dtype}."
        )
    if array.dtype.kind == "u" and array.dtype.itemsize == 8:
        array = array.astype(np.int64)  # torch has limited uint64 support; ids above 2**63 are not labels anyone uses
    return torch.from_numpy(np.ascontiguousarray(array))


def labels_pair(preds: Any, target: Any, *, allow_batched_preds: bool = False) -> tuple[Tensor, Tensor]:
    """Validate ``preds`` and ``target`` together and return them as int64 tensors.

    ``target`` is 1-D of length N. ``preds`` is 1-D of length N, or, when ``allow_batched_preds``,
    2-D of shape (B, N): B clusterings of the same N samples.
    """
    preds = as_label_tensor(preds, "preds")
    target = as_label_tensor(target, "target")
    if target.ndim != 1:
        raise ValueError(f"`target` must be 1-D (one label per sample); got shape {tuple(target.shape)}.")
    if allow_batched_preds:
        if preds.ndim not in (1, 2):
            raise ValueError(
                f"`preds` must be 1-D (N,) or 2-D (B, N) for B clusterings; got shape {tuple(preds.shape)}."
            )
    elif preds.ndim != 1:
        raise ValueError(f"`preds` must be 1-D (one label per sample); got shape {tuple(preds.shape)}.")
    if preds.shape[-1] != target.shape[0]:
        raise ValueError(
            f"`preds` and `target` must label the same samples: `preds` has {preds.shape[-1]} samples "
            f"(shape {tuple(preds.shape)}), `target` has {target.shape[0]}."
        )
    if preds.device != target.device:
        raise ValueError(
            f"`preds` and `target` must be on the same device; got `preds` on {preds.device} "
            f"and `target` on {target.device}."
        )
    return preds, target


def check_average_method(average_method: Any) -> str:
    if not isinstance(average_method, str) or average_method not in AVERAGE_METHODS:
        raise ValueError(f"`average_method` must be one of {AVERAGE_METHODS}; got {average_method!r}.")
    return average_method


def check_log_base(log_base: Any) -> float | None:
    """Return ``log(log_base)``'s base as a float, or None for natural logarithms."""
    if log_base is None:
        return None
    if isinstance(log_base, bool) or not isinstance(log_base, Real):
        raise TypeError(f"`log_base` must be None or a positive real number other than 1; got {log_base!r}.")
    value = float(log_base)
    if not math.isfinite(value) or value <= 0 or value == 1:
        raise ValueError(f"`log_base` must be None or a positive real number other than 1; got {log_base!r}.")
    return value


def check_beta(beta: Any) -> float:
    if isinstance(beta, bool) or not isinstance(beta, Real) or not math.isfinite(beta) or beta < 0:
        raise ValueError(f"`beta` must be a non-negative finite number; got {beta!r}.")
    return float(beta)
