"""torch_mi.sklearn is a drop-in for scikit-learn's functions: signatures, argument order, inputs, return types."""

from __future__ import annotations

import inspect
import warnings

import numpy as np
import pandas as pd
import polars as pl
import pytest
import scipy.sparse
import scipy.stats
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


def _scikit_learns(name):
    if name == "entropy" and not hasattr(skc, "entropy"):
        return _frozen_sklearn_entropy  # removed after its deprecation in 1.8; torch_mi keeps the drop-in
    return getattr(skc, name, None) or getattr(sklearn.feature_selection, name)


@pytest.mark.parametrize("name", tms.__all__)
def test_signatures_are_scikit_learns(name):
    theirs = inspect.signature(_scikit_learns(name))
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
    if kind == "polars":
        return pl.Series(labels)
    if kind == "polars_categorical":  # read as its strings (c-1 before c-4): sorted as text
        return pl.Series([f"c{v}" for v in labels], dtype=pl.Categorical)
    if kind == "tensor":
        return torch.from_numpy(labels)
    # Labelings that scikit-learn reads as integer labels, in the same (monotone) order:
    if kind == "floats":  # a pandas integer column with a gap is float64
        return labels.astype(np.float64)
    if kind == "float_tensor":
        return torch.from_numpy(labels).double()
    if kind == "mixed_numbers":  # objects compare by value: 1 and 1.0 are one label
        return np.array([float(v) if v % 2 else int(v) for v in labels], dtype=object)
    if kind == "big_uint64":  # ids above int64's range
        return labels.astype(np.uint64) + np.uint64(2**63)
    if kind == "datetimes":
        return np.datetime64("2026-01-01") + labels.astype("timedelta64[D]")
    return labels


KINDS = st.sampled_from(
    ["numpy", "strings", "unicode", "list", "series", "polars", "polars_categorical", "tensor", "floats",
     "float_tensor", "mixed_numbers", "big_uint64", "datetimes"]
)


# Kinds whose labels are text: rows and columns sort as text, not as the integers they were made from.
SORTED_AS_TEXT = ("strings", "unicode", "polars_categorical")


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
    if true_kind in SORTED_AS_TEXT:  # the same order as scikit-learn's: sorted by the label itself
        sk_args = (_as(true_kind, labels_true), labels_pred)
    else:
        sk_args = (labels_true, labels_pred)
    if pred_kind in SORTED_AS_TEXT:
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
    assert tms.expected_mutual_information(table, n) == pytest.approx(
        skc.expected_mutual_information(table, n), abs=1e-10
    )


def test_expected_mutual_information_checks_n_samples():
    with pytest.raises(ValueError, match=r"`n_samples` must equal the contingency table's total, 4; got 5"):
        tms.expected_mutual_information(np.array([[2, 0], [0, 2]]), 5)


@pytest.mark.parametrize("n_samples", ["4", True, None, np.array([4, 4])])
def test_expected_mutual_information_refuses_a_non_number_n_samples(n_samples):
    # A string fails inside scikit-learn's Cython as a TypeError; bool is refused although it is an int.
    with pytest.raises(TypeError, match=r"`n_samples` must be a number, the contingency table's total; got "):
        tms.expected_mutual_information(np.array([[2, 0], [0, 2]]), n_samples)
    assert tms.expected_mutual_information(np.array([[2, 0], [0, 2]]), np.int32(4)) == pytest.approx(
        skc.expected_mutual_information(np.array([[2, 0], [0, 2]]), 4)
    )


def _frozen_sklearn_entropy(labels):
    """scikit-learn's documented `entropy` (natural log; 1.0 for no labels), for versions that removed it."""
    counts = np.unique(np.asarray(labels).ravel(), return_counts=True)[1]
    return 1.0 if counts.size == 0 else float(scipy.stats.entropy(counts))


def _sklearn_entropy(labels):
    if not hasattr(skc, "entropy"):
        return _frozen_sklearn_entropy(labels)
    with warnings.catch_warnings():  # deprecated in scikit-learn 1.8, still its reference behaviour
        warnings.simplefilter("ignore", FutureWarning)
        return skc.entropy(labels)


@pytest.mark.parametrize("labels", [["a", "b", "b", "c", "c", "c"], [[0, 1, 1], [2, 2, 2]], [0.0, 1.0, 1.0], [7], []])
def test_frozen_entropy_reference_is_scikit_learns_while_it_has_one(labels):
    if not hasattr(skc, "entropy"):
        pytest.skip("this scikit-learn removed entropy; the frozen reference stands in for it")
    assert _frozen_sklearn_entropy(labels) == pytest.approx(_sklearn_entropy(labels), abs=1e-15)


def test_entropy_matches_scikit_learn():
    labels = ["a", "b", "b", "c", "c", "c"]
    assert tms.entropy(labels) == pytest.approx(_sklearn_entropy(labels), abs=1e-15)
    grid = np.array([[0, 1, 1], [2, 2, 2]])  # any shape is one flat labeling
    assert tms.entropy(grid) == pytest.approx(_sklearn_entropy(grid), abs=1e-15)
    assert tms.entropy(torch.from_numpy(grid)) == pytest.approx(_sklearn_entropy(grid), abs=1e-15)
    assert tms.entropy(np.array([0.0, 1.0, 1.0])) == pytest.approx(
        _sklearn_entropy(np.array([0.0, 1.0, 1.0])), abs=1e-15
    )
    for empty in ([], np.array([]), np.array([], dtype=np.int64)):
        assert tms.entropy(empty) == _sklearn_entropy(empty) == 1.0  # scikit-learn's convention for no labels


@pytest.mark.parametrize("name", SCALAR_SCORES)
def test_errors_name_scikit_learns_arguments(name):
    with pytest.raises(ValueError, match=r"`labels_pred` and `labels_true` must label the same samples"):
        getattr(tms, name)([0, 1, 2], [0, 1])
    with pytest.raises(TypeError, match=r"`labels_true` must hold integer"):
        getattr(tms, name)(np.array([1 + 1j, 2j]), [0, 1])
    with pytest.raises(ValueError, match=r"`labels_true` must hold integer"):  # scikit-learn's is a ValueError
        getattr(tms, name)(np.array([1 + 1j, 2j]), [0, 1])
    with pytest.raises(ValueError, match=r"`labels_pred` contains NaN"):
        getattr(tms, name)([0, 1], [0.0, np.nan])
    with pytest.raises(ValueError):
        getattr(skm, name)([0, 1], [0.0, np.nan])


@pytest.mark.parametrize("name", SCALAR_SCORES)
def test_non_integral_float_labels_are_categories_with_scikit_learns_warning(name):
    labels_true, labels_pred = [0.5, 0.5, 1.5, 2.25, 2.25], [0, 1, 1, 2, 2]
    with pytest.warns(UserWarning, match="continuous values for `labels_true`") as ours:
        score = getattr(tms, name)(labels_true, labels_pred)
    assert {w.filename for w in ours} == {__file__}  # the warning points at the caller's line
    with pytest.warns(UserWarning, match="continuous"):
        expected = getattr(skm, name)(labels_true, labels_pred)
    assert score == pytest.approx(expected, abs=1e-12)
    with pytest.warns(UserWarning, match="continuous"):
        expected = getattr(skm, name)(labels_pred, labels_true)
    with pytest.warns(UserWarning, match="continuous values for `labels_pred`"):
        assert getattr(tms, name)(labels_pred, torch.tensor(labels_true)) == pytest.approx(expected, abs=1e-12)


def test_object_labels_group_by_value_and_refuse_what_cannot_be_ordered():
    labels_true = np.array([1, 1.0, True, 2, 2.0, 3], dtype=object)  # three labels: 1, 2, 3
    labels_pred = [0, 0, 0, 1, 1, 1]
    assert tms.adjusted_rand_score(labels_true, labels_pred) == skm.adjusted_rand_score(labels_true, labels_pred)
    np.testing.assert_array_equal(
        tms.contingency_matrix(labels_true, labels_pred), skc.contingency_matrix(labels_true, labels_pred)
    )
    for unorderable in (np.array(["1", 1, 2], dtype=object), np.array([None, 1, 2], dtype=object)):
        with pytest.raises(TypeError, match="`labels_true` holds labels that cannot be compared"):
            tms.adjusted_rand_score(unorderable, [0, 1, 1])
        with pytest.raises(TypeError):
            skm.adjusted_rand_score(unorderable, [0, 1, 1])
    with pytest.raises(ValueError, match="`labels_true` contains missing values"):
        tms.adjusted_rand_score(pd.array([1, pd.NA, 2], dtype=object), [0, 1, 1])


def test_invalid_parameters_are_both_value_and_type_errors_as_scikit_learns():
    calls = [
        lambda m: m.contingency_matrix([0, 1], [0, 1], eps=-1.0),
        lambda m: m.contingency_matrix([0, 1], [0, 1], eps="a"),
        lambda m: m.contingency_matrix([0, 1], [0, 1], sparse=1),
        lambda m: m.v_measure_score([0, 1], [0, 1], beta="a"),
        lambda m: m.v_measure_score([0, 1], [0, 1], beta=-1.0),
        lambda m: m.normalized_mutual_info_score([0, 1], [0, 1], average_method="x"),
        lambda m: m.adjusted_rand_score(5, [0, 1]),
    ]
    for call in calls:
        for module in (skc, tms):
            with pytest.raises(ValueError) as caught:
                call(module)
            assert isinstance(caught.value, TypeError), (module.__name__, caught.value)
    assert issubclass(tms.InvalidParameterError, ValueError) and issubclass(tms.InvalidParameterError, TypeError)
    with pytest.raises(tms.InvalidParameterError, match="`sparse` must be a bool; got 1 of type int"):
        tms.contingency_matrix([0, 1], [0, 1], sparse=1)
    assert scipy.sparse.issparse(tms.contingency_matrix([0, 1], [0, 1], sparse=np.True_))


def test_float_contingency_tables_are_read_as_counts():
    labels_true, labels_pred = [0, 0, 1, 1, 2], [0, 1, 1, 1, 2]
    table = skc.contingency_matrix(labels_true, labels_pred, dtype=float)
    expected = skm.mutual_info_score(labels_true, labels_pred)
    for given_table in (table, pd.DataFrame(table), scipy.sparse.csr_matrix(table), torch.from_numpy(table)):
        assert tms.mutual_info_score(None, None, contingency=given_table) == pytest.approx(expected, abs=1e-15)
    assert tms.expected_mutual_information(table, 5) == pytest.approx(skc.expected_mutual_information(table, 5))
    for fractional in (table + 0.5, scipy.sparse.csr_matrix(table * 0.5)):
        with pytest.raises(ValueError, match="`contingency` must hold whole-number counts"):
            tms.mutual_info_score(None, None, contingency=fractional)


def test_feature_mi_functions_return_numpy_like_scikit_learn():
    rng = np.random.default_rng(0)
    y = rng.integers(0, 3, 400)
    X = np.column_stack([y + 0.3 * rng.standard_normal(400), rng.standard_normal(400), rng.integers(0, 4, 400)])
    for name in ("mutual_info_classif", "mutual_info_regression"):
        ours = getattr(tms, name)(X, y, discrete_features=[2], random_state=0)
        theirs = getattr(sklearn.feature_selection, name)(X, y, discrete_features=[2], random_state=0)
        assert isinstance(ours, np.ndarray) and ours.shape == (3,) and ours.dtype == np.float64
        # same noise draws; see feature_selection's docstring
        np.testing.assert_allclose(ours, theirs, rtol=0, atol=1e-5)


def test_feature_mi_functions_take_what_scikit_learn_takes():
    rng = np.random.default_rng(1)
    y = rng.integers(0, 3, 300)
    X = np.column_stack([y + rng.standard_normal(300), rng.standard_normal(300), rng.integers(0, 4, 300)])
    frame, series = pd.DataFrame(X, columns=["a", "b", "c"]), pd.Series(y, name="y")
    for name in ("mutual_info_classif", "mutual_info_regression"):
        theirs = getattr(sklearn.feature_selection, name)
        ours = getattr(tms, name)
        expected = theirs(X, y, discrete_features=[2], random_state=0)
        np.testing.assert_allclose(ours(frame, series, discrete_features=[2], random_state=0), expected, atol=1e-5)
        np.testing.assert_allclose(  # a pandas mask of the discrete columns
            ours(frame, series, discrete_features=pd.Series([False, False, True]), random_state=0), expected, atol=1e-5
        )
        with pytest.warns(UserWarning, match="column-vector y") as warned:
            column = ours(X, y[:, None], discrete_features=[2], random_state=0)
        assert {w.filename for w in warned} == {__file__}
        np.testing.assert_allclose(column, expected, atol=1e-5)
        with pytest.raises(ValueError, match="Sparse matrix `X` can't have continuous features"):
            ours(scipy.sparse.csr_matrix(X), y, discrete_features=[2])
        with pytest.raises(ValueError, match="Sparse matrix `X` can't have continuous features"):
            theirs(scipy.sparse.csr_matrix(X), y, discrete_features=[2])
    np.testing.assert_allclose(  # numeric strings as a regression target are numbers, as scikit-learn reads them
        tms.mutual_info_regression(X, y.astype(str), random_state=0),
        sklearn.feature_selection.mutual_info_regression(X, y.astype(str), random_state=0),
        atol=1e-5,
    )
    with pytest.raises(TypeError, match="`y` of mutual_info_regression must hold numbers"):
        tms.mutual_info_regression(X, np.array(["a"] * 300), random_state=0)
