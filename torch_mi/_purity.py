"""Tables -> purity: the share of samples in their cluster's majority class.

Each predicted cluster (a column) is labelled with the target class it holds most of, and purity
is the share of samples that label gets right (Zhao & Karypis, "Criterion functions for document
clustering", 2001; Manning, Raghavan & Schütze, "Introduction to Information Retrieval", 2008,
§16.3):

    purity = (1 / n) sum_j max_i n_ij,   in (0, 1];

swapping the labelings (rows for columns) gives inverse purity. Unlike cluster accuracy, several
clusters may take the same class, so splitting every sample into its own cluster scores 1.

Exactness: the column maxima and their sum are integers, and the one division rounds correctly
(for counts up to 2^53, past which int64 -> float64 rounds first).
"""

from __future__ import annotations

import torch
from torch import Tensor

from torch_mi._table import Table, group_sum


def purity(table: Table) -> Tensor:
    """Purity per group, float64 (G,); a group without samples scores 1, as cluster accuracy does.

    Example:
        >>> import torch
        >>> from torch_mi._table import from_dense
        >>> purity(from_dense(torch.tensor([[3, 0, 1], [1, 2, 0]])))  # (3 + 2 + 1) / 7
        tensor([0.8571], dtype=torch.float64)
    """
    counts = table.cell_counts
    majority = torch.zeros_like(table.col_sums).scatter_reduce_(0, table.cell_cols, counts, "amax")
    right = group_sum(majority, table.col_groups, table.num_groups)  # integers: exact in any order
    n = table.samples_per_group()
    return torch.where(n > 0, right.double() / torch.clamp(n, min=1).double(), 1.0)
