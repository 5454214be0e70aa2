"""torch_mi.sklearn is a drop-in for scikit-learn's functions: signatures, argument order, inputs, return types."""

from __future__ import annotations

import inspect

import numpy as np
import pandas as pd
import pytest
import scipy.sparse
import sklearn.feature_selection
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm
from sklearn.metrics import cluster as skc

from strategies import labelings
from torch_mi import sklearn as tms

SCALAR_SCORES = [
    "mutual_info_score",
    "normalized_mutual_info_score",
    "adjusted_mutual_info_score",
    "homogeneity_score",
    "completeness_score",
    "v_measure_score",
    "adjusted_rand_score",
    "rand_score",
    "fowlkes_mallows_score",
]
TOLERANCE = {"adjusted_mutual_info_score": 1e-10}  # scikit-learn's own E[MI] rounding, amplified


@pytest.mark.parametrize("name", tms.__all__)
def test_signatures_are_scikit_learns(name):
    theirs = inspect.signature(getattr(skc, name, None) or getattr(sklearn.feature_selection, name))
    ours = inspect.signature(getattr(tms, name))
    assert [(p.name, p.kind, p.default) for p in ours.parameters.values()] == [
        (p.name, p.kind, p.default) for p in theirs.parameters.values()
    ]


def _as(kind: str, labels: np.ndarray):
    if kind == "strings":
        return np.array([f"c{v}" for v in labels], dtype=object)
    if kind == "unicode":
        return labels.astype(str)
    if kind == "list":
        return labels.tolist()
    if kind == "series":
        return pd.Series(labels)
    if kind == "tensor":
        return torch.from_numpy(labels)
    return labels


KINDS = st.sampled_from(["numpy", "strings", "unicode", "list", "series", "tensor"])


@given(labelings(max_samples=200, max_clusters=15), KINDS, KINDS, st.sampled_from(SCALAR_SCORES))
def test_scores_equal_scikit_learns_in_its_argument_order(pair, true_kind, pred_kind, name):
    labels_true, labels_pred = pair
    if labels_true.size == 0:
        return  # scikit-learn's empty-input behaviour is covered by the functional limit-case tests
    ours = getattr(tms, name)(_as(true_kind, labels_true), _as(pred_kind, labels_pred))
    theirs = getattr(skm, name)(labels_true, labels_pred)
    assert type(ours) is float
    assert ours == pytest.approx(theirs, abs=TOLERANCE.get(name, 1e-12))


@given(labelings(max_samples=200, max_clusters=15), KINDS, KINDS)
def test_pair_confusion_matrix_is_scikit_learns(pair, true_kind, pred_kind):
    labels_true, labels_pred = pair
    ours = tms.pair_confusion_matrix(_as(true_kind, labels_true), _as(pred_kind, labels_pred))
    assert isinstance(ours, np.ndarray) and ours.dtype == np.int64 and ours.shape == (2, 2)
    np.testing.assert_array_equal(ours, skm.pair_confusion_matrix(labels_true, labels_pred))


def test_asymmetric_scores_keep_the_order():
    labels_true, labels_pred = [0, 0, 1, 1], [0, 1, 2, 3]  # homogeneity 1, completeness 0.5
    assert tms.homogeneity_score(labels_true, labels_pred) == 1.0
    assert tms.completeness_score(labels_true, labels_pred) == pytest.approx(0.5)
    assert tms.homogeneity_completeness_v_measure(labels_true, labels_pred, beta=2.0) == pytest.approx(
        skm.homogeneity_completeness_v_measure(labels_true, labels_pred, beta=2.0)
    )
    assert all(type(v) is float for v in tms.homogeneity_completeness_v_measure(labels_true, labels_pred))


@given(labelings(max_samples=200, max_clusters=15), KINDS, KINDS)
def test_contingency_matrix_is_scikit_learns(pair, true_kind, pred_kind):
    labels_true, labels_pred = pair
    if labels_true.size == 0:
        return
    args = (_as(true_kind, labels_true), _as(pred_kind, labels_pred))
    if true_kind in ("strings", "unicode"):  # the same order as scikit-learn's: sorted by the label itself
        sk_args = (_as(true_kind, labels_true), labels_pred)
    else:
        sk_args = (labels_true, labels_pred)
    if pred_kind in ("strings", "unicode"):
        sk_args = (sk_args[0], _as(pred_kind, labels_pred))
    expected = skc.contingency_matrix(*[np.asarray(a) for a in sk_args])
    dense = tms.contingency_matrix(*args)
    assert isinstance(dense, np.ndarray) and dense.dtype == np.int64
    np.testing.assert_array_equal(dense, expected)
    sparse = tms.contingency_matrix(*args, sparse=True)
    assert scipy.sparse.issparse(sparse)
    np.testing.assert_array_equal(sparse.toarray(), expected)
    np.testing.assert_array_equal(tms.contingency_matrix(*args, eps=0.5), expected + 0.5)


def test_contingency_matrix_rejects_eps_with_sparse():
    with pytest.raises(ValueError, match="Cannot set 'eps' when sparse=True"):
        tms.contingency_matrix([0, 1], [0, 1], eps=1.0, sparse=True)


@given(labelings(max_samples=200, max_clusters=15))
def test_mutual_info_from_a_given_contingency_table(pair):
    labels_true, labels_pred = pair
    if labels_true.size == 0:
        return
    table = skc.contingency_matrix(labels_true, labels_pred)
    expected = skm.mutual_info_score(labels_true, labels_pred)
    for given_table in (table, scipy.sparse.csr_matrix(table), torch.from_numpy(table)):
        assert tms.mutual_info_score(None, None, contingency=given_table) == pytest.approx(expected, abs=1e-12)
    n = int(table.sum())
    assert tms.expected_mutual_information(table, n) == pytest.approx(skc.expected_mutual_information(table, n), abs=1e-10)


def test_expected_mutual_information_checks_n_samples():
    with pytest.raises(ValueError, match=r"`n_samples` must equal the contingency table's total, 4; got 5"):
        tms.expected_mutual_information(np.array([[2, 0], [0, 2]]), 5)


def test_entropy_matches_scikit_learn():
    labels = ["a", "b", "b", "c", "c", "c"]
    assert tms.entropy(labels) == pytest.approx(skc.entropy(labels), abs=1e-15)


@pytest.mark.parametrize("name", SCALAR_SCORES)
def test_errors_name_scikit_learns_arguments(name):
    with pytest.raises(ValueError, match=r"`labels_pred` and `labels_true` must label the same samples"):
        getattr(tms, name)([0, 1, 2], [0, 1])
    with pytest.raises(TypeError, match=r"`labels_true` must hold integer"):
        getattr(tms, name)([0.5, 1.0], [0, 1])


def test_feature_mi_functions_return_numpy_like_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    X = np.column_stack([y + 0.3 * rng.standard_normal(400), rng.standard_normal(400), rng.integers(0, 4, 400)])
    for name in ("mutual_info_classif", "mutual_info_regression"):
        ours = getattr(tms, name)(X, y, discrete_features=[2], random_state=0)
        theirs = getattr(sklearn.feature_selection, name)(X, y, discrete_features=[2], random_state=0)
        assert isinstance(ours, np.ndarray) and ours.shape == (3,) and ours.dtype == np.float64
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)  # same noise draws; see feature_selection's docstring
