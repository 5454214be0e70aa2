"""Counting label pairs: every coding path (offset, shifted, rank, row sort) gives the same counts."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st

from torch_mi._contingency import _aggregate_rows, aggregate_pairs, count_batch, dense_counts, dense_method, pair_counts


def _as_counter(pairs):
    return Counter(
        {(g, t, p): c
         for g, t, p, c in zip(*(x.tolist() for x in (pairs.groups, pairs.target, pairs.preds, pairs.counts)))}
    )


@pytest.mark.parametrize(
    "offset_t, offset_p, spread",
    [(0, 0, 1), (-(10**15), 10**15, 1), (10**15, -(10**15), 10**9), (-5, 3, 10**12), (2**62, -(2**62), 1)],
    ids=["small", "far-from-zero", "wide-both", "wide-ids", "near-int64-limits"],
)
def test_pair_counts_every_label_range(offset_t, offset_p, spread):
    rng = np.random.default_rng(0)
    target = torch.from_numpy(rng.integers(0, 30, 5000) * spread + offset_t)
    preds = torch.from_numpy(rng.integers(0, 20, 5000) * spread + offset_p)
    expected = Counter(zip([0] * 5000, target.tolist(), preds.tolist()))
    pairs = pair_counts(preds, target)
    assert _as_counter(pairs) == expected
    keys = list(zip(pairs.target.tolist(), pairs.preds.tolist()))
    assert keys == sorted(keys)  # sorted by (target, pred): the Table's canonical cell order


@given(st.integers(0, 2**32 - 1), st.integers(0, 300))
def test_row_sort_fallback_agrees_with_keyed_aggregation(seed, n):
    rng = np.random.default_rng(seed)
    groups, target, preds = (torch.from_numpy(rng.integers(-3, 4, n)) for _ in range(3))
    groups = groups.abs()
    counts = torch.from_numpy(rng.integers(0, 5, n))
    keyed = aggregate_pairs(target, preds, counts=counts, groups=groups)
    sorted_rows = _aggregate_rows(torch.stack([groups, target, preds], dim=1), counts)
    for a, b in zip(keyed, sorted_rows):
        assert torch.equal(a, b)
    assert bool((keyed.counts > 0).all())


def test_batched_pair_counts_group_by_row():
    target = torch.tensor([0, 0, 1])
    preds = torch.tensor([[5, 5, 6], [7, 8, 8]])
    assert _as_counter(pair_counts(preds, target)) == Counter(
        {(0, 0, 5): 2, (0, 1, 6): 1, (1, 0, 7): 1, (1, 0, 8): 1, (1, 1, 8): 1}
    )


def test_dense_counts_with_weights_and_batches():
    target = torch.tensor([0, 1, 1, 2])
    preds = torch.tensor([1, 1, 0, 0])
    table = dense_counts(preds, target, 3, 2, weights=torch.tensor([1, 1, 0, 1]))
    assert table.tolist() == [[0, 1], [0, 1], [1, 0]]
    batched = dense_counts(torch.stack([preds, 1 - preds]), target, 3, 2)
    assert batched[1].tolist() == [[1, 0], [1, 1], [0, 1]]


@given(
    seed=st.integers(0, 2**32 - 1),
    shape=st.tuples(st.integers(1, 30), st.integers(1, 30)),
    groups=st.none() | st.integers(1, 4),
    n=st.integers(0, 2000),
    ignore=st.none() | st.sampled_from([-1, 0, 7]),
    start=st.integers(0, 3),
)
def test_every_cpu_dense_counting_method_counts_the_same(seed, shape, groups, n, ignore, start):
    rows, cols = shape
    rng = np.random.default_rng(seed)
    target = torch.from_numpy(rng.integers(0, rows, n))
    preds = torch.from_numpy(rng.integers(0, cols, n if groups is None else (groups, n)))
    if ignore is not None:
        target[torch.from_numpy(rng.random(n) < 0.3)] = ignore
    kept = target != ignore if ignore is not None else torch.ones(n, dtype=torch.bool)
    rows_of_preds = preds.reshape(groups or 1, n)[:, kept]
    expected = torch.stack([torch.bincount(target[kept] * cols + row, minlength=rows * cols) for row in rows_of_preds])
    expected = expected.view((rows, cols) if groups is None else (groups, rows, cols)) + start
    for method in ("scatter", "chunked"):
        out = torch.full(expected.shape, start, dtype=torch.long)
        assert count_batch(preds, target, rows, cols, out=out, ignore_index=ignore, method=method) is out
        assert torch.equal(out, expected), method


@pytest.mark.parametrize("keys_per_bin", [0, 4], ids=["chunks-of-any-size", "bincount-sized-chunks"])
@pytest.mark.parametrize("ignore", [None, -3])
def test_the_cpu_counts_in_chunks_of_any_size(monkeypatch, keys_per_bin, ignore):
    # keys_per_bin=0 lets chunks be as small as asked and counts each by bincount; the default (4)
    # makes chunks of 4 x 90 keys here, counted by bincount, and a shorter last one by index_add_.
    # With ignore_index every chunk is as asked, counted by index_add_.
    from torch_mi import _contingency

    assert dense_method(torch.device("cpu"), 10**6) == "chunked"
    monkeypatch.setattr(_contingency, "_KEYS_PER_BIN", keys_per_bin)
    gen = torch.Generator().manual_seed(1)
    target = torch.randint(0, 5, (1001,), generator=gen)
    target[::9] = -3 if ignore is not None else 0
    preds = torch.randint(0, 6, (3, 1001), generator=gen)
    expected = count_batch(preds, target, 5, 6, out=torch.zeros(3, 5, 6, dtype=torch.long), ignore_index=ignore,
                           method="scatter")
    for chunk in (1, 7, 1000, 3003, 10**6):  # a chunk holds chunk // 3 samples of each clustering
        monkeypatch.setitem(_contingency._DENSE_CHUNK, "cpu", chunk)
        out = torch.ones(3, 5, 6, dtype=torch.long)  # counts are added to what the table holds
        assert torch.equal(
            count_batch(preds, target, 5, 6, out=out, ignore_index=ignore, method="chunked"), expected + 1
        ), chunk


@pytest.mark.parametrize("keys_per_bin, max_chunk", [(0, 0), (4, 0), (4, 1 << 22)],
                         ids=["chunks-of-any-size", "bincount-sized-chunks", "all-keys-at-once"])
@pytest.mark.parametrize("groups", [None, 3])
def test_code_histograms_count_in_chunks_of_any_size(monkeypatch, keys_per_bin, max_chunk, groups):
    from torch_mi import _contingency

    monkeypatch.setattr(_contingency, "_KEYS_PER_BIN", keys_per_bin)
    monkeypatch.setattr(_contingency, "_MAX_CHUNK_KEYS", max_chunk)
    gen = torch.Generator().manual_seed(2)
    target = torch.randint(-2, 5, (1001,), generator=gen)  # codes are labels + 2
    preds = torch.randint(3, 9, (1001,) if groups is None else (groups, 1001), generator=gen)
    rows = preds.reshape(-1, 1001)
    expected = torch.stack([torch.bincount((target + 2) * 6 + row - 3, minlength=42) for row in rows]).view(-1, 7, 6)
    for chunk in (1, 7, 1000, 3003, 10**6):
        monkeypatch.setitem(_contingency._COUNT_CHUNK, "cpu", chunk)
        assert torch.equal(_contingency.code_histogram(preds, target), expected), chunk


def test_a_count_keeps_its_working_memory_small_unless_bincount_uses_it():
    from torch_mi._contingency import _DENSE_CHUNK, _chunk_samples

    cpu, chunk = torch.device("cpu"), _DENSE_CHUNK["cpu"]
    # A batch too small to fill bincount-sized chunks, ignore_index, or a huge table: cache-sized chunks.
    assert _chunk_samples(cpu, 20, 10**6, 10**6, _DENSE_CHUNK) == chunk // 20
    assert _chunk_samples(cpu, 1, 10**4, 10**8, _DENSE_CHUNK, bincount=False) == chunk
    assert _chunk_samples(cpu, 1, 10**8, 10**9, _DENSE_CHUNK) == chunk
    # A large batch into a table bincount can count: 4 keys a bin, at most 2^22 keys.
    assert _chunk_samples(cpu, 1, 10**6, 10**7, _DENSE_CHUNK) == 4 * 10**6
    assert _chunk_samples(cpu, 1, 10**6, 10**6, _DENSE_CHUNK, fresh=True) == 10**6
    assert _chunk_samples(torch.device("cuda"), 1, 100, 10**8, {"cuda": 1 << 22}) == 1 << 22
