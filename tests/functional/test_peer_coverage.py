"""Every clustering score of the peers' namespaces is either here under the same name, or, where
torch_mi leaves it to the peer (it does not come from a contingency table), looking it up says so
and names the peer's function, which must exist."""

from __future__ import annotations

import importlib

import pytest
import sklearn.metrics.cluster
import torchmetrics.clustering
import torchmetrics.functional.clustering

import torch_mi
import torch_mi.functional
import torch_mi.sklearn
from torch_mi._elsewhere import ELSEWHERE, ScoredElsewhere

PEERS = [
    (torch_mi, torchmetrics.clustering),
    (torch_mi.functional, torchmetrics.functional.clustering),
    (torch_mi.sklearn, sklearn.metrics.cluster),
]


@pytest.mark.parametrize(("ours", "theirs"), PEERS, ids=lambda module: module.__name__)
def test_every_peer_score_is_here_or_points_to_the_peer(ours, theirs):
    names = [name for name in theirs.__all__ if not name.startswith("_")]
    here = [name for name in names if name in ours.__all__]
    elsewhere = [name for name in names if name not in ours.__all__]
    assert here, f"no score of {theirs.__name__} in {ours.__name__}"
    _, listed = ELSEWHERE[ours.__name__]
    assert set(elsewhere) <= set(listed), f"{theirs.__name__} has scores torch_mi neither has nor points to"
    for name in elsewhere:
        peer = importlib.import_module(ELSEWHERE[ours.__name__][0])
        assert callable(getattr(peer, name))
        with pytest.raises(ScoredElsewhere, match=rf"^module '{ours.__name__}' has no attribute '{name}': .* "
                                                  rf"use {peer.__name__}\.{name}$"):
            getattr(ours, name)
        # PEP 562: an AttributeError, so the usual probes and fallbacks work.
        assert not hasattr(ours, name) and getattr(ours, name, None) is None
        with pytest.raises(ImportError):
            exec(f"from {ours.__name__} import {name}", {})


@pytest.mark.parametrize("module", [torch_mi, torch_mi.functional, torch_mi.sklearn], ids=lambda m: m.__name__)
def test_other_missing_names_are_plain_attribute_errors(module):
    assert not hasattr(module, "no_such_score")
    with pytest.raises(AttributeError, match=f"^module '{module.__name__}' has no attribute 'no_such_score'$"):
        module.no_such_score  # noqa: B018 - the lookup is the test
