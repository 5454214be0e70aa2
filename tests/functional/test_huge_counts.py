"""Contingency tables whose totals pass int64: every score refuses them with one clear error.

Row and column sums are int64, so a table summing to 2^63 or more would wrap around and every score
from it would be garbage (MI came out NaN, BCubed F -1); a total just below the limit still scores.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from torch_mi import functional as F
from torch_mi import sklearn as tms

HALF = 2**62
PAST = torch.tensor([[HALF, 1], [1, HALF]])  # sums to 2^63 + 2
SCORES = [
    "mutual_info_score", "normalized_mutual_info_score", "adjusted_mutual_info_score", "homogeneity_score",
    "completeness_score", "v_measure_score", "variation_of_information", "adjusted_rand_score", "rand_score",
    "fowlkes_mallows_index", "bcubed_fscore", "purity_score", "cluster_accuracy",
]


@pytest.mark.parametrize("name", SCORES)
@pytest.mark.parametrize("layout", ["dense", "batched", "sparse"])
def test_functional_scores_refuse_totals_past_int64(name, layout):
    table = {"dense": PAST, "batched": torch.stack([torch.eye(2, dtype=torch.long), PAST]),
             "sparse": PAST.to_sparse()}[layout]
    with pytest.raises(ValueError, match=r"`contingency`: the counts (of table 1 )?sum to 9223372036854775810, past"):
        getattr(F, name)(contingency=table)


def test_a_total_just_below_the_limit_scores():
    below = torch.tensor([[HALF - 1, 0], [0, HALF]])  # 2^63 - 1
    assert F.mutual_info_score(contingency=below).item() == pytest.approx(np.log(2), rel=1e-15)
    assert F.normalized_mutual_info_score(contingency=below).item() == 1.0


def test_sklearn_namespace_refuses_them_too():
    with pytest.raises(ValueError, match="sum to 9223372036854775810"):
        tms.mutual_info_score(None, None, contingency=PAST.numpy())
    with pytest.raises(ValueError, match="sum to 9223372036854775810"):
        tms.expected_mutual_information(PAST.numpy(), 2**63 + 2)
    # a float table past int64 would wrap in the cast to int64: its count is named instead
    with pytest.raises(ValueError, match=r"counts must be below 2\*\*63; got a count of 1e\+20"):
        tms.mutual_info_score(None, None, contingency=np.array([[1e20, 1.0], [1.0, 1e20]]))
    assert tms.mutual_info_score(None, None, contingency=np.array([[2.0**61, 0], [0, 2.0**61]])) == pytest.approx(
        np.log(2), rel=1e-15)
