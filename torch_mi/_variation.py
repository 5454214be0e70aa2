"""Tables -> variation of information, plain and normalised.

VI(U, V) = H(U) + H(V) - 2 MI(U, V) (Meila, "Comparing clusterings - an information based distance",
J. Multivariate Analysis 2007), a metric on partitions. Summed over cells it reads

    VI = sum_ij (n_ij / n) [log(a_i / n_ij) + log(b_j / n_ij)],

a sum of non-negative terms (n_ij <= a_i and n_ij <= b_j), which is how it is computed here: no
cancellation between entropies of similar size, never negative, and exactly 0 for identical
partitions, where every term is log 1. The normalised form divides by the joint entropy
H(U, V) = -sum_ij (n_ij / n) log(n_ij / n) (Vinh, Epps & Bailey, JMLR 2010, "NVI"):

    NVI = VI / H(U, V) = 1 - MI / H(U, V),   in [0, 1],

itself a metric, 0 for identical partitions and 1 for independent ones.
"""

from __future__ import annotations

import math
from typing import Optional

import torch
from torch import Tensor

from torch_mi._table import Table, per_group_sum


def variation_of_information(table: Table, log_base: Optional[float] = None, normalized: bool = False) -> Tensor:
    """Variation of information per group, float64 (G,): in nats, or in ``log_base`` units.

    VI lies in [0, log n]. With ``normalized=True`` the result is VI / H(U, V) in [0, 1], which has
    no unit (``log_base`` does not change it); a group with one cell, or no samples, gives 0.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> table = from_dense(torch.tensor([[2, 0], [1, 1]]))
        >>> variation_of_information(table, log_base=2)
        tensor([1.1887], dtype=torch.float64)
        >>> variation_of_information(table, normalized=True)
        tensor([0.7925], dtype=torch.float64)
    """
    counts = table.cell_counts.double()
    logs = torch.log(counts)
    share = counts / table.samples_per_group()[table.cell_groups].double()
    split = share * ((torch.log(table.row_sums.double())[table.cell_rows] - logs)
                     + (torch.log(table.col_sums.double())[table.cell_cols] - logs))
    variation = per_group_sum(split, table.cell_groups, table.num_groups)
    if normalized:
        total = table.samples_per_group().double()
        joint = per_group_sum(share * (torch.log(total)[table.cell_groups] - logs), table.cell_groups, table.num_groups)
        # VI <= H(U, V) exactly; the clamp only removes rounding past 1 for independent labelings.
        return torch.where(joint > 0, variation / torch.where(joint > 0, joint, 1.0), 0.0).clamp(max=1.0)
    return variation if log_base is None else variation / math.log(log_base)
