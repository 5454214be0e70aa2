"""The fused Triton counting kernels of a dense update against the torch scatter path, count for count.

On a GPU the kernels run compiled on CUDA tensors; without one, Triton's interpreter runs the same
kernel source on CPU tensors (``TRITON_INTERPRET=1``, set before Triton is first imported), so the
indexing, masking and chunking logic is checked on every machine that has Triton installed.
"""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import given, settings
from hypothesis import strategies as st

if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")
pytest.importorskip("triton")

from torch_mi import _contingency, _fused_counts  # noqa: E402
from torch_mi._contingency import count_batch, dense_method  # noqa: E402
from torch_mi.metrics import MutualInfoScore  # noqa: E402

DEVICE = "cuda" if torch.cuda.is_available() else "cpu"
FUSED = list(_fused_counts.METHODS)


def labels(draw, rows: int, cols: int, groups, n: int, dtype: torch.dtype, ignore):
    seed = draw(st.integers(0, 2**31 - 1))
    gen = torch.Generator().manual_seed(seed)
    target = torch.randint(0, rows, (n,), generator=gen)
    preds = torch.randint(0, cols, (n,) if groups is None else (groups, n), generator=gen)
    if ignore is not None:  # ignored samples carry the ignore label, whatever it is
        target = torch.where(torch.rand(n, generator=gen) < 0.3, torch.tensor(ignore), target)
    return preds.to(dtype).to(DEVICE), target.to(torch.long if ignore is not None and ignore < 0 else dtype).to(DEVICE)


@st.composite
def batches(draw):
    rows, cols = draw(st.integers(1, 40)), draw(st.integers(1, 40))
    groups = draw(st.none() | st.integers(1, 3))
    n = draw(st.integers(0, 3000))
    dtype = draw(st.sampled_from([torch.int64, torch.int32, torch.uint8]))
    ignore = draw(st.none() | st.sampled_from([-1, 0, rows - 1, 255]))
    preds, target = labels(draw, rows, cols, groups, n, dtype, ignore)
    return preds, target, rows, cols, groups, ignore


@pytest.mark.parametrize("method", FUSED)
@settings(max_examples=50, deadline=None)
@given(batch=batches(), start=st.integers(0, 5))
def test_fused_kernels_count_exactly_what_scatter_counts(method, batch, start):
    preds, target, rows, cols, groups, ignore = batch
    shape = (rows, cols) if groups is None else (groups, rows, cols)
    expected = torch.full(shape, start, dtype=torch.long, device=DEVICE)  # counts add to what is there
    count_batch(preds, target, rows, cols, out=expected, ignore_index=ignore, method="scatter")
    out = torch.full(shape, start, dtype=torch.long, device=DEVICE)
    returned = count_batch(preds, target, rows, cols, out=out, ignore_index=ignore, method=method)
    assert returned is out and out.device.type == DEVICE
    assert torch.equal(out, expected)


@pytest.mark.parametrize("method", FUSED)
def test_batches_over_the_launch_limit_are_counted_in_several_launches(method, monkeypatch):
    monkeypatch.setattr(_fused_counts, "_LAUNCH_SAMPLES", 1000)
    gen = torch.Generator().manual_seed(3)
    target = torch.randint(0, 6, (3500,), generator=gen).to(DEVICE)
    preds = torch.randint(0, 9, (2, 3500), generator=gen).to(DEVICE)
    out = torch.zeros(2, 6, 9, dtype=torch.long, device=DEVICE)
    count_batch(preds, target, 6, 9, out=out, method=method)
    keys = target.cpu() * 9 + preds.cpu()
    expected = torch.stack([torch.bincount(row, minlength=54) for row in keys]).view(2, 6, 9)
    assert torch.equal(out.cpu(), expected) and int(out.sum()) == 7000


@pytest.mark.parametrize("method", FUSED)
def test_more_clusterings_than_a_launch_grid_holds_are_counted_in_slices(method, monkeypatch):
    monkeypatch.setattr(_fused_counts, "_MAX_GRID_Y", 2)
    gen = torch.Generator().manual_seed(4)
    target = torch.randint(0, 3, (500,), generator=gen).to(DEVICE)
    preds = torch.randint(0, 4, (5, 500), generator=gen).to(DEVICE)
    out = torch.zeros(5, 3, 4, dtype=torch.long, device=DEVICE)
    expected = out.clone()
    count_batch(preds, target, 3, 4, out=out, method=method)
    count_batch(preds, target, 3, 4, out=expected, method="scatter")
    assert torch.equal(out, expected)


def test_a_table_too_large_for_a_histogram_per_program_is_counted_with_atomics():
    rows = cols = 40  # 1600 cells > MAX_HISTOGRAM_CELLS
    assert rows * cols > _fused_counts.MAX_HISTOGRAM_CELLS
    gen = torch.Generator().manual_seed(5)
    target, preds = (torch.randint(0, 40, (4000,), generator=gen).to(DEVICE) for _ in range(2))
    out = torch.zeros(rows, cols, dtype=torch.long, device=DEVICE)
    count_batch(preds, target, rows, cols, out=out, method="histogram")
    assert torch.equal(out.cpu().view(-1), torch.bincount(target.cpu() * cols + preds.cpu(), minlength=rows * cols))


def test_an_unknown_method_is_refused_by_name_and_counts_nothing():
    out = torch.zeros(2, 2, dtype=torch.long, device=DEVICE)
    labels_ = torch.tensor([0, 1], device=DEVICE)
    for bad in ("bincount", "Atomic"):
        with pytest.raises(ValueError, match="method must be one of"):
            count_batch(labels_, labels_, 2, 2, out=out, method=bad)
    assert int(out.sum()) == 0


def test_the_method_table_decides_cuda_only_and_falls_back_to_scatter_without_triton(monkeypatch):
    monkeypatch.setattr(_contingency, "CUDA_DENSE_METHODS", ((100, "histogram"), (float("inf"), "atomic")))
    assert dense_method(torch.device("cpu"), 10) == "chunked"  # the table decides for CUDA only
    assert dense_method(torch.device("cuda"), 100) == "histogram"
    assert dense_method(torch.device("cuda"), 101) == "atomic"
    monkeypatch.setattr(_fused_counts, "triton_available", lambda: False)
    assert dense_method(torch.device("cuda"), 100) == "scatter"


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
@pytest.mark.parametrize("method", FUSED)
def test_a_metric_counting_with_a_fused_kernel_never_syncs_and_equals_the_cpu(method, monkeypatch):
    monkeypatch.setattr(_contingency, "CUDA_DENSE_METHODS", ((float("inf"), method),))
    gen = torch.Generator().manual_seed(11)
    target = torch.randint(0, 10, (100_000,), generator=gen)
    target[::7] = -1
    preds = torch.randint(0, 10, (100_000,), generator=gen)
    on_gpu = MutualInfoScore(num_classes=10, ignore_index=-1, validate_args=False).to("cuda")
    on_cpu = MutualInfoScore(num_classes=10, ignore_index=-1)
    on_gpu.update(preds[:10].cuda(), target[:10].cuda())  # compiles the kernel outside the check
    on_gpu.reset()
    torch.cuda.synchronize()
    preds_gpu, target_gpu = preds.cuda(), target.cuda()
    torch.cuda.set_sync_debug_mode("error")
    try:
        on_gpu.update(preds_gpu, target_gpu)
    finally:
        torch.cuda.set_sync_debug_mode(0)
    on_cpu.update(preds, target)
    assert torch.equal(on_gpu.table.cpu(), on_cpu.table)
    score = on_gpu.compute()
    assert score.device.type == "cuda"
    # The same integer table; only the float64 reduction order may differ between devices.
    assert score.item() == pytest.approx(on_cpu.compute().item(), abs=1e-15)
