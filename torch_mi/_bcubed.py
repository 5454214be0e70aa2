"""Tables -> BCubed precision, recall and F-score.

BCubed scores each sample, then averages (Bagga & Baldwin, "Entity-based cross-document
coreferencing using the vector space model", COLING-ACL 1998; Amigó, Gonzalo, Artiles & Verdejo,
"A comparison of extrinsic clustering evaluation metrics based on formal constraints", Information
Retrieval 12, 2009, who show it alone satisfies their four constraints). A sample's precision is
the share of its predicted cluster that shares its target class, its recall the share of its class
that shares its cluster. For the n_ij samples of cell (i, j) those are n_ij / b_j and n_ij / a_i, so

    precision = sum_ij (n_ij / n) (n_ij / b_j),   recall = sum_ij (n_ij / n) (n_ij / a_i),
    F_beta = (1 + beta^2) P R / (beta^2 P + R)     (beta = 1: the harmonic mean).

All three lie in (0, 1]. Precision is exactly 1 when every cluster lies inside one class (each
column has one nonzero cell; all singletons too), recall when every class lies inside one cluster,
and so all three when the partitions are identical. Each term is a product
of two shares in [0, 1], so no count is squared (no overflow at any n) and the sum has no
cancellation: a few units in the last place from the exact value.
"""

from __future__ import annotations

import torch
from torch import Tensor

from torch_mi._table import Table, per_group_sum


def bcubed_precision_recall_fscore(table: Table, beta: float = 1.0) -> tuple[Tensor, Tensor, Tensor]:
    """BCubed (precision, recall, F_beta) per group, float64 (G,) each; a group without samples
    scores 1 on all three (its clusters and classes are trivially pure).

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> precision, recall, fscore = bcubed_precision_recall_fscore(from_dense(torch.tensor([[2, 0], [1, 1]])))
        >>> precision, recall
        (tensor([0.6667], dtype=torch.float64), tensor([0.7500], dtype=torch.float64))
        >>> fscore
        tensor([0.7059], dtype=torch.float64)
    """
    counts = table.cell_counts.double()
    share = counts / table.samples_per_group().double().index_select(0, table.cell_groups)
    of_cluster = counts / table.col_sums.double().index_select(0, table.cell_cols)  # n_ij / b_j
    of_class = counts / table.row_sums.double().index_select(0, table.cell_rows)  # n_ij / a_i
    cells = table.count_per_group(table.cell_groups)
    # A cluster inside one class (or a class inside one cluster) contributes its share times 1:
    # where every cluster is, precision is 1 exactly, not a sum of shares that rounds near 1.
    pure_clusters = cells == table.count_per_group(table.col_groups)
    pure_classes = cells == table.count_per_group(table.row_groups)
    precision = torch.where(pure_clusters, 1.0, per_group_sum(share * of_cluster, table.cell_groups, table.num_groups))
    recall = torch.where(pure_classes, 1.0, per_group_sum(share * of_class, table.cell_groups, table.num_groups))
    weight = beta * beta
    fscore = (1 + weight) * precision * recall / (weight * precision + recall)  # 1 when both are
    return precision, recall, fscore
