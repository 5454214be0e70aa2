"""Shared fixtures: every device-aware test runs on CPU, and on CUDA when one is present."""

from __future__ import annotations

import os

import pytest
import torch
from hypothesis import HealthCheck, settings

from helpers import CUDA

# Without a GPU the fused Triton kernels are tested in Triton's interpreter, which must be chosen
# before any module defines a kernel: torch_mi._fused_counts is imported by the Metric tests too,
# and whichever test file ran first used to decide (test_fused_counts failed after tests/metrics).
if not torch.cuda.is_available():
    os.environ.setdefault("TRITON_INTERPRET", "1")

settings.register_profile(
    "default",
    deadline=None,  # shared CI machines are noisy; correctness, not speed, is under test here
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.register_profile("thorough", parent=settings.get_profile("default"), max_examples=600)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

DEVICES = [pytest.param("cpu", id="cpu"), pytest.param("cuda", id="cuda", marks=[CUDA, pytest.mark.cuda])]


@pytest.fixture(params=DEVICES)
def device(request) -> str:
    return request.param
