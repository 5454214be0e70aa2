"""State that nothing from outside can corrupt: every bad checkpoint, merge or size is refused, unchanged."""

from __future__ import annotations

import copy

import pytest
import torch
import torchmetrics

import torch_mi
from torch_mi import functional as F

PREDS = torch.tensor([0, 1, 2, 3, 3, 1])
TARGET = torch.tensor([0, 1, 1, 2, 3, 3])


def _updated(**kwargs):
    metric = torch_mi.AdjustedMutualInfoScore(**kwargs)
    metric.persistent(True)
    metric.update(PREDS, TARGET)
    return metric


def _snapshot(metric):
    value = getattr(metric, "table" if metric.num_classes is not None else "pairs")
    return copy.deepcopy(value)


def _assert_unchanged(metric, before):
    after = _snapshot(metric)
    if isinstance(before, list):
        assert len(before) == len(after) and all(torch.equal(a, b) for a, b in zip(before, after))
    else:
        assert torch.equal(before, after)
    assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(PREDS, TARGET))


DENSE_CASES = [
    ({"table": torch.zeros(3, 3, dtype=torch.long)}, ValueError,
     r"load_state_dict.*\(4, 4\) table.*got shape \(3, 3\)"),
    ({"table": torch.zeros(4, 4)}, TypeError, r"dtype torch.int64; got torch.float32"),
    ({"table": -torch.ones(4, 4, dtype=torch.long)}, ValueError, r"non-negative; got a minimum of -1"),
    ({"table": [torch.zeros(4, 4, dtype=torch.long)]}, TypeError, r"as a tensor; got list"),
    ({"pairs": [torch.zeros(0, 4, dtype=torch.long)]}, ValueError,
     r"holds a sparse pair list.*construct it with the num_classes"),
]


@pytest.mark.parametrize(
    "state, error, match", DENSE_CASES, ids=["shape", "float", "negative", "list", "sparse-into-dense"]
)
def test_dense_load_state_dict_refuses_corrupt_tables(state, error, match):
    metric = _updated(num_classes=4)
    before = _snapshot(metric)
    with pytest.raises(error, match=match):
        metric.load_state_dict(state)
    _assert_unchanged(metric, before)


SPARSE_CASES = [
    ({"pairs": [torch.zeros(3, 3, dtype=torch.long)]}, ValueError, r"block of shape \(3, 3\)"),
    ({"pairs": [torch.zeros(2, 4)]}, TypeError, r"dtype torch.int64; got torch.float32"),
    ({"pairs": [torch.tensor([[0, 1, 1, -5]])]}, ValueError, r"non-negative; got a minimum of -5"),
    ({"pairs": [torch.tensor([[3, 1, 1, 5]])]}, ValueError, r"group ids must lie in \[0, 1\).*from 3 to 3"),
    ({"pairs": "x"}, TypeError, r"as tensors; got str"),
    ({"table": torch.zeros(4, 4, dtype=torch.long)}, ValueError,
     r"holds a dense table.*construct it with the num_classes"),
]


@pytest.mark.parametrize(
    "state, error, match", SPARSE_CASES, ids=["shape", "float", "negative", "group", "str", "dense-into-sparse"]
)
def test_sparse_load_state_dict_refuses_corrupt_blocks(state, error, match):
    metric = _updated()
    before = _snapshot(metric)
    with pytest.raises(error, match=match):
        metric.load_state_dict(state)
    _assert_unchanged(metric, before)


def test_a_good_checkpoint_still_loads_in_both_modes():
    for kwargs in ({"num_classes": 4}, {}):
        source = _updated(**kwargs)
        target = torch_mi.AdjustedMutualInfoScore(**kwargs)
        target.load_state_dict(source.state_dict())
        assert torch.equal(target.compute(), source.compute())


@pytest.mark.parametrize(
    "incoming, match",
    [
        (lambda: _updated(), r"Cannot merge a metric holding sparse.*into one holding a dense \(4, 4\) table"),
        (lambda: _updated(num_classes=5),
         r"Cannot merge a metric holding a dense \(5, 5\) table.*into one holding a dense \(4, 4\)"),
        (lambda: {"table": torch.ones(3, 3, dtype=torch.long)},
         r"merge_state: expected a dense \(4, 4\) table.*got shape \(3, 3\)"),
        (lambda: {"pairs": [torch.zeros(0, 4, dtype=torch.long)]},
         r"merge_state: expected a dict with the key 'table'"),
        (lambda: {"table": torch.full((4, 4), -1)}, r"merge_state: counts must be non-negative"),
    ],
    ids=["sparse-into-dense", "other-shape", "dict-shape", "dict-key", "dict-negative"],
)
def test_merge_state_refuses_mismatched_states(incoming, match):
    metric = _updated(num_classes=4)
    before = _snapshot(metric)
    with pytest.raises(ValueError, match=match):
        metric.merge_state(incoming())
    _assert_unchanged(metric, before)


def test_merge_of_dense_into_sparse_is_refused():
    metric = _updated()
    before = _snapshot(metric)
    with pytest.raises(ValueError,
                       match=r"Cannot merge a metric holding a dense \(4, 4\) table.*into one holding sparse"):
        metric.merge_state(_updated(num_classes=4))
    _assert_unchanged(metric, before)


def test_a_huge_dense_table_is_refused_up_front_naming_the_sparse_mode():
    with pytest.raises(ValueError,
                       match=r"num_classes=\(10000000, 10000000\).*GiB.*num_classes=None for the sparse state"):
        torch_mi.AdjustedMutualInfoScore(num_classes=10**7)
    with pytest.raises(ValueError, match=r"dense table of 1,000,000,000 int64 cells"):
        torch_mi.MutualInfoScore(num_classes=(1000, 1000), num_clusterings=1000)


@pytest.mark.parametrize("num_classes", [None, 4])
def test_batched_preds_with_no_clustering_is_a_clear_error(num_classes):
    metric = torch_mi.MutualInfoScore(num_classes=num_classes, num_clusterings=2)
    with pytest.raises(ValueError, match=r"at least one clustering; got shape \(0, 6\)"):
        metric.update(torch.zeros(0, 6, dtype=torch.long), TARGET)
    with pytest.raises(ValueError, match=r"at least one clustering"):
        F.mutual_info_score(torch.zeros(0, 6, dtype=torch.long), TARGET)


def test_merge_state_refuses_other_objects():
    metric = _updated(num_classes=4)
    before = _snapshot(metric)
    for expected in (TypeError, ValueError):  # ValueError: what torchmetrics raises for another class
        with pytest.raises(expected, match=r"merge_state: expected a torch_mi metric or a state dict; got SumMetric"):
            metric.merge_state(torchmetrics.SumMetric())
    _assert_unchanged(metric, before)


def test_a_sparse_state_merges_from_a_bare_block_as_from_a_list():
    for incoming in ({"pairs": _updated().pairs[0]}, {"pairs": list(_updated().pairs)}):
        metric = _updated()
        metric.merge_state(incoming)
        doubled = torch.cat([PREDS, PREDS]), torch.cat([TARGET, TARGET])
        assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(*doubled))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("kwargs", [{"num_classes": 4}, {}], ids=["dense", "sparse"])
def test_state_from_another_device_is_moved_to_the_metrics(kwargs):
    expected = F.adjusted_mutual_info_score(torch.cat([PREDS] * 3), torch.cat([TARGET] * 3)).item()
    # A CPU checkpoint loaded into a CUDA metric, then a merge from a CPU metric, then a CUDA update.
    metric = torch_mi.AdjustedMutualInfoScore(**kwargs).to("cuda")
    metric.load_state_dict(_updated(**kwargs).state_dict())
    metric.merge_state(_updated(**kwargs))
    metric.update(PREDS.cuda(), TARGET.cuda())
    value = metric.compute()
    assert value.device.type == "cuda" and value.item() == pytest.approx(expected, abs=1e-15)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_sparse_state_with_compute_on_cpu_keeps_counting_on_cuda():
    # torchmetrics moves list states to the CPU after every update; the next CUDA block joins them.
    metric = torch_mi.AdjustedMutualInfoScore(compute_on_cpu=True).to("cuda")
    gen = torch.Generator().manual_seed(0)
    preds, target = torch.randint(0, 50, (20_000,), generator=gen), torch.randint(0, 40, (20_000,), generator=gen)
    for chunk in range(0, 20_000, 1000):  # enough rows appended to trigger compaction
        metric.update(preds[chunk : chunk + 1000].cuda(), target[chunk : chunk + 1000].cuda())
    assert metric.compute().item() == pytest.approx(F.adjusted_mutual_info_score(preds, target).item(), abs=1e-15)


@pytest.mark.parametrize("num_classes", [None, 2])
@pytest.mark.parametrize("how", ["merge_state", "load_state_dict"])
def test_compute_after_a_merge_or_load_scores_the_new_table(how, num_classes):
    # compute() caches its value; a table changed from outside must not be answered from that cache.
    ours = torch_mi.NormalizedMutualInfoScore(num_classes=num_classes)
    theirs = torch_mi.NormalizedMutualInfoScore(num_classes=num_classes)
    ours.persistent(True)
    theirs.persistent(True)
    ours.update(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 0, 1]))
    theirs.update(torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 1]))
    assert ours.compute() == 0.0
    if how == "merge_state":
        ours.merge_state(theirs)
        expected = F.normalized_mutual_info_score(torch.tensor([0, 0, 1, 1, 0, 0, 1, 1]),
                                                  torch.tensor([0, 1, 0, 1, 0, 0, 1, 1]))
    else:
        ours.load_state_dict(theirs.state_dict())
        expected = torch.tensor(1.0, dtype=torch.float64)
    assert ours.compute() == expected
