"""Pairwise precision / recall / F and the pair Jaccard index: against pairs counted one by one.

Each score is one exact rational rounded once, so the tests ask for equality with the float64
nearest the exact value (``float(Fraction)`` rounds correctly), not closeness.
"""

from __future__ import annotations

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
import scipy.sparse
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import labelings
from torch_mi import functional as F
from torch_mi._pair_counting import pair_jaccard_index, pairwise_precision_recall_fscore
from torch_mi._table import from_dense

BETAS = [Fraction(1), Fraction(1, 2), Fraction(2), Fraction(0), Fraction(3, 8)]


def pairs_by_hand(target, preds):
    """(tp, fp, fn) over unordered pairs of distinct samples, by looking at every pair."""
    tp = fp = fn = 0
    for i, j in itertools.combinations(range(len(target)), 2):
        together_t, together_p = target[i] == target[j], preds[i] == preds[j]
        tp += together_t and together_p
        fp += together_p and not together_t
        fn += together_t and not together_p
    return tp, fp, fn


def exact_scores(tp, fp, fn, beta=Fraction(1)):
    """(precision, recall, F_beta, Jaccard) as exact fractions, with the documented limit cases."""
    precision = Fraction(tp, tp + fp) if tp + fp else Fraction(1)
    recall = Fraction(tp, tp + fn) if tp + fn else Fraction(1)
    weight = beta * beta
    denominator = (1 + weight) * tp + weight * fn + fp
    fscore = (1 + weight) * tp / denominator if denominator else Fraction(1)
    jaccard = Fraction(tp, tp + fp + fn) if tp + fp + fn else Fraction(1)
    return precision, recall, fscore, jaccard


def ours(preds, target, beta=1.0, **kwargs):
    return (*F.pairwise_precision_recall_fscore(preds, target, beta, **kwargs),
            F.pair_jaccard_index(preds, target, **kwargs))


@given(labelings(max_samples=60, max_clusters=8), st.sampled_from(BETAS))
def test_equal_the_exact_scores_of_pairs_counted_one_by_one(pair, beta):
    target, preds = pair
    expected = exact_scores(*pairs_by_hand(target.tolist(), preds.tolist()), beta)
    for value, exact in zip(ours(torch.from_numpy(preds), torch.from_numpy(target), float(beta)), expected):
        assert value.dtype == torch.float64 and value.ndim == 0
        assert value.item() == float(exact), (value.item(), exact)


@given(labelings(max_samples=200))
def test_fowlkes_mallows_is_the_geometric_mean_of_precision_and_recall(pair):
    target, preds = pair
    precision, recall, _ = F.pairwise_precision_recall_fscore(preds, target)
    fmi = F.fowlkes_mallows_index(preds, target).item()
    if fmi > 0:  # FMI is 0 where tp = 0, also where a vacuous precision or recall is 1
        assert math.isclose(fmi, math.sqrt(precision.item() * recall.item()), rel_tol=4e-16)


@given(labelings(max_samples=200))
def test_precision_and_recall_trade_places_when_the_labelings_do(pair):
    target, preds = pair
    precision, recall, fscore = F.pairwise_precision_recall_fscore(preds, target)
    swapped = F.pairwise_precision_recall_fscore(target, preds)
    assert (precision.item(), recall.item(), fscore.item()) == (swapped[1].item(), swapped[0].item(), swapped[2].item())
    assert F.pair_jaccard_index(preds, target).item() == F.pair_jaccard_index(target, preds).item()


@pytest.mark.parametrize(
    "preds, target, expected",
    [
        ([], [], (1.0, 1.0, 1.0, 1.0)),  # no samples, no pairs
        ([3], [7], (1.0, 1.0, 1.0, 1.0)),
        ([0, 1, 2, 3], [5, 6, 7, 8], (1.0, 1.0, 1.0, 1.0)),  # all singletons on both sides: identical
        ([0, 0, 0, 0], [1, 1, 1, 1], (1.0, 1.0, 1.0, 1.0)),  # one cluster on both sides
        ([0, 1, 2, 3], [0, 0, 1, 1], (1.0, 0.0, 0.0, 0.0)),  # preds joins nothing: nothing wrong, nothing found
        ([0, 0, 0, 0], [0, 1, 2, 3], (0.0, 1.0, 0.0, 0.0)),  # target joins nothing
        ([0, 0, 1, 1], [0, 1, 0, 1], (0.0, 0.0, 0.0, 0.0)),  # every joined pair is wrong
        ([2, 2, 5, 5, 5], [0, 0, 1, 1, 1], (1.0, 1.0, 1.0, 1.0)),  # renamed clusters
    ],
)
def test_limit_cases(preds, target, expected):
    assert tuple(value.item() for value in ours(preds, target)) == expected


def test_beta_zero_is_precision_and_large_beta_tends_to_recall():
    preds, target = [0, 0, 0, 1, 1, 2], [0, 0, 1, 1, 1, 1]
    precision, recall, _ = F.pairwise_precision_recall_fscore(preds, target)
    assert F.pairwise_fscore(preds, target, beta=0.0).item() == precision.item()
    assert math.isclose(F.pairwise_fscore(preds, target, beta=1e8).item(), recall.item(), rel_tol=1e-15)
    # beta = 0 with nothing joined in preds: F is the (vacuous) precision, 1, not 0 / 0
    assert F.pairwise_fscore([0, 1, 2], [0, 0, 1], beta=0.0).item() == 1.0


@pytest.mark.parametrize("beta", [-1.0, math.inf, math.nan])
def test_a_bad_beta_is_a_value_error(beta):
    with pytest.raises(ValueError, match="`beta` must be a non-negative finite number"):
        F.pairwise_precision_recall_fscore([0, 1], [0, 1], beta)


@pytest.mark.parametrize("beta", ["1", None, True])
def test_a_beta_of_the_wrong_type_is_a_type_error(beta):
    with pytest.raises(TypeError, match="`beta`"):
        F.pairwise_fscore([0, 1], [0, 1], beta)


@pytest.mark.parametrize("seed", range(3))
def test_huge_counts_are_exact(seed):
    # Counts near 10^18: n^2 is far past int64; the pair counts stay exact Python integers.
    rng = np.random.default_rng(seed)
    counts = rng.integers(1, 10**17, size=(3, 4), dtype=np.int64)
    n = int(counts.sum(dtype=object))
    s = sum(int(c) ** 2 for c in counts.ravel())
    a = sum(int(r) ** 2 for r in counts.sum(axis=1, dtype=object))
    b = sum(int(c) ** 2 for c in counts.sum(axis=0, dtype=object))
    tp, fp, fn = (s - n) // 2, (b - s) // 2, (a - s) // 2  # unordered pairs: the ratios are the same
    table = from_dense(torch.from_numpy(counts))
    values = (*pairwise_precision_recall_fscore(table, 2.0), pair_jaccard_index(table))
    for value, exact in zip(values, exact_scores(tp, fp, fn, Fraction(2))):
        assert value.item() == float(exact)


def test_batched_groups_equal_separate_calls(device):
    rng = np.random.default_rng(5)
    target = torch.from_numpy(rng.integers(0, 6, 500)).to(device)
    preds = torch.from_numpy(rng.integers(0, 4, (7, 500))).to(device)
    batched = ours(preds, target, 0.5)
    for value in batched:
        assert value.shape == (7,) and value.device == target.device
    for row in range(7):
        single = ours(preds[row], target, 0.5)
        assert [value[row].item() for value in batched] == [value.item() for value in single]


@pytest.mark.parametrize(
    "form",
    [np.asarray, torch.tensor, scipy.sparse.csr_matrix, lambda t: torch.tensor(t).to_sparse(), lambda t: t.tolist()],
)
def test_every_contingency_form_gives_the_same_scores(form):
    table = np.array([[5, 0, 2], [1, 3, 0], [0, 0, 4]])
    expected = [value.item() for value in ours(None, None, contingency=table)]
    assert [value.item() for value in ours(None, None, contingency=form(table))] == expected
    preds, target = np.repeat([0, 2, 0, 1, 2], [5, 2, 1, 3, 4]), np.repeat([0, 0, 1, 1, 2], [5, 2, 1, 3, 4])
    assert [value.item() for value in ours(preds, target)] == expected


def test_string_labels():
    assert [v.item() for v in ours(["a", "a", "b", "c"], ["x", "x", "y", "y"])] == [1.0, 0.5, 2 / 3, 0.5]
