"""The Metric classes: streaming, forward, reset, checkpoints, merging, collections, bad input."""

from __future__ import annotations

import copy
import io
import pickle

import numpy as np
import pytest
import torch
from hypothesis import given
from hypothesis import strategies as st
from torchmetrics import MetricCollection

import torch_mi
from strategies import labelings
from torch_mi import functional as F

CLASSES = {
    torch_mi.MutualInfoScore: F.mutual_info_score,
    torch_mi.NormalizedMutualInfoScore: F.normalized_mutual_info_score,
    torch_mi.AdjustedMutualInfoScore: F.adjusted_mutual_info_score,
    torch_mi.HomogeneityScore: F.homogeneity_score,
    torch_mi.CompletenessScore: F.completeness_score,
    torch_mi.VMeasureScore: F.v_measure_score,
    torch_mi.AdjustedRandScore: F.adjusted_rand_score,
    torch_mi.RandScore: F.rand_score,
    torch_mi.FowlkesMallowsIndex: F.fowlkes_mallows_index,
    torch_mi.ClusterAccuracy: F.cluster_accuracy,
    torch_mi.VariationOfInformation: F.variation_of_information,
    torch_mi.PurityScore: F.purity_score,
    torch_mi.BCubedPrecision: F.bcubed_precision,
    torch_mi.BCubedRecall: F.bcubed_recall,
    torch_mi.BCubedFScore: F.bcubed_fscore,
    torch_mi.PairwisePrecision: F.pairwise_precision,
    torch_mi.PairwiseRecall: F.pairwise_recall,
    torch_mi.PairwiseFScore: F.pairwise_fscore,
    torch_mi.PairJaccardIndex: F.pair_jaccard_index,
}
MODES = {"sparse": None, "dense": (11, 7)}


def _data(n=3000, seed=0, k_target=11, k_preds=7):
    rng = np.random.default_rng(seed)
    target = torch.from_numpy(rng.integers(0, k_target, n))
    preds = torch.where(torch.from_numpy(rng.random(n) < 0.4), target % k_preds,
                        torch.from_numpy(rng.integers(0, k_preds, n)))
    return preds, target


def _batches(preds, target, sizes):
    start = 0
    for size in sizes:
        yield preds[..., start : start + size], target[start : start + size]
        start += size


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", MODES)
def test_streaming_equals_functional_bit_for_bit(cls, mode, device):
    preds, target = (x.to(device) for x in _data())
    metric = cls(num_classes=MODES[mode]).to(device)
    for p, t in _batches(preds, target, [1, 0, 500, 1499, 1000]):
        metric.update(p, t)
    value = metric.compute()
    assert value.dtype == torch.float64 and value.ndim == 0 and value.device.type == device
    assert torch.equal(value, CLASSES[cls](preds, target))


@given(labelings(max_samples=300, max_clusters=20), st.lists(st.integers(0, 60), max_size=8))
def test_streaming_any_split_equals_functional(pair, cuts):
    target, preds = (torch.from_numpy(x) for x in pair)
    metric = torch_mi.AdjustedMutualInfoScore()
    bounds = sorted({0, len(target), *(c % (len(target) + 1) for c in cuts)})
    for lo, hi in zip(bounds, bounds[1:]):
        metric.update(preds[lo:hi], target[lo:hi])
    assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(preds, target))


def test_dense_and_sparse_modes_agree():
    preds, target = _data()
    sparse = torch_mi.AdjustedMutualInfoScore()
    dense = torch_mi.AdjustedMutualInfoScore(num_classes=(11, 7))
    for p, t in _batches(preds, target, [700, 2300]):
        sparse.update(p, t)
        dense.update(p, t)
    assert torch.equal(sparse.compute(), dense.compute())


@pytest.mark.parametrize("mode", MODES)
def test_forward_returns_batch_value_and_accumulates(mode):
    preds, target = _data()
    metric = torch_mi.NormalizedMutualInfoScore(num_classes=MODES[mode])
    first = metric(preds[:1000], target[:1000])
    assert torch.equal(first, F.normalized_mutual_info_score(preds[:1000], target[:1000]))
    second = metric(preds[1000:], target[1000:])
    assert torch.equal(second, F.normalized_mutual_info_score(preds[1000:], target[1000:]))
    assert torch.equal(metric.compute(), F.normalized_mutual_info_score(preds, target))


@pytest.mark.parametrize("cls", CLASSES)
@pytest.mark.parametrize("mode", MODES)
def test_results_are_ordinary_tensors_and_the_state_stays_writable(cls, mode):
    # compute() runs the score in inference mode: its results must be ordinary tensors (changed in
    # place, used in autograd), and the state must stay an ordinary tensor that update() can add to.
    # (Recent torchmetrics clone compute()'s result anyway; the lowest supported one does not.)
    preds, target = _data(n=500)
    metric = cls(num_classes=MODES[mode])
    batch_value = metric(preds[:200], target[:200])  # forward(): the batch's own value
    metric.update(preds[200:], target[200:])
    value = metric.compute()
    weight = torch.ones((), dtype=torch.float64, requires_grad=True)
    for result in (batch_value, value):
        assert not result.is_inference()
        (weight * result).backward()
        result.add_(1)
    assert weight.grad is not None
    for state in (getattr(metric, name) for name in metric._defaults):
        assert not any(tensor.is_inference() for tensor in (state if isinstance(state, list) else [state]))
    metric.update(preds, target)
    assert torch.equal(metric.compute(), CLASSES[cls](torch.cat([preds, preds]), torch.cat([target, target])))


@pytest.mark.parametrize("mode", MODES)
def test_reset_clears_the_table(mode):
    preds, target = _data()
    metric = torch_mi.MutualInfoScore(num_classes=MODES[mode])
    metric.update(preds, target)
    metric.reset()
    metric.update(preds[:10], target[:10])
    assert torch.equal(metric.compute(), F.mutual_info_score(preds[:10], target[:10]))


@pytest.mark.parametrize("mode", MODES)
def test_state_dict_round_trips_mid_stream(mode, tmp_path):
    preds, target = _data()
    metric = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode])
    metric.persistent(True)
    metric.update(preds[:1200], target[:1200])
    torch.save(metric.state_dict(), tmp_path / "metric.pt")

    resumed = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode])
    resumed.persistent(True)
    resumed.load_state_dict(torch.load(tmp_path / "metric.pt"))
    resumed.update(preds[1200:], target[1200:])
    metric.update(preds[1200:], target[1200:])
    assert torch.equal(resumed.compute(), F.adjusted_mutual_info_score(preds, target))
    assert torch.equal(resumed.compute(), metric.compute())


def test_state_is_not_persistent_by_default():
    metric = torch_mi.MutualInfoScore(num_classes=3)
    assert metric.state_dict() == {}


@pytest.mark.parametrize("mode", MODES)
def test_merge_state_of_two_metrics(mode):
    preds, target = _data()
    a = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode])
    b = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode])
    a.update(preds[:100], target[:100])
    b.update(preds[100:], target[100:])
    a.merge_state(b)
    assert torch.equal(a.compute(), F.adjusted_mutual_info_score(preds, target))


@pytest.mark.parametrize("mode", MODES)
def test_clone_pickle_and_deepcopy_keep_state(mode):
    preds, target = _data()
    metric = torch_mi.NormalizedMutualInfoScore(num_classes=MODES[mode], average_method="max")
    metric.update(preds, target)
    expected = F.normalized_mutual_info_score(preds, target, average_method="max")
    for copy_ in (metric.clone(), pickle.loads(pickle.dumps(metric)), copy.deepcopy(metric)):
        assert torch.equal(copy_.compute(), expected)
        copy_.update(preds[:5], target[:5])  # the copy is independent
    assert torch.equal(metric.compute(), expected)


@pytest.mark.parametrize("mode", MODES)
def test_to_device_moves_the_state(mode, device):
    preds, target = _data()
    metric = torch_mi.MutualInfoScore(num_classes=MODES[mode])
    metric.update(preds[:100], target[:100])
    metric = metric.to(device)
    metric.update(preds[100:].to(device), target[100:].to(device))
    assert metric.compute().device.type == device
    assert metric.compute().item() == pytest.approx(F.mutual_info_score(preds, target).item(), abs=1e-15)


@pytest.mark.parametrize("mode", MODES)
def test_collection_updates_one_table_per_batch(mode):
    preds, target = _data()
    collection = MetricCollection(
        {cls.__name__: cls(num_classes=MODES[mode]) for cls in CLASSES}, compute_groups=True
    )
    for p, t in _batches(preds, target, [1000, 2000]):
        collection.update(p, t)
    # torchmetrics found that all of them keep the same state: one group, one table updated per batch.
    assert len(collection.compute_groups) == 1
    values = collection.compute()
    for cls, functional in CLASSES.items():
        assert torch.equal(values[cls.__name__], functional(preds, target))


@pytest.mark.parametrize("mode", MODES)
def test_collection_members_with_different_ignore_index_count_apart(mode):
    # The first batch has no ignored target, so every member's table is equal after it: torchmetrics
    # would put them in one group, which then counts the later batches with one member's ignore_index.
    preds, target = _data()
    target = target.clone()
    target[1500:1700] = 0  # in range for the dense mode; ignored by two of the members below
    members = {"kept": None, "zero": 0, "minus_one": -1}
    collection = MetricCollection(
        {name: torch_mi.AdjustedRandScore(num_classes=MODES[mode], ignore_index=ignore)
         for name, ignore in members.items()},
        compute_groups=True,
    )
    clean = target[:1000] != 0
    collection.update(preds[:1000][clean], target[:1000][clean])
    collection.update(preds[1000:], target[1000:])
    assert sorted(sorted(group) for group in collection.compute_groups.values()) == [["kept"], ["minus_one"], ["zero"]]
    kept_preds = torch.cat([preds[:1000][clean], preds[1000:]])
    kept_target = torch.cat([target[:1000][clean], target[1000:]])
    values = collection.compute()
    for name, ignore in members.items():
        kept = torch.ones_like(kept_target, dtype=torch.bool) if ignore is None else kept_target != ignore
        assert torch.equal(values[name], F.adjusted_rand_score(kept_preds[kept], kept_target[kept]))


def test_collection_members_with_the_same_ignore_index_share_a_table():
    preds, target = _data()
    collection = MetricCollection(
        {"nmi": torch_mi.NormalizedMutualInfoScore(ignore_index=0), "ari": torch_mi.AdjustedRandScore(ignore_index=0)},
        compute_groups=True,
    )
    collection.update(preds, target)
    assert sorted(map(sorted, collection.compute_groups.values())) == [["ari", "nmi"]]


def test_feature_metrics_with_different_bin_edges_count_apart():
    from torch_mi.feature_selection import bin_edges

    g = torch.Generator().manual_seed(0)
    X = torch.randn(400, 3, generator=g, dtype=torch.float64)
    uniform, shifted = bin_edges(X, bins=4), bin_edges(X, bins=4) + 0.5
    # A first batch of one sample fills the same cell whatever the edges, so only the name can tell.
    one = torch.full((1, 3), -1e6, dtype=torch.float64)  # below every edge: the first bin of each
    collection = MetricCollection(
        {"uniform": torch_mi.FeatureMutualInfo(3, bin_edges=uniform, num_classes=(2, 4)),
         "same_edges": torch_mi.FeatureMutualInfo(3, bin_edges=uniform.clone(), num_classes=(2, 4)),
         "other": torch_mi.FeatureMutualInfo(3, bin_edges=shifted, num_classes=(2, 4))},
        compute_groups=True,
    )
    collection.update(one, torch.zeros(1, dtype=torch.long))
    groups = sorted(sorted(group) for group in collection.compute_groups.values())
    assert groups == [["other"], ["same_edges", "uniform"]]


def test_the_counting_marker_is_neither_saved_nor_cast():
    metric = torch_mi.AdjustedRandScore(num_classes=3, ignore_index=-1)
    metric.persistent(True)
    assert list(metric.state_dict()) == ["table"]
    metric.set_dtype(torch.float16)
    assert all(getattr(metric, name).dtype == torch.long for name in metric._defaults)


def test_log_base_on_mutual_info_metric():
    preds, target = _data()
    metric = torch_mi.MutualInfoScore(log_base=2)
    metric.update(preds, target)
    assert torch.equal(metric.compute(), F.mutual_info_score(preds, target, log_base=2))


@pytest.mark.parametrize("mode", MODES)
def test_ignore_index_drops_samples(mode):
    preds, target = _data()
    target = target.clone()
    target[::5] = 10  # a void class
    metric = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode], ignore_index=10)
    for p, t in _batches(preds, target, [999, 2001]):
        metric.update(p, t)
    kept = target != 10
    assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(preds[kept], target[kept]))


def test_ignore_index_outside_dense_range_is_allowed():
    metric = torch_mi.MutualInfoScore(num_classes=3, ignore_index=255)
    metric.update(torch.tensor([0, 1, 2, 7]), torch.tensor([0, 1, 2, 255]))
    assert torch.equal(metric.compute(), F.mutual_info_score([0, 1, 2], [0, 1, 2]))


# (higher_is_better, plot_lower_bound, plot_upper_bound) per class: what the score can really take.
BOUNDS = {
    torch_mi.MutualInfoScore: (True, 0.0, None),  # MI is bounded by the entropies, not 1
    torch_mi.NormalizedMutualInfoScore: (True, 0.0, 1.0),
    torch_mi.AdjustedMutualInfoScore: (True, None, 1.0),  # AMI can be negative without bound
    torch_mi.HomogeneityScore: (True, 0.0, 1.0),
    torch_mi.CompletenessScore: (True, 0.0, 1.0),
    torch_mi.VMeasureScore: (True, 0.0, 1.0),
    torch_mi.AdjustedRandScore: (True, -0.5, 1.0),
    torch_mi.RandScore: (True, 0.0, 1.0),
    torch_mi.FowlkesMallowsIndex: (True, 0.0, 1.0),
    torch_mi.ClusterAccuracy: (True, 0.0, 1.0),
    torch_mi.VariationOfInformation: (False, 0.0, None),  # a distance: lower is better, up to log n
    torch_mi.PurityScore: (True, 0.0, 1.0),
    torch_mi.BCubedPrecision: (True, 0.0, 1.0),
    torch_mi.BCubedRecall: (True, 0.0, 1.0),
    torch_mi.BCubedFScore: (True, 0.0, 1.0),
    torch_mi.PairwisePrecision: (True, 0.0, 1.0),
    torch_mi.PairwiseRecall: (True, 0.0, 1.0),
    torch_mi.PairwiseFScore: (True, 0.0, 1.0),
    torch_mi.PairJaccardIndex: (True, 0.0, 1.0),
}


@pytest.mark.parametrize("cls", CLASSES)
def test_class_attributes_are_truthful(cls):
    assert cls.is_differentiable is False and cls.full_state_update is False
    assert (cls.higher_is_better, cls.plot_lower_bound, cls.plot_upper_bound) == BOUNDS[cls]


def test_sparse_state_grows_with_distinct_pairs_not_samples_or_updates():
    metric = torch_mi.MutualInfoScore()
    rng = np.random.default_rng(0)
    for _ in range(3000):  # many tiny updates: compaction must keep the state small
        metric.update(torch.from_numpy(rng.integers(0, 5, 3)), torch.from_numpy(rng.integers(0, 4, 3)))
    rows = sum(block.shape[0] for block in metric.pairs)
    assert rows <= 2 * 20 + 4096 and len(metric.pairs) <= 4096
    for _ in range(20):
        metric.update(torch.from_numpy(rng.integers(0, 5, 100_000)), torch.from_numpy(rng.integers(0, 4, 100_000)))
    assert sum(block.shape[0] for block in metric.pairs) <= 2 * 20 + 4096


def test_dense_state_has_the_table_shape():
    metric = torch_mi.AdjustedMutualInfoScore(num_classes=(4, 6))
    metric.update(torch.randint(0, 6, (10_000,)), torch.randint(0, 4, (10_000,)))
    assert metric.table.shape == (4, 6) and metric.table.dtype == torch.long and int(metric.table.sum()) == 10_000


def test_contingency_matrix_of_the_accumulated_state():
    sparse = torch_mi.MutualInfoScore()
    sparse.update([10, 10, 30], [-1, 5, 5])
    table, rows, cols = sparse.contingency_matrix(return_labels=True)
    assert table.tolist() == [[1, 0], [1, 1]] and rows.tolist() == [-1, 5] and cols.tolist() == [10, 30]
    dense = torch_mi.MutualInfoScore(num_classes=3)
    dense.update([0, 0, 2], [1, 2, 2])
    assert dense.contingency_matrix().tolist() == [[0, 0, 0], [1, 0, 0], [1, 0, 1]]


# ------------------------------------------------------------------------------ rejected input
def _state(metric):
    return {name: copy.deepcopy(getattr(metric, name)) for name in metric._defaults}


def _same_state(a, b):
    for name in a:
        x, y = a[name], b[name]
        if isinstance(x, list):
            assert len(x) == len(y) and all(torch.equal(u, v) for u, v in zip(x, y))
        else:
            assert torch.equal(x, y)


@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize(
    "preds, target, error, match",
    [
        (torch.tensor([0.0, 1.0]), torch.tensor([0, 1]), TypeError, r"`preds` must hold integer"),
        (torch.tensor([0, 1]), torch.tensor([0, 1, 1]), ValueError, r"same samples"),
        (torch.tensor([[0, 1]]), torch.tensor([0, 1]), ValueError, r"`preds` must be 1-D"),
        (torch.tensor([0, 1]), torch.tensor([[0, 1]]), ValueError, r"`target` must be 1-D"),
    ],
)
def test_rejected_update_leaves_state_unchanged(mode, preds, target, error, match):
    metric = torch_mi.AdjustedMutualInfoScore(num_classes=MODES[mode])
    metric.update(*_data(100))
    before = _state(metric)
    with pytest.raises(error, match=match):
        metric.update(preds, target)
    _same_state(before, _state(metric))
    assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(*_data(100)))


@pytest.mark.parametrize(
    "preds, target, match",
    [
        ([0, 7], [0, 1], r"`preds` must hold labels in \[0, 7\) for num_classes=7; found labels from 7 to 7"),
        ([0, 1], [-1, 1], r"`target` must hold labels in \[0, 11\).*from -1 to -1"),
        ([0, 1], [0, 11], r"`target`.*from 11 to 11"),
    ],
)
def test_dense_labels_out_of_range_are_rejected_without_change(preds, target, match):
    metric = torch_mi.NormalizedMutualInfoScore(num_classes=(11, 7))
    metric.update(*_data(100))
    before = _state(metric)
    with pytest.raises(ValueError, match=match):
        metric.update(torch.tensor(preds), torch.tensor(target))
    _same_state(before, _state(metric))


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_classes": 0}, ValueError, r"`num_classes` must be None, a positive int, or a pair.*got 0"),
        ({"num_classes": 2.0}, TypeError, r"`num_classes`.*got 2.0"),
        ({"num_classes": (3, -1)}, ValueError, r"`num_classes`.*\(3, -1\)"),
        ({"num_classes": (1, 2, 3)}, ValueError, r"`num_classes`"),
        ({"num_classes": True}, TypeError, r"`num_classes`"),
        ({"ignore_index": 1.5}, TypeError, r"`ignore_index` must be an int or None; got 1.5"),
        ({"ignore_index": "void"}, TypeError, r"`ignore_index`"),
        ({"num_clusterings": 0}, ValueError, r"`num_clusterings` must be an int >= 1 or None; got 0"),
        ({"validate_args": "yes"}, TypeError, r"`validate_args` must be a bool"),
        ({"average_method": "mean"}, ValueError, r"`average_method` must be one of"),
    ],
)
def test_bad_constructor_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        torch_mi.AdjustedMutualInfoScore(**kwargs)


def test_bad_log_base_on_metric():
    with pytest.raises(ValueError, match=r"`log_base`"):
        torch_mi.MutualInfoScore(log_base=1)


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_labels_on_another_device_than_the_state():
    metric = torch_mi.MutualInfoScore(num_classes=3)
    with pytest.raises(ValueError, match=r"labels are on cuda.*state is on cpu"):
        metric.update(torch.tensor([0, 1]).cuda(), torch.tensor([0, 1]).cuda())


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_dense_update_without_validation_never_synchronizes():
    metric = torch_mi.MutualInfoScore(num_classes=100, validate_args=False, ignore_index=7).cuda()
    preds, target = torch.randint(0, 100, (2, 10**6), device="cuda")
    metric.update(preds, target)  # warm-up allocations outside the checked region
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        metric.update(preds, target)
    finally:
        torch.cuda.set_sync_debug_mode("default")


@pytest.mark.parametrize("cls", CLASSES)
def test_plot_draws_the_value(cls):
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    preds, target = _data(200)
    metric = cls()
    metric.update(preds, target)
    fig, ax = metric.plot()
    drawn = np.concatenate([line.get_ydata() for line in ax.get_lines()] or [np.zeros(0)])
    assert metric.compute().item() in drawn.tolist() or any(
        patch.get_height() == pytest.approx(metric.compute().item()) for patch in ax.patches
    )
    matplotlib.pyplot.close(fig)


def test_checkpoint_through_a_buffer_keeps_dtype_and_device():
    metric = torch_mi.MutualInfoScore(num_classes=5)
    metric.persistent(True)
    metric.update(torch.tensor([0, 1, 4]), torch.tensor([4, 1, 0]))
    buffer = io.BytesIO()
    torch.save(metric.state_dict(), buffer)
    buffer.seek(0)
    state = torch.load(buffer)
    assert state["table"].dtype == torch.long and state["table"].shape == (5, 5)
