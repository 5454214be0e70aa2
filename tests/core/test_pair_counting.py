"""Pair-counting scores from a table: scikit-learn parity, limit cases, batching, exact big counts."""

from __future__ import annotations

import math
from fractions import Fraction

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from sklearn.metrics import cluster as skc

from strategies import labelings
from torch_mi._contingency import pair_counts
from torch_mi._pair_counting import (
    MAX_SAMPLES,
    adjusted_rand_index,
    fowlkes_mallows_index,
    pair_confusion_counts,
    pair_confusion_matrix,
    rand_index,
)
from torch_mi._table import from_cells, from_dense

SCORES = {
    "rand": (rand_index, skc.rand_score),
    "adjusted_rand": (adjusted_rand_index, skc.adjusted_rand_score),
    "fowlkes_mallows": (fowlkes_mallows_index, skc.fowlkes_mallows_score),
}


def table_of(target, preds, device="cpu"):
    preds = torch.as_tensor(np.asarray(preds), dtype=torch.long, device=device)
    target = torch.as_tensor(np.asarray(target), dtype=torch.long, device=device)
    return from_cells(*pair_counts(preds, target), num_groups=preds.shape[0] if preds.ndim == 2 else 1)


@given(labelings())
def test_pair_confusion_matrix_equals_scikit_learn(pair):
    target, preds = pair
    ours = pair_confusion_matrix(table_of(target, preds))
    assert ours.dtype == torch.int64 and ours.shape == (1, 2, 2)
    np.testing.assert_array_equal(ours[0].numpy(), skc.pair_confusion_matrix(target, preds))


@pytest.mark.parametrize("name", SCORES)
@given(pair=labelings())
def test_scores_equal_scikit_learn(name, pair):
    ours, theirs = SCORES[name]
    target, preds = pair
    value = ours(table_of(target, preds))
    assert value.dtype == torch.float64 and value.shape == (1,)
    # RI and ARI are one correctly rounded division in both; FMI rounds a few times in scikit-learn.
    assert math.isclose(value.item(), theirs(target, preds), rel_tol=1e-15, abs_tol=1e-300)


LIMIT_CASES = {
    "empty": ([], []),
    "one sample": ([3], [7]),
    "two samples apart": ([0, 1], [0, 0]),
    "identical": ([0, 0, 1, 1, 2], [5, 5, 9, 9, 1]),
    "both one cluster": ([4] * 6, [2] * 6),
    "both all singletons": ([0, 1, 2, 3, 4], [9, 8, 7, 6, 5]),
    "one cluster vs singletons": ([0, 0, 0, 0], [0, 1, 2, 3]),
    "singletons vs one cluster": ([0, 1, 2, 3], [0, 0, 0, 0]),
    "anti-correlated": ([0, 0, 1, 1], [0, 1, 0, 1]),
    "nested": ([0, 0, 0, 1, 1, 1], [0, 0, 1, 2, 2, 3]),
}


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("case", LIMIT_CASES)
def test_limit_cases_as_scikit_learn(name, case):
    ours, theirs = SCORES[name]
    target, preds = LIMIT_CASES[case]
    assert ours(table_of(target, preds)).item() == theirs(target, preds)


@pytest.mark.parametrize("case", LIMIT_CASES)
def test_limit_case_pair_confusion_as_scikit_learn(case):
    target, preds = LIMIT_CASES[case]
    ours = pair_confusion_matrix(table_of(target, preds))[0].numpy()
    np.testing.assert_array_equal(ours, skc.pair_confusion_matrix(target, preds))


def test_adjusted_rand_is_negative_for_discordant_labelings():
    assert adjusted_rand_index(table_of([0, 0, 1, 1], [0, 1, 0, 1])).item() == -0.5


@pytest.mark.parametrize("function", [pair_confusion_matrix, rand_index, adjusted_rand_index, fowlkes_mallows_index])
def test_batched_groups_equal_separate_calls(function, device):
    rng = np.random.default_rng(3)
    target = rng.integers(0, 6, 500)
    preds = np.stack([
        target,  # identical
        np.zeros(500, dtype=np.int64),  # one cluster
        rng.integers(0, 9, 500),  # independent
        np.where(rng.random(500) < 0.3, rng.integers(0, 6, 500), target) * 10**12,  # noisy copy, huge ids
        np.arange(500),  # all singletons
    ])
    batched = function(table_of(target, preds, device))
    assert batched.device.type == device and batched.shape[0] == preds.shape[0]
    singles = torch.cat([function(table_of(target, row, device)) for row in preds])
    assert torch.equal(batched, singles)


def test_batched_from_dense_with_an_empty_group():
    counts = torch.tensor([[[3, 1], [0, 2]], [[0, 0], [0, 0]], [[5, 0], [0, 0]]])
    table = from_dense(counts)
    assert rand_index(table).tolist() == [rand_index(from_dense(counts[0])).item(), 1.0, 1.0]
    assert adjusted_rand_index(table)[1:].tolist() == [1.0, 1.0]
    assert fowlkes_mallows_index(table)[1:].tolist() == [0.0, 1.0]
    assert pair_confusion_matrix(table)[1].tolist() == [[0, 0], [0, 0]]


# Exact references straight from the definitions, in Python integers and fractions.


def exact_pair_counts(dense: np.ndarray):
    cells = [int(x) for x in dense.reshape(-1).tolist()]
    rows = [sum(int(x) for x in row) for row in dense.tolist()]
    cols = [sum(int(x) for x in col) for col in dense.T.tolist()]
    n = sum(rows)
    same_both = sum(x * (x - 1) for x in cells)  # ordered pairs
    same_rows = sum(a * (a - 1) for a in rows)
    same_cols = sum(b * (b - 1) for b in cols)
    tp, fn, fp = same_both, same_rows - same_both, same_cols - same_both
    return n * (n - 1) - tp - fn - fp, fp, fn, tp


def exact_scores(dense: np.ndarray):
    tn, fp, fn, tp = exact_pair_counts(dense)
    total = tn + fp + fn + tp
    rand = Fraction(tn + tp, total) if total else Fraction(1)
    ari_den = (tp + fn) * (fn + tn) + (tp + fp) * (fp + tn)
    ari = Fraction(1) if fn == fp == 0 else Fraction(2 * (tp * tn - fn * fp), ari_den)
    with mpmath.workdps(60):
        fmi = mpmath.mpf(tp) / mpmath.sqrt(mpmath.mpf(tp + fp) * (tp + fn)) if tp else mpmath.mpf(0)
    return rand, ari, fmi


def big_table(total: int, shape=(5, 4), seed=0) -> np.ndarray:
    """A random dense count table whose counts sum to exactly ``total`` (int64 entries)."""
    rng = np.random.default_rng(seed)
    weights = rng.random(shape) ** 3 * (rng.random(shape) < 0.7)
    weights.flat[0] += 0.01  # never all zero
    cells = [int(Fraction(w) * total / Fraction(weights.sum())) for w in weights.reshape(-1).tolist()]
    cells[0] += total - sum(cells)
    return np.array(cells, dtype=np.int64).reshape(shape)


@pytest.mark.parametrize("total", [10**12, 10**15, 10**18, 2**62 + 12345, MAX_SAMPLES])
@pytest.mark.parametrize("seed", range(4))
def test_huge_counts_are_exact(total, seed):
    dense = big_table(total, seed=seed)
    table = from_dense(torch.from_numpy(dense))
    rand, ari, fmi = exact_scores(dense)
    # One correctly rounded division: the float64 nearest to the exact value.
    assert rand_index(table).item() == float(rand)
    assert adjusted_rand_index(table).item() == float(ari)
    assert abs(fowlkes_mallows_index(table).item() - fmi) <= 1e-15 * fmi
    assert tuple(pair_confusion_counts(table)[0]) == exact_pair_counts(dense)


def test_huge_counts_batched_are_exact():
    dense = np.stack([big_table(10**15, seed=1), big_table(MAX_SAMPLES, seed=2), big_table(7, seed=3)])
    table = from_dense(torch.from_numpy(dense))
    expected = [exact_scores(group) for group in dense]
    assert adjusted_rand_index(table).tolist() == [float(ari) for _, ari, _ in expected]
    assert rand_index(table).tolist() == [float(ri) for ri, _, _ in expected]


def test_many_cells_with_large_counts_exercise_narrow_limbs():
    # 3 * 10**5 cells of ~3 * 10**13: each square is ~2^90, their sum far past int64.
    rng = np.random.default_rng(5)
    dense = rng.integers(1, 3 * 10**13, (600, 500))
    table = from_dense(torch.from_numpy(dense))
    counts = table.cell_counts.tolist()
    assert tuple(pair_confusion_counts(table)[0])[3] == sum(c * c for c in counts) - sum(counts)
    assert adjusted_rand_index(table).item() == float(exact_scores(dense)[1])


def test_pair_confusion_matrix_int64_boundary():
    # n (n - 1) <= 2^63 - 1 exactly up to n = 3,037,000,500: every entry fits.
    fits = from_dense(torch.tensor([[3_037_000_500]]))
    assert pair_confusion_matrix(fits).tolist() == [[[0, 0], [0, 3_037_000_500 * 3_037_000_499]]]
    too_big = from_dense(torch.tensor([[3_037_000_501]]))
    with pytest.raises(ValueError, match="pair confusion count tp of group 0 .* past int64"):
        pair_confusion_matrix(too_big)
    assert pair_confusion_counts(too_big)[0].tp == 3_037_000_501 * 3_037_000_500
    assert adjusted_rand_index(too_big).item() == 1.0


def test_counts_past_int64_are_rejected():
    # Two cells of 2^62 in different rows and columns: every row and column sum fits, n = 2^63 does not.
    table = from_cells(
        torch.zeros(2, dtype=torch.long), torch.tensor([0, 1]), torch.tensor([0, 1]), torch.tensor([2**62, 2**62])
    )
    with pytest.raises(ValueError, match=r"table: the counts of group 0 sum to 9223372036854775808, past"):
        adjusted_rand_index(table)


@given(st.lists(st.integers(1, 2**40), min_size=1, max_size=30), st.integers(1, 6))
def test_exact_on_arbitrary_big_tables(cells, num_cols):
    cells += [0] * (-len(cells) % num_cols)
    dense = np.array(cells, dtype=np.int64).reshape(-1, num_cols)
    table = from_dense(torch.from_numpy(dense))
    rand, ari, _ = exact_scores(dense)
    assert rand_index(table).item() == float(rand)
    assert adjusted_rand_index(table).item() == float(ari)


# torchmetrics' documented examples, through the table functions (their argument order is (preds, target)).


def test_torchmetrics_documented_examples():
    def score(function, preds, target):
        return round(function(table_of(target, preds)).item(), 4)

    assert score(adjusted_rand_index, [0, 0, 1, 1], [0, 0, 1, 1]) == 1.0
    assert score(adjusted_rand_index, [0, 0, 1, 2], [0, 0, 1, 1]) == 0.5714
    assert score(rand_index, [0, 0, 1, 1], [1, 1, 0, 0]) == 1.0
    assert score(rand_index, [0, 0, 1, 2], [0, 0, 1, 1]) == 0.8333
    assert score(fowlkes_mallows_index, [2, 2, 0, 1, 0], [2, 2, 1, 1, 0]) == 0.5
