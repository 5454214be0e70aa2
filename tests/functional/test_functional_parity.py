"""The functional scores agree with scikit-learn on many random labelings."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import example, given
from hypothesis import strategies as st
from sklearn import metrics as skm

import exact_reference
from helpers import CUDA, METHODS
from strategies import INTEGER_DTYPES, labelings
from torch_mi import functional as F


def _sk_ami(target, preds, method):
    """scikit-learn's AMI, except in the 0 / 0 limit (e.g. one side all singletons with the 'min'
    mean: MI = E[MI] = the mean entropy). There its eps guard divides rounding noise by eps and
    can give anything in [-1, 1]; applied to exact values, the guard gives 0, as torch_mi does."""
    ami = skm.adjusted_mutual_info_score(target, preds, average_method=method)
    if abs(ami) > 1e-6 and exact_reference.ami_is_zero_over_zero(target, preds, method):
        return 0.0
    return ami


@given(labelings(), st.sampled_from(METHODS))
@example((np.array([1, 0, 0]), np.array([0, 1, 2])), "min")  # 0 / 0: scikit-learn's noise gave 1.0 (CI)
def test_scores_match_sklearn(pair, method):
    target, preds = pair
    t, p = torch.from_numpy(target), torch.from_numpy(preds)
    if target.size:  # scikit-learn raises a math domain error on empty MI; we return 0 (tested elsewhere)
        assert F.mutual_info_score(p, t).item() == pytest.approx(skm.mutual_info_score(target, preds), abs=1e-12)
    nmi = F.normalized_mutual_info_score(p, t, average_method=method).item()
    assert nmi == pytest.approx(skm.normalized_mutual_info_score(target, preds, average_method=method), abs=1e-12)
    # AMI divides by (mean entropy - E[MI]), which amplifies scikit-learn's own E[MI] rounding.
    ami = F.adjusted_mutual_info_score(p, t, average_method=method).item()
    assert ami == pytest.approx(_sk_ami(target, preds, method), abs=1e-10)


@given(labelings())
def test_homogeneity_completeness_v_measure_match_sklearn(pair):
    target, preds = pair
    for beta in (0.5, 1.0, 2.0):
        ours = F.homogeneity_completeness_v_measure(preds, target, beta=beta)
        theirs = skm.homogeneity_completeness_v_measure(target, preds, beta=beta)
        assert [x.item() for x in ours] == pytest.approx(list(theirs), abs=1e-12)


@given(labelings(max_clusters=12))
def test_entropy_and_contingency_match_sklearn(pair):
    target, preds = pair
    if target.size:
        assert F.entropy(target).item() == pytest.approx(_sk_entropy(target), abs=1e-12)
    table = F.contingency_matrix(preds, target)
    np.testing.assert_array_equal(table.numpy(), skm.cluster.contingency_matrix(target, preds))


def _sk_entropy(labels):
    from scipy.stats import entropy

    return entropy(np.unique(labels, return_counts=True)[1])


@given(labelings(max_samples=300, max_clusters=25))
def test_expected_mutual_info_matches_sklearn(pair):
    from sklearn.metrics.cluster._expected_mutual_info_fast import expected_mutual_information

    target, preds = pair
    if not target.size:
        return
    table = F.contingency_matrix(preds, target)
    theirs = expected_mutual_information(skm.cluster.contingency_matrix(target, preds), target.size)
    assert F.expected_mutual_info(table).item() == pytest.approx(theirs, abs=1e-12)
    by_marginals = F.expected_mutual_info(row_sums=table.sum(1), col_sums=table.sum(0))
    assert by_marginals.item() == F.expected_mutual_info(table).item()


@pytest.mark.parametrize("dtype", INTEGER_DTYPES + ["uint16", "uint32", "uint64", "bool"])
@pytest.mark.parametrize("kind", ["tensor", "numpy", "list"])
def test_every_integer_dtype_and_container(dtype, kind):
    rng = np.random.default_rng(0)
    high = 2 if dtype == "bool" else 7
    target = rng.integers(0, high, 300).astype(dtype)
    preds = rng.integers(0, high, 300).astype(dtype)
    if kind == "tensor":
        if not hasattr(torch, dtype) and dtype != "bool":
            pytest.skip(f"torch has no {dtype}")
        t, p = (torch.from_numpy(target.astype(np.int64)).to(getattr(torch, dtype)),
                torch.from_numpy(preds.astype(np.int64)).to(getattr(torch, dtype)))
    elif kind == "numpy":
        t, p = target, preds
    else:
        t, p = target.tolist(), preds.tolist()
    expected = skm.adjusted_mutual_info_score(target.astype(np.int64), preds.astype(np.int64))
    assert F.adjusted_mutual_info_score(p, t).item() == pytest.approx(expected, abs=1e-12)
    assert F.mutual_info_score(p, t).item() == pytest.approx(
        skm.mutual_info_score(target.astype(np.int64), preds.astype(np.int64)), abs=1e-12
    )


@pytest.mark.parametrize(
    "name", ["mutual_info_score", "normalized_mutual_info_score", "adjusted_mutual_info_score", "v_measure_score"]
)
def test_result_is_0dim_float64_on_input_device(name, device):
    t = torch.tensor([0, 0, 1, 1, 2], device=device)
    p = torch.tensor([1, 1, 0, 2, 2], device=device)
    score = getattr(F, name)(p, t)
    assert score.dtype == torch.float64 and score.ndim == 0 and score.device.type == device


@CUDA
@pytest.mark.cuda
def test_cuda_matches_cpu():
    rng = np.random.default_rng(3)
    t = torch.from_numpy(rng.integers(-50, 50, 20_000))
    p = torch.from_numpy(rng.integers(0, 200, 20_000) * 10**12)
    for name in ["mutual_info_score", "normalized_mutual_info_score", "adjusted_mutual_info_score"]:
        on_device = getattr(F, name)(p.cuda(), t.cuda())
        assert on_device.device.type == "cuda"
        # Same cells in the same order; only reduction order may differ between devices.
        assert on_device.item() == pytest.approx(getattr(F, name)(p, t).item(), abs=1e-15)


def test_scores_are_symmetric():
    rng = np.random.default_rng(5)
    a, b = rng.integers(0, 9, 1000), rng.integers(0, 4, 1000)
    for name in ["mutual_info_score", "normalized_mutual_info_score", "adjusted_mutual_info_score"]:
        assert getattr(F, name)(a, b).item() == pytest.approx(getattr(F, name)(b, a).item(), abs=1e-15)


def test_log_base_scales_mutual_info_and_entropy():
    a, b = [0, 0, 1, 1, 2, 2], [1, 1, 0, 0, 0, 3]
    nats = F.mutual_info_score(b, a).item()
    assert F.mutual_info_score(b, a, log_base=2).item() == pytest.approx(nats / np.log(2), rel=1e-15)
    assert F.mutual_info_score(b, a, log_base=10).item() == pytest.approx(nats / np.log(10), rel=1e-15)
    assert F.entropy([0, 1, 2, 3], log_base=2).item() == pytest.approx(2.0, rel=1e-15)
    assert F.expected_mutual_info(row_sums=[3, 3], col_sums=[2, 4], log_base=2).item() == pytest.approx(
        F.expected_mutual_info(row_sums=[3, 3], col_sums=[2, 4]).item() / np.log(2), rel=1e-15
    )


@pytest.mark.filterwarnings("error")  # torch's "sparse invariant checks are implicitly disabled" too
def test_contingency_matrix_labels_and_sparse_form():
    table, rows, cols = F.contingency_matrix([7, 7, -3, 10**15], [2, 2, 5, 5], return_labels=True)
    assert rows.tolist() == [2, 5] and cols.tolist() == [-3, 7, 10**15]
    assert table.tolist() == [[0, 2, 0], [1, 0, 1]]
    sparse = F.contingency_matrix([7, 7, -3, 10**15], [2, 2, 5, 5], sparse=True)
    assert sparse.is_sparse and torch.equal(sparse.to_dense(), table)
    assert F.expected_mutual_info(sparse).item() == F.expected_mutual_info(table).item()


LABEL_SCORES = [name for name in F.__all__ if name not in {
    "apply_bin_edges", "bin_edges", "binned_mutual_info", "mutual_info_classif", "mutual_info_regression",
    "contingency_matrix", "entropy", "expected_mutual_info"}]


@pytest.mark.parametrize("batched", [False, True], ids=["one", "batched"])
@pytest.mark.parametrize("name", LABEL_SCORES)
def test_scores_are_ordinary_tensors(name, batched):
    # Scores are computed in inference mode; what comes back must be an ordinary tensor that the
    # caller can change in place and use in autograd, as any other tensor.
    target = torch.tensor([0, 0, 1, 1, 2, 2, 2])
    preds = (torch.tensor([[1, 1, 0, 2, 2, 0, 2], [0, 1, 1, 2, 2, 2, 0]]) if batched
             else torch.tensor([1, 1, 0, 2, 2, 0, 2]))
    result = getattr(F, name)(preds, target)
    values = result if isinstance(result, tuple) else (result,)
    weight = torch.ones((), dtype=torch.float64, requires_grad=True)
    for value in values:
        assert isinstance(value, torch.Tensor) and not value.is_inference()
        (weight * value).sum().backward()
        value.add_(1)
    assert weight.grad is not None
