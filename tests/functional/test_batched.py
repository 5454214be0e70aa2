"""B clusterings of the same samples scored in one pass equal B single calls."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from sklearn.metrics import adjusted_mutual_info_score

import torch_mi
from torch_mi import functional as F

SCORES = [
    F.mutual_info_score,
    F.normalized_mutual_info_score,
    F.adjusted_mutual_info_score,
    F.homogeneity_score,
    F.completeness_score,
    F.v_measure_score,
]


def _clusterings(b=9, n=4000, seed=0):
    rng = np.random.default_rng(seed)
    target = torch.from_numpy(rng.integers(0, 10, n))
    rows = []
    for i in range(b):  # varied structure: copies, coarsenings, noise, a single cluster, huge ids
        k = 2 + 3 * i
        noisy = torch.where(torch.from_numpy(rng.random(n) < i / b), torch.from_numpy(rng.integers(0, k, n)),
                            target % k)
        rows.append(noisy * (10**12 if i % 3 == 0 else 1) - (i % 2))
    rows[-1] = torch.zeros(n, dtype=torch.long)
    return torch.stack(rows), target


@pytest.mark.parametrize("score", SCORES)
def test_batched_functional_equals_single_calls(score, device):
    preds, target = (x.to(device) for x in _clusterings())
    batched = score(preds, target)
    assert batched.shape == (preds.shape[0],) and batched.dtype == torch.float64
    singles = torch.stack([score(row, target) for row in preds])
    torch.testing.assert_close(batched, singles, rtol=0, atol=1e-13)


def test_batched_nmi_and_ami_every_average_method():
    preds, target = _clusterings(b=5)
    for method in ["min", "geometric", "arithmetic", "max"]:
        for score in (F.normalized_mutual_info_score, F.adjusted_mutual_info_score):
            singles = torch.stack([score(row, target, method) for row in preds])
            torch.testing.assert_close(score(preds, target, method), singles, rtol=0, atol=1e-13)


def test_batched_matches_sklearn():

    preds, target = _clusterings(b=6, n=3000)
    expected = [adjusted_mutual_info_score(target.numpy(), row.numpy()) for row in preds]
    np.testing.assert_allclose(F.adjusted_mutual_info_score(preds, target).numpy(), expected, rtol=0, atol=1e-11)


def test_batched_limit_cases_per_row():
    target = torch.tensor([0, 0, 1, 1, 2, 2])
    preds = torch.stack([target + 5, torch.zeros(6, dtype=torch.long), torch.arange(6)])
    # identical partition, one cluster, all singletons: exactly 1, 0 and 0, each row its own
    # (scikit-learn gives 6e-16 for the last: its MI and E[MI] take different float64 routes)
    np.testing.assert_array_equal(F.adjusted_mutual_info_score(preds, target).numpy(), [1.0, 0.0, 0.0])
    np.testing.assert_allclose(
        F.adjusted_mutual_info_score(preds, target).numpy(),
        [adjusted_mutual_info_score(target.numpy(), row.numpy()) for row in preds],
        rtol=0,
        atol=1e-12,
    )
    empty = F.adjusted_mutual_info_score(torch.zeros(3, 0, dtype=torch.long), torch.zeros(0, dtype=torch.long))
    np.testing.assert_array_equal(empty.numpy(), [1.0, 1.0, 1.0])


@pytest.mark.parametrize("mode", [None, (10, 30)])
@pytest.mark.parametrize(
    "cls", [torch_mi.MutualInfoScore, torch_mi.AdjustedMutualInfoScore, torch_mi.VMeasureScore]
)
def test_batched_metric_streams_like_the_functional(cls, mode, device):
    preds, target = _clusterings(b=4)
    preds = torch.stack([p % 30 for p in preds]) if mode else preds
    preds, target = preds.to(device), target.to(device)
    metric = cls(num_classes=mode, num_clusterings=4).to(device)
    for lo in range(0, target.numel(), 1500):
        metric.update(preds[:, lo : lo + 1500], target[lo : lo + 1500])
    functional = {
        torch_mi.MutualInfoScore: F.mutual_info_score,
        torch_mi.AdjustedMutualInfoScore: F.adjusted_mutual_info_score,
        torch_mi.VMeasureScore: F.v_measure_score,
    }[cls]
    assert torch.equal(metric.compute(), functional(preds, target))


def test_batched_metric_rejects_wrong_shapes_without_change():
    metric = torch_mi.AdjustedMutualInfoScore(num_clusterings=3)
    preds, target = _clusterings(b=3, n=50)
    metric.update(preds, target)
    with pytest.raises(ValueError, match=r"`preds` must have shape \(num_clusterings, N\) = \(3, N\); got \(2, 50\)"):
        metric.update(preds[:2], target)
    with pytest.raises(ValueError, match=r"got \(50,\)"):
        metric.update(preds[0], target)
    with pytest.raises(ValueError, match=r"`preds` has 49 samples"):
        metric.update(preds[:, :49], target)
    with pytest.raises(ValueError, match=r"`preds` must be 1-D \(N,\) or 2-D \(B, N\)"):
        metric.update(preds.unsqueeze(0), target)
    assert torch.equal(metric.compute(), F.adjusted_mutual_info_score(preds, target))


def test_unbatched_metric_rejects_2d_preds():
    with pytest.raises(ValueError, match=r"`preds` must be 1-D"):
        torch_mi.MutualInfoScore().update(torch.zeros(2, 5, dtype=torch.long), torch.zeros(5, dtype=torch.long))


def test_batched_with_different_cluster_counts_per_row_and_many_rows():
    rng = np.random.default_rng(2)
    target = torch.from_numpy(rng.integers(0, 10, 2000))
    preds = torch.stack([torch.from_numpy(rng.integers(0, k, 2000)) for k in range(2, 66)])
    singles = torch.stack([F.adjusted_mutual_info_score(row, target) for row in preds])
    torch.testing.assert_close(F.adjusted_mutual_info_score(preds, target), singles, rtol=0, atol=1e-13)


def test_a_single_batched_clustering_keeps_its_axis():
    preds, target = torch.tensor([[0, 0, 1, 1]]), torch.tensor([0, 0, 1, 0])
    metric = torch_mi.NormalizedMutualInfoScore(num_clusterings=1)
    assert metric(preds, target).shape == (1,)
    assert metric.compute().shape == (1,) == F.normalized_mutual_info_score(preds, target).shape
