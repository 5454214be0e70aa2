"""Code written for torchmetrics' clustering metrics runs unchanged on torch_mi: names, positional
parameters, TorchScript, and the values of torchmetrics' own documented examples."""

from __future__ import annotations

import inspect
import warnings

import pytest
import torch

import torch_mi
from torch_mi import functional as F

# torchmetrics' public signatures (torchmetrics.clustering, 1.9): the positional parameters of each class.
CLASS_POSITIONALS = {
    "MutualInfoScore": [],
    "NormalizedMutualInfoScore": ["average_method"],
    "AdjustedMutualInfoScore": ["average_method"],
    "HomogeneityScore": [],
    "CompletenessScore": [],
    "VMeasureScore": ["beta"],
    "AdjustedRandScore": [],
    "RandScore": [],
    "FowlkesMallowsIndex": [],
    "ClusterAccuracy": ["num_classes"],
}
FUNCTIONAL_POSITIONALS = {
    "mutual_info_score": ["preds", "target"],
    "normalized_mutual_info_score": ["preds", "target", "average_method"],
    "adjusted_mutual_info_score": ["preds", "target", "average_method"],
    "homogeneity_score": ["preds", "target"],
    "completeness_score": ["preds", "target"],
    "v_measure_score": ["preds", "target", "beta"],
    "adjusted_rand_score": ["preds", "target"],
    "rand_score": ["preds", "target"],
    "fowlkes_mallows_index": ["preds", "target"],
    "cluster_accuracy": ["preds", "target", "num_classes"],
}
TORCH_MI_OPTIONS = {"num_classes", "num_clusterings", "ignore_index", "validate_args"}


def _positional(signature: inspect.Signature) -> list[str]:
    kinds = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    return [p.name for p in signature.parameters.values() if p.kind in kinds and p.name != "self"]


@pytest.mark.parametrize("name", CLASS_POSITIONALS)
def test_class_signature_is_torchmetrics_plus_keyword_options(name):
    signature = inspect.signature(getattr(torch_mi, name))
    assert _positional(signature) == CLASS_POSITIONALS[name]
    keyword_only = {p.name for p in signature.parameters.values() if p.kind == inspect.Parameter.KEYWORD_ONLY}
    assert TORCH_MI_OPTIONS - set(CLASS_POSITIONALS[name]) <= keyword_only  # shown to IDEs, not hidden in **kwargs
    assert "Keyword-only args" in getattr(torch_mi, name).__doc__
    assert "num_clusterings" in getattr(torch_mi, name).__doc__


@pytest.mark.parametrize("name", FUNCTIONAL_POSITIONALS)
def test_functional_signature_starts_with_torchmetrics(name):
    assert _positional(inspect.signature(getattr(F, name))) == FUNCTIONAL_POSITIONALS[name]


@pytest.mark.parametrize("cls", [getattr(torch_mi, name) for name in [*CLASS_POSITIONALS, "VariationOfInformation"]])
@pytest.mark.parametrize("num_classes", [None, 5])
def test_every_class_scripts_as_torchmetrics_harness_does(cls, num_classes):
    # torchmetrics' test harness calls torch.jit.script on every metric (a model holding metrics as
    # submodules must script); the scripted module carries the accumulated state.
    metric = cls(num_classes=num_classes)
    metric.update(torch.tensor([2, 1, 0, 1, 0]), torch.tensor([0, 2, 1, 1, 0]))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # TorchScript's deprecation notice
        scripted = torch.jit.script(metric)
    assert isinstance(scripted, torch.jit.ScriptModule)
    if num_classes is not None:
        assert torch.equal(scripted.table, metric.table)


PREDS, TARGET = torch.tensor([2, 1, 0, 1, 0]), torch.tensor([0, 2, 1, 1, 0])


@pytest.mark.parametrize(
    "make, preds, target, documented",
    [
        # torchmetrics' own docstring examples, with the values its docs print (4 decimals)
        (lambda: torch_mi.MutualInfoScore(), PREDS, TARGET, 0.5004),
        (lambda: torch_mi.NormalizedMutualInfoScore("arithmetic"), PREDS, TARGET, 0.4744),
        (lambda: torch_mi.AdjustedMutualInfoScore(average_method="arithmetic"), PREDS, TARGET, -0.2500),
        (lambda: torch_mi.HomogeneityScore(), PREDS, TARGET, 0.4744),
        (lambda: torch_mi.CompletenessScore(), PREDS, TARGET, 0.4744),
        (lambda: torch_mi.VMeasureScore(beta=2.0), PREDS, TARGET, 0.4744),
        (lambda: torch_mi.VMeasureScore(2.0), PREDS, TARGET, 0.4744),
        (lambda: torch_mi.AdjustedRandScore(), torch.tensor([0, 0, 1, 1]), torch.tensor([0, 0, 1, 1]), 1.0),
        (lambda: torch_mi.AdjustedRandScore(), torch.tensor([0, 0, 1, 1]), torch.tensor([0, 1, 0, 1]), -0.5),
        (lambda: torch_mi.RandScore(), PREDS, TARGET, 0.6000),
        (lambda: torch_mi.FowlkesMallowsIndex(), torch.tensor([2, 2, 0, 1, 0]), torch.tensor([2, 2, 1, 1, 0]), 0.5),
        (lambda: torch_mi.ClusterAccuracy(num_classes=2), torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 0, 0]), 1.0),
        (lambda: torch_mi.ClusterAccuracy(2), torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 0, 0]), 1.0),
    ],
)
def test_torchmetrics_documented_examples(make, preds, target, documented):
    metric = make()
    assert metric(preds, target).item() == pytest.approx(documented, abs=5e-5)


@pytest.mark.parametrize(
    "call, documented",
    [
        (lambda: F.normalized_mutual_info_score(PREDS, TARGET, "geometric"), 0.4744),
        (lambda: F.adjusted_mutual_info_score(PREDS, TARGET, "max"), -0.2500),
        (lambda: F.v_measure_score(PREDS, TARGET, 2.0), 0.4744),
        (lambda: F.cluster_accuracy(torch.tensor([0, 0, 1, 1]), torch.tensor([1, 1, 0, 0]), 2), 1.0),
    ],
)
def test_functional_positional_calls(call, documented):
    assert call().item() == pytest.approx(documented, abs=5e-5)


def test_first_positional_is_never_num_classes_by_accident():
    # VMeasureScore(2) used to mean num_classes=2; now it is beta=2, as in torchmetrics.
    assert torch_mi.VMeasureScore(2).beta == 2.0 and torch_mi.VMeasureScore(2).num_classes is None
    with pytest.raises(ValueError, match=r"`average_method` must be one of"):
        torch_mi.NormalizedMutualInfoScore(10)


@pytest.mark.parametrize("mode", [None, 3])
def test_cluster_accuracy_takes_whole_float_labels_as_torchmetrics_does(mode):
    # torchmetrics' ClusterAccuracy counts a multiclass confusion matrix, which takes float labels.
    preds, target = torch.tensor([2, 2, 0, 1, 0, 1]), torch.tensor([0, 0, 1, 1, 2, 2])
    floats = torch_mi.ClusterAccuracy(num_classes=mode)
    floats.update(preds.double(), target.float())
    floats.update(preds.float().reshape(2, 3), target.double().reshape(2, 3))  # label maps too
    ints = torch_mi.ClusterAccuracy(num_classes=mode)
    ints.update(torch.cat([preds, preds]), torch.cat([target, target]))
    assert torch.equal(floats.compute(), ints.compute())


@pytest.mark.parametrize("bad", [0.5, float("nan"), float("inf")])
def test_cluster_accuracy_refuses_float_labels_that_are_not_whole(bad):
    metric = torch_mi.ClusterAccuracy()
    metric.update(torch.tensor([0, 1]), torch.tensor([0, 1]))
    before = metric.contingency_matrix()
    with pytest.raises(ValueError, match=r"`target` holds float labels that are not all whole numbers"):
        metric.update(torch.tensor([0, 1]), torch.tensor([0.0, bad]))
    assert torch.equal(metric.contingency_matrix(), before)
