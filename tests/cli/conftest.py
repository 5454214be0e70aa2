"""Labels shared by the command-line tests: small, so that the whole CLI suite stays quick."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from .cli_helpers import csv_text


@pytest.fixture(scope="session")
def labels() -> dict[str, np.ndarray]:
    """600 samples: a string target, a noisy integer copy of it, and string and random clusterings."""
    rng = np.random.default_rng(7)
    truth = rng.integers(0, 6, 600)
    names = np.array(["ant", "bee", "cat", "dog", "eel", "fox"])
    noisy = np.where(rng.random(600) < 0.8, truth * 3 + 100, rng.integers(-5, 5, 600))
    return {
        "truth": names[truth],
        "noisy": noisy,
        "words": np.array([f"c{value}" for value in rng.integers(0, 9, 600)]),
        "random": rng.integers(0, 40, 600),
    }


@pytest.fixture(scope="session")
def csv_file(tmp_path_factory, labels) -> Path:
    path = tmp_path_factory.mktemp("csv") / "labels.csv"
    path.write_text(csv_text(labels))
    return path
