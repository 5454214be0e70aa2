"""Variation of information from a table: 50-digit reference, the entropy identity, limit cases."""

from __future__ import annotations

import math

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import exact_reference as ref
from strategies import labelings
from torch_mi._contingency import pair_counts
from torch_mi._information import entropies, mutual_info
from torch_mi._table import from_cells, from_dense
from torch_mi._variation import variation_of_information


def table_of(target, preds, device="cpu"):
    preds = torch.as_tensor(np.asarray(preds), dtype=torch.long, device=device)
    target = torch.as_tensor(np.asarray(target), dtype=torch.long, device=device)
    return from_cells(*pair_counts(preds, target), num_groups=preds.shape[0] if preds.ndim == 2 else 1)


def reference(target, preds):
    """(VI, NVI) at 50 digits: H(U) + H(V) - 2 MI, and VI / H(U, V) with H(U, V) over the cells."""
    cells = ref.contingency(target, preds)
    rows, cols = ref.marginals(cells)
    vi = ref.entropy(rows) + ref.entropy(cols) - 2 * ref.mutual_info(target, preds)
    joint = ref.entropy(list(cells.values()))
    return vi, (vi / joint if joint else mpmath.mpf(0))


@given(labelings())
def test_equals_the_50_digit_reference(pair):
    target, preds = pair
    table = table_of(target, preds)
    vi, nvi = reference(target, preds)
    ours = variation_of_information(table)
    assert ours.dtype == torch.float64 and ours.shape == (1,)
    assert abs(ours.item() - vi) <= 1e-13 * max(1, abs(vi))
    assert abs(variation_of_information(table, normalized=True).item() - nvi) <= 1e-13


@given(labelings(), st.sampled_from([2, 10, math.e, 1.5]))
def test_equals_the_entropy_identity_in_any_base(pair, base):
    target, preds = pair
    table = table_of(target, preds)
    h_target, h_preds = entropies(table)
    identity = (h_target + h_preds - 2 * mutual_info(table)).clamp(min=0) / math.log(base)
    torch.testing.assert_close(variation_of_information(table, log_base=base), identity, rtol=1e-12, atol=1e-12)


@given(labelings())
def test_range(pair):
    target, preds = pair
    table = table_of(target, preds)
    vi = variation_of_information(table).item()
    nvi = variation_of_information(table, normalized=True, log_base=2).item()
    assert 0 <= vi <= math.log(max(len(target), 1)) + 1e-12
    assert 0 <= nvi <= 1


@pytest.mark.parametrize(
    "target, preds",
    [
        ([0, 0, 1, 1, 2], [5, 5, 9, 9, 1]),  # identical up to renaming
        ([4] * 6, [2] * 6),  # two one-cluster labelings
        ([0, 1, 2, 3], [9, 8, 7, 6]),  # all singletons both sides
        ([], []),
        ([3], [3]),
    ],
)
def test_identical_partitions_are_exactly_zero(target, preds):
    table = table_of(target, preds)
    assert variation_of_information(table).tolist() == [0.0]
    assert variation_of_information(table, normalized=True).tolist() == [0.0]


def test_independent_labelings_normalize_to_one():
    # A 2 x 3 grid of equally many samples: MI = 0, VI = H(U, V) = log 6.
    table = from_dense(torch.full((2, 3), 5))
    assert variation_of_information(table).item() == pytest.approx(math.log(6), rel=1e-15)
    assert variation_of_information(table, normalized=True).item() == pytest.approx(1.0, rel=1e-15)


def test_one_cluster_against_singletons_is_log_n():
    table = table_of([0] * 8, list(range(8)))
    assert variation_of_information(table, log_base=2).item() == pytest.approx(3.0, rel=1e-15)


def test_metric_triangle_inequality():
    rng = np.random.default_rng(4)
    a, b, c = (rng.integers(0, k, 300) for k in (3, 5, 8))
    vi = {
        (x, y): variation_of_information(table_of(u, v)).item()
        for (x, u), (y, v) in [(("a", a), ("b", b)), (("b", b), ("c", c)), (("a", a), ("c", c))]
    }
    assert vi["a", "c"] <= vi["a", "b"] + vi["b", "c"]
    assert variation_of_information(table_of(a, b)).item() == pytest.approx(
        variation_of_information(table_of(b, a)).item(), rel=1e-14
    )


@pytest.mark.parametrize("normalized", [False, True])
def test_batched_groups_equal_separate_calls(normalized, device):
    rng = np.random.default_rng(8)
    target = rng.integers(0, 6, 500)
    preds = np.stack([target + 3, np.zeros(500, dtype=np.int64), rng.integers(0, 9, 500), np.arange(500)])
    batched = variation_of_information(table_of(target, preds, device), normalized=normalized)
    assert batched.device.type == device and batched.shape == (4,)
    singles = torch.cat(
        [variation_of_information(table_of(target, row, device), normalized=normalized) for row in preds]
    )
    # One group sums its cells pairwise, several sum them in order: equal up to rounding.
    torch.testing.assert_close(batched, singles, rtol=0, atol=1e-13)
    assert batched[0].item() == 0.0


def test_huge_counts():
    # Counts near 10^17: float64 logs of int64 counts, against the 50-digit value.
    dense = np.array([[10**17, 3 * 10**16], [7, 2 * 10**17 + 1]], dtype=np.int64)
    cells = [int(x) for x in dense.reshape(-1)]
    rows = [int(x) for x in dense.sum(1)]
    cols = [int(x) for x in dense.sum(0)]
    n = mpmath.mpf(sum(cells))
    vi = sum(
        (mpmath.mpf(c) / n) * (mpmath.log(mpmath.mpf(rows[i // 2]) / c) + mpmath.log(mpmath.mpf(cols[i % 2]) / c))
        for i, c in enumerate(cells)
    )
    assert variation_of_information(from_dense(torch.from_numpy(dense))).item() == pytest.approx(float(vi), rel=1e-13)
