"""Build the teaching notebooks from their plain-text sources, executed so they are saved with outputs.

    python notebooks/build.py                          # every NN_*.py source -> NN_*.ipynb
    python notebooks/build.py 04_metrics_in_a_loop.py  # just one
    python notebooks/build.py --check                  # run them all, report stale .ipynb, write nothing

The sources (``NN_name.py``, jupytext "percent" format: ``# %%`` starts a code cell, ``# %% [markdown]``
a prose cell) are what you edit; the ``.ipynb`` files are generated. Each is executed top to bottom
with nbclient in a fresh ``python3`` kernel started in this folder, with the checkout importable.

Staleness (what ``--check`` and tests/docs/test_notebooks.py report): a saved notebook is stale when its
cells differ from its source, or when a fresh execution gives different outputs. Outputs are
compared as text: stdout and the text of results must match, numbers within 1e-9 relative or
1e-12 absolute (float rounding that differs between platforms is not staleness); a plot counts as
"an image", not as its bytes; stderr (warnings, whose wording changes between library versions)
is not compared. A code cell tagged ``nondeterministic`` (``# %% tags=["nondeterministic"]`` in the
source) is run but its outputs are never compared: keep timings, and nothing else, in such cells.
"""

from __future__ import annotations

import argparse
import difflib
import math
import os
import re
import sys
import time
from pathlib import Path
from typing import Optional, Sequence

import jupytext
import nbformat
from nbclient import NotebookClient

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
NONDETERMINISTIC = "nondeterministic"
CELL_TIMEOUT_S = 300
_REL_TOL, _ABS_TOL = 1e-9, 1e-12

_NUMBER = re.compile(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_ADDRESS = re.compile(r"0x[0-9a-fA-F]+")


def sources() -> list[Path]:
    """The notebook sources in this folder, in order: ``NN_name.py``."""
    return sorted(HERE.glob("[0-9][0-9]_*.py"))


def notebook_from_source(source: Path) -> nbformat.NotebookNode:
    """The notebook of a percent-format source, without outputs, with stable cell ids."""
    nb = jupytext.read(source)
    nb.metadata.pop("jupytext", None)  # carries jupytext's version: noise in every diff
    nb.metadata["language_info"] = {"name": "python"}
    for i, cell in enumerate(nb.cells):
        cell.id = f"cell-{i:02d}"
    return nb


def execute(nb: nbformat.NotebookNode, timeout: int = CELL_TIMEOUT_S) -> nbformat.NotebookNode:
    """Run every cell of ``nb`` in place, in a fresh kernel started in this folder; returns ``nb``."""
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [str(ROOT), env.get("PYTHONPATH")]))
    env.pop("MPLBACKEND", None)  # plots go to the inline backend
    # One OpenMP thread: the examples are small, and k-means ran 10-20x slower with two threads on a
    # loaded 2-core machine. Results do not depend on it (seeded, single-threaded either way).
    env.setdefault("OMP_NUM_THREADS", "1")
    client = NotebookClient(
        nb, timeout=timeout, kernel_name="python3", record_timing=False, resources={"metadata": {"path": str(HERE)}}
    )
    client.execute(env=env)  # raises CellExecutionError, naming the cell, on any exception
    return nb


# ------------------------------------------------------------------------------------- staleness
def _tags(cell: nbformat.NotebookNode) -> list:
    return list(cell.get("metadata", {}).get("tags", []))


def _output_summary(cell: nbformat.NotebookNode) -> list[tuple[str, str]]:
    """What of a code cell's outputs is compared: stdout text, result text, 'an image', errors."""
    summary = []
    for output in cell.get("outputs", []):
        kind = output.output_type
        if kind == "stream":
            if output.name == "stdout":
                summary.append(("stdout", output.text))
        elif kind in ("execute_result", "display_data"):
            data = output.get("data", {})
            if any(mime.startswith("image/") for mime in data):
                summary.append(("image", ""))
            else:
                summary.append((kind, data.get("text/plain", "")))
        elif kind == "error":
            summary.append(("error", f"{output.ename}: {output.evalue}"))
    # Consecutive stdout chunks are one text however the kernel happened to flush them.
    merged: list[tuple[str, str]] = []
    for kind, text in summary:
        if merged and kind == "stdout" and merged[-1][0] == "stdout":
            merged[-1] = ("stdout", merged[-1][1] + text)
        else:
            merged.append((kind, text))
    return merged


def _same_text(saved: str, fresh: str) -> bool:
    """Equal texts, except memory addresses and numbers within the tolerance."""
    saved, fresh = _ADDRESS.sub("0x?", saved), _ADDRESS.sub("0x?", fresh)
    if _NUMBER.split(saved) != _NUMBER.split(fresh):
        return False
    return all(
        math.isclose(float(a), float(b), rel_tol=_REL_TOL, abs_tol=_ABS_TOL)
        for a, b in zip(_NUMBER.findall(saved), _NUMBER.findall(fresh))
    )


def _diff(saved: str, fresh: str, limit: int = 8) -> str:
    lines = difflib.unified_diff(saved.splitlines(), fresh.splitlines(), "saved", "fresh", lineterm="", n=0)
    return "\n".join(f"      {line}" for line in list(lines)[2 : 2 + limit])


def stale_cells(saved: nbformat.NotebookNode, fresh: nbformat.NotebookNode) -> list[str]:
    """How the saved notebook differs from a fresh build of its source; [] when it is current.

    ``fresh`` is ``notebook_from_source(...)``, executed to compare outputs too, or not executed
    to compare only the cells.
    """
    problems = []
    saved_cells = [(c.cell_type, c.source, _tags(c)) for c in saved.cells]
    fresh_cells = [(c.cell_type, c.source, _tags(c)) for c in fresh.cells]
    if saved_cells != fresh_cells:
        for i, (s, f) in enumerate(zip(saved_cells, fresh_cells)):
            if s != f:
                problems.append(f"cell {i}: differs from the source\n{_diff(s[1], f[1])}")
                break
        if len(saved_cells) != len(fresh_cells):
            problems.append(f"{len(saved_cells)} cells saved, {len(fresh_cells)} in the source")
        return problems
    executed = any(c.get("execution_count") for c in fresh.cells if c.cell_type == "code")
    if not executed:
        return problems
    for i, (s, f) in enumerate(zip(saved.cells, fresh.cells)):
        if f.cell_type != "code":
            continue
        if s.get("execution_count") != f.get("execution_count"):
            counts = s.get("execution_count"), f.get("execution_count")
            problems.append(f"cell {i}: execution count {counts[0]}, fresh run {counts[1]}")
        if NONDETERMINISTIC in _tags(f):
            continue
        saved_out, fresh_out = _output_summary(s), _output_summary(f)
        if [kind for kind, _ in saved_out] != [kind for kind, _ in fresh_out]:
            problems.append(
                f"cell {i}: saved outputs {[k for k, _ in saved_out]}, fresh run {[k for k, _ in fresh_out]}"
            )
            continue
        for (kind, saved_text), (_, fresh_text) in zip(saved_out, fresh_out):
            if not _same_text(saved_text, fresh_text):
                problems.append(f"cell {i}: {kind} differs\n{_diff(saved_text, fresh_text)}")
    return problems


# ------------------------------------------------------------------------------------------ main
def main(argv: Optional[Sequence[str]] = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("names", nargs="*", help="sources to build, e.g. 01_mutual_information.py (default: all)")
    parser.add_argument("--check", action="store_true", help="report stale saved notebooks; write nothing")
    parser.add_argument("--timeout", type=int, default=CELL_TIMEOUT_S, help="seconds allowed per cell")
    args = parser.parse_args(argv)
    known = {path.name: path for path in sources()}
    unknown = sorted(set(args.names) - set(known))
    if unknown:
        parser.error(f"unknown sources {unknown}; choose from {sorted(known)}")
    stale = 0
    for name, source in known.items():
        if args.names and name not in args.names:
            continue
        start = time.perf_counter()
        nb = execute(notebook_from_source(source), args.timeout)
        nbformat.validate(nb)
        target = source.with_suffix(".ipynb")
        if args.check:
            problems = stale_cells(nbformat.read(target, as_version=4), nb) if target.exists() else ["not built"]
            stale += bool(problems)
            status = "stale:\n" + "\n".join(problems) if problems else "current"
            print(f"{target.name}: {status} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
        else:
            nbformat.write(nb, target)
            print(f"wrote {target.name} ({time.perf_counter() - start:.1f} s)", file=sys.stderr)
    return 1 if stale else 0


if __name__ == "__main__":
    raise SystemExit(main())
