"""scikit-learn's clustering-comparison functions, exact and fast: ``from torch_mi import sklearn as metrics``.

Same names, signatures and argument order as ``sklearn.metrics`` (and ``sklearn.feature_selection``'s
``mutual_info_classif`` / ``mutual_info_regression``, batched over features) (``labels_true, labels_pred``;
keyword-only options), the same accepted inputs (lists, numpy arrays of integers, strings, objects,
datetimes or floats, pandas Series, float contingency tables, and torch tensors too), the same
errors (a bad parameter is an ``InvalidParameterError``, both ValueError and TypeError) and the same
return types (Python floats; numpy arrays and scipy sparse matrices for the contingency and pair
confusion matrices). Where scikit-learn silently computes a wrong number (NaN labels, fractional
counts, ``n_samples`` that is not the table's total) a ValueError says why. Underneath, every score is
torch_mi's float64 computation on one contingency table: AMI hundreds of times faster than
scikit-learn and within 1e-13 of exact.

Example:
    >>> from torch_mi import sklearn as metrics
    >>> labels_true = ["cat", "cat", "dog", "dog", "bird", "bird"]
    >>> labels_pred = [1, 1, 0, 0, 0, 3]
    >>> round(metrics.adjusted_mutual_info_score(labels_true, labels_pred), 6)
    0.502361
    >>> round(metrics.homogeneity_score(labels_true, labels_pred), 6)  # asymmetric: labels_true first
    0.71031
"""

from __future__ import annotations

from numbers import Real
from typing import TYPE_CHECKING, Any, Callable, Optional, TypeVar

import numpy as np
from torch import Tensor

from torch_mi import _information, _pair_counting, functional
from torch_mi._contingency import pair_counts
from torch_mi._expected_mi import expected_mutual_info
from torch_mi._sklearn_compat import (
    InvalidParameterError,
    as_array_or_same,
    sklearn_counts,
    sklearn_errors,
    sklearn_labels,
)
from torch_mi._table import Table
from torch_mi._table_inputs import in_inference_mode, table_from_contingency, table_from_inputs
from torch_mi._validation import check_average_method, check_beta, labels_pair
from torch_mi.feature_selection import sklearn_mutual_info_classif, sklearn_mutual_info_regression

__all__ = [
    "adjusted_mutual_info_score",
    "adjusted_rand_score",
    "completeness_score",
    "contingency_matrix",
    "entropy",
    "expected_mutual_information",
    "fowlkes_mallows_score",
    "homogeneity_completeness_v_measure",
    "homogeneity_score",
    "mutual_info_classif",
    "mutual_info_regression",
    "mutual_info_score",
    "normalized_mutual_info_score",
    "pair_confusion_matrix",
    "rand_score",
    "v_measure_score",
]

_NAMES = ("labels_pred", "labels_true")
_Function = TypeVar("_Function", bound=Callable[..., Any])


def _drop_in(function: _Function) -> _Function:
    """``function`` with scikit-learn's errors (``sklearn_errors``), run in inference mode (see
    ``_table_inputs.ordinary``); it returns Python floats and NumPy arrays."""
    return sklearn_errors(in_inference_mode(function))  # type: ignore[return-value]


def _parameter(check: Callable[[Any], Any], value: Any) -> Any:
    """``check(value)``, its ValueError or TypeError raised as ``InvalidParameterError`` (scikit-learn's
    class for a bad parameter, which ``except TypeError`` catches as well as ``except ValueError``)."""
    try:
        return check(value)
    except (ValueError, TypeError) as error:
        raise InvalidParameterError(*error.args) from None


def _labels(labels_true: Any, labels_pred: Any) -> tuple[Any, Any]:
    return sklearn_labels(labels_true, "labels_true"), sklearn_labels(labels_pred, "labels_pred")


def _table(labels_true: Any, labels_pred: Any, contingency: Any = None) -> Table:
    if contingency is not None:  # scikit-learn ignores the labels when a contingency table is given
        return table_from_contingency(sklearn_counts(contingency), allow_batched=False).table
    labels_true, labels_pred = _labels(labels_true, labels_pred)
    return table_from_inputs(labels_pred, labels_true, None, allow_batched=False, names=_NAMES).table


def _float(score: Callable[[Table], Tensor], table: Table) -> float:
    return float(score(table).item())


@_drop_in
def mutual_info_score(labels_true: Any, labels_pred: Any, *, contingency: Any = None) -> float:
    """Mutual information in nats, as ``sklearn.metrics.mutual_info_score``; ``contingency`` replaces the labels."""
    return _float(_information.mutual_info, _table(labels_true, labels_pred, contingency))


@_drop_in
def normalized_mutual_info_score(labels_true: Any, labels_pred: Any, *, average_method: str = "arithmetic") -> float:
    """NMI, as ``sklearn.metrics.normalized_mutual_info_score``."""
    method = _parameter(check_average_method, average_method)
    return _float(lambda t: _information.normalized_mutual_info(t, method), _table(labels_true, labels_pred))


@_drop_in
def adjusted_mutual_info_score(labels_true: Any, labels_pred: Any, *, average_method: str = "arithmetic") -> float:
    """AMI, as ``sklearn.metrics.adjusted_mutual_info_score``, within 1e-13 of exact."""
    method = _parameter(check_average_method, average_method)
    return _float(lambda t: _information.adjusted_mutual_info(t, method), _table(labels_true, labels_pred))


@_drop_in
def homogeneity_completeness_v_measure(
    labels_true: Any, labels_pred: Any, *, beta: float = 1.0
) -> tuple[float, float, float]:
    """(homogeneity, completeness, V-measure), as ``sklearn.metrics.homogeneity_completeness_v_measure``."""
    beta = _parameter(check_beta, beta)
    scores = _information.homogeneity_completeness_v_measure(_table(labels_true, labels_pred), beta)
    return tuple(float(score.item()) for score in scores)  # type: ignore[return-value]


@_drop_in
def homogeneity_score(labels_true: Any, labels_pred: Any) -> float:
    """Homogeneity, as ``sklearn.metrics.homogeneity_score``: each cluster holds one class."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred)[0]


@_drop_in
def completeness_score(labels_true: Any, labels_pred: Any) -> float:
    """Completeness, as ``sklearn.metrics.completeness_score``: each class sits in one cluster."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred)[1]


@_drop_in
def v_measure_score(labels_true: Any, labels_pred: Any, *, beta: float = 1.0) -> float:
    """V-measure, as ``sklearn.metrics.v_measure_score``."""
    return homogeneity_completeness_v_measure(labels_true, labels_pred, beta=beta)[2]


@_drop_in
def adjusted_rand_score(labels_true: Any, labels_pred: Any) -> float:
    """Adjusted Rand index, as ``sklearn.metrics.adjusted_rand_score``, exact at any n (no overflow)."""
    return _float(_pair_counting.adjusted_rand_index, _table(labels_true, labels_pred))


@_drop_in
def rand_score(labels_true: Any, labels_pred: Any) -> float:
    """Rand index, as ``sklearn.metrics.rand_score``."""
    return _float(_pair_counting.rand_index, _table(labels_true, labels_pred))


@_drop_in
def fowlkes_mallows_score(labels_true: Any, labels_pred: Any) -> float:
    """Fowlkes-Mallows index, as ``sklearn.metrics.fowlkes_mallows_score``."""
    return _float(_pair_counting.fowlkes_mallows_index, _table(labels_true, labels_pred))


@_drop_in
def pair_confusion_matrix(labels_true: Any, labels_pred: Any) -> np.ndarray:
    """The 2 x 2 pair confusion matrix ``[[tn, fp], [fn, tp]]`` (int64), as
    ``sklearn.metrics.pair_confusion_matrix``."""
    return _pair_counting.pair_confusion_matrix(_table(labels_true, labels_pred))[0].cpu().numpy()


@_drop_in
def entropy(labels: Any) -> float:
    """Entropy of a labeling in nats, as ``sklearn.metrics.cluster.entropy``.

    As scikit-learn: labels of any shape count as one flat labeling, and no labels score 1.0.
    """
    labels = as_array_or_same(labels)
    if isinstance(labels, (np.ndarray, Tensor)):
        if labels.ndim != 1:
            labels = labels.reshape(-1)
        if labels.shape[0] == 0:
            return 1.0
    return float(functional.entropy(sklearn_labels(labels, "labels")).item())


@_drop_in
def expected_mutual_information(contingency: Any, n_samples: int) -> float:
    """E[MI] under the permutation model, as ``sklearn.metrics.cluster.expected_mutual_information``.

    ``n_samples`` must equal the table's total (scikit-learn assumes it does and computes garbage
    otherwise; here a mismatch is an error).
    """
    if isinstance(n_samples, (bool, np.bool_)) or not isinstance(n_samples, Real):
        raise TypeError(
            f"`n_samples` must be a number, the contingency table's total; got {n_samples!r} of type "
            f"{type(n_samples).__name__}."
        )
    table = table_from_contingency(sklearn_counts(contingency), allow_batched=False).table
    total = int(table.cell_counts.sum())
    if n_samples != total:
        raise ValueError(f"`n_samples` must equal the contingency table's total, {total}; got {n_samples!r}.")
    return _float(expected_mutual_info, table)


@_drop_in
def contingency_matrix(
    labels_true: Any, labels_pred: Any, *, eps: Optional[float] = None, sparse: bool = False, dtype: Any = np.int64
) -> Any:
    """The contingency table as ``sklearn.metrics.cluster.contingency_matrix``: rows are the sorted
    classes of ``labels_true``, columns the sorted clusters of ``labels_pred``; a numpy array, or a
    ``scipy.sparse.csr_matrix`` with ``sparse=True``."""
    if eps is not None and (isinstance(eps, bool) or not isinstance(eps, Real) or not eps >= 0):
        raise InvalidParameterError(f"`eps` must be None or a non-negative real number; got {eps!r}.")
    if not isinstance(sparse, (bool, np.bool_)):
        raise InvalidParameterError(f"`sparse` must be a bool; got {sparse!r} of type {type(sparse).__name__}.")
    if eps is not None and sparse:
        raise ValueError("Cannot set 'eps' when sparse=True")
    labels_true, labels_pred = _labels(labels_true, labels_pred)
    preds, target = labels_pair(labels_pred, labels_true, factorize_strings=True, names=_NAMES)
    cells = pair_counts(preds.cpu(), target.cpu())
    rows = np.unique(cells.target.numpy(), return_inverse=True)[1]
    cols = np.unique(cells.preds.numpy(), return_inverse=True)[1]
    shape = (int(rows.max(initial=-1)) + 1, int(cols.max(initial=-1)) + 1)
    if sparse:
        import scipy.sparse

        return scipy.sparse.csr_matrix((cells.counts.numpy().astype(dtype), (rows, cols)), shape=shape)
    table = np.zeros(shape, dtype=dtype)
    table[rows, cols] = cells.counts.numpy()
    return table if eps is None else table + eps


mutual_info_classif = sklearn_errors(sklearn_mutual_info_classif)
mutual_info_regression = sklearn_errors(sklearn_mutual_info_regression)


if not TYPE_CHECKING:  # type checkers keep flagging misspelled names

    def __getattr__(name: str) -> object:
        from torch_mi._elsewhere import missing

        raise missing('torch_mi.sklearn', name)
