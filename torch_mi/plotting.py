"""Pictures of contingency tables (needs matplotlib: ``pip install 'torch_mi[plot]'``).

matplotlib is imported when a plot is drawn, never at ``import torch_mi``.
"""

from __future__ import annotations

from typing import Any, Optional, Sequence, Union

import numpy as np
import torch

__all__ = ["plot_contingency"]

_MAX_ANNOTATED_CELLS = 400  # 20 x 20: beyond that, numbers in cells are too small to read
_MAX_LABELLED_TICKS = 40  # beyond that, matplotlib picks which ticks to label
_NORMALIZE = (None, "row", "col")
_COLORBAR_LABELS = {None: "samples", "row": "fraction of the target cluster", "col": "fraction of the pred cluster"}


def _pyplot() -> Any:
    try:
        import matplotlib.pyplot as plt
    except ImportError as error:
        raise ImportError(
            "torch_mi.plotting needs matplotlib; install it with `pip install 'torch_mi[plot]'`."
        ) from error
    return plt


def plot_contingency(
    table: Any,
    row_labels: Optional[Union[Sequence[Any], torch.Tensor]] = None,
    col_labels: Optional[Union[Sequence[Any], torch.Tensor]] = None,
    ax: Optional[Any] = None,
    normalize: Optional[str] = None,
    annotate: Optional[bool] = None,
    cmap: Any = "Blues",
) -> tuple[Any, Any]:
    """Draw a contingency table as a heatmap: which target clusters went into which pred clusters.

    Rows are target clusters and columns pred clusters, as in
    :func:`torch_mi.functional.contingency_matrix`. A good clustering shows one dominant cell per
    row (homogeneous) and per column (complete).

    Args:
        table: (R, C) counts: a tensor (dense or sparse, any device), numpy array or nested list.
        row_labels: names of the R target clusters, a sequence or 1-D tensor (default 0 .. R-1).
        col_labels: names of the C pred clusters, a sequence or 1-D tensor (default 0 .. C-1).
        ax: matplotlib axes to draw into; default a new figure.
        normalize: ``None`` for counts, ``"row"`` to show each target cluster's split as fractions
            of its size, ``"col"`` to show each pred cluster's composition.
        annotate: write each cell's value in it; default only when the table has at most 400 cells.
        cmap: matplotlib colormap.

    Returns:
        ``(figure, axes)``.

    Raises:
        ImportError: matplotlib is not installed.
        ValueError: the table is not 2-D, is empty, or the labels do not match its shape.

    Example:
        >>> import matplotlib
        >>> matplotlib.use("Agg")
        >>> from torch_mi.functional import contingency_matrix
        >>> from torch_mi.plotting import plot_contingency
        >>> table, rows, cols = contingency_matrix([0, 0, 1, 1, 1, 2], [5, 5, 5, 7, 7, 7], return_labels=True)
        >>> fig, ax = plot_contingency(table, rows, cols)
        >>> ax.get_xlabel(), ax.get_ylabel()
        ('pred cluster', 'target cluster')
        >>> [text.get_text() for text in ax.texts]
        ['2', '1', '0', '0', '2', '1']
    """
    counts = _as_array(table)
    if normalize not in _NORMALIZE:
        raise ValueError(f"`normalize` must be None, 'row' or 'col'; got {normalize!r}.")
    rows, cols = counts.shape
    row_names = _labels(row_labels, rows, "row_labels")
    col_names = _labels(col_labels, cols, "col_labels")
    values = _normalized(counts, normalize)
    if annotate is None:
        annotate = rows * cols <= _MAX_ANNOTATED_CELLS

    plt = _pyplot()
    if ax is None:
        # Cells of about 0.45 inch when few, within a figure that stays on a screen.
        width = min(max(0.45 * cols + 2.5, 4.0), 12.0)
        height = min(max(0.45 * rows + 1.5, 3.0), 10.0)
        fig, ax = plt.subplots(figsize=(width, height))
    else:
        fig = ax.figure
    image = ax.imshow(values, cmap=cmap, aspect="auto", interpolation="nearest",
                      vmin=0.0, vmax=max(float(values.max()), 1e-12))
    fig.colorbar(image, ax=ax, label=_COLORBAR_LABELS[normalize])
    ax.set_xlabel("pred cluster")
    ax.set_ylabel("target cluster")
    _set_ticks(ax.xaxis, col_names)
    _set_ticks(ax.yaxis, row_names)
    if cols > 10:
        ax.tick_params(axis="x", labelrotation=90)
    if annotate:
        _annotate(ax, image, counts, values, normalize)
    return fig, ax


def _as_array(table: Any) -> np.ndarray:
    if isinstance(table, torch.Tensor):
        table = table.detach()
        if table.is_sparse:
            table = table.to_dense()
        table = table.cpu().numpy()
    array = np.asarray(table)
    if array.ndim != 2:
        raise ValueError(f"`table` must be 2-D (target clusters x pred clusters); got shape {array.shape}.")
    if array.size == 0:
        raise ValueError(f"`table` is empty (shape {array.shape}): there is nothing to plot yet.")
    if array.dtype.kind not in "biuf":
        raise ValueError(f"`table` must hold numbers; got dtype {array.dtype}.")
    return array


def _labels(labels: Optional[Union[Sequence[Any], torch.Tensor]], size: int, name: str) -> list[str]:
    if labels is None:
        return [str(i) for i in range(size)]
    if isinstance(labels, torch.Tensor):
        labels = labels.detach().cpu().tolist()
    names = [str(label) for label in labels]
    if len(names) != size:
        raise ValueError(f"`{name}` must name all {size} clusters of the table's axis; got {len(names)} labels.")
    return names


def _normalized(counts: np.ndarray, normalize: Optional[str]) -> np.ndarray:
    values = counts.astype(np.float64)
    if normalize is None:
        return values
    totals = values.sum(axis=1 if normalize == "row" else 0, keepdims=True)
    # An empty row or column (a dense table's unused label) stays 0 rather than 0 / 0.
    return np.divide(values, totals, out=np.zeros_like(values), where=totals > 0)


def _set_ticks(axis: Any, names: list[str]) -> None:
    from matplotlib.ticker import FuncFormatter, MaxNLocator

    if len(names) <= _MAX_LABELLED_TICKS:
        axis.set_ticks(range(len(names)), labels=names)
        return
    axis.set_major_locator(MaxNLocator(nbins=20, integer=True))
    axis.set_major_formatter(FuncFormatter(
        lambda position, _: names[int(position)] if 0 <= int(position) < len(names) else ""
    ))


def _annotate(ax: Any, image: Any, counts: np.ndarray, values: np.ndarray, normalize: Optional[str]) -> None:
    for (row, col), value in np.ndenumerate(values):
        if normalize is None:
            text = f"{counts[row, col]:g}" if counts.dtype.kind == "f" else str(int(counts[row, col]))
        else:
            text = f"{value:.2f}"
        red, green, blue, _ = image.cmap(image.norm(value))
        # Dark text on light cells, light text on dark cells, whatever the colormap.
        color = "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
        ax.text(col, row, text, ha="center", va="center", color=color, fontsize="small")
