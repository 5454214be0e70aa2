"""Labels that scikit-learn refuses are refused by the drop-ins too, with a ValueError that names them.

A 0-d array is no labeling (scikit-learn: "labels_true must be 1D"), and infinity is no label
("Input contains infinity"); torch_mi.functional refuses 0-d numpy labels as it refuses 0-d tensors.
"""

from __future__ import annotations

import numpy as np
import pytest
import sklearn.metrics.cluster as skm
import torch

from torch_mi import functional as F
from torch_mi import sklearn as tms

# scikit-learn's contingency_matrix checks neither (an IndexError for 0-d, infinity a category): the
# drop-in refuses both all the same, as every other function does
LABEL_SCORES = ["adjusted_rand_score", "rand_score", "mutual_info_score", "adjusted_mutual_info_score",
                "normalized_mutual_info_score", "v_measure_score", "fowlkes_mallows_score", "contingency_matrix",
                "pair_confusion_matrix"]


@pytest.mark.parametrize("name", LABEL_SCORES)
@pytest.mark.parametrize("side", ["labels_true", "labels_pred"])
def test_0d_arrays_are_refused_as_scikit_learn_refuses_them(name, side):
    good, zero_d = np.array([0, 1, 1]), np.array(1)
    args = (zero_d, good) if side == "labels_true" else (good, zero_d)
    if name != "contingency_matrix":
        with pytest.raises(ValueError):
            getattr(skm, name)(*args)
    with pytest.raises(ValueError, match=rf"`{side}` must be 1-D \(one label per sample\); got shape \(\)"):
        getattr(tms, name)(*args)


@pytest.mark.parametrize("name", LABEL_SCORES)
@pytest.mark.parametrize("as_tensor", [False, True])
@pytest.mark.parametrize("value", [np.inf, -np.inf])
def test_infinite_labels_are_refused(name, as_tensor, value):
    labels = np.array([value, 1.0, 2.0, 2.0])
    if name != "contingency_matrix":
        with pytest.raises(ValueError, match="infinity"):
            getattr(skm, name)(labels, [0, 1, 1, 2])
    given = torch.from_numpy(labels) if as_tensor else labels
    with pytest.raises(ValueError, match=r"`labels_true` contains infinity; cluster labels must be finite"):
        getattr(tms, name)(given, [0, 1, 1, 2])


def test_fractional_finite_labels_are_still_categories():
    labels = [0.5, 0.5, 1.5, 2.5]
    with pytest.warns(UserWarning, match="continuous values"):
        ours = tms.adjusted_rand_score(labels, [0, 0, 1, 2])
    assert ours == pytest.approx(skm.adjusted_rand_score(labels, [0, 0, 1, 2]), abs=1e-15)


def test_functional_scores_refuse_0d_numpy_labels_like_0d_tensors():
    for preds, target in [(np.array(1), np.array(2)), (torch.tensor(1), torch.tensor(2))]:
        with pytest.raises(ValueError, match=r"must be 1-D \(one label per sample\); got shape \(\)"):
            F.adjusted_rand_score(preds, target)
