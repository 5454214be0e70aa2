"""Feature MI (torch_mi.feature_selection) against scikit-learn's estimators and closed forms."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.feature_selection import _mutual_info as sk_mi
from sklearn.feature_selection import mutual_info_classif as sk_classif
from sklearn.feature_selection import mutual_info_regression as sk_regression
from sklearn.metrics import adjusted_mutual_info_score, mutual_info_score
from sklearn.neighbors import NearestNeighbors

import torch_mi.feature_selection as fs
from torch_mi._binning import dense_codes
from torch_mi._knn_mi import compiled_available, ksg_mi, ross_mi

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
    monkeypatch.setattr(fs, "_NOISE_ROWS", 7)
    assert torch.equal(fs.mutual_info_regression(X, y, random_state=11), whole)


def test_discrete_features_are_exact_plug_in_mi():
    rng = np.random.default_rng(5)
    y = rng.integers(0, 4, 500)
    X = np.column_stack([rng.integers(0, 6, 500) * 0.5, (y + rng.integers(0, 2, 500)) % 5, rng.integers(-3, 3, 500)])
    ours = fs.mutual_info_classif(X, y, discrete_features=True)
    np.testing.assert_allclose(ours.numpy(), [mutual_info_score(y, np.unique(c, return_inverse=True)[1]) for c in X.T], atol=1e-13, rtol=0)


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
    on_gpu = fs.sklearn_mutual_info_classif(torch.from_numpy(discrete).cuda(), torch.from_numpy(y_class).cuda(), discrete_features=True)
    np.testing.assert_allclose(on_gpu, exact, rtol=0, atol=1e-15)  # the contingency path: the same cells
