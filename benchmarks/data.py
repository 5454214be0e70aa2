"""Deterministic label generators: every peer of a measurement sees exactly the same labels."""

from __future__ import annotations

from typing import Iterator

import torch
from torch import Tensor


def generator(seed: int, device: str = "cpu") -> torch.Generator:
    return torch.Generator(device=device).manual_seed(seed)


def noisy_copy(target: Tensor, k: int, gen: torch.Generator, keep: float = 0.5) -> Tensor:
    """A clustering that agrees with ``target`` on about ``keep`` of the samples, random elsewhere.

    Agreement keeps MI, NMI and AMI away from 0, where relative errors mean little; the table is
    still fully occupied, so the cost is that of the general case.
    """
    random = torch.randint(0, k, target.shape, generator=gen, device=target.device)
    kept = torch.rand(target.shape, generator=gen, device=target.device) < keep
    return torch.where(kept, target % k, random)


def correlated_labels(n: int, k: int, seed: int = 0, device: str = "cpu") -> tuple[Tensor, Tensor]:
    """(preds, target): n labels in [0, k) on both sides, half of them agreeing."""
    gen = generator(seed, device)
    target = torch.randint(0, k, (n,), generator=gen, device=device)
    return noisy_copy(target, k, gen), target


def label_batches(
    total: int, batch: int, k: int, seed: int = 0, device: str = "cpu"
) -> Iterator[tuple[Tensor, Tensor]]:
    """(preds, target) batches generated on the fly, so streaming 10^8 labels never holds them all."""
    gen = generator(seed, device)
    for start in range(0, total, batch):
        size = min(batch, total - start)
        target = torch.randint(0, k, (size,), generator=gen, device=device)
        yield noisy_copy(target, k, gen), target


def uniform_sizes(n: int, k: int) -> Tensor:
    """k cluster sizes as equal as possible, summing to n."""
    sizes = torch.full((k,), n // k, dtype=torch.long)
    sizes[: n % k] += 1
    return sizes


def zipf_sizes(n: int, k: int, exponent: float = 1.0) -> Tensor:
    """k cluster sizes proportional to 1 / rank**exponent, each at least 1, summing to n."""
    weights = 1.0 / torch.arange(1, k + 1, dtype=torch.float64) ** exponent
    sizes = torch.clamp(torch.floor(n * weights / weights.sum()).long(), min=1)
    sizes[0] += n - int(sizes.sum())  # the largest cluster absorbs the rounding
    return sizes


def triangular_sizes(m: int) -> Tensor:
    """Sizes 1, 2, ..., m: all distinct, so grouping equal sizes cannot help (n = m(m+1)/2)."""
    return torch.arange(1, m + 1, dtype=torch.long)


def labels_with_sizes(
    row_sizes: Tensor, col_sizes: Tensor, seed: int = 0, device: str = "cpu"
) -> tuple[Tensor, Tensor]:
    """(preds, target) with the given cluster sizes, preds independently shuffled (chance agreement)."""
    if int(row_sizes.sum()) != int(col_sizes.sum()):
        raise ValueError("row and column sizes must total the same n")
    target = torch.repeat_interleave(torch.arange(row_sizes.numel()), row_sizes)
    preds = torch.repeat_interleave(torch.arange(col_sizes.numel()), col_sizes)
    perm = torch.randperm(preds.numel(), generator=generator(seed))
    return preds[perm].to(device), target.to(device)


def modulo_labels(n: int, a: int, b: int, device: str = "cpu") -> tuple[Tensor, Tensor]:
    """(preds, target) = (i % b, i % a) for i < n: a x b clusters of (nearly) equal size."""
    i = torch.arange(n, device=device)
    return i % b, i % a
