"""Limit cases as scikit-learn defines them, and empty input, for every score and average method."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn import metrics as skm

from helpers import METHODS
from strategies import labelings
from torch_mi import functional as F


def _nmi_ami(preds, target, method):
    return (
        F.normalized_mutual_info_score(preds, target, method).item(),
        F.adjusted_mutual_info_score(preds, target, method).item(),
    )


@pytest.mark.parametrize("method", METHODS)
def test_identical_partitions_score_exactly_one(method, device):
    rng = np.random.default_rng(0)
    target = torch.from_numpy(rng.integers(0, 13, 500)).to(device)
    renamed = torch.from_numpy(rng.permutation(13) * 1000 - 7).to(device)[target]
    assert _nmi_ami(renamed, target, method) == (1.0, 1.0)


@pytest.mark.parametrize("method", METHODS)
def test_two_one_cluster_labelings_score_one(method, device):
    target, preds = torch.zeros(50, dtype=torch.long, device=device), torch.full((50,), 9, device=device)
    assert _nmi_ami(preds, target, method) == (1.0, 1.0)
    assert F.mutual_info_score(preds, target).item() == 0.0
    assert skm.adjusted_mutual_info_score(target.cpu(), preds.cpu(), average_method=method) == 1.0


@pytest.mark.parametrize("method", METHODS)
def test_all_singleton_labelings_relabelled_score_one(method, device):
    n = 1000
    target = torch.arange(n, device=device)
    preds = torch.from_numpy(np.random.default_rng(1).permutation(n)).to(device)
    assert _nmi_ami(preds, target, method) == (1.0, 1.0)
    assert F.mutual_info_score(preds, target).item() == pytest.approx(np.log(n), rel=1e-15)


@pytest.mark.parametrize("method", METHODS)
@pytest.mark.parametrize("one_cluster_side", ["preds", "target"])
def test_one_cluster_against_a_split_scores_zero(method, one_cluster_side, device):
    split = torch.tensor([0, 0, 1, 1, 2, 3, 3, 3], device=device)
    single = torch.full_like(split, 4)
    preds, target = (single, split) if one_cluster_side == "preds" else (split, single)
    assert _nmi_ami(preds, target, method) == (0.0, 0.0)
    assert F.mutual_info_score(preds, target).item() == 0.0
    assert F.expected_mutual_info(F.contingency_matrix(preds, target)).item() == 0.0
    assert skm.adjusted_mutual_info_score(target.cpu(), preds.cpu(), average_method=method) == 0.0


@pytest.mark.parametrize("method", METHODS)
def test_empty_input(method, device):
    empty = torch.zeros(0, dtype=torch.long, device=device)
    assert F.mutual_info_score(empty, empty).item() == 0.0
    assert _nmi_ami(empty, empty, method) == (1.0, 1.0)
    assert [x.item() for x in F.homogeneity_completeness_v_measure(empty, empty)] == [1.0, 1.0, 1.0]
    assert F.entropy(empty).item() == 0.0
    assert F.contingency_matrix(empty, empty).shape == (0, 0)
    assert F.expected_mutual_info(row_sums=[], col_sums=[]).item() == 0.0
    assert _nmi_ami([], [], method) == (1.0, 1.0)  # plain empty lists too


def test_single_sample():
    assert _nmi_ami([3], [5], "arithmetic") == (1.0, 1.0)
    assert F.mutual_info_score([3], [5]).item() == 0.0


@given(labelings(max_samples=300, max_clusters=20), st.integers(1, 4), st.booleans())
def test_homogeneity_is_exactly_one_when_each_cluster_holds_one_class(pair, parts, batched):
    # preds refine target (each class split into up to ``parts`` clusters): H(target | preds) is 0,
    # so homogeneity is 1 exactly (MI / H(target) alone rounds to either side of 1), and completeness,
    # with the roles swapped, too; scores that are not limits stay within scikit-learn's and [0, 1].
    target, _ = pair
    rng = np.random.default_rng(len(target))
    preds = target * parts + rng.integers(0, parts, target.size)
    p, t = torch.from_numpy(preds), torch.from_numpy(target)
    if batched:
        p = torch.stack([p, t])  # the second clustering is the target itself: both limits hold
    h, c, v = (x.reshape(-1) for x in F.homogeneity_completeness_v_measure(p, t))
    assert torch.all(h == 1.0)
    assert F.completeness_score(t, torch.from_numpy(preds)).item() == 1.0  # preds as the classes
    want = skm.homogeneity_completeness_v_measure(target, preds)
    assert c[0].item() == pytest.approx(want[1], abs=1e-12) and v[0].item() == pytest.approx(want[2], abs=1e-12)
    assert torch.all((c >= 0) & (c <= 1) & (v >= 0) & (v <= 1))
    if batched:
        assert c[1].item() == 1.0 and v[1].item() == 1.0


def test_identical_partitions_have_homogeneity_completeness_v_of_exactly_one(device):
    rng = np.random.default_rng(3)
    for k in (2, 3, 7, 50, 400):
        target = torch.from_numpy(rng.integers(0, k, 2000)).to(device)
        renamed = torch.from_numpy(rng.permutation(k) * 7 - 3).to(device)[target]
        scores = F.homogeneity_completeness_v_measure(renamed, target)
        assert [s.item() for s in scores] == [1.0, 1.0, 1.0], k


def test_homogeneity_limits_follow_sklearn():
    for target, preds in [([0, 0, 0], [0, 1, 2]), ([0, 1, 2], [0, 0, 0]), ([0, 0, 1, 1], [0, 1, 0, 1])]:
        ours = [x.item() for x in F.homogeneity_completeness_v_measure(preds, target)]
        assert ours == pytest.approx(list(skm.homogeneity_completeness_v_measure(target, preds)), abs=1e-15)


def test_expected_mutual_info_of_one_sized_marginals():
    # Every table with these marginals is a permutation matrix: MI is log n on all of them.
    n = 257
    assert F.expected_mutual_info(row_sums=[1] * n, col_sums=[1] * n).item() == pytest.approx(np.log(n), rel=1e-14)
