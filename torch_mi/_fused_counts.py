"""Dense contingency counts on CUDA in one fused Triton pass: read each label once, count it.

torch's dense update is three passes over the batch: ``torch.where`` for ``ignore_index``, the key
``target * C + preds``, then ``scatter_add_`` of int64 ones, each reading or writing 8 bytes a sample.
Here one kernel reads the two labels (the only traffic a count cannot avoid), drops ignored samples,
forms the key and counts it, in one of two ways:

* ``"atomic"``: int32 atomic adds into ``copies`` private copies of the table, a copy per group of
  thread blocks, so the blocks of a small table do not all contend for the same few addresses;
  the copies are summed into the int64 table afterwards.
* ``"histogram"``: for small tables, each program builds the histogram of its samples in registers
  (``tl.histogram``) and adds it to the table once: one atomic per cell per program instead of one
  per sample.

Counts stay exact: an int32 cell of one launch counts at most ``_LAUNCH_SAMPLES`` < 2**31 samples,
and launches add into the int64 table. No launch reads anything back to the host, so a dense
``update()`` keeps its no-sync promise. Which method is fastest for which table is measured by the
``dense_count`` benchmark workload; ``torch_mi._contingency`` chooses.
"""

from __future__ import annotations

import contextlib
import functools
from typing import Optional

import torch
from torch import Tensor

METHODS = ("atomic", "histogram")
# Samples per launch: an int32 cell can count all of them without overflow.
_LAUNCH_SAMPLES = 1 << 30
_BLOCK = 2048
# The histogram method keeps a (padded) table per program in registers: small tables only.
MAX_HISTOGRAM_CELLS = 1024
# Private copies of the table for the atomic method, while their int32 total stays this small.
_COPIES_BYTES = 1 << 24
_MAX_COPIES = 64
_MAX_GRID_Y = 65535


@functools.lru_cache(maxsize=None)
def triton_available() -> bool:
    """Whether Triton imports (it ships with PyTorch's CUDA builds; not with the CPU builds)."""
    try:
        import triton  # noqa: F401
        import triton.language  # noqa: F401
    except ImportError:
        return False
    return True


def fused_counts(
    preds: Tensor,
    target: Tensor,
    num_rows: int,
    num_cols: int,
    out: Tensor,
    ignore_index: Optional[int] = None,
    method: str = "atomic",
) -> Tensor:
    """Add the (target, preds) pair counts into ``out`` ((R, C) or (B, R, C) int64, contiguous).

    ``preds`` is (N,) or (B, N), ``target`` (N,); labels must be in range (the caller validates or
    trusts), except that samples whose target is ``ignore_index`` are skipped whatever their labels.
    """
    if method not in METHODS:
        raise ValueError(f"method must be one of {METHODS}; got {method!r}")
    n, cells = target.shape[0], num_rows * num_cols
    if n == 0 or cells == 0:
        return out
    kernels = _kernels()
    preds = preds.reshape(-1, n).contiguous()
    target = target.contiguous()
    groups = preds.shape[0]
    if groups > _MAX_GRID_Y:  # a launch grid's second axis holds at most 65535 clusterings
        for first in range(0, groups, _MAX_GRID_Y):
            fused_counts(preds[first : first + _MAX_GRID_Y], target, num_rows, num_cols,
                         out.view(groups, cells)[first : first + _MAX_GRID_Y], ignore_index, method)
        return out
    with _on_device(out.device):  # Triton launches on the current device, not on the tensors'
        _launch(kernels, preds, target, num_cols, out.view(groups, cells), ignore_index, method)
    return out


def _launch(
    kernels, preds: Tensor, target: Tensor, num_cols: int, flat: Tensor, ignore_index: Optional[int], method: str
) -> None:
    groups, n = preds.shape
    cells = flat.shape[1]
    ignore = 0 if ignore_index is None else ignore_index
    if method == "histogram" and cells <= MAX_HISTOGRAM_CELLS:
        bins = max(16, 1 << (cells - 1).bit_length())  # tl.histogram wants a power of two
        partial = torch.zeros(groups, bins, dtype=torch.int32, device=flat.device)
        per_program = 16  # blocks a program counts before adding its histogram to the table
        for start in range(0, n, _LAUNCH_SAMPLES):
            size = min(_LAUNCH_SAMPLES, n - start)
            grid = (triton_cdiv(size, _BLOCK * per_program), groups)
            kernels.histogram[grid](
                target[start:], preds[:, start:], partial, size, n, num_cols, cells, ignore,
                HAS_IGNORE=ignore_index is not None, BINS=bins, BLOCK=_BLOCK, ITERS=per_program,
            )
            flat += partial[:, :cells]
            if start + size < n:
                partial.zero_()
        return
    copies = max(1, min(_MAX_COPIES, _COPIES_BYTES // (4 * cells * groups)))
    partial = torch.zeros(groups, copies, cells, dtype=torch.int32, device=flat.device)
    for start in range(0, n, _LAUNCH_SAMPLES):
        size = min(_LAUNCH_SAMPLES, n - start)
        grid = (triton_cdiv(size, _BLOCK), groups)
        kernels.atomic[grid](
            target[start:], preds[:, start:], partial, size, n, num_cols, cells, copies, ignore,
            HAS_IGNORE=ignore_index is not None, BLOCK=_BLOCK,
        )
        flat += partial.sum(dim=1, dtype=torch.long)
        if start + size < n:
            partial.zero_()


def _on_device(device: torch.device):
    return torch.cuda.device(device) if device.type == "cuda" else contextlib.nullcontext()


def triton_cdiv(a: int, b: int) -> int:
    return -(-a // b)


@functools.lru_cache(maxsize=None)
def _kernels():
    """Compile-on-first-use kernels; defined lazily so that importing torch_mi never needs Triton."""
    import triton
    import triton.language as tl

    # Sizes vary from batch to batch: specialising on them would recompile for each new size.
    @triton.jit(do_not_specialize=["size", "preds_row_stride"])
    def atomic(target_ptr, preds_ptr, partial_ptr, size, preds_row_stride, num_cols, cells, copies, ignore,
               HAS_IGNORE: tl.constexpr, BLOCK: tl.constexpr):
        block, group = tl.program_id(0), tl.program_id(1)
        offsets = block * BLOCK + tl.arange(0, BLOCK)
        keep = offsets < size
        t = tl.load(target_ptr + offsets, mask=keep, other=0).to(tl.int64)
        p = tl.load(preds_ptr + group.to(tl.int64) * preds_row_stride + offsets, mask=keep, other=0).to(tl.int64)
        if HAS_IGNORE:
            keep = keep & (t != ignore)
        slot = (group.to(tl.int64) * copies + block % copies) * cells + t * num_cols + p
        tl.atomic_add(partial_ptr + slot, tl.full([BLOCK], 1, tl.int32), mask=keep, sem="relaxed")

    @triton.jit(do_not_specialize=["size", "preds_row_stride"])
    def histogram(target_ptr, preds_ptr, partial_ptr, size, preds_row_stride, num_cols, cells, ignore,
                  HAS_IGNORE: tl.constexpr, BINS: tl.constexpr, BLOCK: tl.constexpr, ITERS: tl.constexpr):
        program, group = tl.program_id(0), tl.program_id(1)
        counts = tl.zeros([BINS], dtype=tl.int32)
        for i in range(ITERS):
            offsets = (program * ITERS + i) * BLOCK + tl.arange(0, BLOCK)
            keep = offsets < size
            t = tl.load(target_ptr + offsets, mask=keep, other=0).to(tl.int32)
            p = tl.load(preds_ptr + group.to(tl.int64) * preds_row_stride + offsets, mask=keep, other=0).to(tl.int32)
            if HAS_IGNORE:
                keep = keep & (t != ignore)
            counts += tl.histogram(t * num_cols + p, BINS, mask=keep)
        bins = tl.arange(0, BINS)
        tl.atomic_add(partial_ptr + group.to(tl.int64) * BINS + bins, counts, mask=bins < cells, sem="relaxed")

    return _Kernels(atomic, histogram)


class _Kernels:
    def __init__(self, atomic, histogram) -> None:
        self.atomic, self.histogram = atomic, histogram
