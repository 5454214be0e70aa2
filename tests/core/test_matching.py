"""Cluster accuracy from a table against independent solvers: brute force, SciPy dense, networkx."""

from __future__ import annotations

import itertools
import sys
from fractions import Fraction

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from torch_mi._contingency import pair_counts
from torch_mi._matching import cluster_accuracy, optimal_matching
from torch_mi._table import from_cells, from_dense

SOLVERS = ["auto", "dense", "sparse"]


def table_of(target, preds, device="cpu"):
    preds = torch.as_tensor(np.asarray(preds), dtype=torch.long, device=device)
    target = torch.as_tensor(np.asarray(target), dtype=torch.long, device=device)
    return from_cells(*pair_counts(preds, target), num_groups=preds.shape[0] if preds.ndim == 2 else 1)


def brute_force_best(dense: np.ndarray) -> int:
    """Largest matched sum over every one-to-one map of the smaller side into the larger."""
    if dense.size == 0:
        return 0
    if dense.shape[0] > dense.shape[1]:
        dense = dense.T
    rows = range(dense.shape[0])
    return max(
        sum(int(dense[i, j]) for i, j in zip(rows, cols))
        for cols in itertools.permutations(range(dense.shape[1]), dense.shape[0])
    )


def check_matching(table, mask, best):
    """The marked cells form a one-to-one matching whose counts sum to ``best``."""
    rows, cols = table.cell_rows[mask], table.cell_cols[mask]
    assert rows.unique().numel() == rows.numel() and cols.unique().numel() == cols.numel()
    assert int(table.cell_counts[mask].sum()) == best


small_tables = arrays(np.int64, st.tuples(st.integers(1, 5), st.integers(1, 5)), elements=st.integers(0, 6))


@pytest.mark.parametrize("solver", SOLVERS)
@given(dense=small_tables)
def test_equals_brute_force_on_small_tables(solver, dense):
    table = from_dense(torch.from_numpy(dense))
    best, n = brute_force_best(dense), int(dense.sum())
    expected = float(Fraction(best, n)) if n else 1.0
    assert cluster_accuracy(table, solver).tolist() == [expected]
    check_matching(table, optimal_matching(table, solver), best)


@given(seed=st.integers(0, 2**32 - 1), shape=st.tuples(st.integers(1, 60), st.integers(1, 60)), fill=st.floats(0.02, 1))
def test_sparse_solver_equals_dense_solver(seed, shape, fill):
    rng = np.random.default_rng(seed)
    dense = rng.integers(1, 20, shape) * (rng.random(shape) < fill)
    table = from_dense(torch.from_numpy(dense))
    from scipy.optimize import linear_sum_assignment

    rows, cols = linear_sum_assignment(dense, maximize=True)
    best = int(dense[rows, cols].sum())
    n = int(dense.sum())
    assert cluster_accuracy(table, "sparse").tolist() == [float(Fraction(best, n)) if n else 1.0]
    check_matching(table, optimal_matching(table, "sparse"), best)


@pytest.mark.parametrize("seed", range(6))
def test_equals_networkx_max_weight_matching(seed):
    nx = pytest.importorskip("networkx")
    rng = np.random.default_rng(seed)
    shape = (int(rng.integers(20, 50)), int(rng.integers(20, 50)))
    dense = rng.integers(1, 30, shape) * (rng.random(shape) < 0.15)
    graph = nx.Graph()
    for i, j in zip(*dense.nonzero()):
        graph.add_edge(("row", int(i)), ("col", int(j)), weight=int(dense[i, j]))
    best = sum(graph.edges[u, v]["weight"] for u, v in nx.max_weight_matching(graph))
    table = from_dense(torch.from_numpy(dense))
    for solver in SOLVERS:
        assert cluster_accuracy(table, solver).tolist() == [float(Fraction(best, int(dense.sum())))]


def test_rows_without_a_free_partner():
    # Every row's only cell is in column 0: one row is matched, the rest are errors.
    tall = from_dense(torch.tensor([[5], [3], [2]]))
    # Two rows compete for one column while a third has two: the greedy pick (9 on (0, 0)) loses.
    competing = from_dense(torch.tensor([[9, 8, 0], [7, 0, 0], [0, 0, 0], [0, 0, 1]]))
    for solver in SOLVERS:
        assert cluster_accuracy(tall, solver).tolist() == [0.5]
        assert cluster_accuracy(competing, solver).tolist() == [16 / 25]
        assert cluster_accuracy(from_dense(torch.tensor([[5, 3, 2]])), solver).tolist() == [0.5]


@pytest.mark.parametrize("solver", SOLVERS)
def test_rectangular_tables_leave_extra_clusters_unmatched(solver):
    # 3 target clusters against 5 pred clusters and the transpose: at most 3 cells count.
    dense = torch.tensor([[4, 1, 0, 0, 3], [0, 5, 2, 0, 0], [1, 0, 0, 6, 2]])
    for counts in (dense, dense.T):
        table = from_dense(counts)
        assert cluster_accuracy(table, solver).tolist() == [float(Fraction(15, 24))]
        check_matching(table, optimal_matching(table, solver), 15)


@pytest.mark.parametrize("solver", SOLVERS)
def test_empty_tables(solver):
    assert cluster_accuracy(from_dense(torch.zeros(3, 4, dtype=torch.long)), solver).tolist() == [1.0]
    assert optimal_matching(from_dense(torch.zeros(3, 4, dtype=torch.long)), solver).shape == (0,)
    batched = from_dense(torch.tensor([[[0, 0], [0, 0]], [[2, 1], [0, 3]], [[0, 0], [0, 0]]]))
    assert cluster_accuracy(batched, solver).tolist() == [1.0, 5 / 6, 1.0]


@pytest.mark.parametrize("solver", SOLVERS)
def test_batched_groups_equal_separate_calls(solver, device):
    rng = np.random.default_rng(11)
    target = rng.integers(0, 8, 400)
    preds = np.stack([
        target * 7 - 3,  # identical, renamed
        np.zeros(400, dtype=np.int64),
        rng.integers(0, 12, 400),
        np.where(rng.random(400) < 0.4, rng.integers(0, 5, 400), target % 5) * 10**12,
        np.arange(400),
    ])
    table = table_of(target, preds, device)
    batched = cluster_accuracy(table, solver)
    assert batched.device.type == device and batched.dtype == torch.float64
    singles = torch.cat([cluster_accuracy(table_of(target, row, device), solver) for row in preds])
    assert torch.equal(batched, singles)
    assert batched[0].item() == 1.0
    mask = optimal_matching(table, solver)
    assert mask.device.type == device and mask.shape == table.cell_counts.shape


def test_auto_picks_sparse_for_large_sparse_tables_with_the_same_optimum():
    rng = np.random.default_rng(2)
    target = rng.integers(0, 1500, 20000)
    preds = np.where(rng.random(20000) < 0.6, rng.integers(0, 1500, 20000), target)
    table = table_of(target, preds)
    assert table.cell_counts.numel() < 1500 * 1500 / 2  # below the dense fill threshold
    assert cluster_accuracy(table).tolist() == cluster_accuracy(table, "dense").tolist()


def test_counts_past_float64_integers_sum_exactly():
    # 2^60 + 2^61 matched out of 2^60 + 2^61 + 3 + 1: past 2^53, the sum is still exact.
    counts = torch.tensor([[2**60, 1], [3, 2**61]])
    for solver in SOLVERS:
        value = cluster_accuracy(from_dense(counts), solver).item()
        assert value == float(Fraction(2**60 + 2**61, 2**60 + 2**61 + 4))


def test_torchmetrics_documented_example():
    # torchmetrics' cluster_accuracy(preds=[0, 0, 1, 1], target=[1, 1, 0, 0], 2) == 1.
    assert cluster_accuracy(table_of([1, 1, 0, 0], [0, 0, 1, 1])).tolist() == [1.0]


def test_unknown_solver_is_rejected():
    with pytest.raises(ValueError, match=r"solver: expected one of \('auto', 'dense', 'sparse'\), got 'hungarian'"):
        cluster_accuracy(from_dense(torch.tensor([[1]])), "hungarian")


def test_missing_scipy_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "scipy.optimize", None)  # makes `import scipy.optimize` fail
    with pytest.raises(ImportError, match=r"pip install 'torch_mi\[accuracy\]'"):
        cluster_accuracy(from_dense(torch.tensor([[1]])))
