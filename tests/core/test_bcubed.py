"""BCubed precision, recall and F: against per-sample fractions, limit cases, symmetry, every input form."""

from __future__ import annotations

import math
from collections import Counter
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from strategies import labelings
from torch_mi import functional as F
from torch_mi._bcubed import bcubed_precision_recall_fscore
from torch_mi._table import from_dense

# The table route sums terms (n_ij / n) (n_ij / b_j) in float64, each within 3 roundings, the sum
# within log2(cells) more: for the few hundred cells here that bounds the error of a value <= 1 by
# 1.3e-15 (typically it is under 2.5e-16: 1500 random tables gave at most 2.0e-16).
TOL = 1.3e-15


def exact_bcubed(target, preds, beta=Fraction(1)):
    """Bagga & Baldwin's definition sample by sample, in exact fractions."""
    n = len(target)
    if n == 0:
        return Fraction(1), Fraction(1), Fraction(1)
    target, preds = target.tolist(), preds.tolist()
    pairs, clusters, classes = Counter(zip(target, preds)), Counter(preds), Counter(target)
    precision = sum(Fraction(pairs[t, p], clusters[p]) for t, p in zip(target, preds)) / n
    recall = sum(Fraction(pairs[t, p], classes[t]) for t, p in zip(target, preds)) / n
    weight = beta * beta
    return precision, recall, (1 + weight) * precision * recall / (weight * precision + recall)


def _close(value: torch.Tensor, exact: Fraction) -> bool:
    return abs(Fraction(value.item()) - exact) <= TOL


@given(labelings(), st.sampled_from([Fraction(1), Fraction(1, 2), Fraction(2), Fraction(0)]))
def test_equals_the_per_sample_definition(pair, beta):
    target, preds = pair
    scores = F.bcubed_precision_recall_fscore(torch.from_numpy(preds), torch.from_numpy(target), float(beta))
    for value, exact in zip(scores, exact_bcubed(target, preds, beta)):
        assert value.dtype == torch.float64 and value.ndim == 0
        assert _close(value, exact), (value.item(), float(exact))


@given(labelings(max_samples=200))
def test_precision_and_recall_trade_places_when_the_labelings_do(pair):
    target, preds = pair
    precision, recall, fscore = F.bcubed_precision_recall_fscore(preds, target)
    swapped = F.bcubed_precision_recall_fscore(target, preds)
    assert math.isclose(precision.item(), swapped[1].item(), rel_tol=1e-15)
    assert math.isclose(recall.item(), swapped[0].item(), rel_tol=1e-15)
    assert math.isclose(fscore.item(), swapped[2].item(), rel_tol=1e-15)


def test_pure_clusters_and_classes_score_exactly_one(device):
    def scores(preds, target):
        return [v.item() for v in F.bcubed_precision_recall_fscore(torch.tensor(preds, device=device),
                                                                    torch.tensor(target, device=device))]

    # 49 equal shares of 1/49 do not sum to 1 in float64; a pure side is recognised instead.
    singletons = list(range(49))
    assert sum([1 / 49] * 49) != 1.0 and scores(singletons, singletons) == [1.0, 1.0, 1.0]
    assert scores([3, 3, 8, 8, 8], [0, 0, 1, 1, 1]) == [1.0, 1.0, 1.0]  # identical up to renaming
    assert scores([0, 1, 2, 3], [0, 0, 1, 1]) == [1.0, 0.5, 2 / 3]  # singletons: precision 1
    assert scores([0, 0, 0, 0], [0, 0, 1, 1]) == [0.5, 1.0, 2 / 3]  # one cluster: recall 1
    empty = torch.tensor([], dtype=torch.long, device=device)
    assert [v.item() for v in F.bcubed_precision_recall_fscore(empty, empty)] == [1.0, 1.0, 1.0]


def test_the_single_score_functions_are_the_triple():
    rng = np.random.default_rng(5)
    target, preds = rng.integers(0, 7, 2000), rng.integers(0, 11, 2000)
    precision, recall, fscore = F.bcubed_precision_recall_fscore(preds, target, 0.5)
    assert torch.equal(F.bcubed_precision(preds, target), F.bcubed_precision_recall_fscore(preds, target)[0])
    assert torch.equal(F.bcubed_recall(preds, target), recall)
    assert torch.equal(F.bcubed_fscore(preds, target, 0.5), fscore)
    assert torch.equal(F.bcubed_precision(preds, target), precision)


def test_every_input_form_gives_the_same_value(device):
    rng = np.random.default_rng(6)
    target, preds = rng.integers(0, 9, 5000), rng.integers(0, 13, 5000)
    expected = F.bcubed_precision_recall_fscore(preds, target)
    dense = F.contingency_matrix(torch.from_numpy(preds), torch.from_numpy(target))
    for other in (
        F.bcubed_precision_recall_fscore(torch.from_numpy(preds).to(device), torch.from_numpy(target).to(device)),
        F.bcubed_precision_recall_fscore(contingency=dense.to(device)),
        F.bcubed_precision_recall_fscore(contingency=dense.to_sparse()),
        F.bcubed_precision_recall_fscore(preds.astype(str), target.astype(str)),
    ):
        for a, b in zip(expected, other):
            assert a.item() == b.item()
    assert all(_close(v, e) for v, e in zip(expected, exact_bcubed(target, preds)))


def test_batched_rows_equal_single_calls_to_rounding(device):
    rng = np.random.default_rng(7)
    target = torch.from_numpy(rng.integers(0, 6, 800)).to(device)
    preds = torch.from_numpy(rng.integers(0, 9, (5, 800))).to(device)
    preds[1] = target
    scores = F.bcubed_precision_recall_fscore(preds, target)
    assert all(s.shape == (5,) and s.device.type == device for s in scores)
    for b in range(5):
        exact = exact_bcubed(target.cpu().numpy(), preds[b].cpu().numpy())
        assert all(_close(s[b], e) for s, e in zip(scores, exact))
    assert [s[1].item() for s in scores] == [1.0, 1.0, 1.0]


def test_huge_counts_do_not_overflow():
    # n_ij^2 would pass int64 here (10^10 squared): the terms are products of shares instead.
    counts = torch.tensor([[10**10, 3], [2 * 10**10, 10**10]])
    precision, recall, fscore = bcubed_precision_recall_fscore(from_dense(counts))
    cells = [[Fraction(10**10), Fraction(3)], [Fraction(2 * 10**10), Fraction(10**10)]]
    n = sum(sum(row) for row in cells)
    cols = [cells[0][j] + cells[1][j] for j in range(2)]
    exact_precision = sum(cells[i][j] ** 2 / cols[j] for i in range(2) for j in range(2)) / n
    exact_recall = sum(cells[i][j] ** 2 / sum(cells[i]) for i in range(2) for j in range(2)) / n
    assert _close(precision, exact_precision) and _close(recall, exact_recall)
    assert _close(fscore, 2 * exact_precision * exact_recall / (exact_precision + exact_recall))


@pytest.mark.parametrize(
    "beta, error", [(-1.0, ValueError), (float("inf"), ValueError), ("1", TypeError), (True, TypeError)]
)
def test_bad_beta_is_refused_naming_it(beta, error):
    with pytest.raises(error, match="beta"):
        F.bcubed_precision_recall_fscore([0, 1], [0, 1], beta)
    with pytest.raises(error, match="beta"):
        F.bcubed_fscore([0, 1], [0, 1], beta)
