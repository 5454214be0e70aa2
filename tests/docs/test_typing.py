"""The package ships typed (PEP 561): mypy finds no error in it, and user code gets real types from it.

mypy's settings are ``[tool.mypy]`` in pyproject.toml; both runs use them (cwd = the repository root).
One cache under tmp_path serves both, so the second run only checks the snippet.
"""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

pytest.importorskip("mypy")

ROOT = Path(__file__).resolve().parents[2]

USER_CODE = textwrap.dedent(
    """
    import torch
    import torch_mi
    import torch_mi.functional
    import torch_mi.sklearn

    preds = torch.tensor([0, 0, 1, 1])
    target = torch.tensor([0, 0, 1, 0])
    nmi: torch.Tensor = torch_mi.functional.normalized_mutual_info_score(preds, target)
    reveal_type(torch_mi.functional.normalized_mutual_info_score(preds, target))
    ari: float = torch_mi.sklearn.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 0])
    reveal_type(torch_mi.sklearn.adjusted_rand_score([0, 0, 1, 1], [0, 0, 1, 0]))
    metric = torch_mi.NormalizedMutualInfoScore()
    metric.update(preds, target)
    score: torch.Tensor = metric.compute()
    reveal_type(metric.compute())
    table, rows, cols = metric.contingency_matrix(return_labels=True)
    reveal_type(rows)
    """
)
REVEALED = ['"torch._tensor.Tensor"', '"builtins.float"', '"torch._tensor.Tensor"', '"torch._tensor.Tensor"']
WRONG_LINE = "wrong: str = torch_mi.sklearn.adjusted_rand_score([0, 1], [1, 0])\n"


@pytest.fixture(scope="module")
def cache_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("mypy_cache")


def _mypy(cache_dir: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--cache-dir", str(cache_dir), "--no-error-summary", *args],
        cwd=ROOT, capture_output=True, text=True, timeout=600, check=False,
    )


def _revealed(output: str) -> list[str]:
    notes = [line for line in output.splitlines() if "Revealed type is" in line]
    # "builtins.float" (mypy < 1.17 or so) is shown as "float" by newer ones
    return [note.split("Revealed type is ", 1)[1].replace('"float"', '"builtins.float"') for note in notes]


def test_package_is_type_clean(cache_dir: Path) -> None:
    result = _mypy(cache_dir)  # the packages that [tool.mypy] names
    assert result.returncode == 0, f"mypy found errors in torch_mi:\n{result.stdout}{result.stderr}"


def test_user_code_gets_real_types(cache_dir: Path, tmp_path: Path) -> None:
    good = tmp_path / "user_code.py"
    good.write_text(USER_CODE)
    result = _mypy(cache_dir, str(good))
    output = result.stdout + result.stderr
    assert result.returncode == 0, f"mypy refused typical user code:\n{output}"
    assert _revealed(output) == REVEALED, output

    # ... and it can fail: a score assigned to a str is refused, on that line and nowhere else.
    bad = tmp_path / "wrong_code.py"
    bad.write_text(USER_CODE + WRONG_LINE)
    line = (USER_CODE + WRONG_LINE).count("\n")
    result = _mypy(cache_dir, str(bad))
    output = result.stdout + result.stderr
    errors = [row for row in output.splitlines() if ": error:" in row]
    assert result.returncode == 1, output
    assert len(errors) == 1 and f"wrong_code.py:{line}: error:" in errors[0] and "[assignment]" in errors[0], output
