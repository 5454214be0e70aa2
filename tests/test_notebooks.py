"""The teaching notebooks in notebooks/: they run end to end, and the saved copies are current.

Each notebook is executed with nbclient in a fresh ``python3`` kernel from a copy in a temporary
folder, so the saved notebooks are never rewritten here; an exception in any cell (including the
cells that assert agreement with scikit-learn) fails the test. The saved notebooks must also carry
their outputs and match the cells that ``notebooks/_build.py`` generates: edit the generator and
regenerate (``python notebooks/_build.py``) rather than editing a notebook by hand.
"""

from __future__ import annotations

import functools
import hashlib
import importlib.util
import os
import shutil
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
nbclient = pytest.importorskip("nbclient")
pytest.importorskip("ipykernel")
pytest.importorskip("matplotlib")
pytest.importorskip("sklearn")

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK_DIR = ROOT / "notebooks"
NOTEBOOKS = [
    "01_mutual_information.ipynb",
    "02_normalized_mutual_information.ipynb",
    "03_adjusted_mutual_information.ipynb",
]
CELL_TIMEOUT_S = 120


@functools.lru_cache(maxsize=None)
def _generated() -> dict:
    spec = importlib.util.spec_from_file_location("_notebooks_build", NOTEBOOK_DIR / "_build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.build_notebooks()


def _code_cells(nb) -> list:
    return [cell for cell in nb.cells if cell.cell_type == "code"]


def test_the_generator_makes_exactly_the_saved_notebooks() -> None:
    saved = sorted(path.name for path in NOTEBOOK_DIR.glob("*.ipynb"))
    assert saved == sorted(_generated()) == NOTEBOOKS


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_saved_notebook_matches_its_generator_and_has_outputs(name: str) -> None:
    saved = nbformat.read(NOTEBOOK_DIR / name, as_version=4)
    nbformat.validate(saved)
    generated = _generated()[name]
    assert [(c.id, c.cell_type, c.source) for c in saved.cells] == [
        (c.id, c.cell_type, c.source) for c in generated.cells
    ], f"{name} differs from notebooks/_build.py: regenerate it with `python notebooks/_build.py {name}`"

    code = _code_cells(saved)
    assert [c.execution_count for c in code] == list(range(1, len(code) + 1)), "saved without running top to bottom"
    outputs = [output for cell in code for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no plots in the saved outputs"


@pytest.mark.slow
@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_runs_end_to_end(name: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    original = NOTEBOOK_DIR / name
    digest = hashlib.sha256(original.read_bytes()).hexdigest()
    shutil.copy(original, tmp_path / name)
    nb = nbformat.read(tmp_path / name, as_version=4)

    # The kernel inherits this environment: the checkout must be importable whether or not
    # torch_mi is installed, and plots go to the inline backend.
    monkeypatch.setenv("PYTHONPATH", os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])))
    monkeypatch.delenv("MPLBACKEND", raising=False)
    # Small examples: one OpenMP thread avoids oversubscription on small shared CI machines
    # (scikit-learn's k-means ran 10-20x slower with two threads on a loaded 2-core box).
    if "OMP_NUM_THREADS" not in os.environ:
        monkeypatch.setenv("OMP_NUM_THREADS", "1")

    client = nbclient.NotebookClient(
        nb,
        timeout=CELL_TIMEOUT_S,
        kernel_name="python3",
        record_timing=False,
        resources={"metadata": {"path": str(tmp_path)}},
    )
    start = time.perf_counter()
    client.execute()  # raises CellExecutionError, naming the cell, on any exception
    elapsed = time.perf_counter() - start

    code = _code_cells(nb)
    assert all(cell.execution_count is not None for cell in code)
    assert not [o for cell in code for o in cell.outputs if o.output_type == "error"]
    assert hashlib.sha256(original.read_bytes()).hexdigest() == digest, "the saved notebook was modified"
    print(f"{name}: {elapsed:.1f} s")
