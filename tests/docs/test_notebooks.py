"""The teaching notebooks in notebooks/: every source runs, and every saved .ipynb is current.

The sources are ``notebooks/NN_*.py`` (jupytext percent format); ``notebooks/build.py`` turns each
into ``NN_*.ipynb``, executed. Here each source is built and executed afresh (a fresh kernel, the
saved notebooks untouched) and compared with the saved notebook: same cells, and the same outputs
as build.py's staleness check defines them (text and numbers, "an image" for plots, cells tagged
``nondeterministic`` skipped). An exception in any cell, including the cells that assert agreement
with scikit-learn, fails the test. A stale notebook is fixed by ``python notebooks/build.py NAME``.
"""

from __future__ import annotations

import base64
import copy
import importlib.util
import time
from pathlib import Path

import pytest

nbformat = pytest.importorskip("nbformat")
pytest.importorskip("nbclient")
pytest.importorskip("jupytext")
# What the notebooks' kernels import: looked up, not imported here (importing lightning takes seconds).
_MISSING = [name for name in ("ipykernel", "matplotlib", "sklearn", "scipy", "mpmath", "lightning")
            if importlib.util.find_spec(name) is None]
if _MISSING:
    pytest.skip(f"the notebooks need {', '.join(_MISSING)} (the test extra)", allow_module_level=True)

from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output  # noqa: E402 (after the skips)

ROOT = Path(__file__).resolve().parents[2]
NOTEBOOK_DIR = ROOT / "notebooks"


def _load_build():
    spec = importlib.util.spec_from_file_location("notebooks_build", NOTEBOOK_DIR / "build.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


build = _load_build()
SOURCES = build.sources()


def test_every_source_has_its_saved_notebook_and_nothing_else() -> None:
    assert [path.stem for path in SOURCES] == [
        "01_mutual_information",
        "02_normalized_mutual_information",
        "03_adjusted_mutual_information",
        "04_metrics_in_a_loop",
        "05_feature_mutual_information",
    ]
    assert sorted(path.stem for path in NOTEBOOK_DIR.glob("*.ipynb")) == [path.stem for path in SOURCES]


@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_saved_notebook_has_the_cells_of_its_source_and_plots(source: Path) -> None:
    """Fast (no kernel): catches a source edited without rebuilding its notebook."""
    saved = nbformat.read(source.with_suffix(".ipynb"), as_version=4)
    nbformat.validate(saved)
    assert build.stale_cells(saved, build.notebook_from_source(source)) == []
    outputs = [output for cell in saved.cells if cell.cell_type == "code" for output in cell.outputs]
    assert not [o for o in outputs if o.output_type == "error"]
    assert any("image/png" in o.get("data", {}) for o in outputs), "no plots in the saved outputs"


@pytest.mark.slow
@pytest.mark.parametrize("source", SOURCES, ids=lambda path: path.stem)
def test_saved_notebook_outputs_match_a_fresh_run(source: Path) -> None:
    saved_path = source.with_suffix(".ipynb")
    saved_bytes = saved_path.read_bytes()
    start = time.perf_counter()
    fresh = build.execute(build.notebook_from_source(source))  # raises, naming the cell, on any exception
    elapsed = time.perf_counter() - start

    problems = build.stale_cells(nbformat.reads(saved_bytes.decode(), as_version=4), fresh)
    assert not problems, (
        f"{saved_path.name} is stale; rebuild it with `python notebooks/build.py {source.name}`:\n"
        + "\n".join(problems)
    )
    assert saved_path.read_bytes() == saved_bytes, "the saved notebook was modified"
    print(f"{source.stem}: {elapsed:.1f} s")


# ---------------------------------------------------------------- the staleness check itself
PNG = base64.b64encode(b"\x89PNG fake image bytes").decode()


def _executed_notebook() -> nbformat.NotebookNode:
    """A small notebook as a fresh build would leave it, without running a kernel."""
    cells = [
        new_markdown_cell("# title"),
        new_code_cell("print(mi)", execution_count=1, outputs=[
            new_output("stream", name="stdout", text="MI = 0.636514168294813 nats, n = 1,797\n"),
            new_output("stream", name="stderr", text="UserWarning: something\n"),
        ]),
        new_code_cell("plt.plot(x); plt.show()", execution_count=2, outputs=[
            new_output("display_data", data={"image/png": PNG, "text/plain": "<Figure size 400x300 with 1 Axes>"}),
        ]),
        new_code_cell("metric", execution_count=3, outputs=[
            new_output("execute_result", data={"text/plain": "<Metric at 0x7f00deadbeef>"}, execution_count=3),
        ]),
        new_code_cell("print(took)", execution_count=4, metadata={"tags": ["nondeterministic"]}, outputs=[
            new_output("stream", name="stdout", text="took 12 ms\n"),
        ]),
    ]
    return new_notebook(cells=cells)


def _doctored(change) -> nbformat.NotebookNode:
    nb = copy.deepcopy(_executed_notebook())
    change(nb.cells)
    return nb


def _set_stdout(cells, index, text):
    cells[index].outputs[0].text = text


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(
            lambda cells: _set_stdout(cells, 1, "MI = 0.636514169294813 nats, n = 1,797\n"), id="number-off-by-1e-9"
        ),
        pytest.param(lambda cells: _set_stdout(cells, 1, "MI = 0.6365 nats, n = 1,797\n"), id="fewer-digits"),
        pytest.param(lambda cells: _set_stdout(cells, 1, "MI = 0.636514168294813 nats, n = 1,798\n"), id="integer"),
        pytest.param(lambda cells: _set_stdout(cells, 1, "MI = 0.636514168294813 bits, n = 1,797\n"), id="word"),
        pytest.param(lambda cells: cells[1].outputs.pop(0), id="stdout-missing"),
        pytest.param(lambda cells: cells[2].outputs.clear(), id="image-missing"),
        pytest.param(
            lambda cells: cells[2].outputs[0].data.pop("image/png"), id="image-replaced-by-text"
        ),
        pytest.param(lambda cells: setattr(cells[1], "source", "print(mi, 'nats')"), id="code-edited"),
        pytest.param(lambda cells: setattr(cells[0], "source", "# another title"), id="prose-edited"),
        pytest.param(lambda cells: cells.pop(3), id="cell-removed"),
        pytest.param(lambda cells: setattr(cells[2], "execution_count", 7), id="run-out-of-order"),
        pytest.param(
            lambda cells: cells[1].outputs.append(new_output("error", ename="ValueError", evalue="x", traceback=[])),
            id="error-output",
        ),
    ],
)
def test_staleness_check_flags_a_doctored_notebook(change) -> None:
    assert build.stale_cells(_doctored(change), _executed_notebook()) != []


@pytest.mark.parametrize(
    "change",
    [
        pytest.param(lambda cells: None, id="unchanged"),
        pytest.param(lambda cells: _set_stdout(cells, 1, "MI = 0.636514168294812 nats, n = 1,797\n"), id="last-digit"),
        pytest.param(lambda cells: setattr(cells[1].outputs[1], "text", "FutureWarning: other\n"), id="stderr"),
        pytest.param(
            lambda cells: cells[2].outputs[0].data.update({"image/png": base64.b64encode(b"other").decode()}),
            id="image-bytes",
        ),
        pytest.param(
            lambda cells: cells[3].outputs[0].data.update({"text/plain": "<Metric at 0x7f0012345678>"}),
            id="memory-address",
        ),
        pytest.param(lambda cells: _set_stdout(cells, 4, "took 95 ms\n"), id="nondeterministic-cell"),
    ],
)
def test_staleness_check_accepts_what_varies_between_runs(change) -> None:
    assert build.stale_cells(_doctored(change), _executed_notebook()) == []


def test_staleness_check_on_a_saved_notebook() -> None:
    """The real outputs: a saved notebook is current against itself, and a changed number is not."""
    saved = nbformat.read(SOURCES[0].with_suffix(".ipynb"), as_version=4)
    assert build.stale_cells(saved, copy.deepcopy(saved)) == []
    doctored = copy.deepcopy(saved)
    stream = next(o for c in doctored.cells if c.cell_type == "code" for o in c.outputs if o.get("name") == "stdout")
    stream.text = stream.text.replace("0", "1", 1) if "0" in stream.text else stream.text + "1"
    assert build.stale_cells(doctored, saved) != []
