"""Differential audit against torchmetrics: the same calls on a torchmetrics clustering metric and on
its torch_mi twin behave alike — values (torchmetrics in float32, torch_mi exact in float64), what
is accepted, and the exception *type* of what is refused — and torch_mi keeps its own guarantees
(int64 counts, a refused batch changes nothing) through torchmetrics' machinery (forward,
set_dtype). Runs against every torchmetrics the package supports (1.3 on): only APIs 1.3 has."""

from __future__ import annotations

import copy
import pickle
import warnings

import numpy as np
import pytest
import torch
import torchmetrics.clustering as TC
import torchmetrics.functional.clustering as TF
from torchmetrics import MetricCollection
from torchmetrics.functional.classification import multiclass_confusion_matrix

import torch_mi
from torch_mi import functional as F
from torch_mi.metrics import FeatureMutualInfo

# The torchmetrics classes that need nothing beyond torchmetrics (ClusterAccuracy needs
# torch_linear_assignment and is newer than 1.3), with their functional twins.
TWINS = {
    "MutualInfoScore": "mutual_info_score",
    "NormalizedMutualInfoScore": "normalized_mutual_info_score",
    "AdjustedMutualInfoScore": "adjusted_mutual_info_score",
    "AdjustedRandScore": "adjusted_rand_score",
    "RandScore": "rand_score",
    "FowlkesMallowsIndex": "fowlkes_mallows_index",
    "HomogeneityScore": "homogeneity_score",
    "CompletenessScore": "completeness_score",
    "VMeasureScore": "v_measure_score",
}
MODES = {"sparse": None, "dense": 6}
# torchmetrics computes in float32: its values agree with the exact ones to about 1e-7 here.
FLOAT32_TOLERANCE = 1e-5

P, T = torch.tensor([2, 1, 0, 1, 0, 3]), torch.tensor([0, 2, 1, 1, 0, 0])
# Inputs both libraries refuse, with torch_mi's policy type (TypeError: wrong type, ValueError: wrong value).
REFUSED = {
    "float preds": (P.float(), T, TypeError, "`preds`.*integer"),
    "half target": (P, T.half(), TypeError, "`target`.*integer"),
    "complex preds": (P.to(torch.complex64), T, TypeError, "`preds`.*integer"),
    "empty float": (torch.tensor([]), torch.tensor([]), TypeError, "`preds`.*integer"),
    "different lengths": (P, T[:5], ValueError, "`preds` has 6.*`target` has 5"),
    "2-d target": (P, T[:, None], ValueError, r"`target` must be 1-D.*\(6, 1\)"),
    "2-d both": (P[None], T[None], ValueError, r"`target` must be 1-D.*\(1, 6\)"),
}


def _raised(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # torchmetrics' sparse-tensor notices
        try:
            call()
        except Exception as error:  # noqa: BLE001 - the type is what is compared
            return type(error)
    return None


def _state(metric):
    value = getattr(metric, metric._layout.attribute)
    return [block.clone() for block in value] if isinstance(value, list) else value.clone()


def _same(a, b):
    if isinstance(a, list):
        return len(a) == len(b) and all(torch.equal(x, y) for x, y in zip(a, b))
    return torch.equal(a, b)


# ------------------------------------------------------------------------------- refused input
@pytest.mark.parametrize("name", TWINS.values())
@pytest.mark.parametrize("case", REFUSED)
def test_functional_refuses_with_the_type_torchmetrics_raises(name, case):
    preds, target, policy, match = REFUSED[case]
    expected = _raised(lambda: getattr(TF, name)(preds, target))
    assert expected is not None, "torchmetrics accepts this input: it is no refusal case"
    # Both: `except <torchmetrics' type>` keeps working, and torch_mi's own policy holds.
    with pytest.raises(expected, match=match) as caught:
        getattr(F, name)(preds, target)
    assert isinstance(caught.value, policy)


@pytest.mark.parametrize("cls", TWINS)
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("case", REFUSED)
@pytest.mark.parametrize("call", ["update", "forward"])
def test_metric_refuses_early_with_torchmetrics_type_and_keeps_its_state(cls, mode, case, call):
    preds, target, policy, match = REFUSED[case]
    # torchmetrics' classes keep the labels and refuse them in compute(); torch_mi refuses in update().
    reference = getattr(TC, cls)()
    reference.update(preds, target)
    expected = _raised(reference.compute)
    assert expected is not None
    metric = getattr(torch_mi, cls)(num_classes=MODES[mode])
    metric(P, T)
    before, count = _state(metric), metric.update_count
    with pytest.raises(expected, match=match) as caught:
        metric.update(preds, target) if call == "update" else metric(preds, target)
    assert isinstance(caught.value, policy)
    # forward() resets the state before it counts the batch alone: a refusal must restore it.
    assert _same(before, _state(metric)) and metric.update_count == count
    assert torch.equal(metric.compute(), getattr(F, TWINS[cls])(P, T))


def test_refused_forward_in_a_collection_changes_no_metric():
    collection = MetricCollection([torch_mi.MutualInfoScore(), torch_mi.AdjustedRandScore(num_classes=6)])
    collection(P, T)
    with pytest.raises(ValueError):
        collection(P.float(), T)
    values = collection.compute()
    assert torch.equal(values["MutualInfoScore"], F.mutual_info_score(P, T))
    assert torch.equal(values["AdjustedRandScore"], F.adjusted_rand_score(P, T))


@pytest.mark.parametrize(
    "make_reference, make, policy",
    [
        (lambda: TC.VMeasureScore("2"), lambda: torch_mi.VMeasureScore("2"), TypeError),
        (lambda: TC.VMeasureScore(True), lambda: torch_mi.VMeasureScore(True), TypeError),
        (lambda: TC.VMeasureScore(-1.0), lambda: torch_mi.VMeasureScore(-1.0), ValueError),
        (lambda: TC.NormalizedMutualInfoScore("mean"), lambda: torch_mi.NormalizedMutualInfoScore("mean"), ValueError),
        (lambda: TC.AdjustedMutualInfoScore(3), lambda: torch_mi.AdjustedMutualInfoScore(3), ValueError),
    ],
)
def test_bad_options_raise_the_type_torchmetrics_raises(make_reference, make, policy):
    expected = _raised(make_reference)
    assert expected is not None
    with pytest.raises(expected) as caught:
        make()
    assert isinstance(caught.value, policy)


@pytest.mark.parametrize("num_classes", [2.0, "2", [2.0, 3]])
def test_cluster_accuracy_num_classes_of_a_wrong_type(num_classes):
    # torchmetrics' ClusterAccuracy raises ValueError for a non-int num_classes; TypeError is the policy.
    with pytest.raises(ValueError, match="`num_classes`") as caught:
        torch_mi.ClusterAccuracy(num_classes)
    assert isinstance(caught.value, TypeError)


def test_cluster_accuracy_labels_outside_num_classes():
    # torchmetrics' confusion matrix raises RuntimeError on labels past num_classes; ValueError is the policy.
    with pytest.raises(RuntimeError, match=r"`preds` must hold labels in \[0, 3\)") as caught:
        F.cluster_accuracy(torch.tensor([0, 1, 3]), torch.tensor([0, 1, 2]), 3)
    assert isinstance(caught.value, ValueError)
    metric = torch_mi.ClusterAccuracy(3)
    with pytest.raises(RuntimeError, match=r"`target` must hold labels in \[0, 3\)") as caught:
        metric.update(torch.tensor([0, 1, 2]), torch.tensor([0, 1, 5]))
    assert isinstance(caught.value, ValueError) and int(metric.table.sum()) == 0


# ----------------------------------------------------------------------------- accepted input
def _batches(seed=0):
    rng = np.random.default_rng(seed)
    batches = []
    for size, dtype in [(40, torch.int8), (1, torch.uint8), (0, torch.int64), (25, torch.int32), (60, torch.int16)]:
        target = torch.from_numpy(rng.integers(0, 4, size)).to(dtype)
        preds = torch.where(torch.from_numpy(rng.random(size) < 0.5), target.long(),
                            torch.from_numpy(rng.integers(0, 6, size)))
        batches.append((preds, target))
    wide = torch.from_numpy(rng.integers(0, 6, 2 * 30))
    batches.append((wide[::2], torch.from_numpy(rng.integers(0, 4, 30))))  # non-contiguous preds
    batches.append((torch.tensor(2), torch.tensor(3)))  # 0-d labels: one sample, as torchmetrics concatenates them
    batches.append((torch.tensor([1, 0, 1, 1]).bool(), torch.tensor([1, 1, 0, 1]).bool()))
    return batches


@pytest.mark.parametrize("cls", TWINS)
@pytest.mark.parametrize("mode", MODES)
def test_same_sequence_same_values_as_torchmetrics(cls, mode):
    reference, metric = getattr(TC, cls)(), getattr(torch_mi, cls)(num_classes=MODES[mode])
    batches = _batches()
    for i, (preds, target) in enumerate(batches):
        if preds.ndim and preds.numel() > 20:  # forward: the batch's own value (no limit cases)
            expected = reference(preds=preds, target=target)
            assert metric(target=target, preds=preds).item() == pytest.approx(expected.item(), abs=FLOAT32_TOLERANCE)
        else:
            reference.update(preds, target)
            metric.update(preds=preds, target=target)
        if i == 3:  # copies go on independently, as torchmetrics' do
            copies = [metric.clone(), copy.deepcopy(metric), pickle.loads(pickle.dumps(metric))]
            reference_copy = reference.clone()
    value = metric.compute()
    assert value.dtype == torch.float64
    assert value.item() == pytest.approx(reference.compute().item(), abs=FLOAT32_TOLERANCE)
    for preds, target in batches[4:]:
        reference_copy.update(preds, target)
        for twin in copies:
            twin.update(preds, target)
    for twin in copies:
        assert torch.equal(twin.compute(), value)
        assert twin.compute().item() == pytest.approx(reference_copy.compute().item(), abs=FLOAT32_TOLERANCE)
    reference.reset(), metric.reset()
    assert metric.update_count == reference.update_count == 0
    reference.update(*batches[0]), metric.update(*batches[0])
    assert metric.compute().item() == pytest.approx(reference.compute().item(), abs=FLOAT32_TOLERANCE)


def test_zero_dim_updates_count_one_sample_each():
    metric = torch_mi.AdjustedRandScore(num_classes=4)
    for preds, target in [(0, 1), (0, 1), (2, 3), (1, 3)]:
        metric.update(torch.tensor(preds), torch.tensor(target))
    assert torch.equal(metric.compute(), F.adjusted_rand_score([0, 0, 2, 1], [1, 1, 3, 3]))
    # the functional scores refuse 0-d labels, as torchmetrics' do
    with pytest.raises(ValueError, match="`target` must be 1-D"):
        F.adjusted_rand_score(torch.tensor(0), torch.tensor(1))


@pytest.mark.parametrize("cls", TWINS)
def test_compute_before_update_warns_as_torchmetrics_and_scores_no_samples(cls):
    with pytest.warns(UserWarning, match=rf"``compute`` method of metric {cls} was called before the ``update``"):
        try:
            getattr(TC, cls)().compute()
        except ValueError:  # torchmetrics then fails on its empty list of labels
            pass
    empty = torch.zeros(0, dtype=torch.long)
    with pytest.warns(UserWarning, match=rf"``compute`` method of metric {cls} was called before the ``update``"):
        value = getattr(torch_mi, cls)().compute()
    assert torch.equal(value, getattr(F, TWINS[cls])(empty, empty))  # torch_mi scores the empty table


# ------------------------------------------------------------------------ ClusterAccuracy inputs
@pytest.mark.parametrize("num_classes", [None, 5])
def test_cluster_accuracy_counts_what_torchmetrics_confusion_matrix_counts(num_classes):
    # torchmetrics' ClusterAccuracy sums multiclass_confusion_matrix(preds, target) over updates:
    # label maps of any one shape are flattened, (N, C, ...) float scores become their argmax.
    rng = np.random.default_rng(1)
    maps = (torch.from_numpy(rng.integers(0, 5, (3, 4, 6))), torch.from_numpy(rng.integers(0, 5, (3, 4, 6))))
    scores = (torch.from_numpy(rng.random((3, 5, 7))).float(), torch.from_numpy(rng.integers(0, 5, (3, 7))))
    plain = (torch.from_numpy(rng.integers(0, 5, 9)), torch.from_numpy(rng.integers(0, 5, 9)))
    scalar = (torch.tensor(4), torch.tensor(0))
    metric = torch_mi.ClusterAccuracy(num_classes)
    expected = torch.zeros(5, 5, dtype=torch.long)
    labels = ([], [])
    for preds, target in (maps, scores, plain, scalar):
        metric.update(preds, target)
        expected += multiclass_confusion_matrix(preds, target, num_classes=5)
        flat = preds.argmax(1) if preds.is_floating_point() else preds
        labels[0].append(flat.reshape(-1)), labels[1].append(target.reshape(-1))
    table, rows, cols = metric.contingency_matrix(return_labels=True)
    dense = torch.zeros(5, 5, dtype=torch.long)
    dense[rows[:, None], cols[None, :]] = table
    assert torch.equal(dense, expected)
    assert torch.equal(metric.compute(), F.cluster_accuracy(torch.cat(labels[0]), torch.cat(labels[1])))


@pytest.mark.parametrize(
    "preds, target, errors",
    [
        # torchmetrics' ClusterAccuracy raises ValueError, its clustering shape check RuntimeError
        (torch.zeros(2, 3, dtype=torch.long), torch.zeros(3, 2, dtype=torch.long), (ValueError, RuntimeError)),
        (torch.rand(4, 3, 2), torch.zeros(4, 3, dtype=torch.long), (ValueError, TypeError)),  # not (N, C, ...) scores
        # float labels that are not whole numbers (whole ones are taken, as torchmetrics does)
        (torch.tensor([0.5, 1.0]), torch.tensor([0, 1]), (ValueError, TypeError)),
    ],
)
def test_cluster_accuracy_refuses_what_does_not_fit(preds, target, errors):
    metric = torch_mi.ClusterAccuracy()
    with pytest.raises(errors[0]) as caught:
        metric.update(preds, target)
    assert isinstance(caught.value, errors[1]) and metric.pairs == []


def test_cluster_accuracy_with_num_clusterings_keeps_the_batched_layout():
    metric = torch_mi.ClusterAccuracy(num_clusterings=2)
    preds, target = torch.tensor([[0, 0, 1], [1, 1, 0]]), torch.tensor([0, 0, 1])
    metric.update(preds, target)  # (B, N) preds: two clusterings, not a label map
    assert metric.compute().tolist() == [1.0, 1.0]


# ------------------------------------------------------------------------------ set_dtype / _apply
CLASSES_F = {
    torch_mi.MutualInfoScore: F.mutual_info_score,
    torch_mi.ClusterAccuracy: F.cluster_accuracy,
    torch_mi.AdjustedRandScore: F.adjusted_rand_score,
}


@pytest.mark.parametrize("cls", [torch_mi.MutualInfoScore, torch_mi.ClusterAccuracy, torch_mi.AdjustedRandScore])
@pytest.mark.parametrize("mode", MODES)
@pytest.mark.parametrize("dtype", [torch.float16, torch.bfloat16, torch.float64, torch.int32])
def test_set_dtype_never_casts_the_counts(cls, mode, dtype):
    # torchmetrics' set_dtype() casts every state; counts past 2048 would round in half precision.
    rng = np.random.default_rng(2)
    preds, target = (torch.from_numpy(rng.integers(0, 6, 20_000)) for _ in range(2))
    metric = cls(num_classes=MODES[mode])
    metric.update(preds[:10_000], target[:10_000])
    before = _state(metric)
    assert metric.set_dtype(dtype) is metric
    assert _same(before, _state(metric))
    metric.update(preds[10_000:], target[10_000:])
    assert torch.equal(metric.compute(), CLASSES_F[cls](preds, target))
    metric.reset()  # the default the state resets to stays int64 too
    state = getattr(metric, metric._layout.attribute)
    assert all(block.dtype == torch.long for block in (state if isinstance(state, list) else [state]))
    metric.update(preds, target)
    assert torch.equal(metric.compute(), CLASSES_F[cls](preds, target))


def test_set_dtype_keeps_integer_buffers_and_still_moves_with_to():
    edges = torch.tensor([[0.0, 0.1, 1.0], [0.0, 0.7, 1.0]], dtype=torch.float64)
    metric = FeatureMutualInfo(2, bin_edges=edges)
    metric.set_dtype(torch.float16)
    assert torch.equal(metric.bin_edges, edges)  # the float64 bits, not a half-rounded copy of them
    metric.to(torch.float16)  # .to(dtype) leaves integer tensors alone by itself
    assert torch.equal(metric.bin_edges, edges) and metric.pairs == []


def test_set_dtype_on_a_fresh_metric_like_torchmetrics():
    # A fresh torchmetrics metric still updates and computes after set_dtype; so does torch_mi's.
    reference, metric = TC.MutualInfoScore().set_dtype(torch.float64), torch_mi.MutualInfoScore(num_classes=4)
    metric.set_dtype(torch.float64)
    reference.update(P % 4, T % 4), metric.update(P % 4, T % 4)
    assert metric.compute().item() == pytest.approx(reference.compute().item(), abs=FLOAT32_TOLERANCE)
    assert metric.table.dtype == torch.long
