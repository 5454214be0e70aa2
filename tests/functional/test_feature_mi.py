"""Feature MI (torch_mi.feature_selection) against scikit-learn's estimators and closed forms."""

from __future__ import annotations

import math
import pickle
import warnings

import numpy as np
import pandas as pd
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_selection import _mutual_info as sk_mi
from sklearn.feature_selection import mutual_info_classif as sk_classif
from sklearn.feature_selection import mutual_info_regression as sk_regression
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.neighbors import NearestNeighbors
from sklearn.utils._param_validation import InvalidParameterError as SkInvalidParameterError

import torch_mi.feature_selection as fs
from torch_mi import _feature_noise
from torch_mi import sklearn as tms
from torch_mi._binning import dense_codes
from torch_mi._knn_mi import compiled_available, ksg_mi, ross_mi
from torch_mi._sklearn_compat import InvalidParameterError

# Both implementations of the kNN estimators: tensor operations (any device) and the numba
# kernels (CPU). The test extra installs numba, so both always run here.
PATHS = [pytest.param(False, id="tensor"), pytest.param(True, id="compiled")]


@pytest.fixture(scope="module")
def exact_sklearn():
    """scikit-learn's estimators with tree searches only: its brute-force Euclidean search (chosen
    for classes of <= ~2k members) computes distances as x^2 - 2xy + y^2, off in the last bits."""

    def tree_nn(**kwargs):
        kwargs.setdefault("algorithm", "kd_tree")
        return NearestNeighbors(**kwargs)

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(sk_mi, "NearestNeighbors", tree_nn)
        yield sk_mi


def _column(draw, n, kind):
    if kind == "normal":  # rounded: scikit-learn's Euclidean trees square distances, and 1e-200**2 underflows
        return np.round(np.asarray(draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))), 12)
    if kind == "grid":  # many exact ties and duplicates, exactly representable
        return np.asarray(draw(st.lists(st.integers(0, 5), min_size=n, max_size=n))) * 0.25
    return np.round(np.asarray(draw(st.lists(st.floats(-3, 3), min_size=n, max_size=n))), 1)


@st.composite
def continuous_problem(draw):
    n = draw(st.integers(5, 60))
    k = draw(st.integers(1, 5).filter(lambda k: k < n))
    kind = draw(st.sampled_from(["normal", "grid", "rounded"]))
    rows = [_column(draw, n, kind) for _ in range(3)]
    y = _column(draw, n, kind)
    if draw(st.booleans()):
        rows[0] = y + 0.25 * rows[0]
    return np.stack(rows), y, k


@pytest.mark.parametrize("compiled", PATHS)
@given(problem=continuous_problem())
def test_ksg_matches_sklearn_per_feature(exact_sklearn, compiled, problem):
    rows, y, k = problem
    ours = ksg_mi(torch.from_numpy(rows), torch.from_numpy(y), k, compiled=compiled).numpy()
    expected = [exact_sklearn._compute_mi_cc(row, y, k) for row in rows]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)


def _sklearn_cd(module, c, d, k):
    """scikit-learn's Ross estimate; when every class is a singleton it fails on an empty tree,
    while the estimate over no samples is taken as 0 here (torch_mi's convention)."""
    if np.unique(d, return_counts=True)[1].max() < 2:
        return 0.0
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return module._compute_mi_cd(c, d, k)


@pytest.mark.parametrize("compiled", PATHS)
@given(problem=continuous_problem(), classes=st.integers(1, 8), data=st.data())
def test_ross_matches_sklearn_per_feature(exact_sklearn, compiled, problem, classes, data):
    rows, y, k = problem
    d = np.asarray(data.draw(st.lists(st.integers(0, classes - 1), min_size=y.size, max_size=y.size)))
    codes = dense_codes(torch.from_numpy(d)[None])
    ours = ross_mi(torch.from_numpy(rows), codes.expand(rows.shape), k, compiled=compiled).numpy()
    expected = [_sklearn_cd(exact_sklearn, row, d, k) for row in rows]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)
    # roles swapped: one continuous y against several discrete rows
    swapped = np.stack([d, (d * 7 + np.arange(d.size)) % 3, np.zeros_like(d)])
    ours = ross_mi(torch.from_numpy(y).expand(3, -1), dense_codes(torch.from_numpy(swapped)), k,
                   compiled=compiled).numpy()
    expected = [_sklearn_cd(exact_sklearn, y, row, k) for row in swapped]
    np.testing.assert_allclose(ours, expected, rtol=0, atol=1e-10)


@pytest.mark.parametrize("compiled", PATHS)
def test_larger_inputs_match_sklearn(exact_sklearn, compiled):
    rng = np.random.default_rng(1)
    n = 3000
    x = rng.standard_normal((4, n))
    y = x[0] + 0.3 * rng.standard_normal(n)
    x[2] = np.round(x[2], 1)  # ties in one feature
    labels = rng.integers(0, 5, n)
    ours = ksg_mi(torch.from_numpy(x), torch.from_numpy(y), 3, compiled=compiled).numpy()
    np.testing.assert_allclose(ours, [exact_sklearn._compute_mi_cc(r, y, 3) for r in x], atol=1e-10, rtol=0)
    ours = ross_mi(torch.from_numpy(x), torch.from_numpy(labels).expand(4, -1), 4, compiled=compiled).numpy()
    np.testing.assert_allclose(ours, [exact_sklearn._compute_mi_cd(r, labels, 4) for r in x], atol=1e-10, rtol=0)


@given(problem=continuous_problem(), classes=st.integers(1, 8), data=st.data())
def test_compiled_kernels_give_the_same_bits(problem, classes, data):
    """Same definitions and the same float operations: the same per-sample counts, hence the same
    estimate to the last bit (the means are taken by the same tensor code)."""
    rows, y, k = problem
    x, y = torch.from_numpy(rows), torch.from_numpy(y)
    assert torch.equal(ksg_mi(x, y, k, compiled=True), ksg_mi(x, y, k, compiled=False))
    d = np.asarray(data.draw(st.lists(st.integers(0, classes - 1), min_size=y.numel(), max_size=y.numel())))
    codes = dense_codes(torch.from_numpy(d)[None]).expand(rows.shape)
    assert torch.equal(ross_mi(x, codes, k, compiled=True), ross_mi(x, codes, k, compiled=False))


def test_compiled_kernels_give_the_same_bits_at_scale():
    """Many blocks, ties, a strongly dependent feature and several features across threads."""
    rng = np.random.default_rng(8)
    n = 40_000
    x = rng.standard_normal((5, n))
    y = x[0] + 0.1 * rng.standard_normal(n)
    x[1] = np.round(y, 2)
    x[2] = np.round(x[2], 1)
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    for k in (1, 3, 7):
        assert torch.equal(ksg_mi(x, y, k, compiled=True), ksg_mi(x, y, k, compiled=False))
    labels = torch.from_numpy(rng.integers(0, 6, n)).expand(5, -1)
    assert torch.equal(ross_mi(x, labels, 3, compiled=True), ross_mi(x, labels, 3, compiled=False))


def test_compiled_kernels_at_the_ends_of_float_range():
    """Differences that overflow to inf and a value range past float's: the kernels' guesses
    (value buckets) must stay in bounds, and the counts still equal the tensor path's."""
    rng = np.random.default_rng(11)
    n = 400
    x = rng.standard_normal((3, n))
    x[0, :5] = [-1e308, 1e308, -1.7e308, 1.7e308, 0.0]
    x[1] = np.where(rng.random(n) < 0.5, -1e300, 1e300) * rng.random(n)
    x[2] = 5.0  # one value only
    y = rng.standard_normal(n)
    y[:3] = [1.5e308, -1.5e308, 1e-300]
    x, y = torch.from_numpy(x), torch.from_numpy(y)
    assert torch.equal(ksg_mi(x, y, 3, compiled=True), ksg_mi(x, y, 3, compiled=False))
    labels = torch.from_numpy(rng.integers(0, 3, n)).expand(3, -1)
    assert torch.equal(ross_mi(x, labels, 3, compiled=True), ross_mi(x, labels, 3, compiled=False))


def test_compiled_kernels_are_used_by_default_on_cpu(monkeypatch):
    import torch_mi._knn_compiled as kernels

    assert compiled_available()  # the test extra installs numba: the compiled path is tested here
    calls = []
    for name in ("ksg_counts", "ross_parts"):
        original = getattr(kernels, name)
        monkeypatch.setattr(kernels, name, lambda *a, _f=original, _n=name: calls.append(_n) or _f(*a))
    rng = np.random.default_rng(9)
    x, y = torch.from_numpy(rng.standard_normal((2, 500))), torch.from_numpy(rng.standard_normal(500))
    fs.mutual_info_regression(x.T, y)
    fs.mutual_info_classif(x.T, (y > 0).long())
    assert calls == ["ksg_counts", "ross_parts"]


def test_compiled_kernels_without_numba_fall_back_or_refuse(monkeypatch):
    import torch_mi._knn_mi as knn

    monkeypatch.setattr(knn, "compiled_available", lambda: False)
    rng = np.random.default_rng(10)
    x, y = torch.from_numpy(rng.standard_normal((2, 300))), torch.from_numpy(rng.standard_normal(300))
    assert torch.equal(knn.ksg_mi(x, y, 3), knn.ksg_mi(x, y, 3, compiled=False))
    with pytest.raises(RuntimeError, match="numba"):
        knn.ksg_mi(x, y, 3, compiled=True)


def test_public_classif_equals_sklearn_same_random_state():
    rng = np.random.default_rng(2)
    n = 1500
    y = rng.integers(0, 3, n)
    X = np.column_stack([y + rng.standard_normal(n), rng.standard_normal(n), rng.integers(0, 4, n), y % 2])
    for discrete in ("auto", [2, 3], np.array([False, False, True, True])):
        expected = sk_classif(X, y, discrete_features=discrete, random_state=7)
        ours = fs.mutual_info_classif(torch.from_numpy(X), torch.from_numpy(y), discrete_features=discrete,
                                      random_state=7)
        assert ours.dtype == torch.float64 and ours.shape == (4,)
        np.testing.assert_allclose(ours.numpy(), expected, atol=1e-10, rtol=0)
    strings = np.array(["a", "b", "c"])[y]
    np.testing.assert_allclose(fs.sklearn_mutual_info_classif(X, strings, random_state=3),
                               sk_classif(X, strings, random_state=3), atol=1e-10, rtol=0)


def test_public_regression_equals_sklearn_same_random_state():
    rng = np.random.default_rng(3)
    n = 800
    X = np.column_stack([rng.standard_normal(n), rng.standard_normal(n), rng.integers(0, 4, n)])
    y = X[:, 0] + X[:, 2] + 0.5 * rng.standard_normal(n)
    for discrete in ("auto", [2]):
        expected = sk_regression(X, y, discrete_features=discrete, random_state=5)
        ours = fs.sklearn_mutual_info_regression(X, y, discrete_features=discrete, random_state=5)
        assert isinstance(ours, np.ndarray)
        np.testing.assert_allclose(ours, expected, atol=1e-10, rtol=0)


def test_noise_drawn_in_row_chunks_is_one_stream(monkeypatch):
    rng = np.random.default_rng(4)
    X, y = torch.from_numpy(rng.standard_normal((100, 3))), torch.from_numpy(rng.standard_normal(100))
    whole = fs.mutual_info_regression(X, y, random_state=11)
    monkeypatch.setattr(_feature_noise, "_NOISE_ROWS", 7)
    assert torch.equal(fs.mutual_info_regression(X, y, random_state=11), whole)


def test_discrete_features_are_exact_plug_in_mi():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 500)
    X = np.column_stack([rng.integers(0, 6, 500) * 0.5, (y + rng.integers(0, 2, 500)) % 5, rng.integers(-3, 3, 500)])
    ours = fs.mutual_info_classif(X, y, discrete_features=True)
    np.testing.assert_allclose(ours.numpy(), [mutual_info_score(y, np.unique(c, return_inverse=True)[1]) for c in X.T],
                               atol=1e-13, rtol=0)


def test_bivariate_gaussian_closed_form():
    g = torch.Generator().manual_seed(6)
    n, rho = 20000, 0.8
    x = torch.randn(n, generator=g, dtype=torch.float64)
    y = rho * x + math.sqrt(1 - rho**2) * torch.randn(n, generator=g, dtype=torch.float64)
    mi = fs.mutual_info_regression(x[:, None], y, random_state=torch.Generator().manual_seed(0))
    assert abs(mi.item() - (-0.5 * math.log(1 - rho**2))) < 0.02  # KSG's error at 2e4 samples: ~0.005


def test_noise_off_and_torch_generator_are_deterministic():
    rng = np.random.default_rng(7)
    X, y = torch.from_numpy(rng.standard_normal((300, 2))), torch.from_numpy(rng.integers(0, 2, 300))
    assert torch.equal(fs.mutual_info_classif(X, y, noise=False), fs.mutual_info_classif(X, y, noise=False))
    a = fs.mutual_info_classif(X, y, random_state=torch.Generator().manual_seed(1))
    b = fs.mutual_info_classif(X, y, random_state=torch.Generator().manual_seed(1))
    assert torch.equal(a, b)


def test_copy_false_overwrites_float64_input_only_then():
    X = torch.randn(50, 2, dtype=torch.float64)
    y = torch.randn(50, dtype=torch.float64)
    before = X.clone()
    fs.mutual_info_regression(X, y, random_state=0)
    assert torch.equal(X, before)
    fs.mutual_info_regression(X, y, random_state=0, copy=False)
    assert not torch.equal(X, before)


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"X": [[float("nan")], [1.0]]}, ValueError, "`X`"),
        ({"X": [[float("inf")], [1.0]]}, ValueError, "`X`"),
        ({"X": [1.0, 2.0]}, ValueError, "`X` must be 2-D"),
        ({"X": "abc"}, TypeError, "`X`"),
        ({"y": [0, 1]}, ValueError, "`y` has 2 samples"),
        ({"y": [[0], [1], [0], [1]]}, ValueError, "`y` must be 1-D"),
        ({"n_neighbors": 0}, ValueError, "`n_neighbors`"),
        ({"n_neighbors": 2.0}, TypeError, "`n_neighbors`"),
        ({"n_neighbors": True}, TypeError, "`n_neighbors`"),
        ({"discrete_features": "yes"}, ValueError, "`discrete_features`"),
        ({"discrete_features": [5]}, ValueError, "`discrete_features`"),
        ({"discrete_features": [True]}, ValueError, "`discrete_features`"),
        ({"discrete_features": 1.5}, TypeError, "`discrete_features`"),
        ({"random_state": "seed"}, TypeError, "`random_state`"),
        ({"copy": "no"}, TypeError, "`copy`"),
        ({"n_jobs": 1.5}, TypeError, "`n_jobs`"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, match):
    args = {"X": [[0.1, 1.0], [0.4, 2.0], [0.2, 1.0], [0.9, 3.0]], "y": [0, 1, 0, 1]}
    args.update(kwargs)
    with pytest.raises(error, match=match):
        fs.mutual_info_classif(args.pop("X"), args.pop("y"), **args)


def test_bad_targets():
    X = torch.randn(4, 1, dtype=torch.float64)
    with pytest.raises(ValueError, match="`y` of mutual_info_classif"):
        fs.mutual_info_classif(X, torch.tensor([0.5, 1.0, 2.0, 3.0]))
    with pytest.raises(ValueError, match="`n_neighbors` must be smaller"):
        fs.mutual_info_regression(X, torch.randn(4), n_neighbors=4)
    with pytest.raises(ValueError, match="`y`"):
        fs.mutual_info_regression(X, torch.tensor([0.0, float("nan"), 1.0, 2.0]))



# ---------------------------------------------------------------- the drop-in's errors, class for class

_SMALL = np.random.default_rng(20).standard_normal((30, 3))
_SMALL[:, 2] = np.arange(30) % 3
_TARGETS = {"classif": np.arange(30) % 2, "regression": np.random.default_rng(21).standard_normal(30)}
_FUNCTIONS = {
    "classif": (sk_classif, fs.sklearn_mutual_info_classif),
    "regression": (sk_regression, fs.sklearn_mutual_info_regression),
}
_BUILTIN_ERRORS = (ValueError, TypeError, IndexError)

_BAD_CALLS = {  # id: (what replaces X, y or a keyword, the argument the message must name)
    "n_neighbors=-1": ({"n_neighbors": -1}, "n_neighbors"),
    "n_neighbors=0": ({"n_neighbors": 0}, "n_neighbors"),
    "n_neighbors=1.5": ({"n_neighbors": 1.5}, "n_neighbors"),
    "n_neighbors=None": ({"n_neighbors": None}, "n_neighbors"),
    "n_jobs='x'": ({"n_jobs": "x"}, "n_jobs"),
    "n_jobs=1.5": ({"n_jobs": 1.5}, "n_jobs"),
    "n_jobs=0": ({"n_jobs": 0}, "n_jobs"),
    "copy='x'": ({"copy": "x"}, "copy"),
    "copy=None": ({"copy": None}, "copy"),
    "random_state='x'": ({"random_state": "x"}, "random_state"),
    "random_state=1.5": ({"random_state": 1.5}, "random_state"),
    "random_state=-1": ({"random_state": -1}, "random_state"),
    "random_state=2**32": ({"random_state": 2**32}, "random_state"),
    "random_state=Generator": ({"random_state": np.random.default_rng(0)}, "random_state"),
    "discrete_features='bogus'": ({"discrete_features": "bogus"}, "discrete_features"),
    "discrete_features=1.5": ({"discrete_features": 1.5}, "discrete_features"),
    "discrete_features=None": ({"discrete_features": None}, "discrete_features"),
    "discrete_features=[3]": ({"discrete_features": [3]}, "discrete_features"),
    "discrete_features=[-4]": ({"discrete_features": [-4]}, "discrete_features"),
    "discrete_features=[0, 7]": ({"discrete_features": np.array([0, 7])}, "discrete_features"),
    "discrete_features=[1.0]": ({"discrete_features": [1.0]}, "discrete_features"),
    "discrete_features=['a']": ({"discrete_features": ["a"]}, "discrete_features"),
    "discrete_features=mask of 2": ({"discrete_features": [True, False]}, "discrete_features"),
    "discrete_features=mask of 4": ({"discrete_features": np.array([True, False, True, False])}, "discrete_features"),
    "X NaN": ({"X": np.where(np.arange(90).reshape(30, 3) == 4, np.nan, _SMALL)}, "X"),
    "X inf": ({"X": np.where(np.arange(90).reshape(30, 3) == 4, -np.inf, _SMALL)}, "X"),
    "X 1-D": ({"X": _SMALL[:, 0]}, "X"),
    "X 3-D": ({"X": _SMALL[:, :, None]}, "X"),
    "X 0 features": ({"X": _SMALL[:, :0]}, "X"),
    "X 0 samples": ({"X": _SMALL[:0], "y": np.array([])}, "X"),
    "X strings": ({"X": _SMALL.astype(str)}, "X"),
    "X objects": ({"X": np.array([["a", 1.0, 2.0]] * 30, dtype=object)}, "X"),
    "X complex": ({"X": _SMALL.astype(complex)}, "X"),
    "X None": ({"X": None}, "X"),
    "y None": ({"y": None}, "y"),
    "y scalar": ({"y": 1.0}, "y"),
    "y complex": ({"y": np.arange(30) % 2 + 0j}, "y"),
    "y NaN": ({"y": np.where(np.arange(30) == 3, np.nan, np.arange(30) % 2)}, "y"),
    "y inf": ({"y": np.where(np.arange(30) == 3, np.inf, np.arange(30) % 2)}, "y"),
    "y of 29": ({"y": np.arange(29) % 2}, "y"),
    "y 2-D": ({"y": np.stack([np.arange(30) % 2] * 2, 1)}, "y"),
}


def _call(function, change):
    args = {"X": _SMALL.copy(), "y": None, "random_state": 0}
    args.update(change)
    return function(args.pop("X"), args.pop("y"), **args)


def _raised(function, change):
    try:
        _call(function, change)
    except Exception as error:  # noqa: BLE001 - the class is what is compared
        return error
    raise AssertionError(f"{function.__name__} accepted {change}")


@pytest.mark.parametrize("kind", ["classif", "regression"])
@pytest.mark.parametrize("case", list(_BAD_CALLS))
def test_bad_calls_raise_what_scikit_learn_raises(kind, case):
    """Code that catches scikit-learn's error catches ours: every built-in class scikit-learn's
    error is an instance of (its InvalidParameterError is a ValueError and a TypeError, numpy's
    IndexError for a missing column), ours is too; and ours names the argument."""
    change, argument = _BAD_CALLS[case]
    change = {"y": _TARGETS[kind], **change}
    theirs_function, ours_function = _FUNCTIONS[kind]
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        theirs = _raised(theirs_function, change)
        ours = _raised(ours_function, change)
        via_namespace = _raised(getattr(tms, f"mutual_info_{kind}"), change)
    expected = [cls for cls in _BUILTIN_ERRORS if isinstance(theirs, cls)]
    assert expected, f"scikit-learn raised {type(theirs).__name__}: {theirs}"
    for error in (ours, via_namespace):
        assert [cls for cls in expected if not isinstance(error, cls)] == [], f"{type(error).__mro__}: {error}"
        assert f"`{argument}`" in str(error)
    if isinstance(theirs, SkInvalidParameterError):
        assert isinstance(ours, InvalidParameterError) and isinstance(via_namespace, InvalidParameterError)


@pytest.mark.parametrize("kwargs", [{"n_neighbors": -1}, {"n_jobs": 0}, {"random_state": 2**32},
                                    {"discrete_features": "bogus"}, {"copy": "no"}])
def test_tensor_functions_raise_the_same_invalid_parameter_errors(kwargs):
    X, y = torch.from_numpy(_SMALL), torch.from_numpy(_TARGETS["classif"])
    for function in (fs.mutual_info_classif, fs.mutual_info_regression):
        with pytest.raises(InvalidParameterError, match=f"`{next(iter(kwargs))}`"):
            function(X, y, **kwargs)


def test_missing_discrete_columns_are_both_index_and_value_errors():
    X, y = _SMALL, _TARGETS["classif"]
    for discrete in ([3], [-4], np.array([2**64 - 1], dtype=np.uint64), torch.tensor([5]), [True, False, True, True]):
        for catch in (IndexError, ValueError, fs.FeatureIndexError):
            with pytest.raises(catch, match="`discrete_features`"):
                fs.mutual_info_classif(X, y, discrete_features=discrete)
            with pytest.raises(catch, match="`discrete_features`"):
                tms.mutual_info_regression(X, _TARGETS["regression"], discrete_features=discrete)
    with pytest.raises(fs.FeatureIndexError,
                       match=r"in \[-3, 3\) for X's 3 features; got \[3, -5\] out of range \(3 given\)"):
        fs.mutual_info_classif(X, y, discrete_features=[0, 3, -5])
    with pytest.raises(fs.FeatureIndexError, match=r"shape \(3,\); got shape \(1, 3\)"):
        fs.mutual_info_classif(X, y, discrete_features=np.ones((1, 3), bool))
    with pytest.raises(IndexError, match="`discrete_features` indices must be integers; got dtype float64") as info:
        tms.mutual_info_classif(X, y, discrete_features=[2.0])  # numpy's IndexError in scikit-learn; a wrong type here
    assert isinstance(info.value, InvalidParameterError)


def test_discrete_features_indices_are_read_as_numpy_indexing_reads_them():
    rng = np.random.default_rng(22)
    y = rng.integers(0, 3, 600)
    X = np.column_stack([y + rng.standard_normal(600), rng.integers(0, 4, 600), rng.integers(0, 2, 600)])
    expected = sk_classif(X, y, discrete_features=[1, 2], random_state=4)
    is_discrete = np.array([False, True, True])
    for discrete in ([-2, -1], [1, 2, 2], np.nonzero(is_discrete), np.array([[1], [2]]), np.array([1, 2], np.uint8),
                     torch.tensor([1, 2]), is_discrete, torch.from_numpy(is_discrete)):
        ours = fs.sklearn_mutual_info_classif(X, y, discrete_features=discrete, random_state=4)
        np.testing.assert_allclose(ours, expected, atol=1e-10, rtol=0)
    # np.nonzero(mask) is a tuple of one index array: 2-D to numpy, and scikit-learn takes it
    np.testing.assert_allclose(sk_classif(X, y, discrete_features=np.nonzero(is_discrete), random_state=4), expected,
                               atol=0, rtol=0)


def test_a_rejected_call_changes_no_state():
    X = torch.from_numpy(_SMALL.copy())
    X[:, 2] = torch.randn(30, dtype=torch.float64)  # all continuous: copy=False would scale X in place
    before = X.clone()
    y = torch.from_numpy(_TARGETS["regression"])
    rng = np.random.RandomState(5)
    state = rng.get_state()[1].copy()
    for bad in ({"discrete_features": [9]}, {"n_jobs": 0}, {"n_neighbors": 30}, {"discrete_features": [True]}):
        with pytest.raises(ValueError):
            fs.mutual_info_regression(X, y, copy=False, random_state=rng, **bad)
        assert torch.equal(X, before)
        assert np.array_equal(rng.get_state()[1], state)  # no noise drawn


def test_inputs_and_outputs_as_scikit_learns():
    rng = np.random.default_rng(23)
    y = rng.integers(0, 3, 900)
    X = np.column_stack([y + rng.standard_normal(900), rng.standard_normal(900), rng.integers(0, 4, 900)])
    frame = pd.DataFrame({"a": X[:, 0], "b": X[:, 1].astype(np.float32), "c": X[:, 2].astype(int)})
    for features in (X.astype(np.float32), X.tolist(), frame, torch.from_numpy(X.astype(np.float32))):
        for seed in (lambda: 3, lambda: np.random.RandomState(3)):  # a fresh RandomState for each call
            theirs = sk_classif(np.asarray(features), y, discrete_features=[2], random_state=seed())
            ours = fs.sklearn_mutual_info_classif(features, y, discrete_features=[2], random_state=seed())
            assert isinstance(ours, np.ndarray) and ours.dtype == np.float64 and ours.shape == (3,)
            np.testing.assert_allclose(ours, theirs, atol=1e-10, rtol=0)
    assert fs.sklearn_mutual_info_regression(X, X[:, 0], random_state=None, n_jobs=-1).shape == (3,)  # n_jobs ignored


def test_n_neighbors_at_least_the_samples_as_scikit_learn():
    X, y = _SMALL, _TARGETS["classif"]
    # classif clips k to each class's size - 1; regression's KSG needs k < N, in both
    np.testing.assert_allclose(fs.sklearn_mutual_info_classif(X, y, n_neighbors=30, random_state=1),
                               sk_classif(X, y, n_neighbors=30, random_state=1), atol=1e-10, rtol=0)
    for function in (sk_regression, fs.sklearn_mutual_info_regression):
        with pytest.raises(ValueError, match="n_neighbors"):
            function(X, _TARGETS["regression"], n_neighbors=30)


def test_frames_with_missing_or_non_numeric_columns_are_named():
    frame = pd.DataFrame({"a": np.linspace(0, 1, 30), "b": pd.array([None] + [1] * 29, dtype="Int64")})
    y = _TARGETS["classif"]
    for function in (fs.sklearn_mutual_info_classif, sk_classif):  # scikit-learn calls it NaN too
        with pytest.raises(ValueError, match="NaN"):
            function(frame, y)
    words = frame.assign(b=["u"] * 30, c=np.arange(30))
    with pytest.raises(ValueError, match=r"`X` must hold numbers .* \(columns that are not numbers: \['b'\]\)"):
        fs.sklearn_mutual_info_classif(words, y)
    with pytest.raises(ValueError):
        sk_classif(words, y)


def test_binned_mi_matches_numpy_bins_and_sklearn():
    rng = np.random.default_rng(8)
    n = 1000
    y = rng.integers(0, 3, n)
    X = np.column_stack([y + rng.standard_normal(n), rng.standard_normal(n), np.round(rng.standard_normal(n))])
    for strategy in ("quantile", "uniform"):
        ours_mi = fs.binned_mutual_info(X, y, bins=6, strategy=strategy)
        ours_ami = fs.binned_mutual_info(X, y, bins=6, strategy=strategy, adjusted=True)
        for j, column in enumerate(X.T):
            if strategy == "quantile":
                edges = np.quantile(column, np.linspace(0, 1, 7))
            else:
                edges = np.linspace(column.min(), column.max(), 7)
            codes = np.searchsorted(edges[1:-1], column, side="right")
            assert abs(ours_mi[j].item() - mutual_info_score(y, codes)) < 1e-12
            assert abs(ours_ami[j].item() - adjusted_mutual_info_score(y, codes)) < 1e-12
    with pytest.raises(TypeError, match="`y`"):
        fs.binned_mutual_info(X, y.astype(float))
    with pytest.raises(ValueError, match="`strategy`"):
        fs.binned_mutual_info(X, y, strategy="kmeans")
    with pytest.raises(ValueError, match="`bins`"):
        fs.binned_mutual_info(X, y, bins=0)


def test_fixed_edges_and_clustering_layout():
    X = torch.tensor([[0.0, 5.0], [1.0, 6.0], [2.0, 7.0], [3.0, 8.0]])
    edges = fs.bin_edges(X, bins=2)
    codes = fs.apply_bin_edges(X, edges)
    assert codes.tolist() == [[0, 0], [0, 0], [1, 1], [1, 1]]
    assert torch.equal(fs.features_as_clusterings(codes), codes.T)
    with pytest.raises(TypeError, match="integer"):
        fs.features_as_clusterings(X)
    with pytest.raises(ValueError, match="`edges`"):
        fs.apply_bin_edges(X, torch.zeros(3, 3))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_feature_mi_of_cuda_tensors_runs_on_the_gpu_and_agrees_with_the_cpu():
    rng = np.random.default_rng(12)
    X = rng.standard_normal((2000, 6))
    y_class = (X[:, 0] + 0.5 * rng.standard_normal(2000) > 0).astype(np.int64)
    y_value = X[:, 1] + 0.3 * rng.standard_normal(2000)
    X_gpu = torch.from_numpy(X).cuda()
    for fn, y in ((fs.mutual_info_classif, y_class), (fs.mutual_info_regression, y_value)):
        on_cpu = fn(torch.from_numpy(X), torch.from_numpy(y), random_state=0)
        on_gpu = fn(X_gpu, torch.from_numpy(y).cuda(), random_state=0)
        assert on_gpu.device.type == "cuda"
        # The same noise and the same counts; the scaling (std), digamma and the means are float64
        # reductions whose CUDA order differs from the CPU's: last bits only, unless a neighbour
        # distance ties to within an ulp, which these continuous draws make vanishingly unlikely.
        np.testing.assert_allclose(on_gpu.cpu().numpy(), on_cpu.numpy(), rtol=1e-12, atol=1e-15)
    discrete = (X > 0).astype(np.int64)
    exact = fs.sklearn_mutual_info_classif(discrete, y_class, discrete_features=True)
    on_gpu = fs.sklearn_mutual_info_classif(torch.from_numpy(discrete).cuda(), torch.from_numpy(y_class).cuda(),
                                            discrete_features=True)
    np.testing.assert_allclose(on_gpu, exact, rtol=0, atol=1e-15)  # the contingency path: the same cells


def test_feature_index_errors_belong_to_the_public_module_and_pickle():
    with pytest.raises(fs.FeatureIndexError) as raised:
        fs.mutual_info_classif(np.ones((4, 2)), [0, 1, 0, 1], discrete_features=[5])
    for error in (raised.value, fs.FeatureIndexTypeError("`discrete_features` ...")):
        assert type(error).__module__ == "torch_mi.feature_selection"
        again = pickle.loads(pickle.dumps(error))
        assert type(again) is type(error) and again.args == error.args
