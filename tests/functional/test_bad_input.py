"""Bad input raises TypeError/ValueError naming the argument, what was given and what is expected."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from torch_mi import functional as F

SCORES = [F.mutual_info_score, F.normalized_mutual_info_score, F.adjusted_mutual_info_score, F.v_measure_score]
GOOD = torch.tensor([0, 1, 1, 0])


@pytest.mark.parametrize("score", SCORES)
@pytest.mark.parametrize(
    "bad",
    [
        torch.tensor([0.0, 1.0, 1.0, 0.0]),
        torch.tensor([0, 1, 1, 0], dtype=torch.float16),
        torch.tensor([0, 1, 1, 0], dtype=torch.complex64),
        np.array([0.0, 1.0, 1.0, 0.0]),
        [0.5, 1, 1, 0],
        "abba",
        3,
    ],
    ids=["float32", "float16", "complex", "numpy-float", "list-float", "str", "int"],
)
@pytest.mark.parametrize("side", ["preds", "target"])
def test_non_integer_labels_raise_type_error(score, bad, side):
    args = (bad, GOOD) if side == "preds" else (GOOD, bad)
    with pytest.raises(TypeError, match=rf"`{side}`.*(integer|got)"):
        score(*args)


@pytest.mark.parametrize("score", SCORES)
def test_shapes_are_checked(score):
    with pytest.raises(ValueError, match=r"`target` must be 1-D.*\(2, 2\)"):
        score(GOOD, GOOD.reshape(2, 2))
    with pytest.raises(ValueError, match=r"`preds`.*2-D \(B, N\).*\(1, 2, 2\)"):
        score(GOOD.reshape(1, 2, 2), GOOD)
    with pytest.raises(ValueError, match=r"same samples.*`preds` has 3.*`target` has 4"):
        score(GOOD[:3], GOOD)
    with pytest.raises(ValueError, match=r"`preds` has 3"):
        score(torch.zeros(2, 3, dtype=torch.long), GOOD)  # batched preds with the wrong N


def test_zero_dim_labels_are_rejected():
    with pytest.raises(ValueError, match=r"`target` must be 1-D.*\(\)"):
        F.mutual_info_score(torch.tensor(1), torch.tensor(1))


@pytest.mark.parametrize("score", [F.normalized_mutual_info_score, F.adjusted_mutual_info_score])
@pytest.mark.parametrize("method", ["mean", "Arithmetic", "", None, 1])
def test_unknown_average_method(score, method):
    with pytest.raises(ValueError, match=r"`average_method` must be one of .*'arithmetic'.*got"):
        score(GOOD, GOOD, average_method=method)


@pytest.mark.parametrize(
    "base, error",
    [(0, ValueError), (-2, ValueError), (1, ValueError), (1.0, ValueError), (math.inf, ValueError),
     (math.nan, ValueError), ("2", TypeError), (True, TypeError), (None.__class__, TypeError)],
)
def test_bad_log_base(base, error):
    with pytest.raises(error, match=r"`log_base` must be None or a positive real number other than 1"):
        F.mutual_info_score(GOOD, GOOD, log_base=base)
    with pytest.raises(error, match=r"`log_base`"):
        F.entropy(GOOD, log_base=base)


@pytest.mark.parametrize("beta, error", [(-1, ValueError), (math.inf, ValueError), ("2", TypeError), (None, TypeError)])
def test_bad_beta(beta, error):
    with pytest.raises(error, match=rf"`beta` must be a non-negative finite number; got {beta!r}"):
        F.v_measure_score(GOOD, GOOD, beta=beta)


def test_expected_mutual_info_arguments():
    with pytest.raises(ValueError, match="either `contingency` or `row_sums`"):
        F.expected_mutual_info(torch.ones(2, 2, dtype=torch.long), row_sums=[1])
    with pytest.raises(ValueError, match="both `row_sums` and `col_sums`"):
        F.expected_mutual_info(row_sums=[1, 2])
    with pytest.raises(ValueError, match=r"total 3 and 4"):
        F.expected_mutual_info(row_sums=[1, 2], col_sums=[4])
    with pytest.raises(ValueError, match=r"`row_sums` must hold non-negative counts; got a minimum of -1"):
        F.expected_mutual_info(row_sums=[-1, 2], col_sums=[1])
    with pytest.raises(ValueError,
                       match=r"`contingency` must be a \(R, C\) or \(B, R, C\) table of counts; got shape \(3,\)"):
        F.expected_mutual_info(torch.ones(3, dtype=torch.long))
    with pytest.raises(TypeError, match=r"`contingency` must hold integer"):
        F.expected_mutual_info(torch.ones(2, 2))


@pytest.mark.cuda
@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
def test_labels_on_different_devices():
    with pytest.raises(ValueError, match=r"same device.*`preds` on cuda.*`target` on cpu"):
        F.mutual_info_score(GOOD.cuda(), GOOD)
