"""Purity: against a per-sample count in exact fractions, its limit cases, its bounds, every input form."""

from __future__ import annotations

from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse
import torch
from hypothesis import given

from strategies import labelings
from torch_mi import functional as F
from torch_mi._purity import purity
from torch_mi._table import from_dense


def exact_purity(target, preds) -> Fraction:
    """Each cluster's most common class, counted from the samples themselves."""
    if len(target) == 0:
        return Fraction(1)
    members: dict = {}
    for t, p in zip(target.tolist(), preds.tolist()):
        members.setdefault(p, Counter())[t] += 1
    return Fraction(sum(max(classes.values()) for classes in members.values()), len(target))


@given(labelings())
def test_purity_is_the_correctly_rounded_exact_share(pair):
    target, preds = pair
    value = F.purity_score(torch.from_numpy(preds), torch.from_numpy(target))
    assert value.dtype == torch.float64 and value.ndim == 0
    assert value.item() == float(exact_purity(target, preds))  # one rounding of an exact ratio


@given(labelings(max_samples=200, max_clusters=15))
def test_purity_bounds_cluster_accuracy_from_above(pair):
    # ACC matches clusters to classes one to one; purity lets clusters share a class.
    target, preds = pair
    assert F.purity_score(preds, target).item() >= F.cluster_accuracy(preds, target).item()


def test_limit_cases(device):
    def score(preds, target):
        return F.purity_score(torch.tensor(preds, device=device), torch.tensor(target, device=device)).item()

    assert F.purity_score(torch.tensor([], dtype=torch.long, device=device),
                          torch.tensor([], dtype=torch.long, device=device)).item() == 1.0
    assert score([0, 1, 2, 3, 4], [0, 0, 1, 1, 1]) == 1.0  # all singletons: every cluster is pure
    assert score([7, 7, 7, 7, 7], [0, 0, 1, 1, 1]) == 0.6  # one cluster: the largest class's share
    assert score([5, 5, 9, 9], [1, 1, 0, 0]) == 1.0  # identical up to renaming
    assert score([0, 1], [0, 0]) == 1.0  # one class: any clustering is pure


def test_inverse_purity_is_purity_with_the_labelings_swapped():
    target, preds = np.array([0, 0, 0, 1, 1, 1]), np.array([0, 0, 1, 1, 2, 2])
    assert F.purity_score(preds, target).item() == float(exact_purity(target, preds)) == 5 / 6
    assert F.purity_score(target, preds).item() == float(exact_purity(preds, target)) == 4 / 6


def test_every_input_form_gives_the_same_value(device):
    rng = np.random.default_rng(3)
    target, preds = rng.integers(0, 9, 5000), rng.integers(0, 13, 5000)
    expected = float(exact_purity(target, preds))
    dense = F.contingency_matrix(torch.from_numpy(preds), torch.from_numpy(target))
    assert F.purity_score(torch.from_numpy(preds).to(device), torch.from_numpy(target).to(device)).item() == expected
    assert F.purity_score(contingency=dense.to(device)).item() == expected
    assert F.purity_score(contingency=scipy.sparse.csr_matrix(dense.numpy())).item() == expected
    assert F.purity_score(contingency=dense.to_sparse()).item() == expected
    assert F.purity_score(preds.astype(str), target.astype(str)).item() == expected


def test_batched_rows_equal_single_calls(device):
    rng = np.random.default_rng(4)
    target = torch.from_numpy(rng.integers(0, 6, 800)).to(device)
    preds = torch.from_numpy(rng.integers(0, 9, (5, 800))).to(device)
    preds[2] = target  # an identical row among random ones
    values = F.purity_score(preds, target)
    assert values.shape == (5,) and values.device.type == device
    for row, value in zip(preds, values):
        assert value.item() == F.purity_score(row, target).item()
    assert values[2].item() == 1.0


def test_counts_past_float_precision_stay_exact():
    # Column maxima 3 * 10^12 and 10^12 + 1 of n = 4 * 10^12 + 7 samples: still one rounding.
    counts = torch.tensor([[3 * 10**12, 5], [1, 10**12 + 1]])
    value = purity(from_dense(counts))
    assert value.item() == float(Fraction(4 * 10**12 + 1, 4 * 10**12 + 7))


@pytest.mark.parametrize("bad", [torch.tensor([[1, -1]]), [[1.5, 2]]])
def test_bad_tables_are_refused(bad):
    with pytest.raises((TypeError, ValueError), match="contingency"):
        F.purity_score(contingency=bad)
