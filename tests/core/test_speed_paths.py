"""The fast paths of expected MI and table building, each against an exact reference.

Expected MI folds symmetric (u, v) / (v, u) size pairs, reads k log k from a table (or computes it
for windows past the table), and takes Bennett's reach from a grid; MI reads its cells' k log k from
a table too: each of these is checked here against the 50-digit mpmath reference, or against the
unfolded / untabulated computation.
"""

from __future__ import annotations

import mpmath
import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

import exact_reference as exact
from torch_mi import _expected_mi
from torch_mi._expected_mi import expected_mutual_info_from_marginals
from torch_mi._table import Table, from_cells, from_dense

TOL = 1e-13


def _emi(rows, cols, device="cpu"):
    rows = torch.tensor(rows, device=device)
    cols = torch.tensor(cols, device=device)
    zeros = torch.zeros_like
    return expected_mutual_info_from_marginals(rows, zeros(rows), cols, zeros(cols), 1).item()


def _split(total, parts, rng):
    """``total`` as ``parts`` positive sizes."""
    cuts = np.sort(rng.choice(np.arange(1, total), parts - 1, replace=False))
    return np.diff(np.concatenate([[0], cuts, [total]])).tolist()


# Small inputs fit one block at the widest window; a tiny block budget sends the same pairs
# through the width buckets, in blocks of a few pairs.
LAYOUTS = {"one block": None, "width buckets": {"cpu": 64, "cuda": 64}}


@pytest.mark.parametrize("layout", LAYOUTS)
@given(st.integers(2, 400), st.integers(1, 12), st.integers(1, 12), st.integers(0, 2**32 - 1), st.booleans())
def test_expected_mi_is_exact_with_and_without_shared_sizes(layout, n, k_rows, k_cols, seed, mirror):
    rng = np.random.default_rng(seed)
    rows = _split(n, min(k_rows, n), rng)
    # Mirrored marginals share every size (all pairs fold); otherwise sizes overlap only by chance.
    cols = list(reversed(rows)) if mirror else _split(n, min(k_cols, n), rng)
    with pytest.MonkeyPatch.context() as patch:
        if LAYOUTS[layout] is not None:
            patch.setattr(_expected_mi, "_BLOCK_ELEMENTS", LAYOUTS[layout])
        assert _emi(rows, cols) == pytest.approx(float(exact.expected_mutual_info(rows, cols)), abs=TOL)


def test_small_inputs_take_one_block_and_large_ones_the_width_buckets(monkeypatch):
    calls = []
    bucketed = _expected_mi._bucketed_window_means
    monkeypatch.setattr(_expected_mi, "_bucketed_window_means", lambda *args: calls.append(1) or bucketed(*args))
    sizes = list(range(1, 51))  # 1275 size pairs after folding, windows up to ~40 wide
    expected = float(exact.expected_mutual_info(sizes, sizes))
    assert _emi(sizes, sizes) == pytest.approx(expected, abs=TOL) and not calls
    monkeypatch.setattr(_expected_mi, "_BLOCK_ELEMENTS", LAYOUTS["width buckets"])
    assert _emi(sizes, sizes) == pytest.approx(expected, abs=TOL) and calls


def test_folding_weights_sizes_that_occur_unequally_often(device):
    # 3 and 5 are sizes on both sides, with different multiplicities; 7 and 2 on one side only.
    rows, cols = [3, 3, 5, 7, 2], [5, 5, 3, 2, 2, 3]
    expected = float(exact.expected_mutual_info(rows, cols))
    assert _emi(rows, cols, device) == pytest.approx(expected, abs=TOL)
    assert _emi(cols, rows, device) == pytest.approx(expected, abs=TOL)


@pytest.mark.parametrize("budget", [1, 7, 64])
def test_size_pairs_in_slices_of_a_small_budget(monkeypatch, device, budget):
    # A budget of a few pairs splits the size pairs into many slices, some holding only pairs
    # whose mirrors were kept in an earlier slice: in one table and in groups alike.
    rows, cols = [3, 3, 5, 7, 2, 5], [5, 5, 3, 2, 2, 3, 4, 1]
    expected = float(exact.expected_mutual_info(rows, cols))
    monkeypatch.setattr(_expected_mi, "_PAIR_BUDGET", budget)
    assert _emi(rows, cols, device) == pytest.approx(expected, abs=TOL)
    # Three groups: rows vs cols, the same swapped, and [1, 9] against itself.
    group_rows, group_cols = [rows, cols, [1, 9]], [cols, rows, [1, 9]]

    def grouped(sides):
        sums = torch.tensor([size for side in sides for size in side], device=device)
        ids = torch.tensor([g for g, side in enumerate(sides) for _ in side], device=device)
        return sums, ids

    batched = expected_mutual_info_from_marginals(*grouped(group_rows), *grouped(group_cols), 3)
    assert batched.device.type == torch.device(device).type
    assert batched[0].item() == pytest.approx(expected, abs=TOL)
    assert batched[1].item() == pytest.approx(expected, abs=TOL)
    assert batched[2].item() == pytest.approx(float(exact.expected_mutual_info([1, 9], [1, 9])), abs=TOL)


def test_size_pairs_stay_few_when_one_side_has_few_sizes():
    # 1400 distinct sizes against 10 (all among the 1400): the rows x columns pairs (14,000), not
    # the upper triangle of the 1400 merged sizes (980,700); a table whose sides share all their
    # sizes takes the triangle, about half of its rows x columns pairs.
    def pairs(rows, cols):
        sums = torch.tensor(rows + cols)
        groups = torch.zeros_like(sums)
        merged = _expected_mi._merged_sizes(sums[: len(rows)], groups[: len(rows)],
                                            sums[len(rows):], groups[len(rows):])
        return sum(first.numel() for first, _ in _expected_mi._entry_pairs(merged[1], merged[2], merged[3], 1))

    assert pairs(list(range(1, 1401)), [3, 5, 1000, 1001, 1002, 1003, 1004, 1005, 1006, 1007]) == 14_000
    assert pairs(list(range(1, 101)), list(range(1, 101))) == 100 * 101 // 2


def test_wide_windows_past_the_k_log_k_table_are_exact(monkeypatch):
    rows, cols = [900, 600, 300, 150, 50], [700, 700, 400, 200]
    expected = float(exact.expected_mutual_info(rows, cols))
    assert _emi(rows, cols) == pytest.approx(expected, abs=TOL)
    monkeypatch.setattr(_expected_mi, "_TABLE_LIMIT", 40)  # most windows now compute k log k
    assert _emi(rows, cols) == pytest.approx(expected, abs=TOL)


def test_large_clusters_are_exact():
    rows, cols = [10_000, 6_000, 4_000], [10_000, 5_000, 4_999, 1]
    assert _emi(rows, cols) == pytest.approx(float(exact.expected_mutual_info(rows, cols)), abs=TOL)


def test_one_cluster_side_gives_exactly_zero():
    assert _emi([1000], [1, 2, 3, 994]) == 0.0
    assert _emi([7, 3, 10**6 - 10], [10**6]) == 0.0


def test_groups_equal_separate_tables(device):
    rng = np.random.default_rng(3)
    tables = [torch.from_numpy(rng.integers(0, 6, (5, 7)) * rng.integers(0, 2, (5, 7))) for _ in range(4)]
    tables[1] = tables[0].T.clone()[:5, :5]  # rows and cols share sizes inside one group only
    dense = torch.zeros(4, 7, 7, dtype=torch.long)
    for g, t in enumerate(tables):
        dense[g, : t.shape[0], : t.shape[1]] = t
    table = from_dense(dense.to(device))
    batched = expected_mutual_info_from_marginals(
        table.row_sums, table.row_groups, table.col_sums, table.col_groups, table.num_groups
    )
    for g, t in enumerate(tables):
        rows, cols = t.sum(1), t.sum(0)
        rows, cols = rows[rows > 0].tolist(), cols[cols > 0].tolist()
        if rows:
            assert batched[g].item() == pytest.approx(float(exact.expected_mutual_info(rows, cols)), abs=TOL)


def test_tabulated_reach_never_undercuts_bennett():
    # The tabulated reach t (with its +1 margin for rounding) has Bennett's exponent
    # variance * h(t / variance) >= TAIL, h(x) = (1 + x) log(1 + x) - x (in 50 digits): the window
    # loses no mass. And it is at most a few percent wider than the reach at the variance itself.
    import mpmath

    mpmath.mp.dps = 50
    variance = torch.exp2(torch.linspace(-39.7, 60, 997, dtype=torch.float64))
    reach = _expected_mi._tabulated_reach(variance)
    for var, t in zip(variance.tolist(), reach.tolist()):
        x = mpmath.mpf(t) / var
        assert var * ((1 + x) * mpmath.log1p(x) - x) >= _expected_mi.TAIL
    assert bool((reach <= 1.05 * _expected_mi._bennett_reach(variance)).all())


@pytest.mark.parametrize("shape", [(3, 6, 5), (7, 5), (1, 9)], ids=["batched", "single", "one-row"])
def test_from_cells_matches_from_dense(shape):
    # A single dense table locates its cells (rows, columns) only when asked: the same values.
    rng = np.random.default_rng(5)
    dense = torch.from_numpy(rng.integers(0, 3, shape) * rng.integers(0, 2, shape))
    dense[(0,) * len(shape)] = 1  # at least one cell
    g, r, c = (dense if dense.ndim == 3 else dense.unsqueeze(0)).nonzero(as_tuple=True)
    sparse = from_cells(g, r * 7 - 3, c * 11 + 2, dense.reshape(-1)[dense.reshape(-1) != 0],
                        num_groups=g.max().item() + 1)
    reference = from_dense(dense)
    for field in Table.FIELDS:
        assert torch.equal(torch.as_tensor(getattr(sparse, field)), torch.as_tensor(getattr(reference, field))), field


@given(
    st.integers(1, 4),  # clusterings
    st.integers(0, 300),  # samples
    st.sampled_from([3, 40, 10**6, 10**15]),  # label spread: dense codes up to ranked wide ids
    st.integers(-50, 50),  # label offset (negative labels too)
    st.integers(0, 2**31),
)
def test_sort_free_label_tables_equal_the_sorted_path(num_groups, n, spread, offset, seed):
    # The functional path counts into a histogram of label codes (no sort) unless the ids spread too
    # wide; either way its Table must be the one the sorting pair counts give, field by field.
    from torch_mi._contingency import pair_counts
    from torch_mi._table_inputs import label_table

    gen = torch.Generator().manual_seed(seed)
    target = torch.randint(0, spread, (n,), generator=gen) + offset
    preds = torch.randint(0, spread, (num_groups, n), generator=gen) - offset
    for labels in (preds, preds[0]):
        groups = labels.shape[0] if labels.ndim == 2 else 1
        fast = label_table(labels, target)
        reference = from_cells(*pair_counts(labels, target), num_groups=groups)
        for field in Table.FIELDS:
            assert torch.equal(torch.as_tensor(getattr(fast, field)), torch.as_tensor(getattr(reference, field))), field


def test_batched_scores_do_not_depend_on_the_thread_count(monkeypatch):
    # Blocks of clusterings are scored on a thread pool when torch has 2+ threads: the per-block
    # results must be the same bits as scoring the blocks one after another.
    from torch_mi import _table_inputs
    from torch_mi import functional as F

    monkeypatch.setitem(_table_inputs._BLOCK_LABELS, "cpu", 2 * 500)  # two clusterings per block: 5 blocks
    gen = torch.Generator().manual_seed(3)
    target = torch.randint(0, 7, (500,), generator=gen)
    preds = torch.randint(0, 9, (10, 500), generator=gen)
    before = torch.get_num_threads()
    try:
        torch.set_num_threads(1)
        serial = F.adjusted_mutual_info_score(preds, target), F.adjusted_rand_score(preds, target)
        torch.set_num_threads(2)
        pooled = F.adjusted_mutual_info_score(preds, target), F.adjusted_rand_score(preds, target)
    finally:
        torch.set_num_threads(before)
    for a, b in zip(serial, pooled):
        assert torch.equal(a, b)
    loop = torch.stack([F.adjusted_mutual_info_score(p, target) for p in preds])
    assert torch.allclose(pooled[0], loop, rtol=0, atol=1e-15)


def test_k_log_k_lookups_are_the_values_xlogy_computes():
    # Looked up or computed, a count's k log k has the same bits (so the path never shows), and
    # both are within 1.5 ulp of the exact value.
    from torch_mi._k_log_k import TABLE_SIZE, k_log_k

    rng = np.random.default_rng(5)
    small = torch.from_numpy(rng.integers(0, TABLE_SIZE, 5001))  # long enough for the table
    before = torch.get_num_threads()
    try:
        for threads in (1, 2):
            torch.set_num_threads(threads)
            values = k_log_k(small)
            assert values.dtype == torch.float64 and values.shape == small.shape
            assert torch.equal(values, torch.xlogy(small.double(), small.double()))
            assert torch.equal(k_log_k(small[:7]), values[:7])  # too short to look up: computed
    finally:
        torch.set_num_threads(before)
    large = torch.from_numpy(rng.integers(TABLE_SIZE, 10**12, 5000))  # past the table: xlogy
    for counts in (small, large):
        for k, value in zip(counts.tolist()[:300], k_log_k(counts).tolist()[:300]):
            want = float(mpmath.mpf(k) * mpmath.log(k)) if k else 0.0
            assert value == pytest.approx(want, rel=3.5e-16, abs=0.0), k


def _exact_mi(dense):
    cells = {(t, p): int(c) for (t, p), c in np.ndenumerate(dense) if c}
    rows, cols = dense.sum(axis=1), dense.sum(axis=0)
    n = mpmath.mpf(int(dense.sum()))
    return float(sum(mpmath.mpf(c) / n * mpmath.log(n * c / (mpmath.mpf(int(rows[t])) * int(cols[p])))
                     for (t, p), c in cells.items()))


@pytest.mark.parametrize("largest", [50, 10**6, 10**12], ids=["looked-up", "past-the-table", "dominant-cells"])
def test_mi_of_tables_with_many_cells_is_exact(largest):
    # From K_LOG_K_CELLS cells MI comes from sums of k log k (looked up, or xlogy past the table).
    from torch_mi._information import K_LOG_K_CELLS, mutual_info

    rng = np.random.default_rng(largest % 1000)
    dense = rng.integers(1, 50, (300, 250))
    dense[rng.integers(0, 300, 30), rng.integers(0, 250, 30)] = largest
    assert dense.size >= K_LOG_K_CELLS
    assert mutual_info(from_dense(torch.from_numpy(dense))).item() == pytest.approx(_exact_mi(dense), abs=TOL)


def test_mi_of_an_independent_table_is_exactly_zero_cell_by_cell():
    # Below K_LOG_K_CELLS cells every term is the log of one ratio: an outer product gives log 1 = 0.
    from torch_mi._information import mutual_info

    rows, cols = torch.tensor([1, 2, 3, 7, 11]), torch.tensor([4, 5, 6, 13])
    table = from_dense(torch.outer(rows, cols) * 3)
    assert mutual_info(table).item() == 0.0


def test_batched_tables_of_many_cells_are_summed_cell_by_cell():
    # Per-group sums run in order: sums of k log k that large would lose digits there, so a batch
    # of big tables keeps the cell-by-cell sum (and matches the exact value as closely).
    from torch_mi._information import mutual_info

    rng = np.random.default_rng(9)
    big = torch.from_numpy(rng.integers(0, 9, (300, 250)))  # mostly nonzero: past K_LOG_K_CELLS
    batched = mutual_info(from_dense(torch.stack([big, big.flip(0).T.contiguous().T])))
    exact = _exact_mi(big.numpy())
    assert batched[0].item() == pytest.approx(exact, abs=TOL)  # (2e-13 off through sums of k log k)
    assert batched[1].item() == pytest.approx(exact, abs=TOL)
    assert mutual_info(from_dense(big)).item() == pytest.approx(exact, abs=TOL)


def test_scores_of_counts_and_sums_never_locate_cells(monkeypatch):
    # On a table of many cells MI, NMI, AMI, V-measure and the pair-counting scores read a single
    # table's counts and sums only; locating its cells (a pass per cell) is left to the scores that need it.
    from torch_mi import functional as F

    def refuse(self):
        raise AssertionError("cells located")

    monkeypatch.setattr(Table, "_located", refuse)
    gen = torch.Generator().manual_seed(3)  # over 2^16 cells: MI from sums of k log k, not cell by cell
    target, preds = torch.randint(0, 400, (10**6,), generator=gen), torch.randint(0, 400, (10**6,), generator=gen)
    for score in (F.mutual_info_score, F.normalized_mutual_info_score, F.adjusted_mutual_info_score,
                  F.v_measure_score, F.adjusted_rand_score, F.rand_score, F.fowlkes_mallows_index):
        score(preds, target)
    with pytest.raises(AssertionError, match="cells located"):
        F.cluster_accuracy(preds, target)  # a matching needs them: the refusal is reached


def test_a_table_waiting_to_locate_its_cells_pickles_located():
    import pickle

    table = from_dense(torch.tensor([[2, 0, 1], [0, 0, 0], [0, 0, 3]]))
    copy = pickle.loads(pickle.dumps(table))
    for field in Table.FIELDS:
        assert torch.equal(torch.as_tensor(getattr(copy, field)), torch.as_tensor(getattr(table, field))), field
    assert repr(copy) == "Table(cells=3, rows=2, cols=2, groups=1)"
