"""Per-group sums, the last step of every batched score: exact for integers, a fixed order for floats."""

from __future__ import annotations

import functools
import operator

import torch
from hypothesis import given
from hypothesis import strategies as st

from torch_mi._table import group_sum

values_by_group = st.lists(
    st.lists(st.floats(-1e12, 1e12, allow_nan=False, width=64), max_size=40), min_size=1, max_size=12
)


@given(values_by_group)
def test_float_groups_are_summed_in_order_the_same_on_every_device(per_group):
    # The reference adds each group's values left to right in float64: any other order (CUDA
    # atomics, a tree) would differ in the last bits for some of these inputs.
    expected = [functools.reduce(operator.add, group, 0.0) for group in per_group]
    values = torch.tensor([v for group in per_group for v in group], dtype=torch.float64)
    groups = torch.tensor([g for g, group in enumerate(per_group) for _ in group], dtype=torch.long)
    devices = ["cpu"] + (["cuda"] if torch.cuda.is_available() else [])
    for device in devices:
        sums = group_sum(values.to(device), groups.to(device), len(per_group))
        assert sums.dtype == torch.float64 and sums.device.type == device
        assert sums.cpu().tolist() == expected


@given(st.lists(st.lists(st.integers(-(2**40), 2**40), max_size=30), min_size=1, max_size=12))
def test_integer_groups_are_summed_exactly(per_group):
    values = torch.tensor([v for group in per_group for v in group], dtype=torch.long)
    groups = torch.tensor([g for g, group in enumerate(per_group) for _ in group], dtype=torch.long)
    assert group_sum(values, groups, len(per_group)).tolist() == [sum(group) for group in per_group]
