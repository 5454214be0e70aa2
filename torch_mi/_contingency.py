"""Labels -> contingency counts.

Two forms, one per use:

* dense: label values are known to lie in ``[0, num_rows) x [0, num_cols)``; counts go into a fixed
  (num_rows, num_cols) int64 table by ``count_batch`` (a chunk of keys at a time on the CPU, each
  counted by bincount or index_add_; scatter_add_ or a fused Triton kernel on CUDA): pure device
  work, no host-device sync.
* sparse: arbitrary integer ids; the result is the distinct (target, pred) pairs with their counts,
  sorted by (target, pred). Memory follows the number of distinct pairs, never the sample count.

Batched preds (B, N) against one target (N,) get a leading group axis (dense) or a group id per pair
(sparse), so B clusterings are counted in one pass.
"""

from __future__ import annotations

from typing import NamedTuple, Optional

import torch
from torch import Tensor

from torch_mi import _fused_counts

# A direct-address histogram (bincount) beats sorting when the key range is at most this many
# bins, or a few times the number of entries: both keep the histogram's memory small.
_MAX_DIRECT_BINS = 1 << 22
# Labels per block when B clusterings are counted together.
_BATCH_BLOCK_ELEMENTS = 1 << 21


class PairCounts(NamedTuple):
    """Distinct (group, target, pred) triples and how often each occurs, sorted lexicographically."""

    groups: Tensor  # (P,) int64, all zero unless batched
    target: Tensor  # (P,) int64 target label
    preds: Tensor  # (P,) int64 pred label
    counts: Tensor  # (P,) int64 > 0


def dense_counts(
    preds: Tensor,
    target: Tensor,
    num_rows: int,
    num_cols: int,
    weights: Optional[Tensor] = None,
    out: Optional[Tensor] = None,
) -> Tensor:
    """Count label pairs into a (num_rows, num_cols) table, or (B, num_rows, num_cols) for preds (B, N).

    Labels must already be in range (the caller validates, or trusts). ``weights`` (N,) lets a
    caller drop samples without a data-dependent mask (weight 0), which would need a sync.
    ``out`` is a contiguous int64 table of the right shape to add the counts to in place.
    """
    target = target.long()
    preds = preds.long()
    shape: tuple[int, ...]
    if preds.ndim == 2:
        num_groups = preds.shape[0]
        offsets = torch.arange(num_groups, device=preds.device).unsqueeze(1) * (num_rows * num_cols)
        keys = (offsets + target.unsqueeze(0) * num_cols + preds).reshape(-1)
        shape = (num_groups, num_rows, num_cols)
    else:
        keys = target * num_cols + preds
        shape = (num_rows, num_cols)
    if weights is None:
        src = torch.ones(1, dtype=torch.long, device=keys.device).expand(keys.shape[0])
    else:
        src = weights.long().expand(preds.shape).reshape(-1)
    table = torch.zeros(shape, dtype=torch.long, device=keys.device) if out is None else out
    table.view(-1).scatter_add_(0, keys, src)
    return table


# How a dense update counts on CUDA, by table size: (most cells, method), the first that fits.
# "scatter" is ``dense_counts`` above (keys for the whole batch, then scatter_add_); "chunked" builds
# the keys a chunk at a time in one reused buffer and adds each chunk with index_add_ (the CPU's way,
# there by bincount where that pays); "atomic" and "histogram" are the fused Triton kernels of
# ``_fused_counts`` (one read of the labels). Fused kernels or chunks are chosen only once the
# ``dense_count`` benchmark has measured them on a GPU: scatter until then.
CUDA_DENSE_METHODS: tuple[tuple[float, str], ...] = ((float("inf"), "scatter"),)
DENSE_METHODS = ("scatter", "chunked", "atomic", "histogram")
# Labels per chunk: a chunk's keys stay in cache, where a whole batch's keys go out to memory and
# back (on the CPU, 10^7 labels count 4-7x faster in chunks than in one scatter_add_).
_DENSE_CHUNK = {"cpu": 1 << 18, "cuda": 1 << 22}


def dense_method(device: torch.device, cells: int) -> str:
    """The counting method a dense update uses on ``device`` for a table of ``cells`` cells."""
    if device.type != "cuda":
        return "chunked"
    method = next(method for most, method in CUDA_DENSE_METHODS if cells <= most)
    return method if method in ("scatter", "chunked") or _fused_counts.triton_available() else "scatter"


def count_batch(
    preds: Tensor,
    target: Tensor,
    num_rows: int,
    num_cols: int,
    out: Tensor,
    ignore_index: Optional[int] = None,
    method: Optional[str] = None,
) -> Tensor:
    """Add a batch's pair counts into the dense table ``out`` in place, without a host-device sync.

    Samples whose target is ``ignore_index`` are dropped by a zero weight, never by a mask (a mask's
    size would have to be read back). ``method`` (default: ``dense_method``) picks the kernel.
    """
    method = method or dense_method(out.device, num_rows * num_cols)
    if method not in DENSE_METHODS:
        raise ValueError(f"method must be one of {DENSE_METHODS}; got {method!r}")
    if method == "chunked":
        return _count_in_chunks(preds, target, num_cols, out, ignore_index)
    if method != "scatter":
        return _fused_counts.fused_counts(preds, target, num_rows, num_cols, out, ignore_index, method)
    kept = None if ignore_index is None else target != ignore_index
    if kept is not None:
        target = torch.where(kept, target, 0)
        preds = torch.where(kept, preds, 0)
    return dense_counts(preds, target, num_rows, num_cols, weights=kept, out=out)


def _count_in_chunks(preds: Tensor, target: Tensor, num_cols: int, out: Tensor, ignore_index: Optional[int]) -> Tensor:
    """``count_batch`` a chunk of labels at a time, the keys built in one reused buffer."""
    preds, target = preds.long(), target.long()
    grouped = preds if preds.ndim == 2 else preds.unsqueeze(0)  # (G, N)
    groups, n = grouped.shape
    if n == 0:
        return out
    flat = out.view(-1)
    step = _chunk_samples(out.device, groups, flat.numel() // groups, n, _DENSE_CHUNK, bincount=ignore_index is None)
    buffer = torch.empty(groups * min(step, n), dtype=torch.long, device=out.device)
    group_base = torch.arange(groups, device=out.device).mul_(flat.numel() // groups).unsqueeze(1)
    for start in range(0, n, step):
        stop = min(start + step, n)
        keys = buffer[: groups * (stop - start)].view(groups, stop - start)
        torch.add(grouped[:, start:stop], target[start:stop], alpha=num_cols, out=keys)
        if groups > 1:
            keys.add_(group_base)
        if ignore_index is None:
            _add_key_counts(flat, keys.view(-1), flat.numel())
        else:  # an ignored sample adds 0 at a key in range (its own labels may be anything)
            kept = target[start:stop] != ignore_index
            keys.masked_fill_(~kept, 0)
            flat.index_add_(0, keys.view(-1), kept.long().expand(groups, -1).reshape(-1))
    return out


def _chunk_samples(device: torch.device, groups: int, cells: int, samples: int, chunk: dict[str, int],
                   fresh: bool = False, bincount: bool = True) -> int:
    """Labels of each clustering per chunk: about ``chunk[device]`` keys (cache-sized).

    On the CPU a chunk may grow so that ``bincount`` can count it (``_add_key_counts``): a fresh
    histogram takes all the keys at once when they are at most ``_MAX_CHUNK_KEYS``; adding into a
    table, a chunk grows to ``_KEYS_PER_BIN`` keys a bin when the batch fills such chunks and they
    stay within ``_MAX_CHUNK_KEYS``. Otherwise (``bincount=False``, small batches, huge tables)
    chunks stay cache-sized, so a count's working memory stays small.
    """
    keys = chunk.get(device.type, chunk["cuda"])
    if device.type == "cpu" and bincount:
        total, wanted = groups * samples, _KEYS_PER_BIN * groups * cells
        if fresh and total <= _MAX_CHUNK_KEYS:
            keys = max(keys, total)
        elif keys < wanted <= min(total, _MAX_CHUNK_KEYS):
            keys = wanted
    return max(1, keys // groups)


# On the CPU ``bincount`` counts 1.3-2x faster than ``index_add_`` (the most at a million bins),
# but a new histogram per chunk must then be added to the table: that pays from this many keys a bin.
_KEYS_PER_BIN = 4
# The most keys a chunk holds for bincount's sake (32 MiB of int64).
_MAX_CHUNK_KEYS = 1 << 22


def _add_key_counts(hist: Optional[Tensor], keys: Tensor, bins: int) -> Tensor:
    """Add to the flat int64 ``hist`` (None: a new one of ``bins`` zeros) how often each key
    occurs in ``keys`` (all in [0, bins)), in place; returns the histogram.

    ``bincount`` is not used on CUDA: it reads its largest key back to the host, a sync that a
    dense update must not make.
    """
    if keys.device.type == "cpu" and (hist is None or keys.numel() >= _KEYS_PER_BIN * bins):
        counts = torch.bincount(keys, minlength=bins)
        return counts if hist is None else hist.add_(counts)
    if hist is None:
        hist = torch.zeros(bins, dtype=torch.long, device=keys.device)
    return hist.index_add_(0, keys, torch.ones(1, dtype=torch.long, device=keys.device).expand(keys.numel()))


def pair_counts(preds: Tensor, target: Tensor) -> PairCounts:
    """Distinct (target, pred) pairs and their counts for arbitrary integer labels.

    ``preds`` may be (N,) or (B, N); for (B, N) the group of each pair is its row in ``preds``.
    The batched keys broadcast ``target`` and the group ids instead of repeating them B times.
    The result is sorted by (group, target, pred) either way.
    """
    target = target.long()
    preds = preds.long()
    if preds.ndim == 1:
        return aggregate_pairs(target, preds)
    # Clusterings are counted a few rows at a time: each block's keys stay about cache-sized, and
    # memory stays bounded however many clusterings there are.
    rows = max(1, _BATCH_BLOCK_ELEMENTS // max(1, preds.shape[1]))
    blocks = []
    # One key buffer and one histogram for all blocks: fresh ones per block would be page-faulted
    # in anew each time, which costs more than the counting (notably in forked worker processes).
    workspace = _Workspace()
    for first in range(0, preds.shape[0], rows):
        block = preds[first : first + rows]
        groups = torch.arange(block.shape[0], device=preds.device).unsqueeze(1)
        counts = aggregate_pairs(target.unsqueeze(0), block, groups=groups, workspace=workspace)
        blocks.append(counts._replace(groups=counts.groups + first))
    return PairCounts(*(torch.cat(column) for column in zip(*blocks)))


# Keys built and counted at once by ``code_histogram``: a reused buffer of this many stays in cache,
# where keys for all N samples at once would be a fresh allocation, paged in anew on every call
# (on the CPU ``_chunk_samples`` may take more, up to ``_MAX_CHUNK_KEYS``, for one bincount).
_COUNT_CHUNK = {"cpu": 1 << 18, "cuda": 1 << 24}


def label_codes(labels: Tensor) -> "_Side":
    """``labels`` as order-keeping codes, to pass to several ``code_histogram`` calls that share them."""
    return _Side.of(labels.long())


def code_histogram(preds: Tensor, target: Tensor, target_codes: Optional["_Side"] = None) -> Optional[Tensor]:
    """Counts of the (target, pred) pairs as a dense int64 (G, T, P) tensor over label codes.

    G is 1 for ``preds`` (N,) and B for (B, N). A side's codes are its labels minus the smallest
    label, or the ranks of its distinct labels when they spread too wide; either way codes keep
    the labels' order, so the nonzero cells of the result are the distinct pairs in
    (group, target, pred) order. None when the tensor would have more than
    max(_MAX_DIRECT_BINS, 4 B N) bins: then ``pair_counts`` (which sorts) is the way.
    ``target_codes`` (from ``label_codes(target)``) saves a pass over ``target`` when it is reused.

    Example:
        >>> import torch
        >>> code_histogram(torch.tensor([7, 7, 9]), torch.tensor([-1, 0, 0]))
        tensor([[[1, 0, 0],
                 [1, 0, 1]]])
    """
    target = target.long()
    preds = preds.long() if preds.ndim == 2 else preds.long().unsqueeze(0)
    num_groups, num_samples = preds.shape
    device = target.device
    if num_samples == 0:
        return torch.zeros(num_groups, 0, 0, dtype=torch.long, device=device)
    t_side = target_codes if target_codes is not None else _Side.of(target)
    p_side = _Side.of(preds)
    cells = t_side.span * p_side.span
    if num_groups * cells > max(_MAX_DIRECT_BINS, 4 * preds.numel()):
        return None
    if t_side.magnitude * p_side.span + p_side.magnitude + num_groups * cells >= 1 << 62:
        t_side, p_side = t_side.shifted(), p_side.shifted()
    offset = t_side.pending_offset * p_side.span + p_side.pending_offset
    # key = group * T * P + t_code * P + p_code: one int64 per sample, counted chunk by chunk.
    group_base = torch.arange(num_groups, device=device).mul_(cells).sub_(offset).unsqueeze(1)
    hist: Optional[Tensor] = None
    step = _chunk_samples(device, num_groups, cells, num_samples, _COUNT_CHUNK, fresh=True)
    buffer = torch.empty(num_groups * min(step, num_samples), dtype=torch.long, device=device)
    for start in range(0, num_samples, step):
        stop = min(start + step, num_samples)
        keys = buffer[: num_groups * (stop - start)].view(num_groups, stop - start)
        torch.add(p_side.codes[:, start:stop], t_side.codes[start:stop], alpha=p_side.span, out=keys)
        if num_groups > 1 or offset:
            keys.add_(group_base)
        hist = _add_key_counts(hist, keys.view(-1), num_groups * cells)
    assert hist is not None  # num_samples > 0: at least one chunk
    return hist.view(num_groups, t_side.span, p_side.span)


class _Workspace:
    """Buffers reused across the blocks of one batched count."""

    def __init__(self) -> None:
        self.keys: Optional[Tensor] = None
        self.hist: Optional[Tensor] = None

    @staticmethod
    def _take(buffer: Optional[Tensor], size: int, like: Tensor) -> Tensor:
        if buffer is None or buffer.numel() < size:
            buffer = torch.empty(size, dtype=torch.long, device=like.device)
        return buffer

    def keys_like(self, shape: torch.Size, like: Tensor) -> Tensor:
        self.keys = self._take(self.keys, shape.numel(), like)
        return self.keys[: shape.numel()].view(shape)

    def zeroed_hist(self, size: int, like: Tensor) -> Tensor:
        self.hist = self._take(self.hist, size, like)
        return self.hist[:size].zero_()


def aggregate_pairs(
    target: Tensor,
    preds: Tensor,
    counts: Optional[Tensor] = None,
    groups: Optional[Tensor] = None,
    *,
    workspace: Optional[_Workspace] = None,
) -> PairCounts:
    """Sum ``counts`` (default: 1 each) over equal (group, target, pred) triples.

    Serves both counting raw labels and re-compacting concatenated pair lists (merging states).
    ``target`` and ``groups`` need only broadcast to ``preds``' shape.
    """
    device = target.device
    if preds.numel() == 0:
        empty = torch.zeros(0, dtype=torch.long, device=device)
        return PairCounts(empty, empty, empty, empty)
    t_side, p_side = _Side.of(target), _Side.of(preds)
    g_span = 1 if groups is None else int(groups.max().item()) + 1
    total_bins = g_span * t_side.span * p_side.span
    if total_bins >= 1 << 63:  # one int64 key cannot hold the triple: sort the rows instead
        columns = torch.broadcast_tensors(torch.zeros_like(preds) if groups is None else groups, target, preds)
        return _aggregate_rows(torch.stack([c.reshape(-1) for c in columns], dim=1), counts)
    if t_side.magnitude * p_side.span + p_side.magnitude + total_bins >= 1 << 62:
        # Labels far from zero: shift them first so no intermediate of the key can overflow.
        t_side, p_side = t_side.shifted(), p_side.shifted()
    # key = ((group * t_span) + t_code) * p_span + p_code, built with fused multiply-adds.
    shape = torch.broadcast_shapes(p_side.codes.shape, t_side.codes.shape)
    out = None if workspace is None else workspace.keys_like(shape, preds)
    keys = torch.add(p_side.codes, t_side.codes, alpha=p_side.span, out=out)
    if groups is not None:
        keys.add_(groups, alpha=t_side.span * p_side.span)
    offset = t_side.pending_offset * p_side.span + p_side.pending_offset
    if offset:
        keys.sub_(offset)
    keys = keys.reshape(-1)
    if total_bins <= max(_MAX_DIRECT_BINS, 4 * keys.numel()):
        if counts is None and workspace is not None:
            hist = workspace.zeroed_hist(total_bins, keys)
            hist.scatter_add_(0, keys, torch.ones(1, dtype=torch.long, device=device).expand(keys.numel()))
        elif counts is None:
            hist = torch.bincount(keys, minlength=total_bins)
        else:
            hist = torch.zeros(total_bins, dtype=torch.long, device=device).index_add_(0, keys, counts.long())
        uniq = hist.nonzero().squeeze(1)
        sums = hist.index_select(0, uniq)
    elif counts is None:
        uniq, sums = torch.unique(keys, sorted=True, return_counts=True)
    else:
        uniq, inverse = torch.unique(keys, sorted=True, return_inverse=True)
        sums = torch.zeros(uniq.numel(), dtype=torch.long, device=device).index_add_(0, inverse, counts.long())
    if counts is not None:  # merged states may carry zero counts; a zero cell is no cell
        keep = sums > 0
        if not bool(keep.all()):
            uniq, sums = uniq[keep], sums[keep]
    rest = uniq // p_side.span
    p_code = uniq.sub_(rest, alpha=p_side.span)  # uniq is a fresh tensor: reuse it
    if groups is None:
        group, t_code = torch.zeros_like(rest), rest
    else:
        group = rest // t_side.span
        t_code = rest.sub_(group, alpha=t_side.span)
    return PairCounts(group, t_side.decode(t_code), p_side.decode(p_code), sums)


class _Side(NamedTuple):
    """One side's labels as small non-negative codes that keep their order.

    Labels spread over a small range are coded by an offset (code = label - offset) that the key
    subtracts in place; wide-spread ids (up to +-10**15) are rank-coded through their sorted
    distinct values, which turns any id range into at most N codes.
    """

    codes: Tensor  # labels minus pending_offset, or ranks
    offset: int  # the label of code 0
    pending_offset: int  # still to subtract: done once on the combined key rather than per side
    span: int
    magnitude: int  # the largest |code|, to rule out overflow while the key is built
    values: Optional[Tensor]  # sorted distinct labels when rank-coded

    @classmethod
    def of(cls, labels: Tensor) -> "_Side":
        lo, hi = (int(x) for x in torch.aminmax(labels))
        span = hi - lo + 1
        if span <= max(_MAX_DIRECT_BINS, 4 * labels.numel()):
            return cls(labels, lo, lo, span, max(abs(lo), abs(hi)), None)
        values, ranks = torch.unique(labels, sorted=True, return_inverse=True)
        return cls(ranks, 0, 0, values.numel(), values.numel(), values)

    def shifted(self) -> "_Side":
        if self.pending_offset == 0:
            return self
        return self._replace(codes=self.codes - self.pending_offset, pending_offset=0, magnitude=self.span)

    def decode(self, codes: Tensor) -> Tensor:
        return codes + self.offset if self.values is None else self.values[codes]


def _aggregate_rows(rows: Tensor, counts: Optional[Tensor]) -> PairCounts:
    uniq, inverse = torch.unique(rows, dim=0, sorted=True, return_inverse=True)
    weights = torch.ones_like(inverse) if counts is None else counts.long()
    sums = torch.zeros(uniq.shape[0], dtype=torch.long, device=rows.device).index_add_(0, inverse, weights)
    keep = sums > 0
    uniq, sums = uniq[keep], sums[keep]
    return PairCounts(uniq[:, 0], uniq[:, 1], uniq[:, 2], sums)
