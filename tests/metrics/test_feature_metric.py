"""FeatureMutualInfo: F features ranked against a target over a stream, from the batched table state."""

from __future__ import annotations

import pytest
import torch

import torch_mi
from torch_mi import functional as F
from torch_mi.feature_selection import apply_bin_edges, bin_edges, binned_mutual_info


def _data(n=3000, seed=0):
    g = torch.Generator().manual_seed(seed)
    y = torch.randint(0, 3, (n,), generator=g)
    X = torch.stack([y + 0.5 * torch.randn(n, generator=g), torch.randn(n, generator=g), (y == 1) * 1.0], 1)
    return X, y


@pytest.mark.parametrize("num_classes", [None, (3, 8)])
def test_streaming_binned_features_equal_the_functional_score_bit_for_bit(num_classes, device):
    X, y = (t.to(device) for t in _data())
    edges = bin_edges(X, bins=8)
    metric = torch_mi.FeatureMutualInfo(3, bin_edges=edges, num_classes=num_classes).to(device)
    for start in range(0, 3000, 700):
        metric.update(X[start : start + 700], y[start : start + 700])
    value = metric.compute()
    codes = apply_bin_edges(X, edges)
    assert value.shape == (3,) and value.dtype == torch.float64 and value.device.type == device
    assert torch.equal(value, F.mutual_info_score(codes.T, y))
    assert torch.equal(value, binned_mutual_info(X, y, bins=8))  # the same edges from all of X


def test_adjusted_and_log_base():
    X, y = _data()
    codes = apply_bin_edges(X, bin_edges(X, bins=5))
    adjusted = torch_mi.FeatureMutualInfo(3, adjusted=True)
    bits = torch_mi.FeatureMutualInfo(3, log_base=2)
    for metric in (adjusted, bits):
        metric.update(codes, y)
    assert torch.equal(adjusted.compute(), F.adjusted_mutual_info_score(codes.T, y))
    assert torch.equal(bits.compute(), F.mutual_info_score(codes.T, y, log_base=2))
    for method in ("geometric", "min", "max"):
        other = torch_mi.FeatureMutualInfo(3, adjusted=True, average_method=method)
        other.update(codes, y)
        assert torch.equal(other.compute(), F.adjusted_mutual_info_score(codes.T, y, method))
    scores = adjusted.compute()  # the noise column scores about 0, the two informative ones well above
    assert scores[1].abs().item() < 0.01 and min(scores[0].item(), scores[2].item()) > 0.3


def test_discrete_codes_need_no_edges_and_the_ranking_is_right():
    X, y = _data()
    metric = torch_mi.FeatureMutualInfo(2)
    metric.update(torch.stack([y, torch.zeros_like(y)], 1), y)
    assert metric.compute().tolist() == pytest.approx([F.entropy(y).item(), 0.0], abs=1e-15)


@pytest.mark.parametrize(
    "kwargs, error, match",
    [
        ({"num_features": 0}, ValueError, r"`num_features` must be an int >= 1"),
        ({"num_features": None}, TypeError, r"`num_features` must be a positive int; got None"),
        ({"num_features": 2.0}, TypeError, r"`num_features` must be an int"),
        ({"num_features": 3, "bin_edges": torch.zeros(2, 4)}, ValueError, r"`edges` must have shape \(n_features=3"),
        ({"num_features": 3, "adjusted": "yes"}, TypeError, r"`adjusted` must be a bool"),
        ({"num_features": 3, "average_method": "median"}, ValueError, r"`average_method` must be one of"),
    ],
)
def test_bad_arguments(kwargs, error, match):
    with pytest.raises(error, match=match):
        torch_mi.FeatureMutualInfo(**kwargs)


def test_a_batch_with_the_wrong_number_of_features_is_rejected_without_change():
    X, y = _data()
    metric = torch_mi.FeatureMutualInfo(3, bin_edges=bin_edges(X, bins=4))
    metric.update(X[:100], y[:100])
    before = [block.clone() for block in metric.pairs]
    with pytest.raises(ValueError, match=r"shape"):
        metric.update(X[:10, :2], y[:10])
    assert len(before) == len(metric.pairs) and all(torch.equal(a, b) for a, b in zip(before, metric.pairs))


def test_scripts_like_every_torchmetrics_metric():
    import warnings

    metric = torch_mi.FeatureMutualInfo(3, bin_edges=bin_edges(_data()[0], bins=4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert isinstance(torch.jit.script(metric), torch.jit.ScriptModule)


def test_bin_edges_move_with_the_metric_and_stay_out_of_the_checkpoint():
    edges = torch.tensor([[0.0, 0.5, 1.0], [0.0, 0.5, 1.0]], dtype=torch.float64) + 1e-9  # not a float16 value
    metric = torch_mi.FeatureMutualInfo(2, bin_edges=edges)
    for cast in (lambda m: m.half(), lambda m: m.to(torch.float16), lambda m: m.float()):  # edges keep their bits
        assert cast(metric).bin_edges.dtype == torch.float64 and torch.equal(metric.bin_edges, edges)
    assert not any("bin_edge" in key for key in metric.state_dict())


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_a_binned_update_without_validation_never_synchronizes():
    gen = torch.Generator().manual_seed(2)
    X = torch.rand(50_000, 3, generator=gen, dtype=torch.float64)
    y = (X[:, 0] > 0.5).long()
    edges = bin_edges(X[:1000], bins=8)  # built on the CPU, moved by .to()
    metric = torch_mi.FeatureMutualInfo(3, bin_edges=edges, num_classes=(2, 8), validate_args=False).to("cuda")
    X_gpu, y_gpu = X.cuda(), y.cuda()
    torch.cuda.synchronize()
    torch.cuda.set_sync_debug_mode("error")
    try:
        metric.update(X_gpu, y_gpu)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    on_cpu = torch_mi.FeatureMutualInfo(3, bin_edges=edges, num_classes=(2, 8))
    on_cpu.update(X, y)
    assert metric.bin_edges.device.type == "cuda"
    assert torch.equal(metric.table.cpu(), on_cpu.table)
