"""Tables -> pair-counting scores: the pair confusion matrix, Rand, adjusted Rand, Fowlkes-Mallows,
pairwise precision / recall / F and the pair Jaccard index.

All of them follow from four integers per group. Counting ordered pairs of distinct samples, as
scikit-learn's ``pair_confusion_matrix`` does, with n the sample count, S = sum n_ij^2 over cells,
A = sum a_i^2 over row sums (target) and B = sum b_j^2 over column sums (preds):

    tp = S - n            same cluster in both labelings
    fn = A - S            same target cluster, different pred clusters
    fp = B - S            same pred cluster, different target clusters
    tn = n^2 - A - B + S  different clusters in both

Exactness. S, A and B reach n^2 and the products in the adjusted Rand index reach n^4, far past
int64 (the overflow behind scikit-learn issue #20305). So the sums of squares are never formed in
int64: each value is split into limbs narrow enough that a product of two limbs summed over every
entry of the tensor stays below 2^63, the limb sums are reduced on the table's device in int64, and
the G per-group results are put together as Python integers on the host (one transfer). Every score
is then one Python integer division, which is correctly rounded, so RI and ARI are the float64
nearest to their exact value and FMI is within about one unit in the last place. The only limit is
the table's own: the counts of a group must sum to at most 2^63 - 1 (``MAX_SAMPLES``); a table past
it raises ``ValueError``.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import NamedTuple

import torch
from torch import Tensor

from torch_mi._table import Table, group_sum

MAX_SAMPLES = 2**63 - 1
"""The most samples (sum of counts) a group may hold: the int64 limit of the table itself."""

_INT64_MAX = 2**63 - 1


class PairConfusion(NamedTuple):
    """The pair confusion counts of one group, as exact Python integers (ordered pairs)."""

    tn: int
    fp: int
    fn: int
    tp: int

    @property
    def total(self) -> int:
        """All ordered pairs of distinct samples, n (n - 1)."""
        return self.tn + self.fp + self.fn + self.tp


def pair_confusion_counts(table: Table) -> list[PairConfusion]:
    """Exact pair confusion counts per group as Python integers, for any table (n <= 2^63 - 1).

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> pair_confusion_counts(from_dense(torch.tensor([[2, 0], [1, 1]])))
        [PairConfusion(tn=4, fp=4, fn=2, tp=2)]
    """
    (samples, cell_squares), (_, row_squares), (_, col_squares) = _sums_and_square_sums(table)
    for group, n in enumerate(samples):
        if n > MAX_SAMPLES:
            raise ValueError(
                f"table: the counts of group {group} sum to {n}, past the supported {MAX_SAMPLES} (2**63 - 1) "
                "samples per group; int64 row and column sums cannot hold it"
            )
    return [
        PairConfusion(tn=n * n - a - b + s, fp=b - s, fn=a - s, tp=s - n)
        for n, s, a, b in zip(samples, cell_squares, row_squares, col_squares)
    ]


def pair_confusion_matrix(table: Table) -> Tensor:
    """The pair confusion matrix per group: (G, 2, 2) int64, ``[[tn, fp], [fn, tp]]``.

    Laid out as scikit-learn's ``pair_confusion_matrix(labels_true, labels_pred)``: ordered pairs of
    distinct samples, so the four entries add up to n (n - 1); row 1 is "same target cluster",
    column 1 "same pred cluster". Every entry is exact. The result is int64, which holds every entry
    whenever n (n - 1) <= 2^63 - 1, i.e. n <= 3,037,000,500 samples, and for larger n while each
    entry still fits; past that a ``ValueError`` names the entry (``pair_confusion_counts`` gives
    the exact counts as Python integers for any table). Rand and adjusted Rand take no detour
    through int64 and have no such limit.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> pair_confusion_matrix(from_dense(torch.tensor([[2, 0], [1, 1]])))
        tensor([[[4, 4],
                 [2, 2]]])
    """
    counts = pair_confusion_counts(table)
    for group, entries in enumerate(counts):
        for name, value in entries._asdict().items():
            if value > _INT64_MAX:
                raise ValueError(
                    f"table: the pair confusion count {name} of group {group} is {value}, past int64 "
                    f"(2**63 - 1); use pair_confusion_counts for exact Python integers"
                )
    values = [[[c.tn, c.fp], [c.fn, c.tp]] for c in counts]
    return torch.tensor(values, dtype=torch.int64, device=table.cell_counts.device).reshape(table.num_groups, 2, 2)


def rand_index(table: Table) -> Tensor:
    """Rand index per group: the share of sample pairs on which the labelings agree, in [0, 1].

    RI = (tp + tn) / (n (n - 1)) (Rand, JASA 1971). Fewer than two samples, so no pairs, give 1,
    as in scikit-learn.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> rand_index(from_dense(torch.tensor([[2, 0], [1, 1]])))
        tensor([0.5000], dtype=torch.float64)
    """
    values = [(c.tp + c.tn) / c.total if c.total else 1.0 for c in pair_confusion_counts(table)]
    return _as_tensor(values, table)


def adjusted_rand_index(table: Table) -> Tensor:
    """Adjusted Rand index per group: the Rand index corrected for chance, in [-0.5, 1].

    ARI = 2 (tp tn - fn fp) / ((tp + fn)(fn + tn) + (tp + fp)(fp + tn)) in ordered pair counts
    (Hubert & Arabie, Journal of Classification 1985; this form as in scikit-learn). Identical
    partitions give 1 (fn = fp = 0), which covers two one-cluster labelings, two all-singleton
    labelings and fewer than two samples; 0 is the expected value for random labelings.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> adjusted_rand_index(from_dense(torch.tensor([[1, 1], [1, 1]])))
        tensor([-0.5000], dtype=torch.float64)
    """
    values = []
    for c in pair_confusion_counts(table):
        if c.fn == 0 and c.fp == 0:
            values.append(1.0)
            continue
        # Nonzero here: it vanishes only when A = n or B = n^2, and B = n or A = n^2, and each of
        # those combinations makes the labelings identical (fn = fp = 0), handled above.
        denominator = (c.tp + c.fn) * (c.fn + c.tn) + (c.tp + c.fp) * (c.fp + c.tn)
        values.append(2 * (c.tp * c.tn - c.fn * c.fp) / denominator)
    return _as_tensor(values, table)


def fowlkes_mallows_index(table: Table) -> Tensor:
    """Fowlkes-Mallows index per group: the geometric mean of pairwise precision and recall, in [0, 1].

    FMI = tp / sqrt((tp + fp)(tp + fn)) (Fowlkes & Mallows, JASA 1983). No pair together in both
    labelings (tp = 0, including fewer than two samples) gives 0, as in scikit-learn.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> fowlkes_mallows_index(from_dense(torch.tensor([[2, 0], [1, 1]])))
        tensor([0.4082], dtype=torch.float64)
    """
    values = []
    for c in pair_confusion_counts(table):
        # FMI^2 as one correctly rounded integer division, then one rounding in the square root.
        values.append(math.sqrt(c.tp * c.tp / ((c.tp + c.fp) * (c.tp + c.fn))) if c.tp else 0.0)
    return _as_tensor(values, table)


def pairwise_precision_recall_fscore(table: Table, beta: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    """Pairwise (precision, recall, F_beta) per group, float64 (G,) each.

    Over the pairs of samples a labeling puts together: precision = tp / (tp + fp) is the share of
    pairs together in ``preds`` that are together in ``target``, recall = tp / (tp + fn) the share
    of pairs together in ``target`` that ``preds`` keeps together, and
    F_beta = (1 + beta^2) tp / ((1 + beta^2) tp + beta^2 fn + fp), their weighted harmonic mean.
    A side that puts no pair together (all singletons, fewer than two samples) makes no wrong
    claim: its precision (preds) or recall (target) is 1, so identical partitions score 1 on all
    three. F is 0 when tp = 0 and some pair is misplaced on a side that counts. Each score is one
    exact rational rounded once (``beta`` taken at its exact binary value), so it is the float64
    nearest the exact score.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> precision, recall, fscore = pairwise_precision_recall_fscore(from_dense(torch.tensor([[2, 0], [1, 1]])))
        >>> precision, recall
        (tensor([0.3333], dtype=torch.float64), tensor([0.5000], dtype=torch.float64))
        >>> fscore
        tensor([0.4000], dtype=torch.float64)
    """
    weight = Fraction(beta) ** 2
    precision, recall, fscore = [], [], []
    for c in pair_confusion_counts(table):
        precision.append(c.tp / (c.tp + c.fp) if c.tp + c.fp else 1.0)
        recall.append(c.tp / (c.tp + c.fn) if c.tp + c.fn else 1.0)
        denominator = (1 + weight) * c.tp + weight * c.fn + c.fp
        # Zero only when tp = fp = 0 and fn counts for nothing (none, or beta = 0 where F is the
        # precision): then F is 1, as both (or the one that counts) are.
        fscore.append(float((1 + weight) * c.tp / denominator) if denominator else 1.0)
    return _as_tensor(precision, table), _as_tensor(recall, table), _as_tensor(fscore, table)


def pair_jaccard_index(table: Table) -> Tensor:
    """Jaccard index of the two sets of pairs put together, per group: tp / (tp + fp + fn), in [0, 1].

    1 for identical partitions, including those that put no pair together (all singletons on both
    sides, fewer than two samples); correctly rounded (one integer division).

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> pair_jaccard_index(from_dense(torch.tensor([[2, 0], [1, 1]])))
        tensor([0.2500], dtype=torch.float64)
    """
    values = [c.tp / (c.tp + c.fp + c.fn) if c.tp + c.fp + c.fn else 1.0 for c in pair_confusion_counts(table)]
    return _as_tensor(values, table)


def _as_tensor(values: list[float], table: Table) -> Tensor:
    return torch.tensor(values, dtype=torch.float64, device=table.cell_counts.device)


def _sums_and_square_sums(table: Table) -> list[tuple[list[int], list[int]]]:
    """Exact per-group sum(x) and sum(x^2) of the cell counts, the row sums and the column sums.

    Python ints, one (sums, square sums) pair per tensor, fetched from the device in one transfer.
    """
    parts = [
        (table.cell_counts, table.cell_groups),
        (table.row_sums, table.row_groups),
        (table.col_sums, table.col_groups),
    ]
    stacks = [_limb_sums(values, groups, table.num_groups) for values, groups in parts]
    fetched = torch.cat([stack for stack, _ in stacks]).tolist()
    results, start = [], 0
    for stack, width in stacks:
        rows = fetched[start : start + stack.shape[0]]
        start += stack.shape[0]
        results.append(_combine_limbs(rows, width, table.num_groups))
    return results


def _limb_width(entries: int) -> int:
    """Limb bits such that a product of two limbs summed over ``entries`` terms stays below 2^63."""
    return (63 - max(entries, 1).bit_length()) // 2


def _limb_sums(values: Tensor, groups: Tensor, num_groups: int) -> tuple[Tensor, int]:
    """Per-group int64 sums of the limbs of non-negative int64 ``values`` and of their pairwise products.

    Each value is cut into limbs of ``width`` bits; with m entries every sum is below
    m * 2^(2 width) <= 2^63, so none overflows. Rows: one per limb, then one per limb pair (i <= j).
    """
    width = _limb_width(values.numel())
    num_limbs = _num_limbs(width)
    mask = (1 << width) - 1
    limbs = [(values >> (width * k)) & mask for k in range(num_limbs)]
    sums = [_group_total(limb, groups, num_groups) for limb in limbs]
    sums += [_group_total(limbs[i] * limbs[j], groups, num_groups) for i, j in _limb_pairs(num_limbs)]
    return torch.stack(sums), width


def _combine_limbs(rows: list[list[int]], width: int, num_groups: int) -> tuple[list[int], list[int]]:
    num_limbs = _num_limbs(width)
    pairs = _limb_pairs(num_limbs)
    linear = [sum(rows[k][g] << (width * k) for k in range(num_limbs)) for g in range(num_groups)]
    squares = [
        sum((1 if i == j else 2) * (rows[num_limbs + p][g] << (width * (i + j))) for p, (i, j) in enumerate(pairs))
        for g in range(num_groups)
    ]
    return linear, squares


def _num_limbs(width: int) -> int:
    return -(-63 // width)


def _limb_pairs(num_limbs: int) -> list[tuple[int, int]]:
    return [(i, j) for i in range(num_limbs) for j in range(i, num_limbs)]


def _group_total(values: Tensor, groups: Tensor, num_groups: int) -> Tensor:
    if num_groups == 1:
        return values.sum().reshape(1)
    return group_sum(values, groups, num_groups)
