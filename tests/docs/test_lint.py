"""The tree passes ruff with the rules of ``[tool.ruff]`` in pyproject.toml (pyflakes, pycodestyle at
120 columns, import order, bugbear): an unused import, an undefined name or a long line fails CI,
not a reviewer's eye. ``ruff check --fix`` repairs the import order; the rest is by hand.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

pytest.importorskip("ruff")

ROOT = Path(__file__).resolve().parents[2]


def _ruff(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "ruff", *args], cwd=ROOT, capture_output=True, text=True)


def test_the_tree_passes_ruff():
    result = _ruff("check", "--no-cache", "--output-format", "concise", ".")
    assert result.returncode == 0, result.stdout + result.stderr


def test_ruff_reads_the_project_config(tmp_path):
    # A check that cannot fail is no check: a file with a long line and an unused import, checked
    # with the project's settings, must be flagged for both.
    bad = tmp_path / "bad.py"
    bad.write_text("import os\n" + "x = " + "1 + " * 40 + "1\n")
    result = _ruff("check", "--no-cache", "--output-format", "concise", "--config", str(ROOT / "pyproject.toml"),
                   str(bad))
    assert result.returncode == 1
    assert "F401" in result.stdout and "E501" in result.stdout, result.stdout
