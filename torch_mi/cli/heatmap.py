"""``--heatmap``: the contingency table of one preds column against the target, as an image file."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np

from torch_mi.cli.errors import InputError


def check_plotting() -> None:
    """Fail before reading any data when matplotlib (the ``plot`` extra) is missing."""
    try:
        import matplotlib  # noqa: F401  (the plot extra: imported only when a heatmap is asked for)
    except ImportError:
        raise InputError("--heatmap needs matplotlib: pip install 'torch_mi[plot]'") from None


def write_heatmap(path: Path, table: Any, row_names: list[Any], col_names: list[Any], target: str, preds: str) -> None:
    """Draw the table with torch_mi.plotting, clusters sorted by name, and save it (format by suffix)."""
    # A bare Figure, not pyplot: no window, and the caller's matplotlib backend is left alone.
    from matplotlib.figure import Figure

    from torch_mi.plotting import plot_contingency

    rows = np.argsort(np.array([str(name) for name in row_names]), kind="stable") if _all_text(row_names) \
        else np.arange(len(row_names))
    cols = np.argsort(np.array([str(name) for name in col_names]), kind="stable") if _all_text(col_names) \
        else np.arange(len(col_names))
    counts = table.cpu().numpy()[np.ix_(rows, cols)]
    width = min(max(0.45 * len(cols) + 2.5, 4.0), 12.0)  # as plot_contingency sizes its own figures
    height = min(max(0.45 * len(rows) + 1.5, 3.0), 10.0)
    fig = Figure(figsize=(width, height))
    _, ax = plot_contingency(counts, [row_names[i] for i in rows], [col_names[i] for i in cols], ax=fig.add_subplot())
    ax.set_ylabel(f"target: {target}")
    ax.set_xlabel(f"preds: {preds}")
    try:
        fig.savefig(path, bbox_inches="tight")
    except (OSError, ValueError) as error:
        raise InputError(f"cannot write the heatmap to {str(path)!r}: {' '.join(str(error).split())}") from None


def _all_text(names: list[Any]) -> bool:
    return all(isinstance(name, str) for name in names)
